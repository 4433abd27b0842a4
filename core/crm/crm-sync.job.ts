import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { getLeadRow, getConversationRow, type LeadRow } from '../conversations/conversation-view.query';
import type { ConversationDeps } from '../conversations/engine-deps';
import { isTandemError } from '../errors/tandem-error';
import type { JobContext, JobHandler } from '../jobs/job-registry';
import { CrmRetryableError, type CrmAdapter, type CrmContext, type CrmLeadSnapshot, type CrmMessageSnapshot } from '../ports/crm-adapter.port';
import type { Store } from '../store/data-source';
import { one } from '../store/sql';

export const CRM_EVENTS = ['lead.captured', 'lead.updated', 'message.created'];

export interface CrmSyncPayload {
  leadId: string;
  messageId?: string;
}

export interface CrmSyncOptions {
  maxAttempts?: number;
  /** How long a run's claim on a lead holds: longer than its slowest CRM call chain, short enough to outlive a dead worker. */
  claimMs?: number;
  /** How long a run waits for another run of the same lead before it gives up and retries later. */
  waitMs?: number;
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
 *
 * No transaction is open while the CRM answers (a slow CRM would otherwise hold the lead's locks and a
 * pooled connection, and on PGlite every other transaction): one short transaction claims the lead's
 * link and reads what the sync needs, the CRM is called, and a second one records the link and completes
 * the job. The claim keeps two runs for one lead apart across the call, so they never both see "no CRM id"
 * and create two records, and the later one sends the newer data; a run that finds the lead claimed waits
 * for it outside any transaction. A retryable failure waits for the CRM's Retry-After; a failure that used
 * up its attempts (or is not retryable) marks the link `failed`, which the conversation view shows, and
 * the outbox row dead-letters for an admin to retry. Either way a record the CRM already gave is kept, so
 * the retry updates it instead of creating another.
 */
export function crmSyncJob(deps: ConversationDeps, adapter: CrmAdapter, options: CrmSyncOptions = {}): JobHandler<CrmSyncPayload> {
  const { maxAttempts = 6, claimMs = 5 * 60_000, waitMs = 20_000 } = options;
  return {
    name: `crm.sync.${adapter.provider}`,
    queue: 'crm',
    events: CRM_EVENTS,
    maxAttempts,
    // The relay settles jobs of tenants without this CRM; the check below catches a disconnect since.
    requiresIntegration: adapter.provider,
    async handle(event, ctx) {
      const tenantId = event.tenantId!;
      const { leadId, messageId } = event.payload;
      const integration = await deps.integrations.get(tenantId, adapter.provider);
      if (!integration?.enabled) return; // not connected for this tenant: nothing to do
      const crmCtx: CrmContext = {
        tenantId,
        config: integration.config,
        // A short transaction of its own; a merge keeps keys written meanwhile by a reconnect.
        saveConfig: (config) => deps.store.tenant(tenantId, (m) => deps.integrations.mergeConfig(m, adapter.provider, config)),
      };
      const link = new LinkClaim(deps.store, tenantId, leadId, adapter.provider, claimMs);
      let externalId: string | null = null;
      try {
        const work = await link.claim(messageId, waitMs, ctx);
        if (work) {
          ({ externalId } = await adapter.upsertLead(crmCtx, work.lead));
          if (work.message) await adapter.logMessage(crmCtx, { ...work.lead, externalId }, work.message);
          await link.succeeded(externalId, ctx);
        }
      } catch (err) {
        // job.already_done: another run of this job finished first; it recorded its own outcome.
        const alreadyDone = isTandemError(err, 'job.already_done');
        const retryable = err instanceof CrmRetryableError;
        const final = !alreadyDone && (!retryable || event.attempt >= maxAttempts);
        await link.release(externalId, final ? err : null);
        if (alreadyDone) throw err;
        deps.live.publish({ tenantId, type: 'lead.crm_sync', leadId });
        if (retryable) throw new CrmRetryLater((err as Error).message, (err as CrmRetryableError).retryAfterMs);
        throw err;
      }
      deps.live.publish({ tenantId, type: 'lead.crm_sync', leadId });
    },
  };
}

/** What one sync sends: the lead as it is once claimed, and the text to log, if any. */
interface SyncWork {
  lead: CrmLeadSnapshot;
  message: CrmMessageSnapshot | null;
}

const releaseClaim = (table: string, claimParam: string) =>
  `sync_claim = CASE WHEN ${table}.sync_claim = ${claimParam}::uuid THEN NULL ELSE ${table}.sync_claim END,
   sync_claimed_until = CASE WHEN ${table}.sync_claim = ${claimParam}::uuid THEN NULL ELSE ${table}.sync_claimed_until END`;

/**
 * One run's claim on a lead's crm_links row (`sync_claim`, `sync_claimed_until`). Taken and released in
 * short transactions only; a claim whose run died mid-call lapses after `claimMs`.
 */
class LinkClaim {
  private readonly id = randomUUID();

  constructor(
    private readonly store: Store,
    private readonly tenantId: string,
    private readonly leadId: string,
    private readonly provider: CrmAdapter['provider'],
    private readonly claimMs: number,
  ) {}

