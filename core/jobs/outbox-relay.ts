import type { Store } from '../store/data-source';
import type { JobQueue, QueuedJob } from '../ports/job-queue.port';
import { rows } from '../store/sql';

export interface RelayOptions {
  batchSize?: number;
  /** How often to look for due rows when nobody kicked the relay. */
  pollMs?: number;
  /** A dispatched row not completed within this time is dispatched again (lost queue, dead worker). */
  leaseMs?: number;
  logger?: { warn(obj: object, msg: string): void };
}

/**
 * Moves due outbox rows to the queue. Claims with FOR UPDATE SKIP LOCKED so several relays (API and
 * worker processes) never hand out the same row twice in one lease. If the queue refuses (Redis down),
 * the claim is undone and the rows wait for the next pass: work is delayed, never lost.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = true;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private lastLeaseSweep = 0;

  constructor(
    private readonly store: Store,
    private readonly queue: JobQueue,
    private readonly options: RelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollMs = options.pollMs ?? 250;
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.running) await new Promise((r) => setTimeout(r, 5));
  }

  /** Dispatch as soon as possible (after a commit that wrote events). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Forget leases held by a previous process of this same single-process deployment (embedded mode). */
  async releaseAllLeases(): Promise<void> {
    await this.store.system((m) => m.query(`UPDATE outbox SET dispatched_at = NULL WHERE status = 'pending' AND dispatched_at IS NOT NULL`));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pass(), ms);
    this.timer.unref?.();
  }

  private async pass(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let dispatched = 0;
    try {
      do {
        this.again = false;
        dispatched = await this.dispatchOnce();
      } while ((dispatched >= this.batchSize || this.again) && !this.stopped);
    } catch (err) {
      this.options.logger?.warn({ err: errorText(err) }, 'outbox relay pass failed; will retry');
    } finally {
      this.running = false;
      this.schedule(this.pollMs);
    }
  }

  /**
   * Hands rows whose lease expired (a dead worker, a Redis restart) back to the claimable pool. Runs
   * at most every half lease, so the hot claim query only ever touches undispatched rows.
   */
  async releaseExpiredLeases(): Promise<number> {
    const released = await this.store.system((m) =>
      rows<{ id: string }>(
        m,
        `UPDATE outbox SET dispatched_at = NULL
          WHERE status = 'pending' AND dispatched_at IS NOT NULL AND dispatched_at < now() - ($1::int * interval '1 millisecond')
          RETURNING id::text AS id`,
        [this.leaseMs],
      ),
    );
    return released.length;
  }

  /** One claim-and-enqueue round. Returns how many rows were handed to the queue. */
  async dispatchOnce(): Promise<number> {
    if (Date.now() - this.lastLeaseSweep >= this.leaseMs / 2) {
      this.lastLeaseSweep = Date.now();
      await this.releaseExpiredLeases();
    }
    const claimed = await this.store.system((m) =>
      rows<{ id: string; topic: string; queue: string }>(
        m,
        `UPDATE outbox SET dispatched_at = now()
          WHERE id IN (
            SELECT id FROM outbox
             WHERE status = 'pending' AND dispatched_at IS NULL AND available_at <= now()
             ORDER BY available_at, id
             LIMIT $1
             FOR UPDATE SKIP LOCKED)
          RETURNING id::text AS id, topic, queue`,
        [this.batchSize],
      ),
    );
    if (claimed.length === 0) return 0;
    const jobs: QueuedJob[] = claimed.map((r) => ({ id: r.id, name: r.topic, queue: r.queue }));
    try {
      await this.queue.enqueue(jobs);
    } catch (err) {
      await this.store.system((m) => m.query(`UPDATE outbox SET dispatched_at = NULL WHERE id = ANY($1::bigint[])`, [claimed.map((r) => r.id)]));
      throw err;
    }
    return claimed.length;
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
