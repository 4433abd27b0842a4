import type { EntityManager } from 'typeorm';
import { isTandemError, TandemError } from '../errors/tandem-error';
import type { QueuedJob } from '../ports/job-queue.port';
import type { Store } from '../store/data-source';
import { affected, commitWith } from '../store/sql';
import { MicroBatcher } from './micro-batcher';
import type { DomainEvent, JobContext, JobRegistry } from './job-registry';
import { errorText } from './outbox-relay';

/** `complete(m)` as a clause of a statement the handler runs anyway (see `JobContext.completionClause`). */
export interface JobCompletionClause {
  /** `UPDATE outbox ... RETURNING id`, its one placeholder numbered `$firstParam`. */
  sql: string;
  params: unknown[];
  /**
   * Call with whether the clause returned a row, before the transaction commits: throws `job.already_done`
   * (so the transaction rolls back) when it did not, exactly as `complete(m)` would.
   */
  confirm(completed: boolean): void;
}

// Declared here rather than in job-registry.ts: the runner is what implements it.
declare module './job-registry' {
  interface JobContext {
    /**
     * `complete(m)` without a round trip of its own: fold `sql` into a statement of the same transaction as
     * `WITH done AS (...)`, select `EXISTS (SELECT 1 FROM done)` and pass that to `confirm`.
     */
    /** `onlyWhen`, an SQL condition, completes the job only when it holds (the clause then returns no row). */
    completionClause(firstParam: number, onlyWhen?: string): JobCompletionClause;
  }
}

export type JobOutcome = 'completed' | 'retry' | 'dead' | 'skipped';

export interface JobRunnerOptions {
  logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  onOutcome?: (topic: string, outcome: JobOutcome, durationMs: number) => void;
  /** Back-off before retry n (1-based). Default: 1 s, 2 s, 4 s ... capped at 10 min, ±20 % jitter. */
  backoffMs?: (attempt: number) => number;
}

/** A handler failure that names when to try again (e.g. a 429's Retry-After). */
export interface RetryHint {
  retryAfterMs?: number | null;
}

export const defaultBackoffMs = (attempt: number) => {
  const base = Math.min(1000 * 2 ** (attempt - 1), 10 * 60_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
};

interface OutboxRow {
  id: string;
  tenant_id: string | null;
  topic: string;
  event_type: string;
  payload: Record<string, unknown>;
  status: string;
  attempts: number;
  max_attempts: number;
}

/**
 * Runs one queued job against its outbox row. The row, not the queue, decides: a job whose row is
 * already done is a redelivery and is skipped; a failure schedules the row again with back-off, and
 * after `max_attempts` leaves it dead for an admin to retry.
 */
export class JobRunner {
  private readonly rowLoader: MicroBatcher<string, OutboxRow>;
  private readonly completer: MicroBatcher<string, true>;

  constructor(
    private readonly store: Store,
    private readonly registry: JobRegistry,
    private readonly options: JobRunnerOptions = {},
  ) {
    this.rowLoader = new MicroBatcher(async (ids) => {
      const found = await this.store.system((m) =>
        commitWith<OutboxRow>(
          m,
          `SELECT id::text AS id, tenant_id, topic, event_type, payload, status, attempts, max_attempts FROM outbox WHERE id = ANY($1::bigint[])`,
          [ids],
        ),
      );
      return new Map(found.map((r) => [r.id, r]));
    });
    this.completer = new MicroBatcher(async (ids) => {
      await this.store.system((m) => commitWith(m, COMPLETE_MANY_SQL, [ids]));
      return new Map(ids.map((id) => [id, true as const]));
    });
  }

  async run(job: QueuedJob): Promise<JobOutcome> {
    const started = performance.now();
    if (!/^\d+$/.test(job.id)) return this.finish(job.name, 'skipped', started);
    const row = await this.rowLoader.load(job.id);
    if (!row || row.status !== 'pending') return this.finish(job.name, 'skipped', started);
    const handler = this.registry.get(row.topic);
    if (!handler) {
      await this.fail(row, new Error(`no handler named "${row.topic}"`), true);
      return this.finish(row.topic, 'dead', started);
    }
    let completedInside = false;
    const event: DomainEvent = {
      id: row.id,
      type: row.event_type,
      tenantId: row.tenant_id,
      payload: row.payload,
      attempt: row.attempts + 1,
    };
    const confirm = (completed: boolean) => {
      if (!completed) throw new TandemError('job.already_done', 'job already completed by another run', 409);
      completedInside = true;
    };
    const ctx: JobContext = {
      complete: async (m: EntityManager) => confirm((await affected(m, COMPLETE_SQL, [row.id])) > 0),
      completionClause: (firstParam, onlyWhen) => ({ sql: completeClauseSql(firstParam, onlyWhen), params: [row.id], confirm }),
    };
    try {
      await handler.handle(event, ctx);
      if (!completedInside) await this.completer.load(row.id);
      return this.finish(row.topic, 'completed', started);
    } catch (err) {
      if (isTandemError(err, 'job.already_done')) return this.finish(row.topic, 'skipped', started);
      const dead = await this.fail(row, err, false);
      return this.finish(row.topic, dead ? 'dead' : 'retry', started);
    }
  }

  /** Records a failure; returns true when the row is now dead. */
  private async fail(row: OutboxRow, err: unknown, permanent: boolean): Promise<boolean> {
    const attempts = row.attempts + 1;
    const dead = permanent || attempts >= row.max_attempts;
    const hint = (err as RetryHint | null)?.retryAfterMs;
    const delay = hint && hint > 0 ? hint : (this.options.backoffMs ?? defaultBackoffMs)(attempts);
    const message = errorText(err).slice(0, 2000);
    await this.store.system((m) =>
      commitWith(
        m,
        `UPDATE outbox SET attempts = $2, last_error = $3, dispatched_at = NULL,
                status = CASE WHEN $4 THEN 'dead' ELSE 'pending' END,
                available_at = CASE WHEN $4 THEN available_at ELSE now() + ($5::int * interval '1 millisecond') END
          WHERE id = $1 AND status = 'pending'`,
        [row.id, attempts, message, dead, delay],
      ),
    );
    const log = dead ? this.options.logger?.error : this.options.logger?.warn;
    log?.call(this.options.logger, { job: row.topic, outboxId: row.id, attempt: attempts, err: message }, dead ? 'job dead-lettered' : 'job failed; will retry');
    return dead;
  }

  private finish(topic: string, outcome: JobOutcome, started: number): JobOutcome {
    this.options.onOutcome?.(topic, outcome, performance.now() - started);
    return outcome;
  }
}

const COMPLETE_MANY_SQL = `UPDATE outbox SET status = 'done', processed_at = now(), attempts = attempts + 1, dispatched_at = NULL
                             WHERE id = ANY($1::bigint[]) AND status = 'pending'`;

const COMPLETE_SQL = `UPDATE outbox SET status = 'done', processed_at = now(), attempts = attempts + 1, dispatched_at = NULL
                       WHERE id = $1 AND status = 'pending'`;

const completeClauseSql = (firstParam: number, onlyWhen?: string) =>
  `UPDATE outbox SET status = 'done', processed_at = now(), attempts = attempts + 1, dispatched_at = NULL
    WHERE id = $${firstParam}::bigint AND status = 'pending'${onlyWhen ? ` AND (${onlyWhen})` : ''} RETURNING id`;
