import { EventEmitter } from 'node:events';
import IORedis from 'ioredis';
import type { LiveEvent } from '../engine/engine.types';

interface Envelope {
  origin: string;
  events?: LiveEvent[];
  /** One event per message: what processes before batching sent (a rolling upgrade mixes both). */
  event?: LiveEvent;
}

/**
 * Live, tenant-scoped notifications (SSE, Slack message refreshes). In one process an emitter is
 * enough; with Redis, events cross from worker processes to the API processes that hold the streams.
 * Best effort by design: the database stays the truth, a missed event only delays a refresh.
 * Events published in one turn of the event loop cross Redis as one message: under load every process
 * otherwise paid a Redis write and every other process a read and a parse for each event. A process
 * listens to the channel only while something in it subscribes (an open event stream): an API process
 * with no console open, and every worker, would otherwise read and parse every event of every process.
 */
export class LiveBus {
  private readonly emitter = new EventEmitter();
  private pub: IORedis | null = null;
  private sub: IORedis | null = null;
  private readonly origin = Math.random().toString(36).slice(2);
  private outgoing: LiveEvent[] = [];
  private static readonly CHANNEL = 'tandem:live';

  constructor(redisUrl?: string) {
    this.emitter.setMaxListeners(0);
    if (redisUrl) {
      this.pub = new IORedis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
      this.sub = new IORedis(redisUrl, { maxRetriesPerRequest: null });
      this.pub.on('error', () => undefined);
      this.sub.on('error', () => undefined);
      this.sub.on('message', (_channel, text: string) => {
        let envelope: Envelope;
        try {
          envelope = JSON.parse(text) as Envelope;
        } catch {
          return; // malformed: ignored
        }
        if (envelope.origin === this.origin) return;
        for (const event of envelope.events ?? (envelope.event ? [envelope.event] : [])) this.emitter.emit('event', event);
      });
    }
  }

  publish(event: Omit<LiveEvent, 'at'> & { at?: string }): void {
    const full: LiveEvent = { ...event, at: event.at ?? new Date().toISOString() };
    this.emitter.emit('event', full);
    if (this.pub?.status !== 'ready') return;
    if (this.outgoing.length === 0) setImmediate(() => this.flush());
    this.outgoing.push(full);
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.emitter.on('event', listener);
    if (this.emitter.listenerCount('event') === 1) void this.sub?.subscribe(LiveBus.CHANNEL).catch(() => undefined);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.emitter.off('event', listener);
      if (this.emitter.listenerCount('event') === 0) void this.sub?.unsubscribe(LiveBus.CHANNEL).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.flush();
    this.emitter.removeAllListeners();
    await Promise.all([this.pub?.quit().catch(() => undefined), this.sub?.quit().catch(() => undefined)]);
  }

  private flush(): void {
    if (this.outgoing.length === 0) return;
    const envelope: Envelope = { origin: this.origin, events: this.outgoing };
    this.outgoing = [];
    void this.pub?.publish(LiveBus.CHANNEL, JSON.stringify(envelope)).catch(() => undefined);
  }
}
