import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { classifyKeyword, helpText, optInConfirmationText, optOutConfirmationText } from '../compliance/index';
import type { ConversationDeps, LiveNote } from '../conversations/engine-deps';
import { tenantSettings, type LeadRow } from '../conversations/conversation-view.query';
import type { Outbox, OutboxEvent } from '../jobs/outbox';
import { commitWith, one, rows } from '../store/sql';
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

type LockedLead = LeadRow & { conversation_id: string | null };

/**
 * The inbound transaction: one text from a lead, stored once (MessageSid is unique), opt-out / opt-in /
 * help keywords handled right here, before any AI sees it, and the follow-up work (AI turn, CRM, notifier)
 * written to the outbox in the same commit. Cheap enough to run inside the webhook's acknowledgement: an
 * ordinary text, from a known lead or a stranger, is two statements and two round trips on PostgreSQL (the
 * lead's lock rides with the transaction's opening, COMMIT with the statement that stores everything).
 */
export async function receiveInbound(deps: ConversationDeps, input: InboundSms): Promise<InboundResult> {
  const live: LiveNote[] = [];
  const match = classifyKeyword(input.body);
  // An ordinary text first tries the two-round-trip path; what that cannot settle (a lead without a
  // conversation, a race) commits nothing and takes the full path, as keywords do from the start.
  let result = match.kind === null ? await deps.store.tenant(input.tenantId, (m) => storeOrdinaryText(m, deps.jobs.outbox, input, live)) : AGAIN;
  if (result === AGAIN) result = await deps.store.tenant(input.tenantId, (m) => storeText(m, deps, input, match, live));
  deps.jobs.outbox.notifyCommitted();
  for (const e of live) deps.live.publish({ ...e, tenantId: input.tenantId });
  return result;
}

/** What the webhook's fast path returns when the text needs the full path. */
const AGAIN = Symbol('again');

/** A lead with no consent on record, not opted out: an ordinary text from them is their consent to an answer. */
const needsConsentFromText = (lead: Pick<LeadRow, 'consent_state' | 'opted_out'>) => lead.consent_state === 'none' && !lead.opted_out;

/**
 * The webhook's hot path, an ordinary text (no keyword): lock the lead (in the round trip that opens the
 * transaction), then one statement that stores the text, or creates the stranger who sent it, with COMMIT
 * right behind it: two round trips in all. Returns AGAIN, having changed nothing, whenever the full path is
 * needed (a lead without a conversation, a concurrent first text, a newer conversation).
 *
 * The lead is locked only `FOR KEY SHARE`. The send job holds the lead `FOR NO KEY UPDATE` from its
 * compliance gate to its commit, in a worker that may share the CPU with this process; a text that queued
 * behind it waited on the worker. What that lock serialises, consent, an ordinary text does not change: a
 * STOP racing it is settled at the send job's gate, as before.
 */
async function storeOrdinaryText(m: EntityManager, outbox: Outbox, input: InboundSms, live: LiveNote[]): Promise<InboundResult | typeof AGAIN> {
  const messageId = randomUUID();
  const lead = await lockLead(m, input.from, 'KEY SHARE');
  if (!lead) {
    const first = await storeFirstText(m, outbox, { input, messageId, events: ordinaryEvents(input.tenantId, messageId, false), last: true });
    if (first.kind === 'seen') return duplicateOf(first.messageId);
    if (first.kind !== 'stored') return AGAIN;
    live.push({ type: 'message.received', conversationId: first.lead.conversation_id!, leadId: first.lead.id });
    return { duplicate: false, messageId, conversationId: first.lead.conversation_id, keyword: null };
  }
  const conversationId = lead.conversation_id;
  // No conversation yet, or no consent on record (the text gives it, a consent change): the full path.
  if (!conversationId || needsConsentFromText(lead)) return AGAIN;
  const events = ordinaryEvents(input.tenantId, messageId, lead.opted_out)(lead.id)(conversationId);
  const stored = await storeMessage(m, outbox, { input, leadId: lead.id, conversationId, messageId, events, last: true });
  if (!stored.inserted) {
    // A redelivery, answered with the text already stored; or a race the full path sorts out.
    return stored.current_conversation_id === conversationId && stored.stored_message_id ? duplicateOf(stored.stored_message_id) : AGAIN;
  }
  live.push({ type: 'message.received', conversationId, leadId: lead.id });
  return { duplicate: false, messageId, conversationId, keyword: null };
}

/** The events an ordinary text publishes in the statement that stores it: no AI turn for an opted-out lead. */
function ordinaryEvents(tenantId: string, messageId: string, optedOut: boolean) {
  return (leadId: string) =>
    (conversationId: string): OutboxEvent[] => [...(optedOut ? [] : [receivedEvent(tenantId, messageId, conversationId)]), ...inboundEvents(tenantId, leadId, messageId, conversationId)];
}