  /**
   * Claims the link and reads the sync's input, waiting (outside any transaction) while another run holds
   * it. Null when the lead is gone: the job is then completed. After `waitMs` it gives up with a retryable
   * error that asks to come back when the other claim lapses.
   */
  async claim(messageId: string | undefined, waitMs: number, ctx: JobContext): Promise<SyncWork | null> {
    const deadline = Date.now() + waitMs;
    for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
      const got = await this.store.tenant(this.tenantId, (m) => this.tryClaim(m, messageId, ctx));
      if (!('busyForMs' in got)) return got.work;
      if (Date.now() + pause > deadline) {
        throw new CrmRetryableError(`another ${this.provider} sync of this lead is still running`, Math.max(got.busyForMs, 1000));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, got.busyForMs + 10)));
    }
  }

  private async tryClaim(m: EntityManager, messageId: string | undefined, ctx: JobContext): Promise<{ work: SyncWork | null } | { busyForMs: number }> {
    const lead = await getLeadRow(m, this.leadId);
    if (!lead) {
      await ctx.complete(m);
      return { work: null };
    }
    // Inserting the link references the lead (its key-share lock lasts only this short transaction).
    const claimed = await one<{ external_id: string | null }>(
      m,
      `INSERT INTO crm_links (tenant_id, lead_id, provider, sync_claim, sync_claimed_until)
       VALUES ($1, $2, $3, $4, now() + $5::int * interval '1 millisecond')
       ON CONFLICT (tenant_id, lead_id, provider) DO UPDATE SET sync_claim = excluded.sync_claim, sync_claimed_until = excluded.sync_claimed_until
        WHERE crm_links.sync_claim IS NULL OR crm_links.sync_claimed_until <= now()
       RETURNING external_id`,
      [this.tenantId, this.leadId, this.provider, this.id, this.claimMs],
    );
    if (!claimed) {
      const held = await one<{ ms: number }>(
        m,
        `SELECT GREATEST(0, ceil(extract(epoch FROM sync_claimed_until - now()) * 1000))::int AS ms FROM crm_links WHERE lead_id = $1 AND provider = $2`,
        [this.leadId, this.provider],
      );
      return { busyForMs: held?.ms ?? 0 };
    }
    return { work: { lead: await leadSnapshot(m, this.tenantId, lead, claimed.external_id), message: messageId ? await messageSnapshot(m, messageId) : null } };
  }

  /** Records the link and completes the job in one short transaction, and gives the lead back. */
  async succeeded(externalId: string, ctx: JobContext): Promise<void> {
    await this.store.tenant(this.tenantId, async (m) => {
      await m.query(
        `UPDATE crm_links SET external_id = $3, status = 'ok', error = NULL, updated_at = now(), ${releaseClaim('crm_links', '$4')}
          WHERE lead_id = $1 AND provider = $2`,
        [this.leadId, this.provider, externalId, this.id],
      );
      await ctx.complete(m);
    });
  }

  /**
   * Gives the lead back after a failure, keeping the record id the CRM already gave (if any). With `failure`
   * the link is marked `failed` with its message, which the conversation view shows.
   */
  async release(externalId: string | null, failure: unknown): Promise<void> {
    if (failure === null) {
      await this.store.tenant(this.tenantId, (m) =>
        m.query(`UPDATE crm_links SET external_id = COALESCE($3, external_id), ${releaseClaim('crm_links', '$4')} WHERE lead_id = $1 AND provider = $2`, [
          this.leadId,
          this.provider,
          externalId,
          this.id,
        ]),
      );
      return;
    }
    const message = (failure instanceof Error ? failure.message : String(failure)).slice(0, 500);
    await this.store.tenant(this.tenantId, (m) =>
      m.query(
        `INSERT INTO crm_links (tenant_id, lead_id, provider, external_id, status, error) VALUES ($1, $2, $3, $4, 'failed', $5)
         ON CONFLICT (tenant_id, lead_id, provider) DO UPDATE SET external_id = COALESCE(excluded.external_id, crm_links.external_id),
                status = 'failed', error = excluded.error, updated_at = now(), ${releaseClaim('crm_links', '$6')}`,
        [this.tenantId, this.leadId, this.provider, externalId, message, this.id],
      ),
    );
  }
}

async function messageSnapshot(m: EntityManager, messageId: string): Promise<CrmMessageSnapshot | null> {
  const msg = await one<{ id: string; direction: 'in' | 'out'; author: string; body: string; status: string; created_at: Date }>(
    m,
    `SELECT id, direction, author, body, status, created_at FROM messages WHERE id = $1`,
    [messageId],
  );
  return msg && { id: msg.id, direction: msg.direction, author: msg.author, body: msg.body, status: msg.status, createdAt: new Date(msg.created_at).toISOString() };
}

async function leadSnapshot(m: EntityManager, tenantId: string, lead: LeadRow, externalId: string | null): Promise<CrmLeadSnapshot> {
  const latest = await one<{ id: string }>(m, `SELECT id FROM conversations WHERE lead_id = $1 ORDER BY created_at DESC LIMIT 1`, [lead.id]);
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
