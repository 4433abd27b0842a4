import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { keepConnectionsAlive } from './keep-alive';

/**
 * One raw TCP connection (no HTTP client library in between): a request, 6 s of idleness (past Node's
 * default 5 s), then a second request on the same connection is still answered.
 */
describe('kept-alive connections', () => {
  it('stay open past Node’s default five seconds of idleness', async () => {
    const server = keepConnectionsAlive(http.createServer((_req, res) => res.end('ok')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    let closed = false;
    socket.on('close', () => (closed = true));
    const answers = () => received.split('HTTP/1.1 200 OK').length - 1;
    const ask = async (n: number) => {
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
      for (let i = 0; i < 200 && answers() < n && !closed; i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await new Promise<void>((r) => socket.once('connect', () => r()));
      await ask(1);
      expect(received).toMatch(/Keep-Alive: timeout=65/i);
      await new Promise((r) => setTimeout(r, 6_000));
      expect(closed).toBe(false);
      await ask(2);
      expect(answers()).toBe(2);
    } finally {
      socket.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }, 15_000);
});
