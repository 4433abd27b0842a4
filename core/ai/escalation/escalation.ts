import type { TurnHistoryItem } from '../../ports/ai-pipeline.port';
import { analyzeText, findEscalationWords, type Sentiment, type Urgency } from '../analysis/text-analysis';
import { LEGAL_WORDS, type Intent } from '../lexicon/lexicons';

export const DEFAULT_CONFIDENCE_THRESHOLD = 0.4;
/** Lead turns in a row without resolution (repeated question, frustration) before a person steps in. */
export const UNRESOLVED_TURN_LIMIT = 3;
const HISTORY_WINDOW = 8;

export interface EscalationInput {
  inbound: string;
  intent: Intent;
  sentiment: Sentiment;
  urgency: Urgency;
  isQuestion: boolean;
  /** The message shows frustration ("you didn't answer", "???"). */
  frustrated: boolean;
  history: readonly TurnHistoryItem[];
  handedBack: boolean;
  extraWords: readonly string[];
  /** The main model's circuit is open. */
  circuitOpen: boolean;
  /** Known after drafting: the model's decision. */
  decision?: { action: string; confidence: number; reason: string };
  confidenceThreshold: number;
}

export interface EscalationResult {
  escalate: boolean;
  /** Codes, e.g. `legal:refund`, `wants_human`, `negative_critical`, `unresolved_turns:3`, `low_confidence:0.35`. */
  reasons: string[];
}

interface LeadTurn {
  intent: Intent;
  isQuestion: boolean;
  frustrated: boolean;
}

/**
 * How many lead turns in a row went unresolved: each one asks again what the one before asked, or shows
 * frustration ("you didn't answer", "???"). Counting restarts after an agent message or a hand-back.
 */
export function unresolvedStreak(history: readonly TurnHistoryItem[], current: LeadTurn, handedBack: boolean): number {
  const turns: LeadTurn[] = [];
  if (!handedBack) {
    for (let i = history.length - 1; i >= 0 && turns.length < HISTORY_WINDOW; i--) {
      const item = history[i];
      if (item.author === 'agent') break;
      if (item.direction === 'in' && item.author === 'lead') {
        const a = analyzeText(item.body);
        turns.unshift({ intent: a.intent, isQuestion: a.isQuestion, frustrated: a.frustrated });
      }
      if (item.afterHandback) break;
    }
  }
  turns.push(current);
  let streak = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i];
    if (!turn.isQuestion && !turn.frustrated) break;
    if (i < turns.length - 1) {
      const later = turns[i + 1];
      const linked = later.frustrated || (later.isQuestion && turn.isQuestion && later.intent === turn.intent);
      if (!linked) break;
    }
    streak++;
  }
  return streak;
}

/** Decides whether a person must take over, with every reason that applies. Pure. */
export function checkEscalation(input: EscalationInput): EscalationResult {
  const reasons: string[] = [];
  if (input.circuitOpen) reasons.push('circuit_open');
  if (input.intent === 'wants_human') reasons.push('wants_human');
  for (const word of findEscalationWords(input.inbound, LEGAL_WORDS)) reasons.push(`legal:${word}`);
  for (const word of findEscalationWords(input.inbound, input.extraWords)) reasons.push(`tenant_word:${word}`);
  if (input.sentiment === 'negative' && input.urgency === 'critical') reasons.push('negative_critical');
  const streak = unresolvedStreak(input.history, { intent: input.intent, isQuestion: input.isQuestion, frustrated: input.frustrated }, input.handedBack);
  if (streak >= UNRESOLVED_TURN_LIMIT) reasons.push(`unresolved_turns:${streak}`);
  if (input.decision) {
    if (input.decision.confidence < input.confidenceThreshold) reasons.push(`low_confidence:${input.decision.confidence}`);
    if (input.decision.action === 'handoff') reasons.push(`model_handoff:${input.decision.reason}`);
  }
  return { escalate: reasons.length > 0, reasons };
}
