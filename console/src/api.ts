/**
 * The console's only way to the server: the public REST API under /api/v1, authenticated by the
 * httpOnly `tandem_session` cookie (same origin), marked as the `console` surface for the audit log.
 */
import type { ConversationView } from '../../core/domain/conversation-view';
import type { ActionType, Autonomy, Mode, Tag } from '../../core/domain/types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Json = Record<string, unknown> | unknown[];

/** Calls the API; non-2xx answers throw ApiError with the server's code, message and details. */
export async function api<T>(method: string, path: string, body?: Json): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        'X-Tandem-Surface': 'console',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check that Tandem is running.');
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: Record<string, unknown> } } | null;
  if (!res.ok) {
    const e = data?.error;
    throw new ApiError(res.status, e?.code ?? 'http', e?.message ?? `The server answered ${res.status}`, e?.details ?? {});
  }
  return data as T;
}

/** Field messages of a 422, flattened for display. */
export function fieldErrors(err: unknown): Record<string, string> {
  if (err instanceof ApiError && err.details.fields && typeof err.details.fields === 'object') return err.details.fields as Record<string, string>;
  return {};
}

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export interface Session {
  tenantId: string;
  tenantName: string;
  name: string;
  role: 'admin' | 'agent' | 'viewer';
  agentId: string | null;
  /** The API key this console signed in with (not the secret): the Team page marks it. */
  keyId: string;
}

export interface SessionInfo {
  session: Session | null;
  demoAvailable: boolean;
}

export interface ConversationListItem {
  id: string;
  version: number;
  mode: Mode;
  status: 'open' | 'needs_human' | 'closed';
  needsHuman: boolean;
  lead: { id: string; name: string; phoneMasked: string; tag: Tag; score: number; optedOut: boolean };
  lastMessage: { direction: 'in' | 'out'; body: string; at: string } | null;
  hasPendingDraft: boolean;
  updatedAt: string;
}

export interface Filters {
  needsHuman: boolean;
  mode: '' | Mode;
  tag: '' | Tag;
}

export const listConversations = (f: Filters) => {
  const q = new URLSearchParams();
  if (f.needsHuman) q.set('needsHuman', 'true');
  if (f.mode) q.set('mode', f.mode);
  if (f.tag) q.set('tag', f.tag);
  q.set('limit', '50');
  return api<{ items: ConversationListItem[]; nextCursor: string | null }>('GET', `/conversations?${q}`);
};

export const getConversation = (id: string) => api<{ conversation: ConversationView }>('GET', `/conversations/${encodeURIComponent(id)}`).then((r) => r.conversation);

/** What some actions carry: `text` for edit/send/note, `autonomy` (null = the tenant's) for set_autonomy. */
export interface ActionFields {
  text?: string;
  autonomy?: Autonomy | null;
}

/** Runs an agent action. A 409 carries the fresh view in `details.conversation`. */
export const act = (id: string, type: ActionType, version: number, fields: ActionFields = {}) =>
  api<{ conversation: ConversationView }>('POST', `/conversations/${encodeURIComponent(id)}/actions`, { type, version, ...fields }).then((r) => r.conversation);

export function conflictView(err: unknown): ConversationView | null {
  if (err instanceof ApiError && err.status === 409 && err.details.conversation) return err.details.conversation as ConversationView;
  return null;
}

/** A text on the simulated phone (the console SMS provider's phone book). */
export interface PhoneMessage {
  id: string;
  phone: string;
  direction: 'to_phone' | 'from_phone';
  body: string;
  at: string;
}

export const phoneMessages = (phone: string) =>
  api<{ messages: PhoneMessage[] }>('GET', `/demo/phone/messages?phone=${encodeURIComponent(phone)}`).then((r) => r.messages);

/** A reply typed on the simulated phone enters like any inbound text (keywords, AI turn). */
export const phoneReply = (from: string, body: string) => api<{ messageId: string; conversationId: string }>('POST', '/demo/phone/messages', { from, body });

/** A tenant's form as the forms API lists it. */
export interface FormRecord {
  id: string;
  name: string;
  active: boolean;
  version: number;
  definition: Record<string, unknown>;
}

function toFormRecord(raw: Record<string, unknown>): FormRecord {
  const def = (raw.definition as Record<string, unknown> | undefined) ?? raw;
  return {
    id: String(raw.id ?? def.id),
    name: String(raw.name ?? def.name ?? 'Form'),
    active: raw.active !== false && def.active !== false,
    version: Number(raw.version ?? def.version ?? 1),
    definition: def,
  };
}

export const listForms = () => api<{ forms: Array<Record<string, unknown>> }>('GET', '/forms').then((r) => r.forms.map(toFormRecord));
/** POST takes a whole definition; the server assigns the id and version. */
export const createForm = (definition: Record<string, unknown>) => api<{ form: Record<string, unknown> }>('POST', '/forms', definition).then((r) => toFormRecord(r.form));

/**
 * PATCH takes an RFC 7396 merge patch: send what changed, `null` for what was removed (arrays are replaced
 * whole), so clearing an optional setting in the editor really clears it.
 */
export const updateForm = (id: string, before: Record<string, unknown>, after: Record<string, unknown>) =>
  api<{ form: Record<string, unknown> }>('PATCH', `/forms/${encodeURIComponent(id)}`, mergePatchBetween(before, after) as Record<string, unknown>).then((r) =>
    toFormRecord(r.form),
  );

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The merge patch that turns `before` into `after`. */
export function mergePatchBetween(before: unknown, after: unknown): unknown {
  if (!isPlainObject(before) || !isPlainObject(after)) return after === undefined ? null : after;
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(before)) if (!(k in after) || after[k] === undefined) patch[k] = null;
  for (const [k, v] of Object.entries(after)) {
    if (v === undefined) continue;
    if (JSON.stringify(before[k]) === JSON.stringify(v)) continue;
    patch[k] = isPlainObject(before[k]) && isPlainObject(v) ? mergePatchBetween(before[k], v) : v;
  }
  return patch;
}

export const getLead = (id: string) => api<{ lead: { id: string; phone: string; name: string; conversationIds: string[] } }>('GET', `/leads/${encodeURIComponent(id)}`).then((r) => r.lead);

/** `POST /conversations`: an agent starts a conversation with a person (see core's `startConversation`). */
export interface StartConversationRequest {
  lead: { phone: string; firstName?: string | null; lastName?: string | null; email?: string | null };
  consent?: { statement: string };
  text?: string;
}

export const startConversation = (body: StartConversationRequest) =>
  api<{ conversation: ConversationView; created: boolean }>('POST', '/conversations', body as unknown as Json);