/** The full inbound transaction: every kind of text, every race. */
async function storeText(m: EntityManager, deps: ConversationDeps, input: InboundSms, match: ReturnType<typeof classifyKeyword>, live: LiveNote[]): Promise<InboundResult> {
  const outbox = deps.jobs.outbox;
  const publish = outbox.publish.bind(outbox);
  const messageId = randomUUID();
  const keywordPathFor = (optedOut: boolean) => match.kind === 'opt_out' || match.kind === 'help' || (match.kind === 'opt_in' && optedOut);
  // An ordinary text publishes its events in the statement that stores it; keyword paths after their own work.
  const eventsFor = (leadId: string, optedOut: boolean) => (conversationId: string): OutboxEvent[] =>
    keywordPathFor(optedOut) ? [] : ordinaryEvents(input.tenantId, messageId, optedOut)(leadId)(conversationId);

  let lead = await lockLead(m, input.from, 'NO KEY UPDATE');
  let stored: StoredText | null = null;
  if (!lead) {
    const first = await storeFirstText(m, outbox, { input, messageId, events: eventsFor });
    if (first.kind === 'seen') return duplicateOf(first.messageId);
    if (first.kind === 'stored') {
      lead = first.lead;
      stored = { duplicate: false, conversationId: first.lead.conversation_id! };
    } else {
      // Another delivery created the lead while this statement waited for it: lock it and go on as usual.
      lead = (await lockLead(m, input.from, 'NO KEY UPDATE'))!;
    }
  }
  const optedOut = lead.opted_out;
  const keywordPath = keywordPathFor(optedOut);
  stored ??= await storeInLatestConversation(m, outbox, { input, lead, messageId, events: eventsFor(lead.id, optedOut) });
  if (stored.duplicate) return duplicateOf(stored.messageId);
  const conversationId = stored.conversationId;

  let keyword: InboundResult['keyword'] = null;
  if (keywordPath) {
    const business = (await tenantSettings(m)).businessName;
    const queue = (kind: 'help' | 'opt_out_confirmation' | 'opt_in_confirmation', body: string) =>
      queueOutbound(m, publish, { tenantId: input.tenantId, conversationId, leadId: lead.id, body, author: 'system', kind, replyTo: messageId });
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
    } else if (match.kind === 'opt_in') {
      keyword = 'opt_in';
      await recordConsent(m, {
        tenantId: input.tenantId,
        leadId: lead.id,
        kind: 'opt_in',
        source: 'keyword',
        proof: { messageId, providerMessageId: input.providerMessageId, matched: match.matched },
      });
      await queue('opt_in_confirmation', optInConfirmationText(business));
    } else {
      keyword = 'help';
      await queue('help', helpText(business));
    }
    await publish(m, [
      ...inboundEvents(input.tenantId, lead.id, messageId, conversationId),
      ...(keyword === 'help' ? [] : [{ type: 'lead.updated', tenantId: input.tenantId, payload: { leadId: lead.id } }]),
    ]);
  } else if (needsConsentFromText(lead)) {
    // A known lead without consent (a form sent with the box unticked) who texts us asks for an answer, as a
    // stranger's first text does: the same ledger entry. The reply's send job reads it after this commits.
    await recordConsent(m, {
      tenantId: input.tenantId,
      leadId: lead.id,
      kind: 'opt_in',
      source: 'natural_language',
      proof: { reason: 'lead_initiated', messageId, providerMessageId: input.providerMessageId },
    });
    await publish(m, [{ type: 'lead.updated', tenantId: input.tenantId, payload: { leadId: lead.id } }]);
  }
  live.push({ type: 'message.received', conversationId, leadId: lead.id });
  return { duplicate: false, messageId, conversationId, keyword };
}

/**
 * Stores the text in the lead's latest conversation (one statement, see `storeMessage`), creating one when
 * the lead has none. A duplicate when its MessageSid is already stored: then nothing changed.
 */
type StoredText = { duplicate: false; conversationId: string } | { duplicate: true; messageId: string | null };

