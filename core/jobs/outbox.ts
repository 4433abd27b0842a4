import type { EntityManager } from 'typeorm';
import { commitWith, rows } from '../store/sql';
import type { JobRegistry } from './job-registry';

export interface OutboxEvent {
  type: string;
  tenantId: string | null;
  payload: Record<string, unknown>;
  /** Run no earlier than this (quiet hours, follow-ups). Defaults to now. */
  availableAt?: Date;
  /** Only for these handlers (e.g. a retry of one CRM adapter); default: every subscriber. */
  only?: string[];
}

/**
 * Writes events in the caller's transaction: the state change and the work it causes commit together
 * or not at all. One row per subscribed handler, so each integration retries on its own.
 */
export class Outbox {
  private listeners: Array<() => void> = [];

  constructor(private readonly registry: JobRegistry) {}

  /** Inserts the events' rows; with `last`, as the caller's transaction's last statement (`commitWith`). */
  async publish(m: EntityManager, events: OutboxEvent[], opts: { last?: boolean } = {}): Promise<number> {
    const insert = this.insertStatement(events);
    if (!insert) return 0;
    await (opts.last ? commitWith : rows)(m, insert.sql, insert.params);
    return insert.rows;
  }

  /**
   * The INSERT that `publish` runs, for callers that fold it into a larger statement (a `WITH o AS (...)`
   * clause) to save a round trip. Its placeholders start at `$firstParam`; null when no handler subscribes.
   * `onlyWhen`, an SQL condition, inserts the rows only when it holds (e.g. `EXISTS (SELECT 1 FROM ins)`:
   * only when a sibling clause really inserted).
   */
  insertStatement(events: OutboxEvent[], firstParam = 1, onlyWhen?: string): { sql: string; params: unknown[]; rows: number } | null {
    const rows: unknown[][] = [];
    for (const event of events) {
      for (const handler of this.registry.subscribers(event.type)) {
        if (event.only && !event.only.includes(handler.name)) continue;
        rows.push([
          event.tenantId,
          handler.name,
          handler.queue,
          event.type,
          JSON.stringify(event.payload),
          handler.maxAttempts ?? 8,
          event.availableAt ?? null,
        ]);
      }
    }
    if (rows.length === 0) return null;
    const params: unknown[] = [];
    const values = rows.map((row) => {
      const base = firstParam - 1 + params.length;
      params.push(...row);
      return `($${base + 1}::uuid, $${base + 2}::text, $${base + 3}::text, $${base + 4}::text, $${base + 5}::jsonb, $${base + 6}::int, coalesce($${base + 7}::timestamptz, now()))`;
    });
    const into = 'INSERT INTO outbox (tenant_id, topic, queue, event_type, payload, max_attempts, available_at)';
    return {
      sql: onlyWhen ? `${into} SELECT * FROM (VALUES ${values.join(', ')}) AS v WHERE ${onlyWhen}` : `${into} VALUES ${values.join(', ')}`,
      params,
      rows: rows.length,
    };
  }

  /** Called after a commit that published events: lets the relay dispatch at once instead of on its next poll. */
  onPublished(listener: () => void): void {
    this.listeners.push(listener);
  }

  notifyCommitted(): void {
    for (const l of this.listeners) l();
  }
}
