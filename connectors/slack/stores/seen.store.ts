/**
 * Remembers which Slack deliveries were already handled, so a retried event (`X-Slack-Retry-Num`) or a
 * replayed interaction never acts twice. `firstSeen` must be atomic: a persisted version is an
 * `INSERT ... ON CONFLICT DO NOTHING` returning whether the row was inserted.
 */
export interface SeenStore {
  /** Records `key`; true the first time within the TTL, false for a repeat. */
  firstSeen(key: string): Promise<boolean>;
}

/** In-memory TTL implementation: enough for one process; Slack retries within minutes. */
export class InMemorySeenStore implements SeenStore {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async firstSeen(key: string): Promise<boolean> {
    const now = this.now();
    this.sweep(now);
    const expiresAt = this.seen.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.seen.set(key, now + this.ttlMs);
    return true;
  }

  /** Insertion order is expiry order (same TTL for all), so stop at the first live entry. */
  private sweep(now: number): void {
    for (const [key, expiresAt] of this.seen) {
      if (expiresAt > now) break;
      this.seen.delete(key);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
