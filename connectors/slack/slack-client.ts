import { webApi } from '@slack/bolt';
import type { SlackConfig } from './slack.types';

export type WebClient = webApi.WebClient;

/**
 * Web API client options shared by Bolt's clients and the notifier's: the configurable base URL (tests,
 * demos) and a short retry policy (a job retries the whole notification later).
 */
export function webClientOptions(config: Pick<SlackConfig, 'apiUrl'>): webApi.WebClientOptions {
  return {
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/` } : {}),
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
  };
}

/** One WebClient per bot token; 429s are handed to the caller (the channel pacer honours Retry-After). */
export class SlackClientPool {
  private readonly clients = new Map<string, webApi.WebClient>();

  constructor(private readonly config: Pick<SlackConfig, 'apiUrl'>) {}

  get(token: string): webApi.WebClient {
    let client = this.clients.get(token);
    if (!client) {
      client = new webApi.WebClient(token, { ...webClientOptions(this.config), rejectRateLimitedCalls: true });
      this.clients.set(token, client);
    }
    return client;
  }
}
