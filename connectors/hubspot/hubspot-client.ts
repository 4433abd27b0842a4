import * as http from 'node:http';
import * as https from 'node:https';
import { Client } from '@hubspot/api-client';
import { CrmRetryableError } from '../../core/ports/crm-adapter.port';

export const HUBSPOT_API_BASE = 'https://api.hubapi.com';

/**
 * A HubSpot API client for one call chain. Retries are off on purpose: core owns retries, back-off and
 * dead letters, so a 429 or 5xx surfaces at once as a {@link CrmRetryableError}. Sockets are not kept alive
 * (short-lived clients; nock in tests hangs on keep-alive sockets).
 */
export function createHubSpotClient(opts: { accessToken?: string; basePath?: string }): Client {
  const basePath = (opts.basePath ?? HUBSPOT_API_BASE).replace(/\/+$/, '');
  const httpAgent = basePath.startsWith('http://') ? new http.Agent({ keepAlive: false }) : new https.Agent({ keepAlive: false });
  return new Client({ accessToken: opts.accessToken, basePath, httpAgent, numberOfApiCallRetries: 0 });
}

/** HubSpot's API errors (`ApiException` of the generated client) carry the HTTP status in `code`. */
export function hubSpotStatus(err: unknown): number | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}

/** The message HubSpot put in the error body, for diagnostics (never contains tokens). */
export function hubSpotMessage(err: unknown): string {
  const body = (err as { body?: { message?: unknown; category?: unknown } } | null)?.body;
  if (body && typeof body.message === 'string') return body.message;
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

/** How long HubSpot asks us to wait: `Retry-After` (seconds) or the rate-limit interval header (ms). */
export function retryAfterMs(err: unknown): number | null {
  const headers = (err as { headers?: Record<string, string> } | null)?.headers ?? {};
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
  return Number.isFinite(interval) && interval > 0 ? interval : null;
}

/** A HubSpot failure that is not worth retrying (bad input, revoked access): the job dead-letters. */
export class HubSpotRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'HubSpotRequestError';
  }
}

/**
 * Translates a thrown HubSpot/network error into the port's vocabulary: 429, 5xx and network failures are
 * retryable; everything else is not.
 */
export function toCrmError(err: unknown, what: string): Error {
  if (err instanceof CrmRetryableError || err instanceof HubSpotRequestError) return err;
  const status = hubSpotStatus(err);
  if (status === 429) return new CrmRetryableError(`HubSpot rate limit while ${what}`, retryAfterMs(err));
  if (status !== null && status >= 500) return new CrmRetryableError(`HubSpot ${status} while ${what}: ${hubSpotMessage(err)}`, retryAfterMs(err));
  if (status === null && isNetworkError(err)) return new CrmRetryableError(`HubSpot unreachable while ${what}: ${hubSpotMessage(err)}`);
  return new HubSpotRequestError(`HubSpot ${status} while ${what}: ${hubSpotMessage(err)}`, status);
}

/** node-fetch's FetchError (`type: 'system'`, `code: 'ECONNRESET'` ...) or a socket error. */
function isNetworkError(err: unknown): boolean {
  const e = err as { name?: unknown; type?: unknown; code?: unknown } | null;
  return !!e && (e.name === 'FetchError' || e.type === 'system' || (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)));
}
