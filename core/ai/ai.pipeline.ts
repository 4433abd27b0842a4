import type { Score } from '../domain/types';
import type {
  AiPipeline,
  AiTenantSettings,
  OpenerInput,
  TurnDecision,
  TurnHistoryItem,
  TurnInput,
  TurnOutcome,
} from '../ports/ai-pipeline.port';
import type { AiPipelineOptions, ModelCallTrace } from './ai-pipeline.types';
import { analyzeText, maskPhone, type Sentiment } from './analysis/text-analysis';
import { checkEscalation, DEFAULT_CONFIDENCE_THRESHOLD } from './escalation/escalation';
import { checkInput, redactPii } from './guardrails/input.guardrail';
import { checkOutput } from './guardrails/output.guardrail';
import { retrieveKnowledge } from './knowledge/knowledge-retrieval';
import type { Intent } from './lexicon/lexicons';
import { ModelGateway, type GatewayResult } from './models/model-gateway';
import { createOfflineLanguageModel } from './models/offline.language-model';
import {
  type Classification,
  ClassificationSchema,
  classifyMessages,
  OpenerSchema,
  openerMessages,
  ReplyDecisionSchema,
  replyMessages,
  SCHEMA_NAMES,
} from './prompts/prompts';
import { scoreForm, scoreFromSignals, scoreTurn } from './scoring/lead-scoring';
import { fill, openerTemplate } from './templates/reply-templates';
import { countSegments, fitToSegments, toGsmFriendly } from './text/sms-segments';

const RECENT_MESSAGES = 6;
const KNOWLEDGE_HITS = 3;
export const OPT_OUT_LINE = 'Reply STOP to opt out';

/** Extra retrieval words per intent, so "how much?" still finds the pricing entry. */
const INTENT_TERMS: Partial<Record<Intent, string[]>> = {
  pricing: ['price', 'pricing', 'cost'],
  availability: ['hours', 'available', 'availability', 'schedule', 'open'],
  booking: ['book', 'appointment', 'demo', 'trial', 'schedule'],
  support: ['support', 'help'],
};

/** Fills defaults for missing or out-of-range tenant settings, so one bad row never breaks a turn. */
export function resolveSettings(settings: AiTenantSettings): AiTenantSettings {
  if (!settings || typeof settings.businessName !== 'string' || settings.businessName.trim() === '') {
    throw new Error('ai.settings_invalid: businessName is required');
  }
  const threshold = Number(settings.confidenceThreshold);
  const cap = Number(settings.segmentCap);
  return {
    businessName: settings.businessName.trim(),
    brandVoice: settings.brandVoice ?? '',
    tone: settings.tone ?? 'friendly',
    knowledge: Array.isArray(settings.knowledge) ? settings.knowledge : [],
    autonomy: settings.autonomy ?? 'copilot',
    confidenceThreshold: Number.isFinite(threshold) && threshold >= 0 && threshold <= 1 ? threshold : DEFAULT_CONFIDENCE_THRESHOLD,
    extraEscalationWords: Array.isArray(settings.extraEscalationWords) ? settings.extraEscalationWords : [],
    segmentCap: Number.isFinite(cap) && cap >= 1 ? Math.floor(cap) : 3,
    linkAllowList: Array.isArray(settings.linkAllowList) ? settings.linkAllowList : [],
  };
}

function recentLines(history: readonly TurnHistoryItem[]): string[] {
  return history.slice(-RECENT_MESSAGES).map((item) => {
    const who = item.author === 'lead' ? 'lead' : 'us';
    return `${who}: ${redactPii(item.body.slice(0, 300)).redacted}`;
  });
}

function knowledgeTextOf(settings: AiTenantSettings): string {
  return settings.knowledge.map((k) => `${k.title}\n${k.body}`).join('\n');
}

function normalizeLanguage(language: string | null | undefined): string | null {
  if (!language) return null;
  const code = language.trim().toLowerCase().slice(0, 2);
  return /^[a-z]{2}$/.test(code) ? code : null;
}

