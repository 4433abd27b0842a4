import IORedis from 'ioredis';
import { MemoryStore, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';

interface WarnLogger {
  warn(obj: object, msg: string): void;
}

export interface RateLimitStoresOptions {
  /** Unset: each limiter counts in its own process's memory (the embedded default runs one process). */
  redisUrl?: string;
  /** Prepended to every key, so deployments or test runs sharing one Redis keep their counts apart. Default `tandem:rl:`. */
  prefix?: string;
  logger?: WarnLogger;
  /** Longest a limiter waits on Redis before counting in memory instead. Default 500 ms. */
  commandTimeoutMs?: number;
  /** After a Redis failure, how long limiters count in memory before trying Redis again. Default 5 s. */
  retryAfterMs?: number;
}

const DEFAULT_PREFIX = 'tandem:rl:';
/** One warning a minute is enough to say the limits are per process; one a request would flood the log. */
const WARN_EVERY_MS = 60_000;

/**
 * Where the HTTP rate limiters count. With Redis the counts are shared, so API processes scaled out
 * behind a load balancer together allow a limit once, not once each. Without Redis each limiter keeps
 * express-rate-limit's default memory store. One connection serves every limiter of the process; it
 * is opened on first use, so a worker process (no routes) opens none.
 */
export class RateLimitStores {
  private client: IORedis | null = null;
  private readonly stores: SharedStore[] = [];
  private lastWarning = 0;

  constructor(private readonly options: RateLimitStoresOptions = {}) {}

  /** A store for one limiter (express-rate-limit refuses one store for two limiters); undefined → its memory default. */
  store(name: string): Store | undefined {
    const { redisUrl } = this.options;
    if (!redisUrl) return undefined;
    if (!this.client) {
      // As the BullMQ producer does: fail fast while Redis is down rather than queue commands and hold requests.
      this.client = new IORedis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: this.options.commandTimeoutMs ?? 500 });
      this.client.on('error', () => undefined);
    }
    const store = new SharedStore(this.client, `${this.options.prefix ?? DEFAULT_PREFIX}${name}:`, this.options.retryAfterMs ?? 5_000, (err, prefix) =>
      this.warn(err, prefix),
    );
    this.stores.push(store);
    return store;
  }

  /** Resolves true once the shared connection is up, false if it fails first or there is none. */
  async connected(): Promise<boolean> {
    const client = this.client;
    if (!client) return false;
    if (client.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (up: boolean) => {
        client.off('ready', onReady).off('error', onError);
        resolve(up);
      };
      const onReady = () => done(true);
      const onError = () => done(false);
      client.once('ready', onReady).once('error', onError);
    });
  }

  /** Closes the Redis connection; call after the HTTP server stopped taking requests. */
  async close(): Promise<void> {
    for (const store of this.stores) store.shutdown();
    const client = this.client;
    this.client = null;
    if (!client) return;
    // QUIT lets replies in flight arrive; a connection not up yet would wait on it for nothing.
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
    else client.disconnect();
  }

  private warn(err: unknown, prefix: string): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.options.logger?.warn(
      { err: err instanceof Error ? err.message : String(err), store: prefix },
      'rate limit store unreachable: limiting per process until Redis answers again',
    );
  }
}

/**
 * Counts in Redis (rate-limit-redis), and in this process's memory while Redis cannot answer.
 *
 * Why fall back rather than fail open or fail closed: the limited routes (public form submissions,
 * console sign-in) do not need Redis to do their work, so a Redis outage must not turn them into 500s
 * (express-rate-limit's default on a store error) or 429s. Letting everything through (its
 * `passOnStoreError`) would lift the flood protection exactly while part of the system is down.
 * Per-process counting keeps a limit — each API process allows the full limit, as before Redis was
 * used for this — and costs nothing extra. When Redis answers again the shared counts take over.
 */
class SharedStore implements Store {
  /** Read by express-rate-limit's check that one request increments a key once per limiter. */
  readonly prefix: string;
  private redis: RedisStore | null = null;
  private readonly memory = new MemoryStore();
  private options: Options | null = null;
  private redisAgainAt = 0;

  constructor(
    private readonly client: IORedis,
    prefix: string,
    private readonly retryAfterMs: number,
    private readonly onFailure: (err: unknown, prefix: string) => void,
  ) {
    this.prefix = prefix;
  }

  init(options: Options): void {
    this.options = options;
    this.memory.init(options);
  }

  async increment(key: string): Promise<IncrementResponse> {
    const redis = this.usable();
    if (redis) {
      try {
        return await redis.increment(key);
      } catch (err) {
        // RedisStore keeps the promise of its script load: after a failure start a fresh one, so a
        // load that failed (Redis restarting) is not replayed on every later request.
        this.redis = null;
        this.redisAgainAt = Date.now() + this.retryAfterMs;
        this.onFailure(err, this.prefix);
      }
    } else {
      this.onFailure(new Error(`redis connection ${this.client.status}`), this.prefix);
    }
    return this.memory.increment(key);
  }

  async decrement(key: string): Promise<void> {
    await this.memory.decrement(key);
    await this.usable()?.decrement(key).catch(() => undefined);
  }

  async resetKey(key: string): Promise<void> {
    await this.memory.resetKey(key);
    await this.usable()?.resetKey(key).catch(() => undefined);
  }

  shutdown(): void {
    this.memory.shutdown();
  }

  /** The Redis store when the connection is up and no recent failure asks to wait; created lazily. */
  private usable(): RedisStore | null {
    if (this.client.status !== 'ready' || Date.now() < this.redisAgainAt || !this.options) return null;
    if (!this.redis) {
      const client = this.client;
      this.redis = new RedisStore({
        prefix: this.prefix,
        sendCommand: (command: string, ...args: string[]) => client.call(command, ...args) as Promise<RedisReply>,
      });
      // Loads the scripts; a failure surfaces in the increment that awaits them.
      this.redis.init(this.options).catch(() => undefined);
    }
    return this.redis;
  }
}
