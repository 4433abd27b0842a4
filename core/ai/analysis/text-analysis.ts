import {
  FRUSTRATION,
  GREETING_LANGUAGE,
  INTENTS,
  INTENT_PATTERNS,
  type Intent,
  NEGATIVE_WORDS,
  NEGATORS,
  POSITIVE_WORDS,
  PROFANITY,
  STOPWORDS,
  URGENCY_CRITICAL,
  URGENCY_HIGH,
  URGENCY_LOW,
} from '../lexicon/lexicons';

export type Sentiment = 'positive' | 'neutral' | 'negative';
export type Urgency = 'low' | 'normal' | 'high' | 'critical';
export const ENTITY_TYPES = ['date', 'time', 'money', 'email', 'phone', 'url', 'quantity', 'other'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export interface Entity {
  type: EntityType;
  value: string;
}

/** What the lexicons say about one text. Deterministic and cheap (well under a millisecond). */
export interface TextAnalysis {
  intent: Intent;
  /** Intent weights that fired, for explainability. */
  intentScores: Partial<Record<Intent, number>>;
  confidence: number;
  entities: Entity[];
  language: string | null;
  isQuestion: boolean;
  sentiment: Sentiment;
  /** -1..1 */
  sentimentScore: number;
  urgency: Urgency;
  profanity: boolean;
  frustrated: boolean;
  summary: string;
}

/** Lower case, accents stripped, curly quotes straightened, whitespace collapsed. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

const QUESTION_START =
  /^(what|what's|whats|how|when|where|why|who|which|can|could|do|does|did|is|are|will|would|should|any|may|cual|cuanto|cuanta|cuantos|como|cuando|donde|que|quien|tienen|hay|puedo|pueden|puede|est-ce|combien|quand|wie|wann|was|quanto|quando)\b/;

/** Does the text ask something? */
export function isQuestionText(normalized: string): boolean {
  if (normalized.includes('?') || normalized.includes('\u00bf')) return true;
  return normalized.split(/[.!\n]/).some((sentence) => QUESTION_START.test(sentence.trim()));
}

/** Scores each intent by the weights of its patterns that match; returns the best and its weight. */
export function scoreIntents(normalized: string): { intent: Intent; scores: Partial<Record<Intent, number>>; top: number } {
  const scores: Partial<Record<Intent, number>> = {};
  for (const intent of INTENTS) {
    if (intent === 'other') continue;
    let total = 0;
    for (const pattern of INTENT_PATTERNS[intent]) if (pattern.re.test(normalized)) total += pattern.weight;
    if (total > 0) scores[intent] = total;
  }
  let best: Intent = 'other';
  let top = 0;
  // INTENTS is in priority order, so a tie keeps the safer intent.
  for (const intent of INTENTS) {
    const score = scores[intent] ?? 0;
    if (score > top) {
      best = intent;
      top = score;
    }
  }
  // A greeting followed by a real request is that request ("hi, how much is it?").
  if (best === 'greeting') {
    for (const intent of INTENTS) {
      if (intent !== 'greeting' && intent !== 'other' && (scores[intent] ?? 0) >= 2) {
        best = intent;
        top = scores[intent]!;
        break;
      }
    }
  }
  // Opt-out and hand-off outrank everything once they are clearly said.
  if ((scores.opt_out ?? 0) >= 4) return { intent: 'opt_out', scores, top: scores.opt_out! };
  if ((scores.wants_human ?? 0) >= 3 && best !== 'opt_out') return { intent: 'wants_human', scores, top: scores.wants_human! };
  return { intent: best, scores, top };
}

/** Guesses the language from greetings and function words; null when the text is too short to say. */
export function detectLanguage(normalized: string): string | null {
  for (const { re, lang } of GREETING_LANGUAGE) if (re.test(normalized)) return lang;
  if (normalized.includes('\u00bf') || normalized.includes('\u00a1')) return 'es';
  const words = normalized.match(/[a-z']+/g) ?? [];
  if (words.length === 0) return null;
  let bestLang: string | null = null;
  let bestHits = 0;
  for (const [lang, list] of Object.entries(STOPWORDS)) {
    let hits = 0;
    for (const word of words) if (list.includes(word)) hits++;
    if (hits > bestHits) {
      bestHits = hits;
      bestLang = lang;
    }
  }
  return bestHits > 0 ? bestLang : null;
}

function countMatches(re: RegExp, text: string, negatedFlip: boolean): { pos: number; flipped: number } {
  let pos = 0;
  let flipped = 0;
  re.lastIndex = 0;
  for (const match of text.matchAll(re)) {
    const before = text.slice(Math.max(0, (match.index ?? 0) - 18), match.index ?? 0);
    if (negatedFlip && NEGATORS.test(before)) flipped++;
    else pos++;
  }
  return { pos, flipped };
}

/** Lexicon sentiment with simple negation ("not happy" is negative, "not bad" is not negative). */
export function sentimentOf(normalized: string): { sentiment: Sentiment; score: number; profanity: boolean } {
  const positives = countMatches(POSITIVE_WORDS, normalized, true);
  const negatives = countMatches(NEGATIVE_WORDS, normalized, true);
  const profanity = PROFANITY.test(normalized);
  const pos = positives.pos;
  const neg = negatives.pos + positives.flipped + (profanity ? 2 : 0);
  const total = pos + neg;
  const score = total === 0 ? 0 : (pos - neg) / total;
  const sentiment: Sentiment = neg > pos ? 'negative' : pos > neg ? 'positive' : 'neutral';
  return { sentiment, score: Math.round(score * 100) / 100, profanity };
}

/** Urgency from time words: critical (emergency, asap), high (today, this week), low (no rush). */
export function urgencyOf(normalized: string): Urgency {
  if (URGENCY_LOW.test(normalized)) return 'low';
  if (URGENCY_CRITICAL.test(normalized) || /!{3,}/.test(normalized)) return 'critical';
  if (URGENCY_HIGH.test(normalized)) return 'high';
  return 'normal';
}

const ENTITY_PATTERNS: Array<{ type: EntityType; re: RegExp }> = [
  { type: 'email', re: /[\w.+-]+@[\w-]+(\.[\w-]+)+/g },
  { type: 'url', re: /\b(?:https?:\/\/|www\.)[^\s]+/gi },
  { type: 'money', re: /(?:[$€£]\s?\d+(?:,\d{3})*(?:\.\d+)?(?:\s?[km]\b)?|\b\d+(?:,\d{3})*(?:\.\d+)?\s?(?:usd|dollars?|bucks|eur|euros?|pesos)\b)/gi },
  { type: 'phone', re: /(?:\+?\d[\s.-]?)?(?:\(\d{3}\)|\b\d{3})[\s.-]?\d{3}[\s.-]?\d{4}\b/g },
  {
    type: 'date',
    re: /\b(?:today|tomorrow|tonight|yesterday|this (?:week|weekend|month)|next (?:week|month|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* \d{1,2}(?:st|nd|rd|th)?|\d{1,2}\/\d{1,2}(?:\/\d{2,4})?|hoy|manana|lunes|martes|miercoles|jueves|viernes|sabado|domingo)\b/gi,
  },
  { type: 'time', re: /\b(?:\d{1,2}(?::\d{2})?\s?(?:am|pm)|\d{1,2}:\d{2}|noon|midnight|morning|afternoon|evening)\b/gi },
  { type: 'quantity', re: /\b\d+\s?(?:people|persons|users|seats|rooms|units|sq ?ft|square feet|employees|locations|hours|trucks|windows)\b/gi },
];

/** Extracts entities. Phone numbers are masked to their last two digits so they never reach logs or prompts. */
export function extractEntities(text: string): Entity[] {
  const entities: Entity[] = [];
  const seen = new Set<string>();
  for (const { type, re } of ENTITY_PATTERNS) {
    re.lastIndex = 0;
    for (const match of text.matchAll(re)) {
      let value = match[0].trim();
      if (type === 'phone') value = maskPhone(value);
      const key = `${type}:${value.toLowerCase()}`;
      if (seen.has(key)) continue;
      // A phone-looking number inside a money amount is not a phone.
      if (type === 'phone' && entities.some((e) => e.type === 'money' && e.value.replace(/\D/g, '').includes(match[0].replace(/\D/g, '')))) continue;
      seen.add(key);
      entities.push({ type, value });
    }
  }
  return entities;
}

/** "+1 (555) 123-4567" → "•••67". */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  return `\u2022\u2022\u2022${digits.slice(-2)}`;
}

const INTENT_LABEL: Record<Intent, string> = {
  opt_out: 'Asks to stop texts',
  wants_human: 'Asks for a person',
  not_interested: 'Not interested',
  complaint: 'Complains',
  pricing: 'Asks about pricing',
  booking: 'Wants to book a demo or appointment',
  availability: 'Asks about availability',
  features: 'Asks about features',
  support: 'Needs support',
  greeting: 'Says hello',
  other: 'Other message',
};

/** One line a person can read in a list: intent, question, entities, mood. Never holds phone numbers. */
export function summarize(parts: { intent: Intent; isQuestion: boolean; entities: Entity[]; sentiment: Sentiment; urgency: Urgency }): string {
  const mentions = parts.entities.filter((e) => e.type !== 'phone' && e.type !== 'email').map((e) => e.value);
  let line = INTENT_LABEL[parts.intent];
  if (parts.isQuestion && parts.intent !== 'other') line += ' (question)';
  else if (parts.isQuestion) line = 'Asks a question';
  if (mentions.length > 0) line += `; mentions ${mentions.slice(0, 3).join(', ')}`;
  if (parts.sentiment !== 'neutral') line += `; ${parts.sentiment}`;
  if (parts.urgency === 'high' || parts.urgency === 'critical') line += `; ${parts.urgency} urgency`;
  return line;
}

/** Runs every lexicon over a text. */
export function analyzeText(text: string): TextAnalysis {
  const normalized = normalizeText(text);
  const { intent, scores, top } = scoreIntents(normalized);
  const isQuestion = isQuestionText(normalized);
  const { sentiment, score, profanity } = sentimentOf(normalized);
  const urgency = urgencyOf(normalized);
  const entities = extractEntities(text);
  const frustrated = FRUSTRATION.test(normalized);
  let confidence: number;
  if (intent === 'other') confidence = isQuestion ? 0.35 : 0.5;
  else if (intent === 'greeting') confidence = normalized.length < 40 ? 0.9 : 0.7;
  else confidence = top >= 4 ? 0.9 : top >= 3 ? 0.8 : top >= 2 ? 0.7 : 0.55;
  return {
    intent,
    intentScores: scores,
    confidence,
    entities,
    language: detectLanguage(normalized),
    isQuestion,
    sentiment,
    sentimentScore: score,
    urgency,
    profanity,
    frustrated,
    summary: summarize({ intent, isQuestion, entities, sentiment, urgency }),
  };
}

const wordPatternCache = new Map<string, RegExp | null>();

function wordPattern(word: string): RegExp | null {
  let re = wordPatternCache.get(word);
  if (re === undefined) {
    const w = normalizeText(word);
    // Word forms count too: "refunded", "sues", "lawyers".
    re = w ? new RegExp(`(^|[^a-z0-9])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(s|es|d|ed|ing)?($|[^a-z0-9])`) : null;
    if (wordPatternCache.size > 5000) wordPatternCache.clear(); // tenants' word lists are small; bound it anyway
    wordPatternCache.set(word, re);
  }
  return re;
}

/** The legal/compliance words (or a tenant's extra words) that appear as whole words or phrases. */
export function findEscalationWords(text: string, words: readonly string[]): string[] {
  const normalized = normalizeText(text);
  const hits: string[] = [];
  for (const word of words) {
    const re = wordPattern(word);
    if (re && re.test(normalized)) hits.push(word);
  }
  return hits;
}
