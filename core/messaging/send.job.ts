import type { EntityManager } from 'typeorm';
import { ensureFirstMessageNotice, evaluateSend } from '../compliance/index';
import { dueAt, type ConversationDeps, type LiveNote } from '../conversations/engine-deps';
import { getLeadRow, tenantSettings, type LeadRow } from '../conversations/conversation-view.query';
import type { MessageStatus } from '../domain/types';
import type { JobHandler } from '../jobs/job-registry';
import { SmsProviderError, type SmsProvider } from '../ports/sms-provider.port';
import { isStatusAdvance } from '../sms/message-status';
import { one, rows } from '../store/sql';
import { recordConsent } from './consent';
import { SERVICE_KINDS, type OutboundKind } from './outbound';
import { scheduleFollowUp } from '../followups/followup.schedule';

/** Which provider sends for a tenant, and from which number (null: the provider or its messaging service picks). */
export type SmsProviderResolver = (tenantId: string) => Promise<{ provider: SmsProvider; from: string | null }>;

interface MessageRow {
  id: string;
  conversation_id: string;
  lead_id: string;
  body: string;
  status: MessageStatus;
  meta: { kind?: OutboundKind; draftId?: string; replyTo?: string; sendAttempt?: number };
}

const MAX_PROVIDER_ATTEMPTS = 5;
const STOP_CODE = '21610';

/**
 * `sms.send`: the only place a text reaches a provider, in two transactions around the provider call.
 *
 * 1. Under a lock on the lead row (an inbound STOP takes the same lock): re-read the message, apply the
 *    compliance gate, then either block it, defer it (re-published for the instant the gate names), or
 *    mark it `sending` and commit. Only a message still `queued`/`deferred` gets this far, so a redelivered
 *    or retried job never sends twice.
 * 2. After the provider answered: store its id and status, start the nurture clock, log it to the CRM.
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
      const claim = await deps.store.tenant(tenantId, async (m) => {
        const first = await one<{ lead_id: string }>(m, `SELECT lead_id FROM messages WHERE id = $1`, [event.payload.messageId]);
        if (!first) {
          await ctx.complete(m);
          return null;
        }
        const lead = (await getLeadRow(m, first.lead_id, true))!;
        const msg = (await one<MessageRow>(m, `SELECT id, conversation_id, lead_id, body, status, meta FROM messages WHERE id = $1 FOR UPDATE`, [
          event.payload.messageId,
        ]))!;
        if (msg.status !== 'queued' && msg.status !== 'deferred') {
          await ctx.complete(m);
          return null;
        }
        const settings = await tenantSettings(m);
        const kind = msg.meta.kind ?? 'reply';
        const previous = await rows<{ at: Date }>(
          m,
          `SELECT updated_at AS at FROM messages WHERE lead_id = $1 AND direction = 'out' AND id <> $2
             AND status IN ('sending','sent','delivered','undelivered')`,
          [lead.id, msg.id],
        );
        const isFirst = previous.length === 0;
        const exempt = kind === 'help' || kind === 'opt_out_confirmation' || kind === 'opt_in_confirmation';
        const body = isFirst && !exempt ? ensureFirstMessageNotice(msg.body, settings.businessName) : msg.body;
        const now = deps.clock();
        const dayAgo = now.getTime() - 24 * 3600_000;
        const recent = previous.map((p) => new Date(p.at)).filter((d) => d.getTime() > dayAgo);
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
          await ctx.complete(m);
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
          await ctx.complete(m);
          return null;
        }
        await m.query(`UPDATE messages SET status = 'sending', body = $2, segments = $3, scheduled_for = NULL, updated_at = clock_timestamp() WHERE id = $1`, [
          msg.id,
          body,
          Math.max(1, decision.segments.segments),
        ]);
        // Completed with the claim: from here the message row, not the outbox row, says whether it was sent.
        await ctx.complete(m);
        return { msg: { ...msg, body }, lead, kind };
      });
      if (!claim) {
        deps.jobs.outbox.notifyCommitted();
        for (const e of live) deps.live.publish({ ...e, tenantId });
        return;
      }
      await callProvider(deps, resolveProvider(), tenantId, claim.msg, claim.lead, claim.kind);
    },
  };
}

async function callProvider(deps: ConversationDeps, resolve: SmsProviderResolver, tenantId: string, msg: MessageRow, lead: LeadRow, kind: OutboundKind) {
  const publish = deps.jobs.outbox.publish.bind(deps.jobs.outbox);
  let outcome: { ok: true; id: string; status: MessageStatus; provider: string } | { ok: false; error: unknown; provider: string | null };
  try {
    const { provider, from } = await resolve(tenantId);
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
      await m.query(
        `UPDATE messages SET provider = $2, provider_message_id = $3,
                status = CASE WHEN status = 'sending' THEN $4 ELSE status END, updated_at = clock_timestamp()
          WHERE id = $1`,
        [msg.id, outcome.provider, outcome.id, isStatusAdvance('sending', outcome.status) ? outcome.status : 'sending'],
      );
      if (msg.meta.draftId) await m.query(`UPDATE drafts SET status = 'sent', updated_at = now() WHERE id = $1`, [msg.meta.draftId]);
      const c = await one<{ last_outbound_at: string }>(
        m,
        `UPDATE conversations SET last_outbound_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = $1 RETURNING last_outbound_at::text`,
        [msg.conversation_id],
      );
      await publish(m, [{ type: 'message.created', tenantId, payload: { leadId: lead.id, messageId: msg.id } }]);
      if (!SERVICE_KINDS.has(kind)) await scheduleFollowUp(deps, m, tenantId, msg.conversation_id, c!.last_outbound_at);
      return;
    }
    const err = outcome.error;
    const code = err instanceof SmsProviderError ? err.providerCode : null;
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
    await m.query(`UPDATE messages SET status = 'failed', error_code = $2, updated_at = clock_timestamp() WHERE id = $1`, [msg.id, code ?? 'provider_error']);
    deps.logger.warn({ tenantId, messageId: msg.id, code, err: err instanceof Error ? err.message : String(err) }, 'sms send failed');
    if (code === STOP_CODE) await carrierOptOut(deps, m, tenantId, lead.id, msg.id);
  });
  deps.jobs.outbox.notifyCommitted();
  deps.live.publish({ tenantId, type: 'message.updated', conversationId: msg.conversation_id, leadId: lead.id });
}

/** Twilio 21610: the carrier says this number replied STOP to our sender. Treat it as an opt-out. */
export async function carrierOptOut(deps: ConversationDeps, m: EntityManager, tenantId: string, leadId: string, messageId: string): Promise<void> {
  await m.query(`SELECT id FROM leads WHERE id = $1 FOR UPDATE`, [leadId]);
  const changed = await recordConsent(m, { tenantId, leadId, kind: 'opt_out', source: 'carrier_error', proof: { messageId, errorCode: STOP_CODE } });
  if (changed) await deps.jobs.outbox.publish(m, [{ type: 'lead.updated', tenantId, payload: { leadId } }]);
}

async function touchConversation(m: EntityManager, conversationId: string) {
  await m.query(`UPDATE conversations SET updated_at = clock_timestamp() WHERE id = $1`, [conversationId]);
}
