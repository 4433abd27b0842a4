import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { zoneForPhone } from '../compliance/quiet-hours';
import type { ConversationView } from '../domain/conversation-view';
import type { StartConversationInput, StartConversationResult } from '../engine/engine.types';
import { TandemError, invalid } from '../errors/tandem-error';
import { serverPhoneParser } from '../forms/phone-metadata';
import { recordConsent } from '../messaging/consent';
import { queueOutbound } from '../messaging/outbound';
import { isUuid } from '../store/data-source';
import { one } from '../store/sql';
import { loadView, tenantSettings, type LeadRow } from './conversation-view.query';
import type { ConversationDeps } from './engine-deps';
import { recordAudit } from '../audit/record-audit';

const MAX_TEXT = 1600;
const MAX_STATEMENT = 500;
const MAX_NAME = 100;

/** What the agent attests, kept word for word in the consent ledger. */
export const AGENT_CONSENT_MIN_LENGTH = 10;

interface Checked {
  leadId: string | null;
  phone: string | null;
  /** A number without +country and no `country` given: read with the tenant's default country. */
  nationalPhone: string | null;
  fields: { firstName: string | null; lastName: string | null; email: string | null; company: string | null };
  statement: string | null;
  text: string | null;
}

/**
 * An agent opens a conversation with someone from where they work: a lead Tandem knows, or a CRM contact
 * who never came through a Tandem form (found by phone, else created).
 *
 * Consent rules, in order:
 * - A lead who opted out (or revoked consent) cannot be started: only they can opt back in, by texting
 *   START. `lead.opted_out` (409).
 * - Opening a conversation with a lead without consent on record needs the agent's attestation
 *   (`consent.statement`): it goes into the consent ledger as an `agent` opt-in with who, where, when and the
 *   exact words. Without it: `consent.required` (422), and nothing is written. (An attestation given for a
 *   lead whose conversation is already open is recorded too.)
 *
 * A lead with an open conversation gets that one back (`created: false`); with a `text` as well that is a
 * `conversation.already_open` (409) carrying the view, since a text on an existing conversation is a `send`
 * action with the version the agent saw. A new conversation starts in `human` mode assigned to the agent
 * (they chose to text this person; handing back to the AI is one action). The optional first text is
 * queued in the same transaction and goes through the compliance gate like every text (the first one gets
 * the business name and "Reply STOP to opt out").
 *
 * Locks: the person's advisory lock (the key capture uses), then the lead `FOR UPDATE` like capture, since
 * this too may open a conversation an inbound text must land in.
 */
