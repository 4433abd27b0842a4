import type { ConversationView, LeadSummary } from '../domain/conversation-view';
import type { ActionType, Actor, Autonomy, ConversationStatus, IntegrationKind, Mode, Role, Tag } from '../domain/types';
import type { AgentNotifier } from '../ports/agent-notifier.port';
import type { CrmAdapter } from '../ports/crm-adapter.port';

/**
 * The engine's public surface. Server routes and connectors call only this (through `core/index.ts`).
 * Every tenant-scoped call takes the tenant id first and runs under row-level security for it.
 */

/** A command an agent sends from any surface. `version` is the conversation version the agent saw. */
export interface ActionCommand {
  type: ActionType;
  version: number;
  /** Text for `edit`, `send` and `note`. */
  text?: string;
  /** The draft the agent saw, for `approve` / `edit` / `discard`. Optional: defaults to the pending one. */
  draftId?: string;
  /** For `set_autonomy` (required there): the conversation's override; null follows the tenant's setting again. */
  autonomy?: Autonomy | null;
  actor: Actor;
}

export interface ConversationFilter {
  status?: ConversationStatus;
  mode?: Mode;
  tag?: Tag;
  needsHuman?: boolean;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  limit?: number;
}

export interface ConversationListItem {
  id: string;
  version: number;
  mode: Mode;
  status: ConversationStatus;
  needsHuman: boolean;
  lead: { id: string; name: string; phoneMasked: string; tag: Tag; score: number; optedOut: boolean };
  lastMessage: { direction: 'in' | 'out'; body: string; at: string } | null;
  hasPendingDraft: boolean;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** How a surface points at a lead: by Tandem id, CRM id, email or phone (tried in that order). */
export interface LeadRef {
  leadId?: string;
  crm?: { provider: 'hubspot' | 'salesforce'; externalId: string };
  email?: string;
  phone?: string;
}

/**
 * An agent opens a conversation: with a lead Tandem knows (`leadId`), or with a person by phone (found,
 * else created with the names given). See `startConversation` in core/conversations for the rules.
 */
export interface StartConversationInput {
  lead:
    | { leadId: string }
    | { phone: string; /** ISO country for a number without +code (default: the tenant's `defaultPhoneCountry`, US unless set). */ country?: string; firstName?: string | null; lastName?: string | null; email?: string | null; company?: string | null };
  /** The CRM record the agent started from: linked, so the texts are logged on it. */
  crm?: { provider: 'hubspot' | 'salesforce'; externalId: string };
  /** Required to open a conversation when there is no consent on record: the agent's attestation, kept word for word in the consent ledger. */
  consent?: { statement: string };
  /** A first text, queued with the new conversation (refused with 409 when one is already open). */
  text?: string;
  actor: Actor;
}

export interface StartConversationResult {
  conversation: ConversationView;
  /** False when the lead already had an open conversation: that one is returned. */
  created: boolean;
  leadCreated: boolean;
  consentRecorded: boolean;
}

/** The identity a platform gives us for the person acting. */
export interface AgentIdentity {
  slackUserId?: string;
  hubspotUserId?: string;
  salesforceUserId?: string;
  email?: string;
}

export interface AgentRecord {
  id: string;
  tenantId: string;
  name: string;
  email: string | null;
  role: Role;
  slackUserId: string | null;
  hubspotUserId: string | null;
  salesforceUserId: string | null;
}

export interface IntegrationRecord {
  kind: IntegrationKind;
  /** The platform's id for this install: Slack team id, HubSpot portal id, Salesforce org id, Twilio account SID. */
  externalId: string | null;
  /** Decrypted settings and secrets. */
  config: Record<string, unknown>;
  enabled: boolean;
}

/** Live, tenant-scoped happenings for SSE and pushing surfaces. */
export interface LiveEvent {
  tenantId: string;
  type: string;
  conversationId?: string;
  leadId?: string;
  at: string;
}

export interface EngineCommon {
  conversations: {
    list(tenantId: string, filter: ConversationFilter): Promise<Page<ConversationListItem>>;
    /** Throws `conversation.not_found` (404) for ids outside the tenant. */
    view(tenantId: string, conversationId: string): Promise<ConversationView>;
    /** The lead's latest conversation, or null when the lead is unknown or has none. */
    viewForLead(tenantId: string, ref: LeadRef): Promise<ConversationView | null>;
    /**
     * Runs an agent command. First writer wins: a stale `version` throws `conversation.version_conflict`
     * (409) whose details carry `{ conversation: <fresh view> }`.
     */
    act(tenantId: string, conversationId: string, command: ActionCommand): Promise<ConversationView>;
    /**
     * Opens a conversation from an agent's surface. Errors: `lead.not_found` (404), `request.invalid` or
     * `consent.required` (422), `lead.opted_out` or `conversation.already_open` (409). Nothing is written on any.
     */
    start(tenantId: string, input: StartConversationInput): Promise<StartConversationResult>;
  };
  leads: {
    /** The lead a surface points at (same order as `viewForLead`), with or without a conversation. */
    find(tenantId: string, ref: LeadRef): Promise<LeadSummary | null>;
  };
  agents: {
    resolve(tenantId: string, identity: AgentIdentity): Promise<AgentRecord | null>;
  };
  integrations: {
    get(tenantId: string, kind: IntegrationKind): Promise<IntegrationRecord | null>;
    /**
     * With `actor`, an admin's connect or change, audited: `integration.connect` with the account id, or the
     * caller's `entry` (what it changed). Never the config.
     */
    put(tenantId: string, kind: IntegrationKind, record: Omit<IntegrationRecord, 'kind'>, actor?: Actor, entry?: { action: string; data: Record<string, unknown> }): Promise<void>;
    /** An admin's disconnect, audited; the connection as it was, or null when there was none. */
    disconnect(tenantId: string, kind: IntegrationKind, actor: Actor): Promise<IntegrationRecord | null>;
    /** Which tenant installed this platform account (portal id, org id, team id, account SID), and sends through it? */
    findTenant(kind: IntegrationKind, externalId: string): Promise<string | null>;
    /** Which tenant holds this platform account, sending or paused (the check before another workspace connects it)? */
    claimedBy(kind: IntegrationKind, externalId: string): Promise<string | null>;
  };
  live: {
    subscribe(listener: (event: LiveEvent) => void): () => void;
  };
  registerCrmAdapter(adapter: CrmAdapter): void;
  registerNotifier(notifier: AgentNotifier): void;
}
