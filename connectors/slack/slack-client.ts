import { webApi } from '@slack/bolt';
import type { SlackConfig } from './slack.types';

export type WebClient = webApi.WebClient;

/**
 * How long one Slack Web API request may take. Slack calls run inside the notify job and, per channel, one
 * at a time behind the channel pacer: a hung call would hold that channel's queue and the job. With no
 * timeout the client waits forever (its default is 0).
 */
export const SLACK_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Web API client options shared by Bolt's clients and the notifier's: the configurable base URL (tests,
 * demos), the request timeout, and a short retry policy (a job retries the whole notification later). A
 * timed-out call is not retried here: Slack may have carried it out (a post would show twice), so it fails
 * at once and the caller decides.
 */
export function webClientOptions(config: Pick<SlackConfig, 'apiUrl' | 'requestTimeoutMs'>): webApi.WebClientOptions {
  return {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/` } : {}),
    timeout: config.requestTimeoutMs ?? SLACK_REQUEST_TIMEOUT_MS,
    retryConfig: {
      retries: 2,
      factor: 2,
      minTimeout: 200,
      maxTimeout: 2000,
      // The web client runs its retries with p-retry (`pRetry(task, retryConfig)`), which stops when this
      // throws; its type names only node-retry's options. slack.notifier.test.ts checks that it holds.
      onFailedAttempt: (error: unknown) => {
        if (isSlackTimeout(error)) throw error;
      },
    } as webApi.RetryOptions,
  };
}

/**
 * The web client's error for a request its `timeout` aborted. It wraps fetch's TimeoutError, or, when that
 * DOMException comes from another realm (jest) and fails `instanceof Error`, an Error named by its text.
 */
export function isSlackTimeout(error: unknown): boolean {
  const e = error as { code?: unknown; original?: { name?: unknown; message?: unknown } } | null;
  if (e?.code !== webApi.ErrorCode.RequestError) return false;
  return e.original?.name === 'TimeoutError' || (typeof e.original?.message === 'string' && e.original.message.startsWith('TimeoutError'));
}

/** One WebClient per bot token; 429s are handed to the caller (the channel pacer honours Retry-After). */
export class SlackClientPool {
  private readonly clients = new Map<string, webApi.WebClient>();

  constructor(private readonly config: Pick<SlackConfig, 'apiUrl' | 'requestTimeoutMs'>) {}

  get(token: string): webApi.WebClient {
    let client = this.clients.get(token);
    if (!client) {
      client = new webApi.WebClient(token, { ...webClientOptions(this.config), rejectRateLimitedCalls: true });
      this.clients.set(token, client);
    }
    return client;
  }
}
