import type { SlackMessageRef, SlackMessageStore, SlackPostAttempt } from './message.store';
import { sqlRows, type SqlStore } from './sql-runner';

const SURFACE = 'slack';
/**
 * A post attempt not yet concluded, one per conversation, ref `{ channel, at, lastAt }` (first and latest
 * attempt; rows written before `lastAt` existed have `at` only, read as both): its own surface key in the
 * same table (unique on conversation + surface, under the tenant's RLS), so no schema change and no query
 * on the message rows ever sees it.
 */
const ATTEMPT_SURFACE = 'slack:post-attempt';

interface Row {
  conversation_id: string;
  channel: string;
  ts: string;
}

const toRef = (tenantId: string, r: Row): SlackMessageRef => ({ tenantId, conversationId: r.conversation_id, channel: r.channel, ts: r.ts });

/**
 * Slack message refs in `surface_refs` (surface `slack`, ref `{ channel, ts }`), one per conversation
 * (unique on conversation + surface). Every query runs under the tenant's row-level security, so a
 * thread in one tenant's workspace can never resolve to another tenant's conversation.
 */
export class SqlSlackMessageStore implements SlackMessageStore {
  constructor(private readonly store: SqlStore) {}

  async get(tenantId: string, conversationId: string): Promise<SlackMessageRef | null> {
    const r = await this.store.tenant(tenantId, (m) =>
      sqlRows<Row>(m, `SELECT conversation_id, ref->>'channel' AS channel, ref->>'ts' AS ts FROM surface_refs WHERE conversation_id = $1 AND surface = $2`, [
        conversationId,
        SURFACE,
      ]),
    );
    return r[0] ? toRef(tenantId, r[0]) : null;
  }

  async findByTs(tenantId: string, channel: string, ts: string): Promise<SlackMessageRef | null> {
    const r = await this.store.tenant(tenantId, (m) =>
      sqlRows<Row>(
        m,
        `SELECT conversation_id, ref->>'channel' AS channel, ref->>'ts' AS ts FROM surface_refs
          WHERE surface = $1 AND ref->>'channel' = $2 AND ref->>'ts' = $3 LIMIT 1`,
        [SURFACE, channel, ts],
      ),
    );
    return r[0] ? toRef(tenantId, r[0]) : null;
  }

  async save(ref: SlackMessageRef): Promise<void> {
    await this.store.tenant(ref.tenantId, async (m) => {
      await m.query(
        `INSERT INTO surface_refs (tenant_id, conversation_id, surface, ref) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (conversation_id, surface) DO UPDATE SET ref = excluded.ref, updated_at = now()`,
        [ref.tenantId, ref.conversationId, SURFACE, JSON.stringify({ channel: ref.channel, ts: ref.ts })],
      );
      await m.query(`DELETE FROM surface_refs WHERE conversation_id = $1 AND surface = $2`, [ref.conversationId, ATTEMPT_SURFACE]);
    });
  }

  async saveIfAbsent(ref: SlackMessageRef): Promise<SlackMessageRef> {
    return this.store.tenant(ref.tenantId, async (m) => {
      const inserted = await sqlRows<Row>(
        m,
        `INSERT INTO surface_refs (tenant_id, conversation_id, surface, ref) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (conversation_id, surface) DO NOTHING
         RETURNING conversation_id, ref->>'channel' AS channel, ref->>'ts' AS ts`,
        [ref.tenantId, ref.conversationId, SURFACE, JSON.stringify({ channel: ref.channel, ts: ref.ts })],
      );
      await m.query(`DELETE FROM surface_refs WHERE conversation_id = $1 AND surface = $2`, [ref.conversationId, ATTEMPT_SURFACE]);
      if (inserted[0]) return toRef(ref.tenantId, inserted[0]);
      const kept = await sqlRows<Row>(m, `SELECT conversation_id, ref->>'channel' AS channel, ref->>'ts' AS ts FROM surface_refs WHERE conversation_id = $1 AND surface = $2`, [
        ref.conversationId,
        SURFACE,
      ]);
      return toRef(ref.tenantId, kept[0]!);
    });
  }

  async beginPost(tenantId: string, conversationId: string, channel: string, at: Date): Promise<SlackPostAttempt | null> {
    // One statement: `prev` reads the snapshot before the upsert, so it is the attempt recorded earlier.
    // Another channel replaces the attempt; the same channel keeps `at` and moves `lastAt` forward only
    // (processes with clocks apart may record out of order).
    const r = await this.store.tenant(tenantId, (m) =>
      sqlRows<{ channel: string; at: string; last_at: string }>(
        m,
        `WITH prev AS (SELECT ref FROM surface_refs WHERE conversation_id = $1 AND surface = $2),
              upsert AS (
                INSERT INTO surface_refs (tenant_id, conversation_id, surface, ref) VALUES ($3, $1, $2, $4::jsonb)
                ON CONFLICT (conversation_id, surface) DO UPDATE SET
                  ref = CASE
                    WHEN surface_refs.ref->>'channel' IS DISTINCT FROM excluded.ref->>'channel' THEN excluded.ref
                    ELSE surface_refs.ref || jsonb_build_object('lastAt', excluded.ref->'lastAt')
                  END,
                  updated_at = now()
                 WHERE surface_refs.ref->>'channel' IS DISTINCT FROM excluded.ref->>'channel'
                    OR (excluded.ref->>'lastAt')::timestamptz > coalesce(surface_refs.ref->>'lastAt', surface_refs.ref->>'at')::timestamptz
                RETURNING 1)
         SELECT ref->>'channel' AS channel, ref->>'at' AS at, coalesce(ref->>'lastAt', ref->>'at') AS last_at FROM prev`,
        [conversationId, ATTEMPT_SURFACE, tenantId, JSON.stringify({ channel, at: at.toISOString(), lastAt: at.toISOString() })],
      ),
    );
    return r[0] ? { channel: r[0].channel, at: new Date(r[0].at), lastAt: new Date(r[0].last_at) } : null;
  }

  async endPost(tenantId: string, conversationId: string): Promise<void> {
    await this.store.tenant(tenantId, (m) => m.query(`DELETE FROM surface_refs WHERE conversation_id = $1 AND surface = $2`, [conversationId, ATTEMPT_SURFACE]));
  }

  async claimRender(tenantId: string, conversationId: string, version: number): Promise<boolean> {
    const r = await this.store.tenant(tenantId, (m) =>
      sqlRows<{ updated: number; present: number }>(
        m,
        `WITH claimed AS (
           UPDATE surface_refs SET ref = jsonb_set(ref, '{version}', to_jsonb($3::int)), updated_at = now()
            WHERE conversation_id = $1 AND surface = $2 AND coalesce((ref->>'version')::int, 0) <= $3
            RETURNING 1)
         SELECT (SELECT count(*) FROM claimed)::int AS updated,
                (SELECT count(*) FROM surface_refs WHERE conversation_id = $1 AND surface = $2)::int AS present`,
        [conversationId, SURFACE, version],
      ),
    );
    return r[0]!.updated > 0 || r[0]!.present === 0;
  }

  async delete(tenantId: string, conversationId: string): Promise<void> {
    await this.store.tenant(tenantId, (m) => m.query(`DELETE FROM surface_refs WHERE conversation_id = $1 AND surface = $2`, [conversationId, SURFACE]));
  }
}
