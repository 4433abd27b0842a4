/** Slack's Web API error for a 429 when the client is told not to retry by itself. */
interface RateLimitedError {
  code: 'slack_webapi_rate_limited_error';
  retryAfter: number;
}

export function isRateLimited(error: unknown): error is RateLimitedError {
  return (error as { code?: unknown })?.code === 'slack_webapi_rate_limited_error';
}

export interface ChannelPacerOptions {
  /** Minimum gap between two calls to one channel (Slack: about one message per second). */
  intervalMs: number;
  /** How many 429s in a row to sit out before giving up (the caller's job retries later). */
  maxRateLimitRetries?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs Slack calls one at a time per channel, at most one per `intervalMs`, and sits out a 429 for its
 * `Retry-After` before trying again, holding back the rest of that channel's queue meanwhile.
 * In-process only: several API processes each pace themselves (Slack tolerates short bursts).
 */
export class ChannelPacer {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly lastAt = new Map<string, number>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxRetries: number;

  constructor(private readonly options: ChannelPacerOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.maxRetries = options.maxRateLimitRetries ?? 3;
  }

  /** Queues `task` behind earlier tasks for the same channel; resolves with its result. */
  run<T>(channel: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(channel) ?? Promise.resolve();
    const result = previous.then(() => this.execute(channel, task));
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(channel, tail);
    void tail.then(() => {
      if (this.tails.get(channel) === tail) this.tails.delete(channel);
    });
    return result;
  }

  private async execute<T>(channel: string, task: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      const last = this.lastAt.get(channel);
      if (last !== undefined) {
        const wait = last + this.options.intervalMs - this.now();
        if (wait > 0) await this.sleep(wait);
      }
      this.lastAt.set(channel, this.now());
      try {
        return await task();
      } catch (error) {
        if (!isRateLimited(error) || attempt >= this.maxRetries) throw error;
        await this.sleep(Math.max(1, error.retryAfter) * 1000);
      }
    }
  }
}
