import IORedis from 'ioredis';
import type { LiveEvent } from '../engine/engine.types';
import { LiveBus } from './live-bus';

// Events cross processes only through Redis: that half runs in the real-services tier (REDIS_URL set).
const redisUrl = process.env.REDIS_URL;
const tenantId = '00000000-0000-4000-8000-000000000001';

/** Resolves once `bus` has seen `n` events, with what it saw. */
function collect(bus: LiveBus, n: number): Promise<LiveEvent[]> {
  const seen: LiveEvent[] = [];
  return new Promise((resolve) => {
    bus.subscribe((e) => {
      seen.push(e);
      if (seen.length === n) resolve(seen);
    });
  });
}

const ready = async (bus: LiveBus) => {
  // Both connections must be up before publishing: the bus drops events while Redis is not ready.
  for (let i = 0; i < 100 && (bus as unknown as { pub: IORedis }).pub.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
};

describe('LiveBus', () => {
  it('delivers to subscribers of the same process at once', () => {
    const bus = new LiveBus();
    const seen: LiveEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    bus.publish({ tenantId, type: 'conversation.updated', conversationId: 'c1' });
    expect(seen).toEqual([expect.objectContaining({ tenantId, type: 'conversation.updated', conversationId: 'c1', at: expect.any(String) })]);
    return bus.close();
  });

  if (redisUrl) describe('across processes, through Redis', () => {
    let a: LiveBus;
    let b: LiveBus;
    let spy: IORedis;
    let admin: IORedis;
    beforeEach(async () => {
      a = new LiveBus(redisUrl);
      b = new LiveBus(redisUrl);
      spy = new IORedis(redisUrl);
      admin = new IORedis(redisUrl);
      await Promise.all([ready(a), ready(b)]);
    });
    afterEach(async () => {
      await Promise.all([a.close(), b.close()]);
      spy.disconnect();
      admin.disconnect();
    });

    /** Waits until `n` connections listen to the channel (subscribing is a round trip to Redis). */
    const listeners = async (n: number) => {
      const count = async () => Number(((await admin.pubsub('NUMSUB', 'tandem:live')) as [string, string])[1]);
      for (let i = 0; i < 200 && (await count()) !== n; i++) await new Promise((r) => setTimeout(r, 10));
      return count();
    };

    it('listens to Redis only while something in the process subscribes', async () => {
      expect(await listeners(0)).toBe(0);
      const stop = b.subscribe(() => undefined);
      const alsoStop = b.subscribe(() => undefined);
      expect(await listeners(1)).toBe(1);
      stop();
      stop(); // twice: no effect
      expect(await listeners(1)).toBe(1);
      alsoStop();
      expect(await listeners(0)).toBe(0);
    });

    it('carries the events of one turn of the event loop in one Redis message, in order, not echoed back', async () => {
      const messages: string[] = [];
      await spy.subscribe('tandem:live');
      spy.on('message', (_c, text: string) => messages.push(text));
      const inB = collect(b, 3);
      await listeners(2);
      const inA: LiveEvent[] = [];
      a.subscribe((e) => inA.push(e));
      for (const id of ['c1', 'c2', 'c3']) a.publish({ tenantId, type: 'conversation.updated', conversationId: id });
      expect((await inB).map((e) => e.conversationId)).toEqual(['c1', 'c2', 'c3']);
      // The spy's own connection may read the same message a moment after b's.
      for (let i = 0; i < 100 && messages.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(messages).toHaveLength(1);
      expect(inA.map((e) => e.conversationId)).toEqual(['c1', 'c2', 'c3']);
    });

    it('still reads the one-event messages of processes not yet upgraded', async () => {
      const inB = collect(b, 1);
      await listeners(1);
      await spy.publish('tandem:live', JSON.stringify({ origin: 'older', event: { tenantId, type: 'conversation.updated', conversationId: 'c9', at: new Date().toISOString() } }));
      expect((await inB)[0]).toMatchObject({ conversationId: 'c9' });
    });
  });
});
