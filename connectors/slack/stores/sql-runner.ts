/**
 * The slice of the engine's store the Slack stores use: a tenant transaction under row-level security
 * and a system transaction, each handing over something that runs SQL. The engine's `store` fits it.
 */
export interface SqlManager {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export interface SqlStore {
  tenant<T>(tenantId: string, work: (m: SqlManager) => Promise<T>): Promise<T>;
  system<T>(work: (m: SqlManager) => Promise<T>): Promise<T>;
}

/**
 * Runs SQL and returns its rows. TypeORM answers UPDATE/DELETE ... RETURNING as `[rows, count]`;
 * this hides that so callers always get rows.
 */
export async function sqlRows<T>(m: SqlManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await m.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return (Array.isArray(result) ? result : []) as T[];
}
