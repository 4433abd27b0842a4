import type {
  ActionType,
  Autonomy,
  ConsentSource,
  ConsentState,
  ConversationStatus,
  DraftStatus,
  MessageAuthor,
  MessageDirection,
  MessageStatus,
  Mode,
  Signal,
  Surface,
  Tag,
} from './types';

/**
 * The one query every surface renders (REST, console, Slack message, HubSpot card, Salesforce tab).
 * Dates are ISO-8601 strings so the view crosses HTTP unchanged.
 */
export interface ConversationView {
  id: string;
  /** Optimistic-concurrency token: send it back with every action. */
  version: number;
  mode: Mode;
  status: ConversationStatus;
  /** Effective autonomy: the conversation override if set, else the tenant's. */
  autonomy: Autonomy;
  /** This conversation's own setting (`set_autonomy`); null follows the tenant's. */
  autonomyOverride: Autonomy | null;
  assignee: { agentId: string; name: string } | null;
  lead: LeadSummary;
  messages: MessageView[];
  notes: NoteView[];
  draft: DraftView | null;
  /** What an agent may do right now. Surfaces show exactly these buttons. */
  allowedActions: ActionType[];
  flags: {
    needsHuman: boolean;
    /** The lead's local time is inside quiet hours: sends will be deferred. */
    quietHours: boolean;
    optedOut: boolean;
    /** Last CRM sync for this lead failed (details in `lead.crm`). */
    crmSyncFailed: boolean;
  };
  /** Last decision taken on this conversation, for "who did what when" lines. */
  lastDecision: DecisionView | null;
  createdAt: string;
  updatedAt: string;
}

export interface LeadSummary {
  id: string;
  name: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  /** E.164, for agents who need to call. Never logged. */
  phone: string;
  /** e.g. +1 •••• ••• 0142 */
  phoneMasked: string;
  tag: Tag;
  score: number;
  signals: Signal[];
  timezone: string;
  consent: {
    state: ConsentState;
    source: ConsentSource | null;
    at: string | null;
  };
  optedOut: boolean;
  crm: Array<{ provider: 'hubspot' | 'salesforce'; externalId: string | null; status: 'ok' | 'pending' | 'failed'; error: string | null }>;
}

export interface MessageView {
  id: string;
  direction: MessageDirection;
  author: MessageAuthor;
  authorName: string | null;
  body: string;
  status: MessageStatus;
  errorCode: string | null;
  /** For deferred messages: when the compliance gate will send it. */
  scheduledFor: string | null;
  createdAt: string;
}

export interface NoteView {
  id: string;
  authorName: string;
  surface: Surface;
  body: string;
  createdAt: string;
}

export interface DraftView {
  id: string;
  body: string;
  status: DraftStatus;
  /** Why the AI drafted this / why it was held for approval. */
  reason: string;
  confidence: number;
  /** Guardrail violations that held this draft back, if any. */
  heldBy: string[];
  createdAt: string;
}

export interface DecisionView {
  action: ActionType;
  actorName: string;
  surface: Surface;
  at: string;
}
