import { QueryFailedError, type EntityManager } from 'typeorm';
import { ensureFirstMessageNotice, evaluateSend } from '../compliance/index';
import { dueAt, type ConversationDeps, type LiveNote } from '../conversations/engine-deps';
import type { LeadRow } from '../conversations/conversation-view.query';
import type { MessageStatus } from '../domain/types';
import type { IntegrationRecord } from '../engine/engine.types';
import type { JobContext, JobHandler } from '../jobs/job-registry';
import { SmsProviderError, type SmsProvider } from '../ports/sms-provider.port';
import { isStatusAdvance } from '../sms/message-status';
import { commitWith, one, SqlParams } from '../store/sql';
import { resolveSettings } from '../tenants/tenant-settings';
import { recordConsent } from './consent';
import { SERVICE_KINDS, type OutboundKind } from './outbound';
import { nextFollowUp } from '../followups/followup.schedule';

/**
 * Which provider sends for a tenant, and from which number (null: the provider or its messaging service picks).
 * Given `m`, the resolver reads what it needs inside that tenant transaction instead of opening its own: the
 * send job resolves while it claims the text, which saves a transaction (three round trips) per send. Given
 * `preloaded`, it reads nothing: the send job joins the tenant's Twilio integration into the statement that
 * locks the lead, so the claim spends no statement (and no wait with the lead locked) on it.
 */
export type SmsProviderResolver = (tenantId: string, m?: EntityManager, preloaded?: PreloadedIntegrations) => Promise<ResolvedSmsProvider>;
/** Integrations the caller already read in its transaction (`null`: the tenant has none of that kind). */
export interface PreloadedIntegrations {
  twilio: IntegrationRecord | null;
}
export interface ResolvedSmsProvider {
  provider: SmsProvider;
  from: string | null;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  lead_id: string;
  body: string;
  status: MessageStatus;
  meta: OutboundMeta;
}

/** What the send path keeps in `messages.meta` besides why the text exists. */
export interface OutboundMeta {
  kind?: OutboundKind;
  draftId?: string;
  replyTo?: string;
  /** Tries that certainly did not reach the provider; a new one goes out only while this is below the cap. */
  sendAttempt?: number;
  /** When the try whose outcome is unknown began (ISO): the provider is asked for texts since then. */
  sendStartedAt?: string;
  /** The provider that try went to. */
  sendProvider?: string;
}

export const MAX_PROVIDER_ATTEMPTS = 5;
const STOP_CODE = '21610';
/** First look at the provider after an unknown outcome: long enough for a slow request to land there. */
export const RECONCILE_AFTER_MS = 30_000;

/**
 * `sms.send`: the only place a text reaches a provider, in two transactions around the provider call.
 *
 * 1. Under a lock on the lead row (an inbound STOP takes the same lock): re-read the message, apply the
 *    compliance gate, then either block it, defer it (re-published for the instant the gate names), or
 *    mark it `sending` and commit. Only a message still `queued`/`deferred` gets this far, so a redelivered
 *    or retried job never sends twice.
 * 2. After the provider answered: store its id and status, start the nurture clock, log it to the CRM.
 *    When the provider may have taken the text without our hearing so (`maybeSent`: a timeout, a dropped
 *    connection, a 5xx), it is never sent again blindly: it stays `sending` and sms.reconcile asks the
 *    provider (reconcile.job.ts). A worker that dies between the two leaves it `sending` too; the sweep there
 *    finds it.
 *
 * Round trips on the common path are counted in send.job.test.ts: three statements in the first
 * transaction (lock the lead, with the tenant's settings and Twilio integration; read the message and
 * complete the job; claim it), two in the second. The provider resolver (server/compose.ts) reads nothing
 * more for a Twilio tenant.
 */
