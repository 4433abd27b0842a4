import type { Store } from '../store/data-source';
import type { JobQueue, QueuedJob } from '../ports/job-queue.port';
import { commitWith } from '../store/sql';
import type { JobRegistry } from './job-registry';

/** Starts `last_error` of a row the relay settled because its tenant lacks the handler's integration. */
export const NOT_CONNECTED_NOTE_PREFIX = 'not run: tenant has no enabled';

export interface RelayOptions {
  batchSize?: number;
  /** How often to look for due rows when nobody kicked the relay. */
  pollMs?: number;
  /** A dispatched row not completed within this time is dispatched again (lost queue, dead worker). */
  leaseMs?: number;
  /**
   * After a kick, wait this long before claiming, so commits arriving meanwhile share one claim and one
   * enqueue instead of paying three database round trips and a Redis call each. Default 5 ms.
   */
  kickDelayMs?: number;
  logger?: { warn(obj: object, msg: string): void };
}

/**
 * Moves due outbox rows to the queue. Claims with FOR UPDATE SKIP LOCKED so several relays (API and
 * worker processes) never hand out the same row twice in one lease. If the queue refuses (Redis down),
 * the claim is undone and the rows wait for the next pass: work is delayed, never lost. Rows whose
 * handler requires an integration the tenant lacks are marked done by the claim itself, never queued
 * (see `JobHandler.requiresIntegration`).
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  /** When the armed timer fires (ms since epoch). */
  private timerAt = 0;
  private running = false;
  private again = false;
  private stopped = true;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly kickDelayMs: number;
  private lastLeaseSweep = 0;

  constructor(
    private readonly store: Store,
    private readonly queue: JobQueue,
    private readonly registry: JobRegistry,
    private readonly options: RelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollMs = options.pollMs ?? 250;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.kickDelayMs = options.kickDelayMs ?? 5;
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

  /** Dispatch soon (after a commit that wrote events): within `kickDelayMs`, together with later kicks. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    // Never push an armed timer back: under a steady stream of kicks that would starve the relay.
    if (this.timer && this.timerAt <= Date.now() + this.kickDelayMs) return;
    this.schedule(this.kickDelayMs);
  }

  /** Forget leases held by a previous process of this same single-process deployment (embedded mode). */
  async releaseAllLeases(): Promise<void> {
    await this.store.system((m) => commitWith(m, `UPDATE outbox SET dispatched_at = NULL WHERE status = 'pending' AND dispatched_at IS NOT NULL`));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pass();
    }, ms);
    this.timer.unref?.();
  }

  private async pass(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.again = false;
    let claimed = 0;
    try {
      // A full batch means more may be due now: go on at once. Kicks that came in meanwhile wait for the
      // short kick delay instead, so a steady stream of commits is claimed in batches, not one by one.
      do {
        claimed = await this.dispatchOnce();
      } while (claimed >= this.batchSize && !this.stopped);
    } catch (err) {
      this.options.logger?.warn({ err: errorText(err) }, 'outbox relay pass failed; will retry');
    } finally {
      this.running = false;
      this.schedule(this.again ? this.kickDelayMs : this.pollMs);
      this.again = false;
    }
  }

  /**
   * Hands rows whose lease expired (a dead worker, a Redis restart) back to the claimable pool. Runs
   * at most every half lease, so the hot claim query only ever touches undispatched rows.
   */
  async releaseExpiredLeases(): Promise<number> {
    const released = await this.store.system((m) =>
      commitWith<{ id: string }>(
        m,
        `UPDATE outbox SET dispatched_at = NULL
          WHERE status = 'pending' AND dispatched_at IS NOT NULL AND dispatched_at < now() - ($1::int * interval '1 millisecond')
          RETURNING id::text AS id`,
        [this.leaseMs],
      ),
    );
    return released.length;
  }

  /**
   * One claim-and-enqueue round. Returns how many rows it took off the due list: handed to the queue,
   * or settled at once because their handler needs an integration the tenant does not have.
   */
  async dispatchOnce(): Promise<number> {
    if (Date.now() - this.lastLeaseSweep >= this.leaseMs / 2) {
      this.lastLeaseSweep = Date.now();
      await this.releaseExpiredLeases();
    }
    const requirements = this.registry.integrationRequirements();
    const claimed = await this.store.system((m) =>
      commitWith<{ id: string; topic: string; queue: string; settled: boolean }>(m, CLAIM_SQL, [
        this.batchSize,
        requirements.map((r) => r.topic),
        requirements.map((r) => r.kind),
      ]),
    );
    if (claimed.length === 0) return 0;
    const jobs: QueuedJob[] = claimed.filter((r) => !r.settled).map((r) => ({ id: r.id, name: r.topic, queue: r.queue }));
    if (jobs.length === 0) return claimed.length;
    try {
      await this.queue.enqueue(jobs);
    } catch (err) {
      await this.store.system((m) => commitWith(m, `UPDATE outbox SET dispatched_at = NULL WHERE id = ANY($1::bigint[])`, [jobs.map((j) => j.id)]));
      throw err;
    }
    return claimed.length;
  }
}

/**
 * Claims due rows and, in the same statement, settles those whose handler requires an integration
 * ($2 topics, $3 kinds) that the row's tenant has not enabled: done, never queued. Publishing already
 * wrote no row for a tenant without it (`Outbox.insertStatement`); this catches an integration disabled or
 * removed since, and a dead job retried after that. Read here, no cache to go stale.
 */
const CLAIM_SQL = `
  WITH claimed AS (
    SELECT id, tenant_id, topic FROM outbox
     WHERE status = 'pending' AND dispatched_at IS NULL AND available_at <= now()
     ORDER BY available_at, id
     LIMIT $1
     FOR UPDATE SKIP LOCKED),
  -- Per claimed row, the integration its handler needs and the tenant lacks (NULL: run it). A scalar
  -- subquery per row keeps this linear in the batch; a join of claimed with itself was quadratic.
  marked AS (
    SELECT c.id,
           (SELECT r.kind FROM unnest($2::text[], $3::text[]) AS r(topic, kind)
             WHERE r.topic = c.topic
               AND NOT EXISTS (SELECT 1 FROM integrations i WHERE i.tenant_id = c.tenant_id AND i.kind = r.kind AND i.enabled)
             LIMIT 1) AS missing
      FROM claimed c)
  UPDATE outbox o
     SET dispatched_at = CASE WHEN m.missing IS NULL THEN now() END,
         status = CASE WHEN m.missing IS NULL THEN o.status ELSE 'done' END,
         processed_at = CASE WHEN m.missing IS NULL THEN o.processed_at ELSE now() END,
         last_error = CASE WHEN m.missing IS NULL THEN o.last_error ELSE '${NOT_CONNECTED_NOTE_PREFIX} ' || m.missing || ' integration' END
    FROM marked m
   WHERE o.id = m.id
  RETURNING o.id::text AS id, o.topic, o.queue, m.missing IS NOT NULL AS settled`;

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
