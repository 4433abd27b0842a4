import type { JobQueue } from '../ports/job-queue.port';
import type { Store } from '../store/data-source';
import { affected, one, rows } from '../store/sql';
import { JobRegistry } from './job-registry';
import { JobRunner, type JobRunnerOptions } from './job-runner';
import { Outbox } from './outbox';
import { OutboxRelay, type RelayOptions } from './outbox-relay';

export interface DeadJob {
  id: string;
  topic: string;
  eventType: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

interface RecurringTask {
  name: string;
  everyMs: number;
  task: () => Promise<unknown>;
  timer: NodeJS.Timeout | null;
  running: Promise<unknown> | null;
}

export interface RetentionOptions {
  /** `done` rows finished longer ago than this are deleted; default 7 days. */
  doneAfterMs?: number;
  /** Rows one DELETE takes at most (its own short transaction); default 5,000. */
  batch?: number;
  /** DELETE statements one run makes at most; default 10. */
  batchesPerRun?: number;
  /** How often worker processes run it; default every 5 minutes. */
  everyMs?: number;
}

export interface JobSystemOptions {
  store: Store;
  queue: JobQueue;
  relay?: RelayOptions;
  runner?: JobRunnerOptions;
  /** Jobs run at once per named queue in this process. */
  concurrency?: number;
  /** How long finished outbox rows are kept. */
  retention?: RetentionOptions;
}

const DAY_MS = 24 * 3600_000;
const RETENTION_DEFAULTS: Required<RetentionOptions> = { doneAfterMs: 7 * DAY_MS, batch: 5_000, batchesPerRun: 10, everyMs: 5 * 60_000 };

/**
 * Outbox + relay + queue + runner, wired. A process with role `api` runs the relay only; `worker` runs
 * relay and consumers; `all` (the embedded default) runs both.
 */
export class JobSystem {
  readonly registry = new JobRegistry();
  readonly outbox = new Outbox(this.registry);
  readonly relay: OutboxRelay;
  readonly runner: JobRunner;
  private consuming = false;
  private readonly recurring: RecurringTask[] = [];
  private recurringOn = false;

  private readonly retention: Required<RetentionOptions>;

  constructor(private readonly options: JobSystemOptions) {
    this.relay = new OutboxRelay(options.store, options.queue, this.registry, options.relay);
    this.runner = new JobRunner(options.store, this.registry, options.runner);
    this.outbox.onPublished(() => this.relay.kick());
    const r = options.retention ?? {};
    this.retention = {
      doneAfterMs: r.doneAfterMs ?? RETENTION_DEFAULTS.doneAfterMs,
      batch: r.batch ?? RETENTION_DEFAULTS.batch,
      batchesPerRun: r.batchesPerRun ?? RETENTION_DEFAULTS.batchesPerRun,
      everyMs: r.everyMs ?? RETENTION_DEFAULTS.everyMs,
    };
    // Done rows only record that work happened; without this the table grows by every event ever published.
    this.every('outbox.retention', this.retention.everyMs, () => this.deleteDone());
  }

  /**
   * Maintenance every `everyMs` in worker processes (e.g. sweeping texts stuck in `sending`): work it finds
   * goes through the outbox like any other. Every worker runs it, so the task must be safe to run in several
   * processes at once; a run never overlaps the previous one in the same process, and a failure waits for
   * the next run.
   */
  every(name: string, everyMs: number, task: () => Promise<unknown>): void {
    const r: RecurringTask = { name, everyMs, task, timer: null, running: null };
    this.recurring.push(r);
    if (this.recurringOn) this.arm(r);
  }

  private arm(r: RecurringTask): void {
    r.timer = setTimeout(() => {
      r.timer = null;
      r.running = r
        .task()
        .catch((err: unknown) => this.options.runner?.logger?.warn({ task: r.name, err: err instanceof Error ? err.message : String(err) }, 'recurring task failed'))
        .finally(() => {
          r.running = null;
          if (this.recurringOn) this.arm(r);
        });
    }, r.everyMs);
    r.timer.unref?.();
  }

  get queue(): JobQueue {
    return this.options.queue;
  }