export function sendJob(deps: ConversationDeps, resolveProvider: () => SmsProviderResolver): JobHandler<{ messageId: string }> {
  return {
    name: 'sms.send',
    queue: 'sms',
    events: ['message.queued'],
    maxAttempts: 8,
    async handle(event, ctx) {
      const tenantId = event.tenantId!;
      const publish = deps.jobs.outbox.publish.bind(deps.jobs.outbox);
      const live: LiveNote[] = [];
      const claimedAt = new Date();
      const claim = await deps.store.tenant(tenantId, async (m) => {
        const locked = await lockLeadOf(m, event.payload.messageId);
        if (!locked) {
          await ctx.complete(m);
          return null;
        }
        const { tenant_settings: storedSettings, twilio_kind, twilio_external_id, twilio_enabled, twilio_config, ...lead } = locked;
        const preloaded: PreloadedIntegrations = {
          twilio: deps.integrations.open(twilio_kind ? { kind: twilio_kind, external_id: twilio_external_id, enabled: twilio_enabled!, config_ciphertext: twilio_config! } : null),
        };
        const settings = resolveSettings(storedSettings);
        const now = deps.clock();
        const dayAgo = new Date(now.getTime() - 24 * 3600_000);
        const msg = await readMessageAfterLock(ctx, m, event.payload.messageId, dayAgo);
        if (msg.status !== 'queued' && msg.status !== 'deferred') return null;
        const kind = msg.meta.kind ?? 'reply';
        const isFirst = !msg.sent_before;
        const exempt = kind === 'help' || kind === 'opt_out_confirmation' || kind === 'opt_in_confirmation';
        const body = isFirst && !exempt ? ensureFirstMessageNotice(msg.body, settings.businessName) : msg.body;
        const recent = msg.sends_last_day.map((at) => new Date(at));
        const decision = evaluateSend({
          lead: { optedOut: lead.opted_out, consent: lead.consent_state, phone: lead.phone, timezone: lead.timezone },
          message: {
            body,
            isFirstMessage: isFirst,
            isFormReply: kind === 'opener',
            isOptOutConfirmation: kind === 'opt_out_confirmation',
            isHelpReply: kind === 'help',
            isReplyToLead: Boolean(msg.meta.replyTo),
          },
          tenant: {
            businessName: settings.businessName,
            quietHours: settings.quietHours,
            holidays: settings.holidays,
            segmentCap: settings.segmentCap,
            firstReplyMaySkipQuietHours: settings.firstReplyMaySkipQuietHours,
            defaultTimezone: settings.defaultTimezone,
          },
          now,
          sentTodayCount: recent.length,
          recentSendTimes: recent,
        });
        live.push({ type: 'message.updated', conversationId: msg.conversation_id, leadId: lead.id });
        if (decision.decision === 'block') {
          await m.query(`UPDATE messages SET status = 'blocked', error_code = $2, updated_at = clock_timestamp() WHERE id = $1`, [msg.id, decision.reason]);
          await touchConversation(m, msg.conversation_id);
          await publish(m, [
            { type: 'conversation.notify', tenantId, payload: { kind: 'send.blocked', conversationId: msg.conversation_id, reason: decision.detail, messageId: msg.id } },
          ]);
          return null;
        }
        if (decision.decision === 'defer') {
          // Never dropped: it waits in the outbox for the instant the gate named.
          await m.query(`UPDATE messages SET status = 'deferred', scheduled_for = $2, body = $3, updated_at = clock_timestamp() WHERE id = $1`, [
            msg.id,
            decision.until,
            body,
          ]);
          await touchConversation(m, msg.conversation_id);
          await publish(m, [{ type: 'message.queued', tenantId, payload: { messageId: msg.id }, availableAt: dueAt(deps, decision.until) }]);
          return null;
        }
        const route = await resolveIn(resolveProvider(), tenantId, m, preloaded);
        // The claim's last statement: COMMIT rides with it.
        await commitWith(m, `UPDATE messages SET status = 'sending', body = $2, segments = $3, scheduled_for = NULL, sent_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = $1`, [
          msg.id,
          body,
          Math.max(1, decision.segments.segments),
        ]);
        return { msg: { ...msg, body }, lead, kind, route };
      });
      if (!claim) {
        deps.jobs.outbox.notifyCommitted();
        for (const e of live) deps.live.publish({ ...e, tenantId });
        return;
      }
      await callProvider(deps, claim.route, tenantId, claim.msg, claim.lead, claim.kind, claimedAt);
    },
  };
}

