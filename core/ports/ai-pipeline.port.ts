import type { Autonomy, MessageAuthor, MessageDirection, Score, Signal, Tag } from '../domain/types';

/** A knowledge entry the tenant wrote: the only source of prices, dates and policies the AI may state. */
export interface KnowledgeEntry {
  id: string;
  title: string;
  body: string;
}

/** Tenant settings the AI pipeline reads (issue: AI pipeline, "Tenant settings"). */
export interface AiTenantSettings {
  businessName: string;
  brandVoice: string;
  tone: string;
  knowledge: KnowledgeEntry[];
  autonomy: Autonomy;
  /** Below this confidence the conversation escalates (default 0.4). */
  confidenceThreshold: number;
  extraEscalationWords: string[];
  /** Maximum SMS segments per text. */
  segmentCap: number;
  /** Hostnames links may point to. */
  linkAllowList: string[];
}

export interface TurnHistoryItem {
  direction: MessageDirection;
  author: MessageAuthor;
  body: string;
  at: string;
  /** Set on the first message after an agent handed the conversation back to the AI. */
  afterHandback?: boolean;
}

export interface TurnInput {
  tenantId: string;
  settings: AiTenantSettings;
  lead: { firstName: string | null; score: number; tag: Tag; signals: Signal[]; language: string | null };
  /** Earlier messages, oldest first, without the inbound text below. */
  history: TurnHistoryItem[];
  inbound: string;
  /** The last agent hand-back happened since the previous AI turn. */
  handedBack: boolean;
}

export type DecisionAction = 'continue' | 'handoff' | 'opt_out' | 'close';

/** The model's decision is a structured field, never buried in reply text. */
export interface TurnDecision {
  reply: string;
  action: DecisionAction;
  reason: string;
  confidence: number;
}

export interface TurnOutcome {
  /** Each stage's output, stored on the message for explainability. */
  stages: Record<string, unknown>;
  score: Score;
  decision: TurnDecision;
  /** Non-null when the conversation must go to a person; `holdingText` is sent to the lead meanwhile. */
  escalation: { reason: string; holdingText: string } | null;
  /** Output guardrail: violations that turn the draft into a request for approval. */
  violations: string[];
  /** The inbound guardrail blocked the text (injection, spam): no reply is drafted from it. */
  blocked: boolean;
  usage: { model: string; promptTokens: number; completionTokens: number; offline: boolean; budgetExhausted: boolean };
}

export interface OpenerInput {
  tenantId: string;
  settings: AiTenantSettings;
  lead: { firstName: string | null; answers: Record<string, unknown>; formName: string };
}

/**
 * The seam between the conversation engine and the AI. The engine calls it from the AI-turn job and
 * decides what to do with the outcome (send, ask for approval, escalate) from autonomy and flags.
 */
export interface AiPipeline {
  runTurn(input: TurnInput): Promise<TurnOutcome>;
  /** First text after a form submission; must name the business and say "Reply STOP to opt out". */
  draftOpener(input: OpenerInput): Promise<{ body: string; usage: TurnOutcome['usage'] }>;
  /** Initial score from what a form said. Deterministic. */
  scoreForm(answers: Record<string, unknown>): Score;
}
