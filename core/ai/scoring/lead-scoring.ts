import type { Score, Signal, Tag } from '../../domain/types';
import { analyzeText, normalizeText, type Sentiment, type Urgency } from '../analysis/text-analysis';
import type { Intent } from '../lexicon/lexicons';
import { URGENCY_CRITICAL, URGENCY_HIGH } from '../lexicon/lexicons';

/**
 * Lead scoring: a pure module. A score is the sum of the distinct signals a lead has shown over the whole
 * conversation (each signal counts once), clamped to 0..100. HOT >= 70, WARM 40..69, COLD < 40.
 */

export const HOT_THRESHOLD = 70;
export const WARM_THRESHOLD = 40;

/** Every rule, with its points. Codes are stable: they are stored with the lead and shown to agents. */
export const SIGNAL_RULES = {
  pricing: { code: 'pricing', label: 'Asked about pricing or buying', points: 30 },
  // Same rule as pricing ("pricing or buying"), so it shares the code and counts once.
  budget: { code: 'pricing', label: 'Gave a budget (buying intent)', points: 30 },
  availability: { code: 'availability', label: 'Asked about availability', points: 20 },
  demo: { code: 'demo', label: 'Asked for a demo, trial or booking', points: 15 },
  engaged: { code: 'engaged', label: 'Sent three or more messages', points: 10 },
  positive: { code: 'positive_sentiment', label: 'Positive sentiment', points: 10 },
  urgency: { code: 'urgency', label: 'Used urgency words', points: 15 },
  inquiry: { code: 'general_inquiry', label: 'Made a general inquiry', points: 20 },
  features: { code: 'features', label: 'Asked about features', points: 15 },
  greeting: { code: 'greeting', label: 'Said hello', points: 10 },
  unrelated: { code: 'unrelated', label: 'Sent an unrelated message', points: 5 },
  negative: { code: 'negative_sentiment', label: 'Negative sentiment', points: -10 },
  notInterested: { code: 'not_interested', label: 'Said they are not interested', points: -20 },
} as const satisfies Record<string, Signal>;

/** The tag for a score. */
export function tagFor(score: number): Tag {
  if (score >= HOT_THRESHOLD) return 'HOT';
  if (score >= WARM_THRESHOLD) return 'WARM';
  return 'COLD';
}

/** Sums distinct signals (first occurrence of a code wins) into a clamped score with its tag. */
export function scoreFromSignals(signals: readonly Signal[]): Score {
  const unique: Signal[] = [];
  const seen = new Set<string>();
  for (const signal of signals) {
    if (seen.has(signal.code)) continue;
    seen.add(signal.code);
    unique.push({ code: signal.code, label: signal.label, points: signal.points });
  }
  const raw = unique.reduce((sum, s) => sum + s.points, 0);
  const score = Math.max(0, Math.min(100, raw));
  return { score, tag: tagFor(score), signals: unique };
}

/** What one lead message says, as far as scoring cares. */
export interface MessageSignalsInput {
  intent: Intent;
  isQuestion: boolean;
  sentiment: Sentiment;
  urgency: Urgency;
}

/** The signals one message fires. */
export function signalsForMessage(input: MessageSignalsInput): Signal[] {
  const out: Signal[] = [];
  switch (input.intent) {
    case 'pricing':
      out.push(SIGNAL_RULES.pricing);
      break;
    case 'availability':
      out.push(SIGNAL_RULES.availability);
      break;
    case 'booking':
      out.push(SIGNAL_RULES.demo);
      break;
    case 'features':
      out.push(SIGNAL_RULES.features);
      break;
    case 'support':
      out.push(SIGNAL_RULES.inquiry);
      break;
    case 'greeting':
      out.push(SIGNAL_RULES.greeting);
      break;
    case 'not_interested':
      out.push(SIGNAL_RULES.notInterested);
      break;
    case 'other':
      out.push(input.isQuestion ? SIGNAL_RULES.inquiry : SIGNAL_RULES.unrelated);
      break;
    default:
      break;
  }
  if (input.sentiment === 'positive') out.push(SIGNAL_RULES.positive);
  if (input.sentiment === 'negative') out.push(SIGNAL_RULES.negative);
  if (input.urgency === 'high' || input.urgency === 'critical') out.push(SIGNAL_RULES.urgency);
  return out;
}

/**
 * Cumulative turn score: the lead's earlier signals plus what this message fired. `leadMessageCount`
 * includes this message. Returns the new score and the signals this turn added.
 */
export function scoreTurn(prior: readonly Signal[], message: MessageSignalsInput, leadMessageCount: number): Score & { added: Signal[] } {
  const fresh = signalsForMessage(message);
  if (leadMessageCount >= 3) fresh.push(SIGNAL_RULES.engaged);
  const priorCodes = new Set(prior.map((s) => s.code));
  const added = fresh.filter((s, i) => !priorCodes.has(s.code) && fresh.findIndex((o) => o.code === s.code) === i);
  return { ...scoreFromSignals([...prior, ...added]), added };
}

const TIMELINE_KEY = /(time ?line|time ?frame|when|start|deadline|urgency|how soon|date|cuando|plazo)/i;
const BUDGET_KEY = /(budget|price ?range|spend|presupuesto)/i;
const TEXT_KEY = /(message|comment|notes?|question|details?|description|inquiry|enquiry|project|needs?|help|mensaje|comentario)/i;
const SKIP_KEY = /(name|email|e-mail|phone|tel|mobile|consent|zip|postal|address|company|city|state|country)/i;
const EMPTY_ANSWER = /^(none|n\/?a|no|0|\$?0|not sure|unsure|unknown|-|no budget|tbd)$/i;

function answerText(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string').join(', ');
  return '';
}

/**
 * Scores a form submission (deterministic): a timeline like "this week" or "asap" is urgency, a budget is
 * buying intent, free text runs through the same lexicons as SMS.
 */
export function scoreForm(answers: Record<string, unknown>): Score {
  const signals: Signal[] = [];
  for (const [key, raw] of Object.entries(answers ?? {})) {
    const value = answerText(raw);
    if (!value) continue;
    const normalized = normalizeText(value);
    if (BUDGET_KEY.test(key)) {
      if (!EMPTY_ANSWER.test(normalized)) signals.push(SIGNAL_RULES.budget);
      continue;
    }
    if (TIMELINE_KEY.test(key)) {
      if (URGENCY_CRITICAL.test(normalized) || URGENCY_HIGH.test(normalized) || /\b(now|this month)\b/.test(normalized)) {
        signals.push(SIGNAL_RULES.urgency);
      }
      continue;
    }
    if (SKIP_KEY.test(key) && !TEXT_KEY.test(key)) continue;
    if (TEXT_KEY.test(key) || value.length >= 25) {
      const analysis = analyzeText(value);
      signals.push(...signalsForMessage(analysis));
    }
  }
  return scoreFromSignals(signals);
}