/**
 * The message's lead, row-locked before anything is decided (an inbound STOP takes the same lock), with
 * the tenant's settings. A row this statement locks is read as it is now, so a STOP that committed while
 * it waited is seen. Null when the message does not exist.
 */
function lockLeadOf(m: EntityManager, messageId: string): Promise<(LeadRow & LockedExtras) | null> {
  return one<LeadRow & LockedExtras>(
    m,
    `SELECT l.*, t.settings AS tenant_settings,
            i.kind AS twilio_kind, i.external_id AS twilio_external_id, i.enabled AS twilio_enabled, i.config_ciphertext AS twilio_config
       FROM messages msg
       JOIN leads l ON l.id = msg.lead_id
       JOIN tenants t ON t.id = l.tenant_id
       LEFT JOIN integrations i ON i.tenant_id = l.tenant_id AND i.kind = 'twilio'
      WHERE msg.id = $1::uuid
        FOR NO KEY UPDATE OF l`,
    [messageId],
  );
}

/** What `lockLeadOf` reads besides the lead: the tenant's settings and its Twilio integration's row, if any. */
interface LockedExtras {
  tenant_settings: unknown;
  twilio_kind: 'twilio' | null;
  twilio_external_id: string | null;
  twilio_enabled: boolean | null;
  twilio_config: string | null;
}

/**
 * The statement after the lead's lock, so its snapshot includes every send for this lead that committed
 * before: the message, locked (a copy already claimed reads as `sending`), this lead's earlier sends for
 * the first-text notice and the rate limits, and the job's completion, so every path below commits with
 * it. From here the message row, not the outbox row, says whether the text was sent.
 */
async function readMessageAfterLock(
  ctx: JobContext,
  m: EntityManager,
  messageId: string,
  dayAgo: Date,
): Promise<MessageRow & { sent_before: boolean; sends_last_day: string[] }> {
  const completion = ctx.completionClause(2);
  const since = 2 + completion.params.length;
  // Only the last day's send times (for the per-lead caps) and whether any text went before (for the
  // first-text notice): a long conversation must not make every send read all of its history.
  const row = await one<MessageRow & { sent_before: boolean; sends_last_day: string[]; completed: boolean }>(
    m,
    `WITH done AS (${completion.sql})
     SELECT msg.id, msg.conversation_id, msg.lead_id, msg.body, msg.status, msg.meta, EXISTS (SELECT 1 FROM done) AS completed,
            EXISTS (SELECT 1 FROM messages p
                     WHERE p.lead_id = msg.lead_id AND p.direction = 'out' AND p.id <> msg.id
                       AND p.status IN ('sending','sent','delivered','undelivered')) AS sent_before,
            (SELECT coalesce(json_agg(p.sent_at), '[]') FROM messages p
              WHERE p.lead_id = msg.lead_id AND p.direction = 'out' AND p.id <> msg.id AND p.sent_at > $${since}::timestamptz
                AND p.status IN ('sending','sent','delivered','undelivered')) AS sends_last_day
       FROM messages msg WHERE msg.id = $1::uuid
        FOR UPDATE OF msg`,
    [messageId, ...completion.params, dayAgo.toISOString()],
  );
  if (!row) throw new Error(`message ${messageId} vanished while its lead was locked`);
  completion.confirm(row.completed);
  return row;
}

/**
 * The provider for this send, resolved inside the claim transaction. A resolver's own refusal (no provider
 * connected, a malformed config) is carried out as the send's failure; a database error is not caught, so
 * the claim rolls back instead of committing a transaction PostgreSQL has already aborted.
 */
async function resolveIn(resolve: SmsProviderResolver, tenantId: string, m: EntityManager, preloaded: PreloadedIntegrations): Promise<ResolvedSmsProvider | { error: unknown }> {
  try {
    return await resolve(tenantId, m, preloaded);
  } catch (error) {
    if (error instanceof QueryFailedError) throw error;
    return { error };
  }
}

