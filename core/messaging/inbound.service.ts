import type { EntityManager } from 'typeorm';
import { classifyKeyword, helpText, optInConfirmationText, optOutConfirmationText } from '../compliance/index';
import type { ConversationDeps, LiveNote } from '../conversations/engine-deps';
import { tenantSettings, type LeadRow } from '../conversations/conversation-view.query';
import { one } from '../store/sql';
import { recordConsent } from './consent';
import { queueOutbound } from './outbound';

export interface InboundSms {
  tenantId: string;
  /** E.164 of the lead. */
  from: string;
  /** E.164 of our number (null for the simulated phone). */
  to: string | null;
  body: string;
  /** Twilio MessageSid, or the console's id: unique, the replay defence. */
  providerMessageId: string;
  provider: string;
}

export interface InboundResult {
  duplicate: boolean;
  messageId: string | null;
  conversationId: string | null;
  keyword: 'opt_out' | 'opt_in' | 'help' | null;
}

/**
 * The inbound transaction: one text from a lead, stored once (MessageSid is unique), opt-out / opt-in /
 * help keywords handled right here, before any AI sees it, and the follow-up work (AI turn, CRM, notifier)
 * written to the outbox in the same commit. Cheap enough to run inside the webhook's acknowledgement.
 */
export async function receiveInbound(deps: ConversationDeps, input: InboundSms): Promise<InboundResult> {
  const live: LiveNote[] = [];
  const publish = deps.jobs.outbox.publish.bind(deps.jobs.outbox);
  const result = await deps.store.tenant(input.tenantId, async (m): Promise<InboundResult> => {
    const seen = await one<{ id: string }>(m, `SELECT id FROM messages WHERE provider_message_id = $1`, [input.providerMessageId]);
    if (seen) return { duplicate: true, messageId: seen.id, conversationId: null, keyword: null };
    const lead = await lockOrCreateLead(m, input);
    const conversation = await currentConversation(m, input.tenantId, lead.id);
    const inserted = await one<{ id: string }>(
      m,
      `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status, provider, provider_message_id, created_at, updated_at)
       VALUES ($1, $2, $3, 'in', 'lead', $4, 'received', $5, $6, clock_timestamp(), clock_timestamp())
       ON CONFLICT (provider_message_id) DO NOTHING RETURNING id`,
      [input.tenantId, conversation.id, lead.id, input.body, input.provider, input.providerMessageId],
    );
    // A concurrent delivery of the same MessageSid won the insert: this one is the duplicate.
    if (!inserted) return { duplicate: true, messageId: null, conversationId: conversation.id, keyword: null };
    const messageId = inserted.id;

    // Any new text from the lead makes a pending AI draft stale, stops the nurture cadence and reopens a
    // closed conversation. The version moves so an agent acting on the old view gets a conflict.
    await m.query(`UPDATE drafts SET status = 'superseded', updated_at = now() WHERE conversation_id = $1 AND status = 'pending'`, [conversation.id]);
    await m.query(
      `UPDATE conversations SET last_inbound_at = clock_timestamp(), followup_step = 0, version = version + 1, updated_at = clock_timestamp(),
              status = CASE WHEN status = 'closed' THEN 'open' ELSE status END
        WHERE id = $1`,
      [conversation.id],
    );

    const match = classifyKeyword(input.body);
    const settings = await tenantSettings(m);
    const business = settings.businessName;
    let keyword: InboundResult['keyword'] = null;
    const queue = (kind: 'help' | 'opt_out_confirmation' | 'opt_in_confirmation', body: string) =>
      queueOutbound(m, publish, { tenantId: input.tenantId, conversationId: conversation.id, leadId: lead.id, body, author: 'system', kind, replyTo: messageId });

    if (match.kind === 'opt_out') {
      keyword = 'opt_out';
      const changed = await recordConsent(m, {
        tenantId: input.tenantId,
        leadId: lead.id,
        kind: 'opt_out',
        source: match.natural ? 'natural_language' : 'keyword',
        proof: { messageId, providerMessageId: input.providerMessageId, matched: match.matched },
      });
      // One confirmation, only when this text changed the state (a second STOP gets no second text).
      if (changed) await queue('opt_out_confirmation', optOutConfirmationText(business));
    } else if (match.kind === 'opt_in' && lead.opted_out) {
      keyword = 'opt_in';
      await recordConsent(m, {
        tenantId: input.tenantId,
        leadId: lead.id,
        kind: 'opt_in',
        source: 'keyword',
        proof: { messageId, providerMessageId: input.providerMessageId, matched: match.matched },
      });
      await queue('opt_in_confirmation', optInConfirmationText(business));
    } else if (match.kind === 'help') {
      keyword = 'help';
      await queue('help', helpText(business));
    } else if (!lead.opted_out) {
      await publish(m, [{ type: 'message.received', tenantId: input.tenantId, payload: { messageId, conversationId: conversation.id } }]);
    }
    await publish(m, [
      { type: 'message.created', tenantId: input.tenantId, payload: { leadId: lead.id, messageId } },
      { type: 'conversation.notify', tenantId: input.tenantId, payload: { kind: 'message.inbound', conversationId: conversation.id, messageId } },
    ]);
    if (keyword === 'opt_out' || keyword === 'opt_in') {
      await publish(m, [{ type: 'lead.updated', tenantId: input.tenantId, payload: { leadId: lead.id } }]);
    }
    live.push({ type: 'message.received', conversationId: conversation.id, leadId: lead.id });
    return { duplicate: false, messageId, conversationId: conversation.id, keyword };
  });
  deps.jobs.outbox.notifyCommitted();
  for (const e of live) deps.live.publish({ ...e, tenantId: input.tenantId });
  return result;
}

/**
 * The lead behind a phone number, row-locked for the rest of the transaction (the send job takes the same
 * lock, so a STOP and a queued reply are serialised). A stranger who texts first becomes a lead whose
 * consent is the text itself: answering someone who wrote to us is what they asked for.
 */
async function lockOrCreateLead(m: EntityManager, input: InboundSms): Promise<LeadRow> {
  const existing = await one<LeadRow>(m, `SELECT * FROM leads WHERE phone = $1 FOR UPDATE`, [input.from]);
  if (existing) return existing;
  const created = await one<LeadRow>(
    m,
    `INSERT INTO leads (tenant_id, phone, source, consent_state) VALUES ($1, $2, 'inbound_sms', 'granted')
     ON CONFLICT (tenant_id, phone) DO NOTHING RETURNING *`,
    [input.tenantId, input.from],
  );
  if (created) {
    await m.query(
      `INSERT INTO consent_events (tenant_id, lead_id, kind, source, proof, created_at) VALUES ($1, $2, 'opt_in', 'natural_language', $3::jsonb, clock_timestamp())`,
      [input.tenantId, created.id, JSON.stringify({ reason: 'lead_initiated', providerMessageId: input.providerMessageId })],
    );
  }
  return (await one<LeadRow>(m, `SELECT * FROM leads WHERE phone = $1 FOR UPDATE`, [input.from]))!;
}

async function currentConversation(m: EntityManager, tenantId: string, leadId: string): Promise<{ id: string }> {
  const latest = await one<{ id: string }>(m, `SELECT id FROM conversations WHERE lead_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [leadId]);
  if (latest) return latest;
  return (await one<{ id: string }>(m, `INSERT INTO conversations (tenant_id, lead_id) VALUES ($1, $2) RETURNING id`, [tenantId, leadId]))!;
}
