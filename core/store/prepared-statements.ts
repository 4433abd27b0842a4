import pg from 'pg';

/** How many distinct statements one connection keeps prepared; past that, statements run unnamed as before. */
export const PREPARED_PER_CONNECTION = 250;

/** A prepared statement is replaced after this long, so its generic plan is remade for today's table sizes. */
export const REPLAN_AFTER_MS = 5_000;

interface Prepared {
  name: string;
  at: number;
}

/**
 * A pg client that prepares every parameterised statement once per connection and reuses it: PostgreSQL
 * then parses, analyses and rewrites (row-level security included) once, and after five executions may keep
 * one generic plan. Planning is most of the gain: our RLS-heavy statements take about a millisecond to plan.
 *
 * A generic plan is made for the table sizes of the moment and kept until an ANALYZE invalidates it. A plan
 * made while a table was tiny can pick an index that only filters by tenant (every index leads with
 * tenant_id) and then scan a tenant's whole table once it has grown; autovacuum visits a database at most
 * once a minute, and a young one growing fast outruns it. So each statement is replaced after
 * REPLAN_AFTER_MS, its old name deallocated: plans never lag table growth by more than a few seconds,
 * for about one extra planning per statement, connection and interval.
 * Statements without parameters (BEGIN, COMMIT, DDL) and texts past the cap stay unnamed.
 */
export class PreparingClient extends pg.Client {
  /** REPLAN_AFTER_MS; tests shorten it. */
  static replanAfterMs = REPLAN_AFTER_MS;
  private readonly prepared = new Map<string, Prepared>();
  private sequence = 0;
  /** Runs right after the next query is written (see `commitAfterNext`). */
  private afterNext: (() => void) | null = null;
  /** Set once a scope's COMMIT is on the wire: a statement after it would run outside the scope. */
  private sealed = false;

  /** Our own hold on the socket's writes, so that it is released exactly once. */
  private corked = false;

  /**
   * Writes a scope's opening (BEGIN and its settings) without waiting for its answer, held back until the
   * scope's first statement joins it: one write, one wakeup of the server, for both. Should no statement
   * come by the time the event loop turns, it goes alone.
   */
  open(sql: string): Promise<unknown> {
    this.holdWrites();
    const run = super.query as (sql: string) => Promise<unknown>;
    const opened = run.call(this, sql);
    setImmediate(() => this.flushWrites());
    return opened;
  }

  /**
   * Writes COMMIT right behind the next query, in the same write, without waiting for its answer (the
   * client pipelines), and refuses every query after it until `unseal`: the scope's role and tenant end
   * with that COMMIT, so a later statement would run as the connection's own user. Resolves with COMMIT's
   * outcome.
   */
  commitAfterNext(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.afterNext = () => {
        const run = super.query as (sql: string) => Promise<unknown>;
        run.call(this, 'COMMIT').then(resolve, reject);
        this.sealed = true;
      };
    });
  }

  /** The connection is going back to the pool, its scope over. */
  unseal(): void {
    this.afterNext = null;
    this.sealed = false;
  }

  override query(config: unknown, values?: unknown, callback?: unknown): any {
    if (this.sealed) return Promise.reject(new Error('this transaction has already committed'));
    const after = this.afterNext;
    if (after) this.holdWrites();
    const result = this.send(config, values, callback);
    if (after) {
      this.afterNext = null;
      after();
    }
    this.flushWrites();
    return result;
  }

  private get socket(): { cork(): void; uncork(): void } | undefined {
    return (this as unknown as { connection?: { stream?: { cork(): void; uncork(): void } } }).connection?.stream;
  }

  private holdWrites(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket?.cork();
  }

  private flushWrites(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket?.uncork();
  }

  private send(config: unknown, values?: unknown, callback?: unknown): any {
    const run = super.query as (...args: unknown[]) => unknown;
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const now = Date.now();
      let entry = this.prepared.get(config);
      if (entry && now - entry.at > PreparingClient.replanAfterMs) {
        this.forget(entry.name);
        entry = undefined;
      }
      if (!entry && this.prepared.size < PREPARED_PER_CONNECTION) {
        entry = { name: `tandem_${++this.sequence}`, at: now };
        this.prepared.set(config, entry);
      } else if (entry === undefined) {
        this.prepared.delete(config);
      }
      if (entry) return run.call(this, { name: entry.name, text: config, values }, callback);
    }
    return run.call(this, config, values, callback);
  }

  /** Deallocates a statement on the server (queued like any query, so never inside another's messages). */
  private forget(name: string): void {
    const connection = (this as unknown as { connection: { parsedStatements: Record<string, string> } }).connection;
    // Only a statement the server confirmed: DEALLOCATE of an unknown name would abort the transaction.
    if (connection.parsedStatements[name] === undefined) return;
    delete connection.parsedStatements[name];
    const run = super.query as (...args: unknown[]) => Promise<unknown>;
    run.call(this, `DEALLOCATE ${name}`).catch(() => undefined);
  }
}