  async start(opts: { relay: boolean; worker: boolean }): Promise<void> {
    if (this.options.queue.kind === 'in-process') {
      // Single process owns the embedded store: leases from a previous run belong to a dead process.
      await this.relay.releaseAllLeases();
    }
    if (opts.worker && !this.consuming) {
      this.consuming = true;
      for (const name of this.registry.queues()) {
        await this.options.queue.consume(name, (job) => this.runner.run(job).then(() => undefined), this.options.concurrency ?? 16);
      }
    }
    if (opts.relay) this.relay.start();
    if (opts.worker && !this.recurringOn) {
      this.recurringOn = true;
      for (const r of this.recurring) this.arm(r);
    }
  }

  /** Stop dispatching, then let jobs in flight finish (graceful shutdown). */
  async stop(): Promise<void> {
    this.recurringOn = false;
    for (const r of this.recurring) {
      if (r.timer) clearTimeout(r.timer);
      r.timer = null;
      await r.running;
    }
    await this.relay.stop();
    await this.options.queue.close();
  }

  /** Pending outbox rows (queue depth as the record sees it). */
  async backlog(): Promise<number> {
    const r = await this.options.store.system((m) => rows<{ n: string }>(m, `SELECT count(*)::text AS n FROM outbox WHERE status = 'pending'`));
    return Number(r[0]?.n ?? 0);
  }

  /**
   * Deletes `done` rows finished more than `olderThanMs` ago, oldest first, `batch` rows a statement, each
   * statement its own transaction so no lock is held for long, until a batch comes back short or after
   * `batchesPerRun` statements (the next run goes on). Pending and dead rows are never touched. Rows another
   * process is deleting are skipped. Returns how many it deleted.
   */
  async deleteDone(olderThanMs = this.retention.doneAfterMs, limits: { batch?: number; batchesPerRun?: number } = {}): Promise<number> {
    const batch = limits.batch ?? this.retention.batch;
    const batchesPerRun = limits.batchesPerRun ?? this.retention.batchesPerRun;
    let deleted = 0;
    for (let i = 0; i < batchesPerRun; i++) {
      const r = await this.options.store.system((m) =>
        one<{ n: number }>(
          m,
          `WITH old AS (
             SELECT id FROM outbox WHERE status = 'done' AND processed_at < now() - ($1::float8 * interval '1 millisecond')
              ORDER BY processed_at LIMIT $2
                FOR UPDATE SKIP LOCKED),
           gone AS (DELETE FROM outbox o USING old WHERE o.id = old.id AND o.status = 'done' RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
          [olderThanMs, batch],
        ),
      );
      const n = r?.n ?? 0;
      deleted += n;
      if (n < batch) break;
    }
    return deleted;
  }

  async deadLetters(tenantId: string, limit = 100): Promise<DeadJob[]> {
    const r = await this.options.store.tenant(tenantId, (m) =>
      rows<{ id: string; topic: string; event_type: string; attempts: number; last_error: string | null; created_at: Date }>(
        m,
        `SELECT id::text AS id, topic, event_type, attempts, last_error, created_at FROM outbox
          WHERE status = 'dead' ORDER BY id DESC LIMIT $1`,
        [limit],
      ),
    );
    return r.map((x) => ({
      id: x.id,
      topic: x.topic,
      eventType: x.event_type,
      attempts: x.attempts,
      lastError: x.last_error,
      createdAt: new Date(x.created_at).toISOString(),
    }));
  }

  /** Puts a dead job back in line with a fresh attempt budget. Returns false if it was not dead. */
  async retryDead(tenantId: string, id: string): Promise<boolean> {
    if (!isOutboxId(id)) return false;
    const n = await this.options.store.tenant(tenantId, (m) =>
      affected(
        m,
        `UPDATE outbox SET status = 'pending', attempts = 0, available_at = now(), dispatched_at = NULL
          WHERE id = $1 AND status = 'dead'`,
        [id],
      ),
    );
    if (n > 0) this.relay.kick();
    return n > 0;
  }
}

const MAX_BIGINT = 2n ** 63n - 1n;

/** Outbox ids are bigints: digits past that range name no job (and would make PostgreSQL fail the cast). */
function isOutboxId(id: string): boolean {
  return /^\d{1,19}$/.test(id) && BigInt(id) <= MAX_BIGINT;
}
