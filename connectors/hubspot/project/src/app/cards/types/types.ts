/**
 * Tandem's shared vocabulary. Every surface (REST, console, Slack, HubSpot, Salesforce) speaks these
 * words; keep them stable: connectors and the widget depend on them.
 */

export const TAGS = ['HOT', 'WARM', 'COLD'] as const;
export type Tag = (typeof TAGS)[number];

export const SURFACES = ['slack', 'hubspot', 'salesforce', 'api', 'console', 'system'] as const;
/** Where a person (or the system) acted from. Audited on every command. */
export type Surface = (typeof SURFACES)[number];

export type Mode = 'ai' | 'human';
export type ConversationStatus = 'open' | 'needs_human' | 'closed';
export const AUTONOMY_LEVELS = ['autopilot', 'copilot', 'off'] as const;
/** autopilot sends the AI's texts; copilot drafts them for a person; off only suggests. */
export type Autonomy = (typeof AUTONOMY_LEVELS)[number];
export type Role = 'admin' | 'agent' | 'viewer';

export type MessageDirection = 'in' | 'out';
export type MessageAuthor = 'lead' | 'ai' | 'agent' | 'system';
/**
 * Delivery life cycle of a message. Outbound: queued → (deferred) → sending → sent → delivered | undelivered
 * | failed; `blocked` when the compliance gate refused it. Inbound: received.
 */
export type MessageStatus =
  | 'received'
  | 'queued'
  | 'deferred'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'blocked';

export type DraftStatus = 'pending' | 'approved' | 'edited' | 'discarded' | 'superseded' | 'expired' | 'sent';

export const ACTION_TYPES = [
  'approve',
  'edit',
  'discard',
  'takeover',
  'handback',
  'send',
  'note',
  'close',
  'reopen',
  'set_autonomy',
] as const;
/**
 * Agent commands. `edit` sends edited draft text; `send` sends free text (and takes over); `set_autonomy`
 * overrides the tenant's autonomy for one conversation (or, with null, follows it again).
 */
export type ActionType = (typeof ACTION_TYPES)[number];

export type IntegrationKind = 'twilio' | 'slack' | 'hubspot' | 'salesforce' | 'openai';

/** Why a score is what it is: one line per rule that fired. */
export interface Signal {
  code: string;
  label: string;
  points: number;
}

export interface Score {
  score: number;
  tag: Tag;
  signals: Signal[];
}

/** Who performed a command. `agentId` is null for the system and for API keys without an agent. */
export interface Actor {
  agentId: string | null;
  name: string;
  surface: Surface;
}

export type ConsentState = 'granted' | 'revoked' | 'none';
export type ConsentSource = 'form' | 'keyword' | 'natural_language' | 'agent' | 'carrier_error' | 'api';