async function callProvider(
  deps: ConversationDeps,
  route: ResolvedSmsProvider | { error: unknown },
  tenantId: string,
  msg: MessageRow,
  lead: LeadRow,
  kind: OutboundKind,
  claimedAt: Date,
) {
  const publish = deps.jobs.outbox.publish.bind(deps.jobs.outbox);
  let outcome: { ok: true; id: string; status: MessageStatus; provider: string } | { ok: false; error: unknown; provider: string | null };
  try {
    if ('error' in route) throw route.error;
    const { provider, from } = route;
    try {
      const r = await provider.send({
        to: lead.phone,
        from,
        body: msg.body,
        messageId: msg.id,
        statusCallbackUrl: provider.name === 'twilio' ? `${deps.publicUrl}/webhooks/twilio/status` : null,
      });
      outcome = { ok: true, id: r.providerMessageId, status: r.status, provider: provider.name };
    } catch (error) {
      outcome = { ok: false, error, provider: provider.name };
    }
  } catch (error) {
    outcome = { ok: false, error, provider: null };
  }

  await deps.store.tenant(tenantId, async (m) => {
    if (outcome.ok) {
      await recordAnswer(deps, m, tenantId, msg, lead.id, kind, { id: outcome.id, status: outcome.status, provider: outcome.provider }, { last: true });
      return;
    }
    const err = outcome.error;
    const code = err instanceof SmsProviderError ? err.providerCode : null;
    if (err instanceof SmsProviderError && err.maybeSent) {
      // The provider may hold the text already: sending it again could text the lead twice. It stays
      // `sending` until sms.reconcile has asked the provider (see reconcile.job.ts).
      const tries = msg.meta.sendAttempt ?? 0;
      await m.query(
        `UPDATE messages SET error_code = 'outcome_unknown', updated_at = clock_timestamp(),
                meta = meta || jsonb_build_object('sendAttempt', $2::int, 'sendStartedAt', $3::text, 'sendProvider', $4::text)
          WHERE id = $1`,
        [msg.id, tries, claimedAt.toISOString(), outcome.provider],
      );
      await publish(m, [
        { type: 'sms.reconcile', tenantId, payload: { messageId: msg.id, attempt: tries }, availableAt: new Date(Date.now() + RECONCILE_AFTER_MS) },
      ]);
      deps.logger.warn({ tenantId, messageId: msg.id, err: err.message }, 'sms send outcome unknown; will ask the provider before sending again');
      return;
    }
    const attempt = (msg.meta.sendAttempt ?? 0) + 1;
    if (err instanceof SmsProviderError && err.retryable && attempt < MAX_PROVIDER_ATTEMPTS) {
      // The provider refused before accepting the text: it is safe to try again later.
      await m.query(
        `UPDATE messages SET status = 'queued', meta = meta || jsonb_build_object('sendAttempt', $2::int), error_code = $3, updated_at = clock_timestamp() WHERE id = $1`,
        [msg.id, attempt, code],
      );
      await publish(m, [{ type: 'message.queued', tenantId, payload: { messageId: msg.id }, availableAt: new Date(Date.now() + 1000 * 2 ** attempt) }]);
      return;
    }
    // The opt-out locks the lead: before the message's row, as everywhere (docs/ARCHITECTURE.md, "Lock order").
    if (code === STOP_CODE) await carrierOptOut(deps, m, tenantId, lead.id, msg.id);
    await m.query(`UPDATE messages SET status = 'failed', error_code = $2, updated_at = clock_timestamp() WHERE id = $1`, [msg.id, code ?? 'provider_error']);
    deps.logger.warn({ tenantId, messageId: msg.id, code, err: err instanceof Error ? err.message : String(err) }, 'sms send failed');
  });
  deps.jobs.outbox.notifyCommitted();
  deps.live.publish({ tenantId, type: 'message.updated', conversationId: msg.conversation_id, leadId: lead.id });
}