export async function startConversation(deps: ConversationDeps, tenantId: string, input: StartConversationInput): Promise<StartConversationResult> {
  const checked = check(input);
  const publish = deps.jobs.outbox.publish.bind(deps.jobs.outbox);
  const actor = input.actor;
  const agentId = actor.agentId && isUuid(actor.agentId) ? actor.agentId : null;

  const result = await deps.store.tenant(tenantId, async (m) => {
    const settings = await tenantSettings(m);
    const phone = checked.phone ?? (checked.nationalPhone ? national(checked.nationalPhone, settings.defaultPhoneCountry) : await phoneOfLead(m, checked.leadId!));
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`lead-phone:${tenantId}:${phone}`]);
    let lead = await one<LeadRow & { open_conversation_id: string | null }>(
      m,
      `SELECT l.*, (SELECT c.id FROM conversations c WHERE c.lead_id = l.id AND c.status <> 'closed' ORDER BY c.created_at DESC, c.id DESC LIMIT 1) AS open_conversation_id
         FROM leads l WHERE ${checked.leadId ? 'l.id = $1::uuid' : 'l.phone = $1'} FOR UPDATE OF l`,
      [checked.leadId ?? phone],
    );
    if (!lead && checked.leadId) throw leadNotFound();
    if (lead && (lead.opted_out || lead.consent_state === 'revoked')) {
      throw new TandemError(
        'lead.opted_out',
        'This person opted out of texts. Only they can opt back in, by texting START to your number.',
        409,
        { leadId: lead.id },
      );
    }
    if (lead?.open_conversation_id && checked.text) {
      throw new TandemError(
        'conversation.already_open',
        'This person already has an open conversation: send the text there, with the version you see.',
        409,
        { conversation: await loadView(m, lead.open_conversation_id, deps.clock()) },
      );
    }
    // Returning a conversation that is already open texts nobody; opening one needs consent on record.
    const needsConsent = !lead || lead.consent_state !== 'granted';
    if (needsConsent && !checked.statement && !lead?.open_conversation_id) {
      throw invalid('There is no SMS consent on record for this person. Confirm they agreed to receive texts from you.', {
        fields: { 'consent.statement': 'required: what the person agreed to, as the agent attests it' },
      }, 'consent.required');
    }

    const leadCreated = !lead;
    if (!lead) {
      const { firstName, lastName, email, company } = checked.fields;
      lead = await one<LeadRow & { open_conversation_id: string | null }>(
        m,
        `INSERT INTO leads (tenant_id, phone, email, first_name, last_name, company, source, timezone, consent_state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'none') RETURNING *, NULL::uuid AS open_conversation_id`,
        [tenantId, phone, email, firstName, lastName, company, input.crm?.provider ?? actor.surface, zoneForPhone(phone, settings.defaultTimezone)],
      );
    } else if (!checked.leadId && Object.values(checked.fields).some((v) => v !== null)) {
      // Found by phone: fill in what Tandem did not know, never overwrite what it did.
      const { firstName, lastName, email, company } = checked.fields;
      await m.query(
        `UPDATE leads SET first_name = coalesce(first_name, $2), last_name = coalesce(last_name, $3), email = coalesce(email, $4),
                company = coalesce(company, $5), updated_at = now() WHERE id = $1`,
        [lead.id, firstName, lastName, email, company],
      );
    }
    const leadId = lead!.id;
    const at = deps.clock().toISOString();

    let consentRecorded = false;
    if (needsConsent && checked.statement) {
      const proof = { statement: checked.statement, agentId, agentName: actor.name, surface: actor.surface, crm: input.crm ?? null, at };
      await recordConsent(m, { tenantId, leadId, kind: 'opt_in', source: 'agent', proof });
      consentRecorded = true;
    }

    let crmLinked = false;
    if (input.crm) {
      // A link the sync already made to another record is kept: one lead, one record per CRM.
      const link = await one<{ external_id: string }>(
        m,
        `INSERT INTO crm_links (tenant_id, lead_id, provider, external_id, status) VALUES ($1, $2, $3, $4, 'ok')
         ON CONFLICT (tenant_id, lead_id, provider) DO UPDATE SET external_id = excluded.external_id, status = 'ok', error = NULL, updated_at = now()
           WHERE crm_links.external_id IS NULL
         RETURNING external_id`,
        [tenantId, leadId, input.crm.provider, input.crm.externalId],
      );
      crmLinked = Boolean(link);
    }

    const created = !lead!.open_conversation_id;
    const conversationId = lead!.open_conversation_id ?? randomUUID();
    let messageId: string | null = null;
    if (created) {
      await m.query(
        // Assigned only to someone still on the team (the lock: see the commands' human()).
        `INSERT INTO conversations (id, tenant_id, lead_id, mode, assignee_agent_id, last_decision)
         VALUES ($1, $2, $3, 'human', (SELECT a.id FROM agents a WHERE a.id = $4 AND a.removed_at IS NULL FOR KEY SHARE), jsonb_build_object('action', 'start', 'actorName', $5::text, 'surface', $6::text, 'at', to_jsonb(clock_timestamp())))`,
        [conversationId, tenantId, leadId, agentId, actor.name, actor.surface],
      );
      if (checked.text) {
        messageId = await queueOutbound(m, publish, {
          tenantId,
          conversationId,
          leadId,
          body: checked.text,
          author: 'agent',
          authorAgentId: agentId,
          authorName: actor.name,
          kind: 'agent',
          meta: { decidedBy: { name: actor.name, surface: actor.surface } },
        });
      }
    }
    if (created || leadCreated || consentRecorded || crmLinked) {
      await recordAudit(m, tenantId, { ...actor, agentId }, {
        action: 'conversation.start',
        entity: 'conversation',
        entityId: conversationId,
        data: { leadId, created, leadCreated, consentRecorded, crm: input.crm ?? null, messageId },
      });
      // The CRM record learns the lead's Tandem state (and the sync links a record when none was given).
      await publish(m, [{ type: 'lead.updated', tenantId, payload: { leadId } }]);
    }
    const conversation: ConversationView = await loadView(m, conversationId, deps.clock());
    return { conversation, created, leadCreated, consentRecorded };
  });
  deps.jobs.outbox.notifyCommitted();
  deps.live.publish({ tenantId, type: 'conversation.updated', conversationId: result.conversation.id, leadId: result.conversation.lead.id });
  return result;
}