/** Only a few short, plain words from a form's "service"/"interest" answer reach the opener. */
function interestFrom(answers: Record<string, unknown>): string | null {
  for (const [key, value] of Object.entries(answers ?? {})) {
    if (!/(service|interest|product|topic|need|project type|category)/i.test(key) || typeof value !== 'string') continue;
    const clean = value.trim();
    if (clean.length > 0 && clean.length <= 40 && /^[\p{L}\p{N} &'/-]+$/u.test(clean)) return clean.toLowerCase();
  }
  return null;
}

function openerLanguage(answers: Record<string, unknown>): string {
  const raw = answers?.language ?? answers?.lang ?? answers?.idioma;
  return normalizeLanguage(typeof raw === 'string' ? raw : null) ?? 'en';
}

interface UsageAccumulator {
  traces: ModelCallTrace[];
  budgetExhausted: boolean;
  circuitOpen: boolean;
}

function track<T>(acc: UsageAccumulator, result: GatewayResult<T>): T {
  acc.traces.push(result.trace);
  acc.budgetExhausted ||= result.budgetExhausted;
  acc.circuitOpen ||= result.circuitOpen;
  return result.output;
}

function usageOf(acc: UsageAccumulator, fallbackName: string): TurnOutcome['usage'] {
  const last = acc.traces[acc.traces.length - 1];
  return {
    model: last?.model ?? fallbackName,
    promptTokens: acc.traces.reduce((s, t) => s + t.promptTokens, 0),
    completionTokens: acc.traces.reduce((s, t) => s + t.completionTokens, 0),
    offline: acc.traces.every((t) => t.offline),
    budgetExhausted: acc.budgetExhausted,
  };
}

/**
 * Builds the AI pipeline: guardrail(in) → understand → sentiment/urgency → score → escalation →
 * draft (brand voice, knowledge, segment cap) → guardrail(out). Every stage's output is returned in
 * `stages`. The offline rules model answers whenever the main model cannot.
 */
export function createAiPipeline(options: AiPipelineOptions): AiPipeline {
  if (!options?.model) throw new Error('ai.config_invalid: a model is required (use createOfflineLanguageModel())');
  const clock = options.clock ?? (() => new Date());
  const fallback = options.fallback ?? createOfflineLanguageModel();
  const gateway = new ModelGateway({
    model: options.model,
    fallback,
    usage: options.usage,
    dailyTokenBudget: options.dailyTokenBudget,
    clock,
    logger: options.logger,
    failureThreshold: options.circuitBreaker?.failureThreshold ?? 5,
    openMs: options.circuitBreaker?.openMs ?? 30_000,
  });

  async function runTurn(input: TurnInput): Promise<TurnOutcome> {
    if (!input || typeof input.inbound !== 'string') throw new Error('ai.input_invalid: inbound text is required');
    if (!input.tenantId) throw new Error('ai.input_invalid: tenantId is required');
    const settings = resolveSettings(input.settings);
    const history = Array.isArray(input.history) ? input.history : [];
    const priorSignals = Array.isArray(input.lead?.signals) ? input.lead.signals : [];
    const stages: Record<string, unknown> = {};
    const acc: UsageAccumulator = { traces: [], budgetExhausted: false, circuitOpen: false };
    // Which model answered each call, and why a fallback was used (filled as the calls happen).
    stages.models = acc.traces;

    // 1. Input guardrail.
    const guard = checkInput(input.inbound);
    stages.inputGuardrail = { blocked: guard.blocked, reasons: guard.reasons, injection: guard.injection, spam: guard.spam, profanity: guard.profanity, pii: guard.pii };
    if (guard.blocked) {
      const prior: Score = { score: input.lead?.score ?? 0, tag: input.lead?.tag ?? 'COLD', signals: priorSignals };
      return {
        stages,
        score: prior,
        decision: { reply: '', action: 'handoff', reason: `input blocked: ${guard.reasons.join(', ')}`, confidence: 1 },
        escalation: null,
        violations: [],
        blocked: true,
        usage: { model: 'guardrail', promptTokens: 0, completionTokens: 0, offline: true, budgetExhausted: false },
      };
    }

    // 2. Understanding (model) with the lexicons as a deterministic safety layer.
    const lexical = analyzeText(input.inbound);
    const leadLanguage = normalizeLanguage(input.lead?.language);
    const classification = track(
      acc,
      await gateway.complete<Classification>({
        task: 'classify',
        messages: classifyMessages({ task: 'classify', inbound: guard.redacted, recent: recentLines(history), leadLanguage }),
        schema: ClassificationSchema,
        schemaName: SCHEMA_NAMES.classify,
        tenantId: input.tenantId,
      }),
    );
    let intent: Intent = classification.intent;
    // Opt-outs and requests for a person are never left to a model's judgement alone.
    if ((lexical.intent === 'opt_out' || lexical.intent === 'wants_human') && intent !== 'opt_out') intent = lexical.intent;
    const language = normalizeLanguage(lexical.language ? classification.language : (leadLanguage ?? classification.language)) ?? 'en';
    const entities = classification.entities.map((e) => (e.type === 'phone' ? { type: e.type, value: maskPhone(e.value) } : e));
    const isQuestion = classification.isQuestion || lexical.isQuestion;
    stages.understanding = {
      intent,
      modelIntent: classification.intent,
      entities,
      language,
      isQuestion,
      summary: classification.summary,
      confidence: classification.confidence,
    };

    // 3. Sentiment and urgency: profanity or a lexicon "negative" is never washed out by the model.
    let sentiment: Sentiment = classification.sentiment;
    if (lexical.profanity || (lexical.sentiment === 'negative' && sentiment === 'neutral')) sentiment = 'negative';
    const urgencyRank = { low: 0, normal: 1, high: 2, critical: 3 } as const;
    const urgency = urgencyRank[lexical.urgency] > urgencyRank[classification.urgency] ? lexical.urgency : classification.urgency;
    stages.sentiment = { sentiment, urgency, profanity: lexical.profanity, lexiconScore: lexical.sentimentScore };

    // 4. Lead scoring, cumulative over the conversation.
    const leadMessages = history.filter((h) => h.direction === 'in' && h.author === 'lead').length + 1;
    const scored = scoreTurn(priorSignals, { intent, isQuestion, sentiment, urgency }, leadMessages);
    const score: Score = { score: scored.score, tag: scored.tag, signals: scored.signals };
    stages.scoring = { score: score.score, tag: score.tag, added: scored.added.map((s) => s.code) };

    // 5. Knowledge retrieval.
    const hits = retrieveKnowledge(settings.knowledge, guard.redacted, KNOWLEDGE_HITS, INTENT_TERMS[intent] ?? []);
    stages.knowledge = hits.map((h) => ({ id: h.entry.id, title: h.entry.title, score: h.score }));

    const vars = { name: input.lead?.firstName ?? null, business: settings.businessName };
    const escalationBase = {
      inbound: input.inbound,
      intent,
      sentiment,
      urgency,
      isQuestion,
      frustrated: lexical.frustrated,
      history,
      handedBack: Boolean(input.handedBack),
      extraWords: settings.extraEscalationWords,
      confidenceThreshold: settings.confidenceThreshold,
    };

    // An opt-out is the engine's to confirm; nothing else is drafted or escalated.
    if (intent === 'opt_out') {
      stages.escalation = { escalate: false, reasons: [], note: 'opt_out handled by the engine' };
      return {
        stages,
        score,
        decision: { reply: fill(language, 'optOut', vars), action: 'opt_out', reason: 'Lead asked to stop receiving texts', confidence: Math.max(0.9, classification.confidence) },
        escalation: null,
        violations: [],
        blocked: false,
        usage: usageOf(acc, options.model.name),
      };
    }

    // 6. Escalation before drafting: no reply is drafted for what a person must handle.
    const pre = checkEscalation({ ...escalationBase, circuitOpen: acc.circuitOpen });
    if (pre.escalate) {
      const holdingText = fitToSegments(fill(language, 'holding', vars), settings.segmentCap).text;
      stages.escalation = pre;
      return {
        stages,
        score,
        decision: { reply: holdingText, action: 'handoff', reason: pre.reasons.join(', '), confidence: classification.confidence },
        escalation: { reason: pre.reasons.join(', '), holdingText },
        violations: [],
        blocked: false,
        usage: usageOf(acc, options.model.name),
      };
    }

    // 7. Reply drafting.
    const maxChars = settings.segmentCap * 153;
    const drafted = track(
      acc,
      await gateway.complete({
        task: 'reply',
        messages: replyMessages({
          task: 'reply',
          business: { name: settings.businessName, brandVoice: settings.brandVoice, tone: settings.tone },
          lead: { firstName: input.lead?.firstName ?? null, language },
          inbound: guard.redacted,
          recent: recentLines(history),
          understanding: { intent, isQuestion, summary: classification.summary, sentiment, urgency },
          knowledge: hits.map((h) => ({ id: h.entry.id, title: h.entry.title, body: h.entry.body })),
          limits: { maxChars, linkAllowList: settings.linkAllowList },
        }),
        schema: ReplyDecisionSchema,
        schemaName: SCHEMA_NAMES.reply,
        tenantId: input.tenantId,
      }),
    );
    const fitted = fitToSegments(toGsmFriendly(drafted.reply.trim()), settings.segmentCap);
    const segments = countSegments(fitted.text);
    stages.reply = {
      knowledgeIds: drafted.knowledgeIds,
      segments: segments.segments,
      encoding: segments.encoding,
      truncated: fitted.truncated,
      modelAction: drafted.action,
      modelReason: drafted.reason,
    };

    // 8. Output guardrail.
    const violations = checkOutput(fitted.text, {
      knowledgeText: knowledgeTextOf(settings),
      linkAllowList: settings.linkAllowList,
      segmentCap: settings.segmentCap,
      extraAllowedText: `${settings.businessName}\n${settings.brandVoice}`,
    });
    stages.outputGuardrail = { violations };

    // 9. Escalation after drafting: low confidence, the model's own hand-off, a circuit that opened.
    const post = checkEscalation({
      ...escalationBase,
      circuitOpen: acc.circuitOpen,
      decision: { action: drafted.action, confidence: drafted.confidence, reason: drafted.reason },
    });
    stages.escalation = post;
    const decision: TurnDecision = { reply: fitted.text, action: drafted.action, reason: drafted.reason, confidence: drafted.confidence };
    let escalation: TurnOutcome['escalation'] = null;
    if (drafted.action === 'opt_out') {
      escalation = null;
    } else if (post.escalate) {
      // The model's own hand-off text may serve as the holding text when it passed every check.
      const holdingText = drafted.action === 'handoff' && violations.length === 0 && fitted.text ? fitted.text : fitToSegments(fill(language, 'holding', vars), settings.segmentCap).text;
      escalation = { reason: post.reasons.join(', '), holdingText };
      decision.action = 'handoff';
      decision.reply = holdingText;
    }
    return {
      stages,
      score,
      decision,
      escalation,
      // Violations are about the text that would go out: a template holding text replaced the draft.
      violations: escalation && escalation.holdingText !== fitted.text ? [] : violations,
      blocked: false,
      usage: usageOf(acc, options.model.name),
    };
  }

  async function draftOpener(input: OpenerInput): Promise<{ body: string; usage: TurnOutcome['usage'] }> {
    if (!input?.tenantId) throw new Error('ai.input_invalid: tenantId is required');
    const settings = resolveSettings(input.settings);
    const answers = input.lead?.answers ?? {};
    const language = openerLanguage(answers);
    const interest = interestFrom(answers);
    const vars = { name: input.lead?.firstName ?? null, business: settings.businessName, formName: input.lead?.formName ?? '', interest };
    const acc: UsageAccumulator = { traces: [], budgetExhausted: false, circuitOpen: false };
    const drafted = track(
      acc,
      await gateway.complete(
        {
          task: 'reply',
          messages: openerMessages({
            task: 'opener',
            business: { name: settings.businessName, brandVoice: settings.brandVoice, tone: settings.tone },
            lead: { firstName: vars.name, language },
            formName: vars.formName,
            interest,
            limits: { maxChars: settings.segmentCap * 153 },
          }),
          schema: OpenerSchema,
          schemaName: SCHEMA_NAMES.opener,
          tenantId: input.tenantId,
        },
        'opener',
      ),
    );
    const template = fitOpener(openerTemplate(language, vars), settings.segmentCap);
    let body = fitOpener(toGsmFriendly(drafted.body.trim()), settings.segmentCap);
    const namesBusiness = body.toLowerCase().includes(settings.businessName.toLowerCase());
    const violations = checkOutput(body, {
      knowledgeText: knowledgeTextOf(settings),
      linkAllowList: settings.linkAllowList,
      segmentCap: settings.segmentCap,
      extraAllowedText: settings.businessName,
    });
    // A model opener that forgets the business, or claims anything unchecked, gives way to the template.
    if (!namesBusiness || violations.length > 0) body = template;
    return { body, usage: usageOf(acc, options.model.name) };
  }

  return { runTurn, draftOpener, scoreForm };
}

/** Makes an opener end with the opt-out line and fit the segment cap (the line itself is never cut). */
export function fitOpener(text: string, segmentCap: number): string {
  let body = text.trim();
  const at = body.toLowerCase().lastIndexOf(OPT_OUT_LINE.toLowerCase());
  if (at >= 0 && body.slice(at + OPT_OUT_LINE.length).replace(/[.!\s]/g, '') === '') body = body.slice(0, at).trim();
  const suffix = ` ${OPT_OUT_LINE}`;
  // Drop whole words from the end until the text and the line fit together.
  while (body.length > 0 && countSegments(`${body}${suffix}`).segments > segmentCap) {
    const cut = body.lastIndexOf(' ', body.length - 2);
    body = cut > 0 ? body.slice(0, cut) : '';
  }
  return body ? `${body}${suffix}` : OPT_OUT_LINE;
}
