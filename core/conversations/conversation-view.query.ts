import type { EntityManager } from 'typeorm';
import { isQuietHours, resolveQuietHoursRules, stateForPhone, timezoneForPhone } from '../compliance/index';
import type { ConversationView, DecisionView, DraftView, LeadSummary, MessageView, NoteView } from '../domain/conversation-view';
import type { ActionType, Autonomy, ConsentSource, ConversationStatus, Mode, Signal, Surface, Tag } from '../domain/types';
import type { ConversationFilter, ConversationListItem, Page } from '../engine/engine.types';
import { TandemError } from '../errors/tandem-error';
import { isUuid } from '../store/data-source';
import { one, rows } from '../store/sql';
import { resolveSettings, type TenantSettings } from '../tenants/tenant-settings';
import { allowedActions } from './allowed-actions';
import { maskPhone } from './phone-mask';

/** A conversation row joined with what every decision needs from its lead. */
export interface ConversationRow {
  id: string;
  tenant_id: string;
  lead_id: string;
  mode: Mode;
  status: ConversationStatus;
  autonomy_override: Autonomy | null;
  assignee_agent_id: string | null;
  assignee_name: string | null;
  version: number;
  last_decision: DecisionView | null;
  handed_back_at: Date | null;
  followup_step: number;
  last_inbound_at: Date | null;
  last_outbound_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface LeadRow {
  id: string;
  phone: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  source: string | null;
  timezone: string | null;
  language: string | null;
  score: number;
  tag: Tag;
  signals: Signal[];
  opted_out: boolean;
  consent_state: 'granted' | 'revoked' | 'none';
  attributes: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

const CONSENT_SOURCES: ConsentSource[] = ['form', 'keyword', 'natural_language', 'agent', 'carrier_error', 'api'];

export const notFoundConversation = () => new TandemError('conversation.not_found', 'Conversation not found', 404);

/** The current tenant's settings, inside the caller's transaction. */
export async function tenantSettings(m: EntityManager): Promise<TenantSettings> {
  const t = await one<{ settings: unknown }>(m, `SELECT settings FROM tenants WHERE id = nullif(current_setting('app.current_tenant', true), '')::uuid`);
  return resolveSettings(t?.settings);
}

export async function getConversationRow(m: EntityManager, id: string, lock = false): Promise<ConversationRow | null> {
  if (!isUuid(id)) return null;
  return one<ConversationRow>(
    m,
    `SELECT c.*, a.name AS assignee_name FROM conversations c LEFT JOIN agents a ON a.id = c.assignee_agent_id
      WHERE c.id = $1 ${lock ? 'FOR NO KEY UPDATE OF c' : ''}`,
    [id],
  );
}

export async function getLeadRow(m: EntityManager, id: string, lock = false): Promise<LeadRow | null> {
  if (!isUuid(id)) return null;
  return one<LeadRow>(m, `SELECT * FROM leads WHERE id = $1 ${lock ? 'FOR NO KEY UPDATE' : ''}`, [id]);
}

/**
 * The conversation's lead, row-locked: the first lock of any transaction that changes a conversation
 * (docs/ARCHITECTURE.md, "Lock order"). Only the lead is locked and read as it is now; read the
 * conversation in a later statement, whose snapshot includes what the previous lock holder committed.
 */
export async function lockLeadOfConversation(m: EntityManager, conversationId: string): Promise<LeadRow | null> {
  if (!isUuid(conversationId)) return null;
  return one<LeadRow>(m, `SELECT l.* FROM conversations c JOIN leads l ON l.id = c.lead_id WHERE c.id = $1 FOR NO KEY UPDATE OF l`, [conversationId]);
}

/** The lead's zone: the one we were told, else from the number's area code, else the tenant default. */
export function leadTimezone(lead: Pick<LeadRow, 'timezone' | 'phone'>, settings: TenantSettings): string {
  if (lead.timezone) return lead.timezone;
  try {
    return timezoneForPhone(lead.phone, settings.defaultTimezone);
  } catch {
    return settings.defaultTimezone;
  }
}

export function leadName(lead: Pick<LeadRow, 'first_name' | 'last_name' | 'phone'>): string {
  const name = [lead.first_name, lead.last_name].filter(Boolean).join(' ').trim();
  return name || maskPhone(lead.phone);
}

export function effectiveAutonomy(c: Pick<ConversationRow, 'autonomy_override'>, settings: TenantSettings): Autonomy {
  return c.autonomy_override ?? settings.autonomy;
}

function inQuietHours(now: Date, lead: LeadRow, settings: TenantSettings): boolean {
  try {
    const rules = resolveQuietHoursRules({ overrides: settings.quietHours, state: stateForPhone(lead.phone) });
    return isQuietHours(now, leadTimezone(lead, settings), rules, settings.holidays);
  } catch {
    return false;
  }
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Builds the lead part of the view (also what GET /leads/:id answers). */
export async function loadLeadSummary(m: EntityManager, lead: LeadRow, settings: TenantSettings): Promise<LeadSummary> {
  // Sequential on purpose: one transaction is one connection, and pg refuses overlapping queries on it.
  const consent = await one<{ source: string; created_at: Date }>(
    m,
    `SELECT source, created_at FROM consent_events WHERE lead_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
    [lead.id],
  );
  const crm = await rows<{ provider: 'hubspot' | 'salesforce'; external_id: string | null; status: 'ok' | 'pending' | 'failed'; error: string | null }>(
    m,
    `SELECT provider, external_id, status, error FROM crm_links WHERE lead_id = $1 ORDER BY provider`,
    [lead.id],
  );
  return {
    id: lead.id,
    name: leadName(lead),
    firstName: lead.first_name,
    lastName: lead.last_name,
    email: lead.email,
    phone: lead.phone,
    phoneMasked: maskPhone(lead.phone),
    tag: lead.tag,
    score: lead.score,
    signals: Array.isArray(lead.signals) ? lead.signals : [],
    timezone: leadTimezone(lead, settings),
    consent: {
      state: lead.consent_state,
      source: consent && CONSENT_SOURCES.includes(consent.source as ConsentSource) ? (consent.source as ConsentSource) : null,
      at: consent ? iso(consent.created_at) : null,
    },
    optedOut: lead.opted_out,
    crm: crm.map((c) => ({ provider: c.provider, externalId: c.external_id, status: c.status, error: c.error })),
  };
}

/**
 * The conversation view every surface renders, read in the caller's transaction (so a command answers
 * with exactly the state it committed). Throws `conversation.not_found` for unknown or foreign ids.
 */
export async function loadView(m: EntityManager, conversationId: string, now: Date): Promise<ConversationView> {
  // Each statement of a READ COMMITTED transaction sees its own snapshot: if the conversation moved while
  // the parts were read, read again, so a view never pairs a version with state from another version.
  for (let attempt = 0; ; attempt += 1) {
    const view = await readView(m, conversationId, now);
    const current = await one<{ version: number }>(m, `SELECT version FROM conversations WHERE id = $1`, [conversationId]);
    if (!current || current.version === view.version || attempt >= 4) return view;
  }
}

async function readView(m: EntityManager, conversationId: string, now: Date): Promise<ConversationView> {
  const c = await getConversationRow(m, conversationId);
  if (!c) throw notFoundConversation();
  const lead = await getLeadRow(m, c.lead_id);
  const settings = await tenantSettings(m);
  if (!lead) throw notFoundConversation();
  const summary = await loadLeadSummary(m, lead, settings);
  const messages = await rows<{
      id: string; direction: 'in' | 'out'; author: MessageView['author']; author_name: string | null; body: string;
      status: MessageView['status']; error_code: string | null; scheduled_for: Date | null; created_at: Date;
    }>(
      m,
      `SELECT id, direction, author, author_name, body, status, error_code, scheduled_for, created_at FROM messages
        WHERE conversation_id = $1 ORDER BY created_at, id`,
      [c.id],
    );
  const notes = await rows<{ id: string; author_name: string; surface: Surface; body: string; created_at: Date }>(
      m,
      `SELECT id, author_name, surface, body, created_at FROM notes WHERE conversation_id = $1 ORDER BY created_at, id`,
      [c.id],
    );
  const draft = await one<{ id: string; body: string; status: DraftView['status']; reason: string; confidence: number; held_by: string[]; created_at: Date }>(
      m,
      `SELECT id, body, status, reason, confidence, held_by, created_at FROM drafts WHERE conversation_id = $1 AND status = 'pending'`,
      [c.id],
    );
  const draftView: DraftView | null = draft
    ? {
        id: draft.id,
        body: draft.body,
        status: draft.status,
        reason: draft.reason,
        confidence: Number(draft.confidence),
        heldBy: Array.isArray(draft.held_by) ? draft.held_by : [],
        createdAt: iso(draft.created_at)!,
      }
    : null;
  const actions: ActionType[] = allowedActions({ mode: c.mode, status: c.status, hasPendingDraft: Boolean(draft), optedOut: lead.opted_out });
  return {
    id: c.id,
    version: c.version,
    mode: c.mode,
    status: c.status,
    autonomy: effectiveAutonomy(c, settings),
    autonomyOverride: c.autonomy_override,
    assignee: c.assignee_agent_id ? { agentId: c.assignee_agent_id, name: c.assignee_name ?? 'Agent' } : null,
    lead: summary,
    messages: messages.map((x) => ({
      id: x.id,
      direction: x.direction,
      author: x.author,
      authorName: x.author_name,
      body: x.body,
      status: x.status,
      errorCode: x.error_code,
      scheduledFor: iso(x.scheduled_for),
      createdAt: iso(x.created_at)!,
    })),
    notes: notes.map((n): NoteView => ({ id: n.id, authorName: n.author_name, surface: n.surface, body: n.body, createdAt: iso(n.created_at)! })),
    draft: draftView,
    allowedActions: actions,
    flags: {
      needsHuman: c.status === 'needs_human',
      quietHours: inQuietHours(now, lead, settings),
      optedOut: lead.opted_out,
      crmSyncFailed: summary.crm.some((x) => x.status === 'failed'),
    },
    lastDecision: c.last_decision ? { ...c.last_decision, at: iso(c.last_decision.at)! } : null,
    createdAt: iso(c.created_at)!,
    updatedAt: iso(c.updated_at)!,
  };
}

interface Cursor {
  u: string;
  i: string;
}

function decodeCursor(cursor: string | undefined): Cursor | null {
  if (!cursor) return null;
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.u === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(c.u) && isUuid(c.i)) return c;
  } catch {
    /* fall through */
  }
  throw new TandemError('request.invalid', 'The cursor is not valid; start again without it', 422, { fields: { cursor: 'not a cursor from this API' } });
}

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

/** Newest-updated first, keyset-paginated on (updated_at, id). */
export async function listConversations(m: EntityManager, filter: ConversationFilter): Promise<Page<ConversationListItem>> {
  const limit = Math.min(Math.max(filter.limit ?? 25, 1), 100);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.status) add('c.status = ?', filter.status);
  if (filter.mode) add('c.mode = ?', filter.mode);
  if (filter.tag) add('l.tag = ?', filter.tag);
  if (filter.needsHuman !== undefined) where.push(filter.needsHuman ? `c.status = 'needs_human'` : `c.status <> 'needs_human'`);
  const cursor = decodeCursor(filter.cursor);
  if (cursor) {
    params.push(cursor.u, cursor.i);
    where.push(`(c.updated_at, c.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const r = await rows<{
    id: string; version: number; mode: Mode; status: ConversationStatus; updated_at: Date; updated_key: string; lead_id: string;
    first_name: string | null; last_name: string | null; phone: string; tag: Tag; score: number; opted_out: boolean;
    last_direction: 'in' | 'out' | null; last_body: string | null; last_at: Date | null; has_draft: boolean;
  }>(
    m,
    `SELECT c.id, c.version, c.mode, c.status, c.updated_at, c.updated_at::text AS updated_key, l.id AS lead_id, l.first_name, l.last_name, l.phone, l.tag, l.score, l.opted_out,
            lm.direction AS last_direction, lm.body AS last_body, lm.created_at AS last_at,
            EXISTS (SELECT 1 FROM drafts d WHERE d.conversation_id = c.id AND d.status = 'pending') AS has_draft
       FROM conversations c
       JOIN leads l ON l.id = c.lead_id
       LEFT JOIN LATERAL (SELECT direction, body, created_at FROM messages WHERE conversation_id = c.id ORDER BY created_at DESC, id DESC LIMIT 1) lm ON true
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY c.updated_at DESC, c.id DESC
      LIMIT $${params.length}`,
    params,
  );
  const page = r.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((x) => ({
      id: x.id,
      version: x.version,
      mode: x.mode,
      status: x.status,
      needsHuman: x.status === 'needs_human',
      lead: { id: x.lead_id, name: leadName(x), phoneMasked: maskPhone(x.phone), tag: x.tag, score: x.score, optedOut: x.opted_out },
      lastMessage: x.last_direction ? { direction: x.last_direction, body: x.last_body ?? '', at: iso(x.last_at)! } : null,
      hasPendingDraft: x.has_draft,
      updatedAt: iso(x.updated_at)!,
    })),
    nextCursor: r.length > limit && last ? encodeCursor({ u: last.updated_key, i: last.id }) : null,
  };
}
