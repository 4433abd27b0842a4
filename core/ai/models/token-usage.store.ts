/** One model call's token use, as recorded against a tenant's daily budget. */
export interface TokenUsageRecord {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  model: string;
  task: string;
  promptTokens: number;
  completionTokens: number;
  at: string;
}

/**
 * Where token use is counted per tenant and day. The in-memory one serves tests and the embedded demo;
 * the server backs it with the `usage` table.
 */
export interface TokenUsageStore {
  /** Tokens (prompt + completion) the tenant used on that UTC day. */
  usedToday(tenantId: string, day: string): Promise<number>;
  record(tenantId: string, usage: TokenUsageRecord): Promise<void>;
}

/** The UTC day of a date, `YYYY-MM-DD`. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A process-local usage store. */
export class InMemoryTokenUsageStore implements TokenUsageStore {
  private readonly totals = new Map<string, number>();
  readonly records: Array<TokenUsageRecord & { tenantId: string }> = [];

  async usedToday(tenantId: string, day: string): Promise<number> {
    return this.totals.get(`${tenantId}|${day}`) ?? 0;
  }

  async record(tenantId: string, usage: TokenUsageRecord): Promise<void> {
    const key = `${tenantId}|${usage.day}`;
    this.totals.set(key, (this.totals.get(key) ?? 0) + usage.promptTokens + usage.completionTokens);
    this.records.push({ tenantId, ...usage });
  }
}
