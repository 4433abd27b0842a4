import type { SeenStore } from './seen.store';
import { sqlRows, type SqlStore } from './sql-runner';

export interface SqlSeenStoreOptions {
  /** How long a delivery key counts as seen (Slack retries within minutes; default one hour). */
  ttlMs?: number;
  /** At most one prune of expired keys per this interval, per process (default ten minutes). */
  pruneEveryMs?: number;
  now?: () => number;
}

/** Keys are namespaced so pruning never touches another component's rows in the shared table. */
const PREFIX = 'slack:';

/**
 * Slack deliveries already handled, in `seen_requests`, shared by every API process: a retry that lands
 * on another process than the original is still recognised. `firstSeen` is one atomic statement: the
 * insert wins, or an expired row is taken over, or the key is a repeat.
 */
export class SqlSeenStore implements SeenStore {
  private readonly ttlMs: number;
  private readonly pruneEveryMs: number;
  private readonly now: () => number;
  private lastPruneAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: SqlStore,
    options: SqlSeenStoreOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60 * 60 * 1000;
    this.pruneEveryMs = options.pruneEveryMs ?? 10 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  async firstSeen(key: string): Promise<boolean> {
    const now = this.now();
    const expiredBefore = new Date(now - this.ttlMs).toISOString();
    const prune = now - this.lastPruneAt >= this.pruneEveryMs;
    if (prune) this.lastPruneAt = now;
    return this.store.system(async (m) => {
      const won = await sqlRows<{ key: string }>(
        m,
        `INSERT INTO seen_requests (key, created_at) VALUES ($1, $2::timestamptz)
         ON CONFLICT (key) DO UPDATE SET created_at = excluded.created_at WHERE seen_requests.created_at < $3::timestamptz
         RETURNING key`,
        [PREFIX + key, new Date(now).toISOString(), expiredBefore],
      );
      // Opportunistic: keeps the table small without a scheduled job.
      if (prune) await m.query(`DELETE FROM seen_requests WHERE key LIKE $1 AND created_at < $2::timestamptz`, [`${PREFIX}%`, expiredBefore]);
      return won.length === 1;
    });
  }
}
