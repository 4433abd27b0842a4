import type { LanguageModel, ModelUsage, StructuredRequest } from '../../ports/language-model.port';
import { analyzeText, normalizeText } from '../analysis/text-analysis';
import { sentencesOf, terms, topicTerms } from '../knowledge/knowledge-retrieval';
import { INTENT_EVIDENCE, type Intent } from '../lexicon/lexicons';
import {
  type Classification,
  type ClassifyPayload,
  type Opener,
  type OpenerPayload,
  type ReplyDecision,
  type ReplyPayload,
  readPayload,
} from '../prompts/prompts';
import { fill, openerTemplate, templateLanguage, type TemplateVars } from '../templates/reply-templates';

export const OFFLINE_MODEL_NAME = 'offline-rules';

const SPECIFIC_DAY =
  /\b(today|tomorrow|tonight|(mon|tues|wednes|thurs|fri|satur|sun)day|\d{1,2}\/\d{1,2}|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{1,2}|hoy|manana|lunes|martes|miercoles|jueves|viernes|sabado|domingo)\b/;

/** Intents whose answer is a fact the knowledge must hold. */
const FACTUAL: ReadonlySet<Intent> = new Set(['pricing', 'availability', 'features', 'support', 'other']);

/** Extra words a sentence may match for intents whose questions rarely name the topic ("how soon?"). */
const INTENT_SENTENCE_TERMS: Partial<Record<Intent, string[]>> = {
  pricing: ['price', 'pricing', 'cost', 'fee', 'month', 'plan'],
  availability: ['open', 'hour', 'available', 'availability', 'book', 'within', 'day', 'schedule'],
};

/**
 * Picks up to two knowledge sentences that answer the message; null when none does. A sentence must cover
 * the question's topic words (two thirds of them, synonyms allowed; for pricing and availability one third
 * plus evidence such as an amount or opening hours), so "do you clean panels?" is not answered with the
 * panel warranty.
 */
export function groundedAnswer(payload: ReplyPayload): { text: string; knowledgeIds: string[] } | null {
  const intent = payload.understanding.intent;
  const topic = topicTerms(payload.inbound);
  const evidence = INTENT_EVIDENCE[intent];
  const intentTerms = new Set((INTENT_SENTENCE_TERMS[intent] ?? []).map((t) => terms(t)[0] ?? t));
  let chosen: { sentence: string; id: string; score: number; index: number; entryBody: string } | null = null;
  for (const entry of payload.knowledge) {
    const sentences = sentencesOf(entry.body);
    const titleTerms = new Set(terms(entry.title));
    for (let index = 0; index < sentences.length; index++) {
      const sentence = sentences[index];
      const hasEvidence = evidence ? evidence.test(normalizeText(sentence)) : false;
      if (evidence && !hasEvidence) continue;
      const own = new Set(terms(sentence));
      let coveredOwn = 0;
      let covered = 0;
      for (const { alternatives } of topic) {
        const alts = [...alternatives];
        if (alts.some((a) => own.has(a))) {
          coveredOwn++;
          covered++;
        } else if (alts.some((a) => titleTerms.has(a))) covered++;
      }
      let intentHits = 0;
      for (const t of intentTerms) if (own.has(t)) intentHits++;
      const coverage = topic.length === 0 ? 0 : covered / topic.length;
      const enough = evidence ? (topic.length === 0 ? intentHits > 0 || titleTerms.size > 0 : coverage >= 0.33) : topic.length > 0 && coverage >= 0.66;
      if (!enough) continue;
      // The sentence's own words count more than its entry's title.
      const score = (coveredOwn / Math.max(1, topic.length)) * 10 + coverage * 5 + intentHits + (hasEvidence ? 1 : 0);
      if (!chosen || score > chosen.score) chosen = { sentence, id: entry.id, score, index, entryBody: entry.body };
    }
  }
  if (!chosen) return null;
  let text = chosen.sentence;
  // The next sentence of the same entry often finishes the thought ("Plans start at $49. Setup is free.").
  const next = sentencesOf(chosen.entryBody)[chosen.index + 1];
  if (next && text.length + next.length < 200 && (!evidence || evidence.test(normalizeText(next)))) text = `${text} ${next}`;
  return { text, knowledgeIds: [chosen.id] };
}

function ensureSentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** The offline reply: templates for social turns, knowledge quotes for facts, a person when the facts are missing. */
export function offlineReply(payload: ReplyPayload): ReplyDecision {
  const lang = payload.lead.language;
  const vars: TemplateVars = { name: payload.lead.firstName, business: payload.business.name };
  const { intent, isQuestion } = payload.understanding;
  const decision = (reply: string, action: ReplyDecision['action'], reason: string, confidence: number, knowledgeIds: string[] = []): ReplyDecision => ({
    reply,
    action,
    reason,
    confidence,
    knowledgeIds,
  });
  switch (intent) {
    case 'opt_out':
      return decision(fill(lang, 'optOut', vars), 'opt_out', 'Lead asked to stop receiving texts', 0.95);
    case 'wants_human':
      return decision(fill(lang, 'handoff', vars), 'handoff', 'Lead asked for a person', 0.9);
    case 'not_interested':
      return decision(fill(lang, 'notInterested', vars), 'close', 'Lead said they are not interested', 0.85);
    case 'complaint':
      return decision(fill(lang, 'complaint', vars), 'handoff', 'Complaint: a person should answer', 0.8);
    case 'greeting':
      return decision(fill(lang, 'greeting', vars), 'continue', 'Greeting', 0.85);
    case 'booking': {
      const grounded = groundedAnswer(payload);
      const prefix = grounded ? `${fill(lang, 'answerPrefix', vars)}${ensureSentence(grounded.text)} ` : '';
      return decision(`${prefix}${fill(lang, 'booking', vars)}`, 'continue', 'Lead wants to book', 0.8, grounded?.knowledgeIds ?? []);
    }
    default:
      break;
  }
  if (!FACTUAL.has(intent)) return decision(fill(lang, 'acknowledge', vars), 'continue', 'Acknowledged', 0.5);
  if (intent === 'other' && !isQuestion) return decision(fill(lang, 'acknowledge', vars), 'continue', 'No question asked', 0.5);

  // A statement naming a day ("Tuesday at 10 works") needs a person to confirm the booking.
  if (!isQuestion && SPECIFIC_DAY.test(normalizeText(payload.inbound))) {
    return decision(fill(lang, 'confirmTime', vars), 'handoff', 'Lead proposed a time: a person confirms the booking', 0.7);
  }
  const grounded = groundedAnswer(payload);
  if (!grounded && !isQuestion) return decision(fill(lang, 'noted', vars), 'continue', 'Statement without a question', 0.6);
  if (grounded) {
    const follow = intent === 'pricing' ? 'followPricing' : intent === 'availability' ? 'followAvailability' : 'followGeneric';
    const reply = `${fill(lang, 'answerPrefix', vars)}${ensureSentence(grounded.text)} ${fill(lang, follow, vars)}`;
    return decision(reply, 'continue', `Answered from knowledge (${intent})`, intent === 'other' ? 0.6 : 0.8, grounded.knowledgeIds);
  }
  if (intent === 'support') return decision(fill(lang, 'support', vars), 'handoff', 'Support request without a knowledge answer', 0.6);
  if (intent === 'pricing') return decision(fill(lang, 'priceGap', vars), 'handoff', 'Knowledge gap: no pricing in knowledge', 0.5);
  return decision(fill(lang, 'gap', vars), 'handoff', `Knowledge gap: nothing in knowledge answers this (${intent})`, intent === 'other' ? 0.35 : 0.5);
}

function offlineClassify(payload: ClassifyPayload): Classification {
  const a = analyzeText(payload.inbound);
  return {
    intent: a.intent,
    entities: a.entities,
    language: a.language ?? payload.leadLanguage ?? 'en',
    isQuestion: a.isQuestion,
    summary: a.summary,
    sentiment: a.sentiment,
    urgency: a.urgency,
    confidence: a.confidence,
  };
}

function offlineOpener(payload: OpenerPayload): Opener {
  return {
    body: openerTemplate(templateLanguage(payload.lead.language), {
      name: payload.lead.firstName,
      business: payload.business.name,
      formName: payload.formName,
      interest: payload.interest,
    }),
  };
}

/**
 * The deterministic offline rules model: lexicons for classification, templates and knowledge quotes for
 * replies. No key, no network, the same answer every time: the default, and the fallback of every other model.
 */
export function createOfflineLanguageModel(): LanguageModel {
  return {
    name: OFFLINE_MODEL_NAME,
    offline: true,
    async complete<T>(request: StructuredRequest<T>): Promise<{ output: T; usage: ModelUsage }> {
      const payload = readPayload(request.messages);
      const raw = payload.task === 'classify' ? offlineClassify(payload) : payload.task === 'reply' ? offlineReply(payload) : offlineOpener(payload);
      const parsed = request.schema.safeParse(raw);
      if (!parsed.success) {
        throw new Error(`ai.offline_schema_mismatch: the ${payload.task} answer does not fit schema ${request.schemaName}`);
      }
      return { output: parsed.data, usage: { model: OFFLINE_MODEL_NAME, promptTokens: 0, completionTokens: 0 } };
    },
  };
}
