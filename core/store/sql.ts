import type { EntityManager } from 'typeorm';
import { SCOPE, type ScopeData } from './data-source';

/**
 * Runs SQL and returns its rows. TypeORM shapes UPDATE/DELETE ... RETURNING results as
 * `[rows, affectedCount]`; this hides that so callers always get rows.
 */
export async function rows<T = Record<string, unknown>>(m: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await m.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/** Runs an UPDATE/DELETE and returns how many rows it changed. */
export async function affected(m: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const result: unknown = await m.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && typeof result[1] === 'number') return result[1];
  return Array.isArray(result) ? result.length : 0;
}

/** First row or null. */
export async function one<T = Record<string, unknown>>(m: EntityManager, sql: string, params: unknown[] = []): Promise<T | null> {
  const r = await rows<T>(m, sql, params);
  return r[0] ?? null;
}

/**
 * The parameters of a statement assembled from clauses: `add(value)` appends a value and returns its
 * placeholder (`$n`); `next` is the number the next one will get, for builders that number their own
 * (`Outbox.insertStatement(events, params.next)`, whose values then go in with `push`).
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  push(values: unknown[]): void {
    this.values.push(...values);
  }

  get next(): number {
    return this.values.length + 1;
  }
}

/**
 * Runs the transaction's last statement with COMMIT right behind it, in one round trip on PostgreSQL, and
 * returns its rows; the transaction is then over, and any statement after it is refused. Embedded PGlite has
 * no round trip to save: there it is an ordinary statement, committed when the work returns.
 */
export async function commitWith<T = Record<string, unknown>>(m: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const scope = (m.queryRunner?.data as Record<symbol, ScopeData | undefined> | undefined)?.[SCOPE];
  return scope ? scope.commitWith(() => rows<T>(m, sql, params)) : rows<T>(m, sql, params);
}
