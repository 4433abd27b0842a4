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
   *
   * A handler that requires an integration (`JobHandler.requiresIntegration`) gets its row only when the
   * event's tenant has that integration enabled, read in this statement: a tenant without HubSpot writes
   * no HubSpot rows. Most tenants connect one CRM or none, and every text publishes for both, so these
   * rows were most of the outbox's writes. The relay checks again when it claims (the integration may be
   * disabled in between); `rows` counts the rows offered, not those the condition lets through.
   */
  insertStatement(events: OutboxEvent[], firstParam = 1, onlyWhen?: string): { sql: string; params: unknown[]; rows: number } | null {
    const rows: unknown[][] = [];
    let gated = false;
    for (const event of events) {
      for (const handler of this.registry.subscribers(event.type)) {
        if (event.only && !event.only.includes(handler.name)) continue;
        gated ||= Boolean(handler.requiresIntegration);
        rows.push([
          event.tenantId,
          handler.name,
          handler.queue,
          event.type,
          JSON.stringify(event.payload),
          handler.maxAttempts ?? 8,
          event.availableAt ?? null,
          handler.requiresIntegration ?? null,
        ]);
      }
    }
    if (rows.length === 0) return null;
    const params: unknown[] = [];
    const values = rows.map((row) => {
      const base = firstParam - 1 + params.length;
      params.push(...(gated ? row : row.slice(0, 7)));
      const needs = gated ? `, $${base + 8}::text` : '';
      return `($${base + 1}::uuid, $${base + 2}::text, $${base + 3}::text, $${base + 4}::text, $${base + 5}::jsonb, $${base + 6}::int, coalesce($${base + 7}::timestamptz, now())${needs})`;
    });
    const columns = 'tenant_id, topic, queue, event_type, payload, max_attempts, available_at';
    const into = `INSERT INTO outbox (${columns})`;
    const conditions = [
      ...(gated ? [`(v.needs IS NULL OR EXISTS (SELECT 1 FROM integrations i WHERE i.tenant_id = v.tenant_id AND i.kind = v.needs AND i.enabled))`] : []),
      ...(onlyWhen ? [`(${onlyWhen})`] : []),
    ];
    return {
      sql:
        conditions.length === 0
          ? `${into} VALUES ${values.join(', ')}`
          : `${into} SELECT ${columns.split(', ').map((c) => `v.${c}`).join(', ')} FROM (VALUES ${values.join(', ')}) AS v(${columns}${gated ? ', needs' : ''}) WHERE ${conditions.join(' AND ')}`,
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
