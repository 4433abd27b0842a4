import * as http from 'node:http';
import * as https from 'node:https';
import { Client } from '@hubspot/api-client';
import type { RequestContext, ResponseContext } from '@hubspot/api-client/lib/codegen/crm/contacts';
import { CrmRetryableError } from '../../core/index';

export const HUBSPOT_API_BASE = 'https://api.hubapi.com';

/**
 * How long one HubSpot request may take. The CRM sync claims a lead for 5 minutes while it calls HubSpot
 * (core/crm/crm-sync.job.ts) and a sync is at most about six requests, so a hung HubSpot fails the run well
 * inside its claim instead of answering after another run took the lead over (and creating a second contact).
 */
export const HUBSPOT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Per-call options every API method takes as its last argument; see {@link createHubSpotClient}. Each
 * generated module declares its own (structurally equal, nominally distinct) options type, so the value
 * is typed `never` to fit them all.
 */
export type HubSpotCallOptions = never;

/** What {@link createHubSpotClient} gives a call chain. */
export interface HubSpotApi {
  client: Client;
  /** Pass as the last argument of every API method. */
  call: HubSpotCallOptions;
  /** Wrap every API call: rejects with {@link HubSpotTimeoutError} when HubSpot has not answered in time. */
  timed<T>(request: Promise<T>): Promise<T>;
}

/**
 * A HubSpot API client for one call chain, and the options to pass as the last argument of every call.
 * Why per call: in @hubspot/api-client 13.5 the generated APIs apply configured middleware (including the
 * `httpAgent`) only when call-time options are given. The options add: no keep-alive sockets (short-lived
 * clients; nock hangs on keep-alive sockets) and a status-preserving error for non-JSON error bodies.
 * Retries are off on purpose: core owns retries, back-off and dead letters, so a 429 or 5xx surfaces at
 * once as a {@link CrmRetryableError}.
 *
 * Timeouts: the client has none and no option for one (HubSpot/hubspot-api-nodejs#387): its node-fetch
 * library passes no signal, and a call-time `httpApi` is ignored by the generated APIs. So `timed` races
 * each call against `timeoutMs` and then destroys this chain's agent, which closes the request's socket.
 */
export function createHubSpotClient(opts: { accessToken?: string; basePath?: string; timeoutMs?: number }): HubSpotApi {
  const basePath = (opts.basePath ?? HUBSPOT_API_BASE).replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? HUBSPOT_REQUEST_TIMEOUT_MS;
  const agent = basePath.startsWith('http://') ? new http.Agent({ keepAlive: false }) : new https.Agent({ keepAlive: false });
  const client = new Client({ accessToken: opts.accessToken, basePath, httpAgent: agent, numberOfApiCallRetries: 0 });
  const middleware = {
    pre: async (ctx: RequestContext) => {
      ctx.setAgent(agent);
      return ctx;
    },
    post: (ctx: ResponseContext) => keepStatusOfNonJsonErrors(ctx),
  };
  const call = { middleware: [middleware], middlewareMergeStrategy: 'append' as const };
  const timed = <T>(request: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        agent.destroy();
        reject(new HubSpotTimeoutError(timeoutMs));
      }, timeoutMs);
    });
    return Promise.race([request, deadline]).finally(() => clearTimeout(timer));
  };
  return { client, call: call as HubSpotCallOptions, timed };
}

/**
 * HubSpot did not answer in time. The request may have reached HubSpot and been carried out, so this is
 * never "not done": it is retried, and the retry looks for what it may have written before writing.
 */
export class HubSpotTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'HubSpotTimeoutError';
  }
}

/** An HTTP error whose body was not JSON (a proxy's 502 page): shaped like the client's `ApiException`. */
export class HubSpotHttpError extends Error {
  constructor(
    readonly code: number,
    readonly headers: Record<string, string>,
    readonly body: { message: string },
  ) {
    super(`HubSpot answered ${code}: ${body.message}`);
    this.name = 'HubSpotHttpError';
  }
}

/**
 * The generated client throws a bare "Cannot parse content" error, losing the status, when an error
 * response is not JSON. Catch those first so a 502 from a proxy is still seen as a 502 (retryable).
 */
async function keepStatusOfNonJsonErrors(res: ResponseContext): Promise<ResponseContext> {
  const contentType = res.headers['content-type'] ?? '';
  if (res.httpStatusCode >= 400 && !/json/i.test(contentType)) {
    const text = await res.body.text().catch(() => '');
    throw new HubSpotHttpError(res.httpStatusCode, res.headers, { message: text.slice(0, 200) || 'no body' });
  }
  return res;
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
 * Translates a thrown HubSpot/network error into the port's vocabulary: 429, 5xx, timeouts and network
 * failures are retryable; everything else is not.
 */
export function toCrmError(err: unknown, what: string): Error {
  if (err instanceof CrmRetryableError || err instanceof HubSpotRequestError) return err;
  if (err instanceof HubSpotTimeoutError) return new CrmRetryableError(`HubSpot gave no answer within ${err.timeoutMs} ms while ${what} (it may have done it)`);
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
