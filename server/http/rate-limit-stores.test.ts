import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { Options, Store } from 'express-rate-limit';
import IORedis from 'ioredis';
import { RateLimitStores } from './rate-limit-stores';
import { failingRedis } from './test-support/failing-redis';

// Sharing needs Redis: that half runs in the real-services tier (REDIS_URL set).
const redisUrl = process.env.REDIS_URL;
const WINDOW = { windowMs: 60_000 } as Options;

const warnings = () => {
  const seen: Array<{ obj: object; msg: string }> = [];
  return { seen, logger: { warn: (obj: object, msg: string) => seen.push({ obj, msg }) } };
};

const initialised = (store: Store | undefined): Store => {
  if (!store) throw new Error('expected a Redis-backed store');
  void store.init?.(WINDOW);
  return store;
};

const hits = async (store: Store, key: string) => (await store.increment(key)).totalHits;

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

/** A TCP relay in front of Redis that a test can cut and restore, as a network fault would. */
async function relayTo(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((inbound) => {
        const outbound = net.connect(Number(target.port || 6379), target.hostname);
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    url: () => `redis://127.0.0.1:${port}`,
    async cut() {
      await new Promise<void>((resolve) => {
        server!.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    restore: listen,
    /** Stops forwarding without closing anything: Redis looks hung. */
    stall() {
      for (const s of sockets) s.pause();
    },
  };
}

describe('RateLimitStores', () => {
  it('without Redis leaves each limiter to its own memory store', async () => {
    const stores = new RateLimitStores();
    expect(stores.store('capture:ip')).toBeUndefined();
    expect(await stores.connected()).toBe(false);
    await stores.close();
  });

  it('counts in memory and warns (once) when Redis fails a command, instead of failing the request', async () => {
    const { seen, logger } = warnings();
    const redis = await failingRedis();
    const stores = new RateLimitStores({ redisUrl: redis.url, logger });
    const store = initialised(stores.store('capture:ip'));
    expect(await stores.connected()).toBe(true);
    expect([await hits(store, '198.51.100.1'), await hits(store, '198.51.100.1'), await hits(store, '198.51.100.2')]).toEqual([1, 2, 1]);
    expect(redis.commands).toContain('SCRIPT'); // Redis was asked first
    expect(seen).toEqual([
      { obj: expect.objectContaining({ store: 'tandem:rl:capture:ip:', err: expect.stringContaining('simulated failure') }), msg: expect.stringContaining('limiting per process') },
    ]);
    await stores.close();
    await redis.close();
  });

  if (redisUrl) describe('on Redis', () => {
    let prefix: string;
    let spy: IORedis;
    const open: RateLimitStores[] = [];
    const storesFor = async (url: string, extra: { commandTimeoutMs?: number; retryAfterMs?: number; logger?: { warn(obj: object, msg: string): void } } = {}) => {
      const stores = new RateLimitStores({ redisUrl: url, prefix, ...extra });
      open.push(stores);
      return stores;
    };

    beforeEach(() => {
      prefix = `test:${randomUUID()}:`;
      spy = new IORedis(redisUrl);
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
      await spy.quit();
    });

    it('shares one count between processes, under the key prefix, and closes its connection', async () => {
      const a = await storesFor(redisUrl);
      const b = await storesFor(redisUrl);
      const inA = initialised(a.store('capture:ip'));
      const inB = initialised(b.store('capture:ip'));
      expect(await Promise.all([a.connected(), b.connected()])).toEqual([true, true]);
      expect([await hits(inA, '198.51.100.1'), await hits(inB, '198.51.100.1'), await hits(inA, '198.51.100.1')]).toEqual([1, 2, 3]);
      expect(await spy.get(`${prefix}capture:ip:198.51.100.1`)).toBe('3');
      expect(await spy.pttl(`${prefix}capture:ip:198.51.100.1`)).toBeGreaterThan(50_000);
      // Another limiter's counts stay apart.
      expect(await hits(initialised(a.store('capture:form')), '198.51.100.1')).toBe(1);
      await a.close();
      expect(await a.connected()).toBe(false);
    });

    it('keeps counting after Redis forgets its scripts (a restart)', async () => {
      const stores = await storesFor(redisUrl);
      const store = initialised(stores.store('capture:ip'));
      expect(await stores.connected()).toBe(true);
      expect(await hits(store, 'k')).toBe(1);
      await spy.script('FLUSH');
      expect(await hits(store, 'k')).toBe(2);
    });

    it('waits for a hung Redis once (the command timeout), then counts in memory without waiting', async () => {
      const relay = await relayTo(new URL(redisUrl));
      const { seen, logger } = warnings();
      const stores = await storesFor(relay.url(), { commandTimeoutMs: 100, retryAfterMs: 60_000, logger });
      const store = initialised(stores.store('capture:ip'));
      expect(await stores.connected()).toBe(true);
      expect(await hits(store, 'k')).toBe(1);

      relay.stall();
      let started = Date.now();
      expect(await hits(store, 'k')).toBe(1); // memory
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      started = Date.now();
      expect(await hits(store, 'k')).toBe(2);
      expect(Date.now() - started).toBeLessThan(50);
      expect(seen).toEqual([{ obj: expect.objectContaining({ err: expect.stringMatching(/timed out/i) }), msg: expect.any(String) }]);
      await stores.close();
      await relay.cut();
    });

    it('falls back to memory while Redis is cut off, and returns to the shared count when it answers again', async () => {
      const relay = await relayTo(new URL(redisUrl));
      const { seen, logger } = warnings();
      const stores = await storesFor(relay.url(), { retryAfterMs: 0, logger });
      const client = () => (stores as unknown as { client: IORedis }).client;
      const store = initialised(stores.store('capture:ip'));
      expect(await stores.connected()).toBe(true);
      expect([await hits(store, 'k'), await hits(store, 'k')]).toEqual([1, 2]);

      await relay.cut();
      await until(() => client().status !== 'ready', 'the connection to drop');
      expect([await hits(store, 'k'), await hits(store, 'k')]).toEqual([1, 2]); // memory: the outage is counted apart
      expect(seen).toHaveLength(1);

      await relay.restore();
      await until(() => client().status === 'ready', 'the connection to come back');
      expect(await hits(store, 'k')).toBe(3); // Redis again: its count went on from 2
      expect(await spy.get(`${prefix}capture:ip:k`)).toBe('3');
      await stores.close();
      await relay.cut();
    });
  });
});