const leadNotFound = () => new TandemError('lead.not_found', 'Lead not found', 404);
const NOT_A_MOBILE = 'not a mobile number that can receive texts';

/** A national number (no +country), as the tenant's default country reads it; 422 when it is not a mobile. */
function national(raw: string, country: string): string {
  const parsed = serverPhoneParser().check(raw, country);
  if (parsed.kind === 'valid') return parsed.e164;
  throw invalid('Some fields need another look', { fields: { 'lead.phone': `${NOT_A_MOBILE} in ${country} (the tenant's defaultPhoneCountry); give it with its +country code` } });
}

async function phoneOfLead(m: EntityManager, leadId: string): Promise<string> {
  const row = await one<{ phone: string }>(m, `SELECT phone FROM leads WHERE id = $1`, [leadId]);
  if (!row) throw leadNotFound();
  return row.phone;
}

/** Validates everything before a transaction opens: bad input changes nothing. */
function check(input: StartConversationInput): Checked {
  const fields: Record<string, string> = {};
  const opt = (v: unknown, name: string, max: number): string | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') {
      fields[name] = 'must be a string';
      return null;
    }
    const t = v.trim();
    if (t.length > max) fields[name] = `at most ${max} characters`;
    return t || null;
  };
  const lead = (input.lead ?? {}) as Record<string, unknown>;
  let leadId: string | null = null;
  let phone: string | null = null;
  let nationalPhone: string | null = null;
  if ('leadId' in lead && lead.leadId !== undefined) {
    if (typeof lead.leadId !== 'string' || !isUuid(lead.leadId)) throw leadNotFound();
    leadId = lead.leadId;
  } else {
    const raw = typeof lead.phone === 'string' ? lead.phone.trim() : '';
    const country = typeof lead.country === 'string' && /^[A-Z]{2}$/.test(lead.country) ? lead.country : null;
    if (raw && !raw.startsWith('+') && !country) nationalPhone = raw;
    else {
      const parsed = raw ? serverPhoneParser().check(raw, country ?? 'US') : null;
      if (parsed?.kind === 'valid') phone = parsed.e164;
      else fields['lead.phone'] = raw ? NOT_A_MOBILE : 'required: the number to text, or lead.leadId';
    }
  }
  const out: Checked = {
    leadId,
    phone,
    nationalPhone,
    fields: {
      firstName: opt(lead.firstName, 'lead.firstName', MAX_NAME),
      lastName: opt(lead.lastName, 'lead.lastName', MAX_NAME),
      email: opt(lead.email, 'lead.email', 254),
      company: opt(lead.company, 'lead.company', 200),
    },
    statement: opt(input.consent?.statement, 'consent.statement', MAX_STATEMENT),
    text: opt(input.text, 'text', MAX_TEXT),
  };
  if (out.fields.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(out.fields.email)) fields['lead.email'] = 'not an email address';
  if (out.statement !== null && out.statement.length < AGENT_CONSENT_MIN_LENGTH) fields['consent.statement'] = `at least ${AGENT_CONSENT_MIN_LENGTH} characters: what the person agreed to`;
  if (input.crm && (typeof input.crm.externalId !== 'string' || !input.crm.externalId.trim() || input.crm.externalId.length > 100)) {
    fields['crm.externalId'] = 'the CRM record id, 1–100 characters';
  }
  if (Object.keys(fields).length > 0) throw invalid('Some fields need another look', { fields });
  return out;
}