async function storeInLatestConversation(
  m: EntityManager,
  outbox: Outbox,
  x: { input: InboundSms; lead: LockedLead; messageId: string; events: (conversationId: string) => OutboxEvent[] },
): Promise<StoredText> {
  const { input, lead, messageId } = x;
  let conversationId = lead.conversation_id;
  for (;;) {
    if (!conversationId) {
      const seen = await storedMessageId(m, input.providerMessageId);
      if (seen) return { duplicate: true, messageId: seen };
      conversationId = (await one<{ id: string }>(m, `INSERT INTO conversations (tenant_id, lead_id) VALUES ($1, $2) RETURNING id`, [input.tenantId, lead.id]))!.id;
    }
    const stored = await storeMessage(m, outbox, { input, leadId: lead.id, conversationId, messageId, events: x.events(conversationId) });
    if (stored.inserted) return { duplicate: false, conversationId };
    // Same conversation but nothing inserted: the MessageSid is already stored (a redelivery, perhaps a
    // concurrent one whose insert this one waited for).
    if (stored.current_conversation_id === conversationId) {
      return { duplicate: true, messageId: stored.stored_message_id ?? (await storedMessageId(m, input.providerMessageId)) };
    }
    // A newer conversation was committed while this waited for the lead's lock: store the text there.
    conversationId = stored.current_conversation_id;
  }
}

function duplicateOf(messageId: string | null): InboundResult {
  return { duplicate: true, messageId, conversationId: null, keyword: null };
}

/** The AI turn's trigger: only for a text that is not a keyword, from a lead who can be answered. */
function receivedEvent(tenantId: string, messageId: string, conversationId: string): OutboxEvent {
  return { type: 'message.received', tenantId, payload: { messageId, conversationId } };
}

/** What every stored inbound text publishes: the CRM log and the agents' notification. */
function inboundEvents(tenantId: string, leadId: string, messageId: string, conversationId: string): OutboxEvent[] {
  return [
    { type: 'message.created', tenantId, payload: { leadId, messageId } },
    { type: 'conversation.notify', tenantId, payload: { kind: 'message.inbound', conversationId, messageId } },
  ];
}

async function storedMessageId(m: EntityManager, providerMessageId: string): Promise<string | null> {
  return (await one<{ id: string }>(m, `SELECT id FROM messages WHERE provider_message_id = $1`, [providerMessageId]))?.id ?? null;
}

/**
 * The lead behind a phone number, with its latest conversation, row-locked for the rest of the transaction.
 * `FOR NO KEY UPDATE` (keywords: consent changes) is the send job's lock, so a STOP and a queued reply are
 * serialised. `FOR KEY SHARE` (an ordinary text) does not wait for that lock, but does for capture's
 * `FOR UPDATE` while it opens a new conversation, so the text's next statement sees that conversation. The
 * conversation was read in this statement, so possibly before a lock holder committed a newer one:
 * `storeMessage` checks it again.
 */
function lockLead(m: EntityManager, phone: string, strength: 'NO KEY UPDATE' | 'KEY SHARE'): Promise<LockedLead | null> {
  return one<LockedLead>(
    m,
    `SELECT l.*, (SELECT c.id FROM conversations c WHERE c.lead_id = l.id ORDER BY c.created_at DESC, c.id DESC LIMIT 1) AS conversation_id
       FROM leads l WHERE l.phone = $1 FOR ${strength} OF l`,
    [phone],
  );
}

/**
 * A stranger who texts first becomes a lead whose consent is the text itself: answering someone who wrote
 * to us is what they asked for. One statement creates the lead, that consent, a conversation and the text
 * with its events (the ids are made here, so the events can name them; version 2 and last_inbound_at as
 * storing a text in a new conversation leaves them), unless the MessageSid is already
 * stored (a redelivery) or another delivery created the lead first; its insert holds the lead's key until
 * commit, so the lead is this transaction's as if locked.
 */
async function storeFirstText(
  m: EntityManager,
  outbox: Outbox,
  x: { input: InboundSms; messageId: string; events: (leadId: string, optedOut: boolean) => (conversationId: string) => OutboxEvent[]; last?: boolean },
): Promise<{ kind: 'stored'; lead: LockedLead } | { kind: 'seen'; messageId: string } | { kind: 'raced' }> {
  const { input, messageId } = x;
  const leadId = randomUUID();
  const conversationId = randomUUID();
  const params: unknown[] = [
    input.tenantId,
    input.from,
    JSON.stringify({ reason: 'lead_initiated', providerMessageId: input.providerMessageId }),
    leadId,
    conversationId,
    messageId,
    input.body,
    input.provider,
    input.providerMessageId,
  ];
  const publish = outbox.insertStatement(x.events(leadId, false)(conversationId), params.length + 1, 'EXISTS (SELECT 1 FROM ins)');
  if (publish) params.push(...publish.params);
  const [row] = await (x.last ? commitWith : rows)<LockedLead & { seen_message_id: string | null }>(
    m,
    `WITH seen AS (SELECT id FROM messages WHERE provider_message_id = $9::text),
          l AS (INSERT INTO leads (id, tenant_id, phone, source, consent_state)
                SELECT $4::uuid, $1::uuid, $2::text, 'inbound_sms', 'granted' WHERE NOT EXISTS (SELECT 1 FROM seen)
                ON CONFLICT (tenant_id, phone) DO NOTHING RETURNING *),
          e AS (INSERT INTO consent_events (tenant_id, lead_id, kind, source, proof, created_at)
                SELECT $1::uuid, l.id, 'opt_in', 'natural_language', $3::jsonb, clock_timestamp() FROM l),
          c AS (INSERT INTO conversations (id, tenant_id, lead_id, last_inbound_at, version)
                SELECT $5::uuid, $1::uuid, l.id, clock_timestamp(), 2 FROM l RETURNING id),
          ins AS (INSERT INTO messages (id, tenant_id, conversation_id, lead_id, direction, author, body, status, provider, provider_message_id, created_at, updated_at)
                  SELECT $6::uuid, $1::uuid, c.id, $4::uuid, 'in', 'lead', $7::text, 'received', $8::text, $9::text, clock_timestamp(), clock_timestamp() FROM c
                  RETURNING id)${publish ? `,
          published AS (${publish.sql})` : ''}
     SELECT l.*, (SELECT id FROM c) AS conversation_id, (SELECT id FROM seen) AS seen_message_id
       FROM (SELECT 1) one LEFT JOIN l ON true`,
    params,
  );
  if (row!.seen_message_id) return { kind: 'seen', messageId: row!.seen_message_id };
  if (!row!.id) return { kind: 'raced' };
  const { seen_message_id: _seen, ...lead } = row!;
  return { kind: 'stored', lead };
}

