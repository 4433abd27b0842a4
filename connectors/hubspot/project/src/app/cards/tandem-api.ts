import { hubspot } from '@hubspot/ui-extensions';
import { TANDEM_BASE_URL } from './tandem-config';
import type { ConversationView } from './types/conversation-view';
import type { ActionType, Autonomy, ConsentState, Tag } from './types/types';

/** Mirrors `CardLead` in connectors/hubspot/hubspot.routes.ts. */
export interface CardLead {
  id: string;
  name: string;
  tag: Tag;
  score: number;
  consent: { state: ConsentState; at: string | null };
  optedOut: boolean;
}

export type StartBlockedReason = 'opted_out' | 'no_phone';

/** Body of `GET /hubspot/card/conversation`. */
export interface CardConversationResponse {
  conversation: ConversationView | null;
  lead: CardLead | null;
  canStart: boolean;
  startBlockedReason: StartBlockedReason | null;
  /** No SMS consent on record: starting needs the agent to confirm the contact agreed to texts. */
  consentRequired: boolean;
}

/** How the card finds the lead: the contact's record id, email and phone (mobile first). */
export interface ContactRef {
  contactId: string;
  email?: string | null;
  phone?: string | null;
  firstName?: string | null;
  lastName?: string | null;
}

/** `POST /hubspot/card/start`: the lead the card showed, or the contact's own fields. */
export interface StartRequest {
  contactId: string;
  leadId?: string;
  contact?: { phone: string; firstName?: string | null; lastName?: string | null; email?: string | null };
  /** What the agent confirmed, word for word (kept in Tandem's consent ledger). */
  consentStatement?: string;
  text?: string;
}

export interface ActionRequest {
  conversationId: string;
  type: ActionType;
  version: number;
  text?: string;
  draftId?: string;
  /** For `set_autonomy`: this conversation's level; null follows the team's setting again. */
  autonomy?: Autonomy | null;
}

/** An error answer from the Tandem server: `{ error: { code, message, details } }`. */
export class TandemApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'TandemApiError';
  }
}

/**
 * Loads the conversation for a contact. HubSpot appends portalId, userId, userEmail and appId to the query
 * string and signs the request; the server trusts only those.
 */
export async function fetchCardConversation(ref: ContactRef): Promise<CardConversationResponse> {
  const query = new URLSearchParams({ contactId: ref.contactId });
  if (ref.email) query.set('email', ref.email);
  if (ref.phone) query.set('phone', ref.phone);
  return call<CardConversationResponse>(`${TANDEM_BASE_URL}/hubspot/card/conversation?${query.toString()}`, { method: 'GET' });
}

/** Runs an agent command; resolves to the fresh view. A 409 rejects with the fresh view in `details`. */
export async function postCardAction(body: ActionRequest): Promise<ConversationView> {
  const payload: Record<string, unknown> = { conversationId: body.conversationId, type: body.type, version: body.version };
  if (body.text !== undefined) payload.text = body.text;
  if (body.draftId !== undefined) payload.draftId = body.draftId;
  if (body.autonomy !== undefined) payload.autonomy = body.autonomy;
  const res = await call<{ conversation: ConversationView }>(`${TANDEM_BASE_URL}/hubspot/card/actions`, { method: 'POST', body: payload });
  return res.conversation;
}

/** Opens a conversation with the contact; resolves to its view (an open one comes back as it is). */
export async function postStartConversation(body: StartRequest): Promise<ConversationView> {
  const payload: Record<string, unknown> = { contactId: body.contactId };
  if (body.leadId) payload.leadId = body.leadId;
  if (body.contact) payload.contact = body.contact;
  if (body.consentStatement) payload.consentStatement = body.consentStatement;
  if (body.text) payload.text = body.text;
  const res = await call<{ conversation: ConversationView }>(`${TANDEM_BASE_URL}/hubspot/card/start`, { method: 'POST', body: payload });
  return res.conversation;
}

async function call<T>(url: string, options: { method: 'GET' | 'POST'; body?: Record<string, unknown> }): Promise<T> {
  let res: Response;
  try {
    res = await hubspot.fetch(url, { method: options.method, body: options.body, timeout: 15_000 });
  } catch {
    throw new TandemApiError(0, 'network', 'Could not reach Tandem. Check your connection and try again.');
  }
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
    throw new TandemApiError(res.status, error?.code ?? 'http_error', error?.message ?? `Tandem answered ${res.status}.`, error?.details ?? {});
  }
  return json as T;
}
