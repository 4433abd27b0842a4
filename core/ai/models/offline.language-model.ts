import type { LanguageModel, ModelUsage, StructuredRequest } from '../../ports/language-model.port';
import { analyzeText, normalizeText } from '../analysis/text-analysis';
import { expandQuery, sentencesOf, terms } from '../knowledge/knowledge-retrieval';
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

/** Intents whose answer is a fact the knowledge must hold. */
const FACTUAL: ReadonlySet<Intent> = new Set(['pricing', 'availability', 'features', 'support', 'other']);

/** Picks up to two knowledge sentences that answer the message; null when none does. */
export function groundedAnswer(payload: ReplyPayload): { text: string; knowledgeIds: string[] } | null {
  const intent = payload.understanding.intent;
  const queryTerms = new Set(expandQuery(payload.inbound));
  const evidence = INTENT_EVIDENCE[intent];
  let chosen: { sentence: string; id: string; score: number; index: number; entryBody: string } | null = null;
  for (const entry of payload.knowledge) {
    const sentences = sentencesOf(entry.body);
    const titleTerms = new Set(terms(entry.title));
    for (let index = 0; index < sentences.length; index++) {
      const sentence = sentences[index];
      let overlap = 0;
      for (const t of new Set(terms(sentence))) if (queryTerms.has(t)) overlap++;
      let titleOverlap = 0;
      for (const t of titleTerms) if (queryTerms.has(t)) titleOverlap++;
      const hasEvidence = evidence ? evidence.test(normalizeText(sentence)) : false;
      if (evidence && !hasEvidence) continue;
      // A sentence must share a topic word with the question (synonyms included).
      if (overlap + titleOverlap === 0) continue;
      const score = overlap * 2 + titleOverlap + (hasEvidence ? 2 : 0);
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

  const grounded = groundedAnswer(payload);
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