interface StoreOutcome {
  inserted: boolean;
  /** The lead's latest conversation, read after the lead's lock. */
  current_conversation_id: string | null;
  /** When not inserted: the message already stored under this MessageSid, if this statement could see it. */
  stored_message_id: string | null;
}

/**
 * One statement: the text stored (unless its MessageSid already is), and only if it really was: pending
 * drafts superseded, the conversation touched, `events` published. Any new text from the lead makes a
 * pending AI draft stale, stops the nurture cadence and reopens a closed conversation; the version moves so
 * an agent acting on the old view gets a conflict. Nothing is stored when `conversationId` is no longer the
 * lead's latest (read here, after the lock): the caller retries with `current_conversation_id`.
 *
 * The conversation's row is locked before anything else (`cur`, which `ins` reads first), then the drafts:
 * the order in which agent commands and the AI turn take them, so this statement waits for those instead of
 * deadlocking with them when its caller holds the lead only `FOR KEY SHARE`, which they do not wait for.
 */
async function storeMessage(
  m: EntityManager,
  outbox: Outbox,
  x: { input: InboundSms; leadId: string; conversationId: string; messageId: string; events: OutboxEvent[]; last?: boolean },
): Promise<StoreOutcome> {
  const params: unknown[] = [x.input.tenantId, x.conversationId, x.leadId, x.input.body, x.input.provider, x.input.providerMessageId, x.messageId];
  const publish = outbox.insertStatement(x.events, params.length + 1, 'EXISTS (SELECT 1 FROM ins)');
  if (publish) params.push(...publish.params);
  const [row] = await (x.last ? commitWith : rows)<StoreOutcome>(
    m,
    `WITH cur AS (SELECT id FROM conversations WHERE lead_id = $3::uuid ORDER BY created_at DESC, id DESC LIMIT 1 FOR NO KEY UPDATE),
          ins AS (INSERT INTO messages (id, tenant_id, conversation_id, lead_id, direction, author, body, status, provider, provider_message_id, created_at, updated_at)
                  SELECT $7::uuid, $1::uuid, $2::uuid, $3::uuid, 'in', 'lead', $4::text, 'received', $5::text, $6::text, clock_timestamp(), clock_timestamp()
                    FROM cur WHERE cur.id = $2::uuid
                  ON CONFLICT (provider_message_id) DO NOTHING RETURNING id),
          superseded AS (UPDATE drafts SET status = 'superseded', updated_at = now()
                          WHERE conversation_id = $2::uuid AND status = 'pending' AND EXISTS (SELECT 1 FROM ins)),
          touched AS (UPDATE conversations SET last_inbound_at = clock_timestamp(), followup_step = 0, version = version + 1, updated_at = clock_timestamp(),
                             status = CASE WHEN status = 'closed' THEN 'open' ELSE status END
                       WHERE id = $2::uuid AND EXISTS (SELECT 1 FROM ins))${publish ? `,
          published AS (${publish.sql})` : ''}
     SELECT EXISTS (SELECT 1 FROM ins) AS inserted, (SELECT id FROM cur) AS current_conversation_id,
            CASE WHEN NOT EXISTS (SELECT 1 FROM ins) THEN (SELECT id FROM messages WHERE provider_message_id = $6::text) END AS stored_message_id`,
    params,
  );
  return row!;
}
