import { EventEmitter } from 'node:events';
import IORedis from 'ioredis';
import type { LiveEvent } from '../engine/engine.types';

/**
 * Live, tenant-scoped notifications (SSE, Slack message refreshes). In one process an emitter is
 * enough; with Redis, events cross from worker processes to the API processes that hold the streams.
 * Best effort by design: the database stays the truth, a missed event only delays a refresh.
 */
export class LiveBus {
  private readonly emitter = new EventEmitter();
  private pub: IORedis | null = null;
  private sub: IORedis | null = null;
  private readonly origin = Math.random().toString(36).slice(2);
  private static readonly CHANNEL = 'tandem:live';

  constructor(redisUrl?: string) {
    this.emitter.setMaxListeners(0);
    if (redisUrl) {
      this.pub = new IORedis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
      this.sub = new IORedis(redisUrl, { maxRetriesPerRequest: null });
      this.pub.on('error', () => undefined);
      this.sub.on('error', () => undefined);
      void this.sub.subscribe(LiveBus.CHANNEL).catch(() => undefined);
      this.sub.on('message', (_channel, text: string) => {
        try {
          const { origin, event } = JSON.parse(text) as { origin: string; event: LiveEvent };
          if (origin !== this.origin) this.emitter.emit('event', event);
        } catch {
          /* ignore malformed */
        }
      });
    }
  }

  publish(event: Omit<LiveEvent, 'at'> & { at?: string }): void {
    const full: LiveEvent = { ...event, at: event.at ?? new Date().toISOString() };
    this.emitter.emit('event', full);
    if (this.pub?.status === 'ready') {
      void this.pub.publish(LiveBus.CHANNEL, JSON.stringify({ origin: this.origin, event: full })).catch(() => undefined);
    }
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    await Promise.all([this.pub?.quit().catch(() => undefined), this.sub?.quit().catch(() => undefined)]);
  }
}
