import type { EntityManager } from 'typeorm';
import { getLeadRow, getConversationRow } from '../conversations/conversation-view.query';
import type { ConversationDeps } from '../conversations/engine-deps';
import type { JobHandler } from '../jobs/job-registry';
import { CrmRetryableError, type CrmAdapter, type CrmContext, type CrmLeadSnapshot, type CrmMessageSnapshot } from '../ports/crm-adapter.port';
import { one } from '../store/sql';

export const CRM_EVENTS = ['lead.captured', 'lead.updated', 'message.created'];

export interface CrmSyncPayload {
  leadId: string;
  messageId?: string;
}

/** Carries a CRM's Retry-After to the job runner (it honours `retryAfterMs`). */
class CrmRetryLater extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

/**
 * `crm.sync.<provider>`: one handler per registered CRM adapter, so each CRM retries on its own.
 * On a lead event it upserts the record and stores the link; on `message.created` it also logs the text.
 * Work for one lead is serialised by locking its crm_links row for the whole call (two back-to-back events
 * must not create two CRM records). A retryable failure waits for the CRM's Retry-After; a failure that
 * used up its attempts (or is not retryable) marks the link `failed`, which the conversation view shows,
 * and the outbox row dead-letters for an admin to retry.
 */
export function crmSyncJob(deps: ConversationDeps, adapter: CrmAdapter, maxAttempts = 6): JobHandler<CrmSyncPayload> {
  return {
    name: `crm.sync.${adapter.provider}`,
    queue: 'crm',
    events: CRM_EVENTS,
    maxAttempts,
    // The relay settles jobs of tenants without this CRM; the check below catches a disconnect since.
    requiresIntegration: adapter.provider,
    async handle(event, ctx) {
      const tenantId = event.tenantId!;
      const integration = await deps.integrations.get(tenantId, adapter.provider);
      if (!integration?.enabled) return; // not connected for this tenant: nothing to do
      try {
        await deps.store.tenant(tenantId, async (m) => {
          // Token refreshes are saved in this same transaction: a second one would wait forever for the
          // single embedded connection, and a merge keeps keys written meanwhile by a reconnect.
          const crmCtx: CrmContext = {
            tenantId,
            config: integration.config,
            saveConfig: (config) => deps.integrations.mergeConfig(m, adapter.provider, config),
          };
          await m.query(
            `INSERT INTO crm_links (tenant_id, lead_id, provider) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, lead_id, provider) DO NOTHING`,
            [tenantId, event.payload.leadId, adapter.provider],
          );
          const link = await one<{ external_id: string | null }>(
            m,
            `SELECT external_id FROM crm_links WHERE lead_id = $1 AND provider = $2 FOR UPDATE`,
            [event.payload.leadId, adapter.provider],
          );
          const snapshot = await leadSnapshot(m, tenantId, event.payload.leadId, link?.external_id ?? null);
          if (!snapshot) {
            await ctx.complete(m);
            return;
          }
          const { externalId } = await adapter.upsertLead(crmCtx, snapshot);
          if (event.type === 'message.created' && event.payload.messageId) {
            const msg = await one<{ id: string; direction: 'in' | 'out'; author: string; body: string; status: string; created_at: Date }>(
              m,
              `SELECT id, direction, author, body, status, created_at FROM messages WHERE id = $1`,
              [event.payload.messageId],
            );
            if (msg) {
              const snap: CrmMessageSnapshot = { id: msg.id, direction: msg.direction, author: msg.author, body: msg.body, status: msg.status, createdAt: new Date(msg.created_at).toISOString() };
              await adapter.logMessage(crmCtx, { ...snapshot, externalId }, snap);
            }
          }
          await m.query(`UPDATE crm_links SET external_id = $3, status = 'ok', error = NULL, updated_at = now() WHERE lead_id = $1 AND provider = $2`, [
            event.payload.leadId,
            adapter.provider,
            externalId,
          ]);
          await ctx.complete(m);
        });
      } catch (err) {
        const retryable = err instanceof CrmRetryableError;
        const lastAttempt = event.attempt >= maxAttempts;
        if (!retryable || lastAttempt) await markFailed(deps, tenantId, event.payload.leadId, adapter.provider, err);
        deps.live.publish({ tenantId, type: 'lead.crm_sync', leadId: event.payload.leadId });
        if (retryable) throw new CrmRetryLater((err as Error).message, (err as CrmRetryableError).retryAfterMs);
        throw err;
      }
      deps.live.publish({ tenantId, type: 'lead.crm_sync', leadId: event.payload.leadId });
    },
  };
}

async function markFailed(deps: ConversationDeps, tenantId: string, leadId: string, provider: string, err: unknown) {
  const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
  await deps.store.tenant(tenantId, (m) =>
    m.query(
      `INSERT INTO crm_links (tenant_id, lead_id, provider, status, error) VALUES ($1, $2, $3, 'failed', $4)
       ON CONFLICT (tenant_id, lead_id, provider) DO UPDATE SET status = 'failed', error = excluded.error, updated_at = now()`,
      [tenantId, leadId, provider, message],
    ),
  );
}

async function leadSnapshot(m: EntityManager, tenantId: string, leadId: string, externalId: string | null): Promise<CrmLeadSnapshot | null> {
  const lead = await getLeadRow(m, leadId);
  if (!lead) return null;
  const latest = await one<{ id: string }>(m, `SELECT id FROM conversations WHERE lead_id = $1 ORDER BY created_at DESC LIMIT 1`, [leadId]);
  const c = latest ? await getConversationRow(m, latest.id) : null;
  return {
    id: lead.id,
    tenantId,
    firstName: lead.first_name,
    lastName: lead.last_name,
    email: lead.email,
    phone: lead.phone,
    tag: lead.tag,
    score: lead.score,
    mode: c?.mode ?? 'ai',
    optedOut: lead.opted_out,
    source: lead.source,
    company: lead.company,
    externalId,
  };
}
