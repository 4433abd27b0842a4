import type { TandemConfig } from './config';

/** Turns a failure to open the database into one line a person can act on (no password shown). */
export function describeDatabaseError(err: unknown, config: TandemConfig): string {
  const e = err as { code?: string; message?: string };
  if (!config.databaseUrl) return `cannot open the embedded database in ${config.dataDir}: ${e.message ?? String(err)}`;
  let where = 'DATABASE_URL';
  try {
    const u = new URL(config.databaseUrl);
    where = `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    /* keep generic */
  }
  const reason = e.code ?? e.message ?? String(err);
  return `cannot connect to PostgreSQL at ${where} (${reason}); check DATABASE_URL`;
}
