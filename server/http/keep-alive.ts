import type { Server } from 'node:http';

/**
 * How long an idle kept-alive connection stays open: longer than the idle timeout of the proxies and load
 * balancers that usually sit in front (60 s on the common ones). With Node's default of 5 s the server
 * closes connections the proxy, or Twilio itself, is about to reuse, and that race turns a webhook into a
 * 502 or a reset instead of a 200.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export function keepConnectionsAlive(server: Server): Server {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Must exceed keepAliveTimeout, or a request arriving on a connection near its end can be cut off.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  return server;
}