/**
 * The provider's answer for a text, whether from its send call or found later by sms.reconcile: the
 * statement of `recordSent`, then the next nurture step (texts the lead asked for start none). With
 * `last`, the caller's transaction ends with it.
 */
export async function recordAnswer(
  deps: ConversationDeps,
  m: EntityManager,
  tenantId: string,
  msg: MessageRow,
  leadId: string,
  kind: OutboundKind,
  sent: { id: string; status: MessageStatus; provider: string },
  opts: { last?: boolean } = {},
): Promise<void> {
  const c = await recordSent(deps, m, tenantId, msg, leadId, sent);
  if (SERVICE_KINDS.has(kind)) return;
  const next = nextFollowUp(deps, tenantId, { id: msg.conversation_id, ...c }, resolveSettings(c.settings).followUpCadenceDays, c.last_outbound_at);
  if (next) await deps.jobs.outbox.publish(m, [next], opts);
}

/**
 * One statement for what a sent text changes: the provider's id and status on the message, its draft
 * marked sent, `message.created` for the CRM, and the conversation's nurture clock. It returns what the
 * follow-up decision needs: the conversation as this statement left it (its row is locked by the update)
 * and the tenant's settings.
 */
async function recordSent(
  deps: ConversationDeps,
  m: EntityManager,
  tenantId: string,
  msg: MessageRow,
  leadId: string,
  sent: { id: string; status: MessageStatus; provider: string },
): Promise<{ last_outbound_at: string; mode: string; status: string; followup_step: number; settings: unknown }> {
  const q = new SqlParams();
  const clauses = [
    `provider_stored AS (UPDATE messages SET provider = ${q.add(sent.provider)}::text, provider_message_id = ${q.add(sent.id)}::text,
                                status = CASE WHEN status = 'sending' THEN ${q.add(isStatusAdvance('sending', sent.status) ? sent.status : 'sending')}::text ELSE status END,
                                updated_at = clock_timestamp()
                          WHERE id = ${q.add(msg.id)}::uuid)`,
  ];
  if (msg.meta.draftId) clauses.push(`draft_sent AS (UPDATE drafts SET status = 'sent', updated_at = now() WHERE id = ${q.add(msg.meta.draftId)}::uuid)`);
  const created = deps.jobs.outbox.insertStatement([{ type: 'message.created', tenantId, payload: { leadId, messageId: msg.id } }], q.next);
  if (created) {
    clauses.push(`message_created AS (${created.sql})`);
    q.push(created.params);
  }
  clauses.push(
    `touched AS (UPDATE conversations SET last_outbound_at = clock_timestamp(), updated_at = clock_timestamp()
                  WHERE id = ${q.add(msg.conversation_id)}::uuid RETURNING tenant_id, last_outbound_at, mode, status, followup_step)`,
  );
  const row = await one<{ last_outbound_at: string; mode: string; status: string; followup_step: number; settings: unknown }>(
    m,
    `WITH ${clauses.join(',\n')}
     SELECT c.last_outbound_at::text AS last_outbound_at, c.mode, c.status, c.followup_step, t.settings
       FROM touched c JOIN tenants t ON t.id = c.tenant_id`,
    q.values,
  );
  if (!row) throw new Error(`conversation ${msg.conversation_id} not found for a sent text`);
  return row;
}

/** Twilio 21610: the carrier says this number replied STOP to our sender. Treat it as an opt-out. */
export async function carrierOptOut(deps: ConversationDeps, m: EntityManager, tenantId: string, leadId: string, messageId: string): Promise<void> {
  await m.query(`SELECT id FROM leads WHERE id = $1 FOR NO KEY UPDATE`, [leadId]);
  const changed = await recordConsent(m, { tenantId, leadId, kind: 'opt_out', source: 'carrier_error', proof: { messageId, errorCode: STOP_CODE } });
  if (changed) await deps.jobs.outbox.publish(m, [{ type: 'lead.updated', tenantId, payload: { leadId } }]);
}

async function touchConversation(m: EntityManager, conversationId: string) {
  await m.query(`UPDATE conversations SET updated_at = clock_timestamp() WHERE id = $1`, [conversationId]);
}
