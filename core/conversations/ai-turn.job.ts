import type { EntityManager } from 'typeorm';
import type { Autonomy } from '../domain/types';
import type { JobContext, JobHandler } from '../jobs/job-registry';
import { recordConsent } from '../messaging/consent';
import { queueOutbound } from '../messaging/outbound';
import { optOutConfirmationText } from '../compliance/index';
import type { AiPipeline, AiTenantSettings, TurnHistoryItem, TurnOutcome } from '../ports/ai-pipeline.port';
import { isUuid } from '../store/data-source';
import { commitWith, one, SqlParams } from '../store/sql';
import { resolveSettings, type TenantSettings } from '../tenants/tenant-settings';
import { aiTextClauses, deliverOrDraft, draftClauses, isDraft } from './autonomy';
import { effectiveAutonomy, getConversationRow, getLeadRow, lockLeadOfConversation, tenantSettings, type ConversationRow, type LeadRow } from './conversation-view.query';
import type { ConversationDeps } from './engine-deps';

/** The AI's view of the tenant's settings. */
export function aiSettings(s: TenantSettings, autonomy: AiTenantSettings['autonomy']): AiTenantSettings {
  return {
    businessName: s.businessName,
    brandVoice: s.brandVoice,
    tone: s.tone,
    knowledge: s.knowledge,
    autonomy,
    confidenceThreshold: s.confidenceThreshold,
    extraEscalationWords: s.extraEscalationWords,
    segmentCap: s.segmentCap,
    linkAllowList: s.linkAllowList,
  };
}

/** The conversation's state that decides whether a turn may answer, and the lead's consent. */
interface AnswerState {
  mode: ConversationRow['mode'];
  status: ConversationRow['status'];
  opted_out: boolean;
  newest_inbound_id: string | null;
}

/** Is this inbound text still the one to answer (no newer text, AI still in charge, lead reachable)? */
function stillCurrent(state: AnswerState, messageId: string): boolean {
  return state.mode === 'ai' && state.status === 'open' && !state.opted_out && state.newest_inbound_id === messageId;
}

/** Everything the turn reads before the model runs: one row (see `readTurn`). */
interface TurnRow extends AnswerState {
  version: number;
  autonomy_override: ConversationRow['autonomy_override'];
  handed_back_at: Date | null;
  lead_id: string;
  first_name: string | null;
  score: number;
  tag: LeadRow['tag'];
  signals: LeadRow['signals'];
  language: string | null;
  settings: unknown;
  /** The conversation's texts, oldest first (`created_at` as JSON gives it: an ISO string). */
  messages: Array<{ id: string; direction: 'in' | 'out'; author: TurnHistoryItem['author']; body: string; status: string; created_at: string }>;
}

/**
 * One statement for the whole read: the conversation, its lead, the newest inbound text, the tenant's
 * settings and the conversation's texts (aggregated, so the conversation is not repeated per text). Nothing
 * is locked here: the write transaction re-checks what matters after taking its locks. It is its
 * transaction's only statement, so it commits with it (`commitWith`).
 */
async function readTurn(m: EntityManager, conversationId: string): Promise<TurnRow | null> {
  const [row] = await commitWith<TurnRow>(
    m,
    `SELECT c.mode, c.status, c.version, c.autonomy_override, c.handed_back_at,
            l.id AS lead_id, l.first_name, l.score, l.tag, l.signals, l.language, l.opted_out,
            t.settings,
            (SELECT id FROM messages WHERE conversation_id = c.id AND direction = 'in'
              ORDER BY created_at DESC, id DESC LIMIT 1) AS newest_inbound_id,
            (SELECT coalesce(json_agg(json_build_object('id', x.id, 'direction', x.direction, 'author', x.author, 'body', x.body,
                                                        'status', x.status, 'created_at', x.created_at) ORDER BY x.created_at, x.id), '[]')
               FROM messages x WHERE x.conversation_id = c.id) AS messages
       FROM conversations c
       JOIN leads l ON l.id = c.lead_id
       JOIN tenants t ON t.id = c.tenant_id
      WHERE c.id = $1::uuid`,
    [conversationId],
  );
  return row ?? null;
}

interface TurnContext {
  conversation: Pick<ConversationRow, 'autonomy_override'>;
  lead: Pick<LeadRow, 'id' | 'first_name' | 'score' | 'tag' | 'signals' | 'language'>;
  settings: TenantSettings;
  inbound: { id: string; body: string };
  history: TurnHistoryItem[];
  handedBack: boolean;
}

/** What the model is given: the lead, the settings, the text to answer and the history before it. */
function turnContext(turn: TurnRow, messageId: string): TurnContext {
  const all = turn.messages;
  const inbound = all.find((x) => x.id === messageId)!;
  const handedBackAt = turn.handed_back_at ? new Date(turn.handed_back_at).getTime() : null;
  let marked = false;
  const history = all
    .filter((x) => x.id !== messageId && !['blocked', 'failed'].includes(x.status))
    .map((x): TurnHistoryItem => {
      const at = new Date(x.created_at);
      const afterHandback = handedBackAt !== null && !marked && at.getTime() >= handedBackAt;
      if (afterHandback) marked = true;
      return { direction: x.direction, author: x.author, body: x.body, at: at.toISOString(), ...(afterHandback ? { afterHandback } : {}) };
    });
  const aiSinceHandback = handedBackAt !== null && all.some((x) => x.author === 'ai' && new Date(x.created_at).getTime() >= handedBackAt);
  return {
    conversation: { autonomy_override: turn.autonomy_override },
    lead: { id: turn.lead_id, first_name: turn.first_name, score: turn.score, tag: turn.tag, signals: turn.signals, language: turn.language },
    settings: resolveSettings(turn.settings),
    inbound: { id: inbound.id, body: inbound.body },
    history,
    handedBack: handedBackAt !== null && !aiSinceHandback,
  };
}

/**
 * `conversation.ai-turn`: one inbound text in AI mode → the AI pipeline (outside any transaction: a model
 * call can take seconds) → stages stored on the message, the lead's score updated, then a decision:
 * escalate (needs_human + holding text + notify), send (autopilot), draft and ask (copilot or held), or
 * suggest only (off). State is re-checked after the model answered: a takeover, a newer text or a STOP
 * that landed meanwhile wins and the turn's output is only recorded.
 *
 * Round trips on the common path (autopilot, a reply sent) are counted in ai-turn.job.test.ts: the read
 * is one statement, the write one (`replyAtOnce`). Anything else, or a conversation that moved since the
 * read, takes the full write: lock the lead and the conversation; record and re-check; answer.
 */
export function aiTurnJob(deps: ConversationDeps, pipeline: () => AiPipeline): JobHandler<{ messageId: string; conversationId: string }> {
  return {
    name: 'conversation.ai-turn',
    queue: 'ai',
    events: ['message.received'],
    maxAttempts: 5,
    async handle(event, ctx) {
      const tenantId = event.tenantId!;
      const { messageId, conversationId } = event.payload;
      // The read is its transaction's only statement: it commits with it, in one round trip.
      const turn = isUuid(conversationId) ? await deps.store.tenant(tenantId, (m) => readTurn(m, conversationId)) : null;
      if (!turn || !stillCurrent(turn, messageId)) {
        await deps.store.tenant(tenantId, (m) => ctx.complete(m));
        return;
      }
      const input = turnContext(turn, messageId);
      const autonomy = effectiveAutonomy(input.conversation, input.settings);
      const outcome = await pipeline().runTurn({
        tenantId,
        settings: aiSettings(input.settings, autonomy),
        lead: { firstName: input.lead.first_name, score: input.lead.score, tag: input.lead.tag, signals: input.lead.signals, language: input.lead.language },
        history: input.history,
        inbound: input.inbound.body,
        handedBack: input.handedBack,
      });

      const plainReply = !outcome.blocked && outcome.decision.action !== 'opt_out' && !outcome.escalation && outcome.decision.reply.trim() !== '';
      if (plainReply) {
        const x = { tenantId, messageId, conversationId, version: turn.version, lead: input.lead, outcome, autonomy };
        if (await deps.store.tenant(tenantId, (m) => answerAtOnce(deps, ctx, m, x))) {
          deps.jobs.outbox.notifyCommitted();
          deps.live.publish({ tenantId, type: 'conversation.updated', conversationId, leadId: input.lead.id });
          return;
        }
      }

      const publish = deps.jobs.outbox.publish.bind(deps.jobs.outbox);
      await deps.store.tenant(tenantId, async (m) => {
        // The lead's lock and the conversation's, before anything is read: a STOP takes the lead, a newer
        // text its conversation, so either it committed before and the next statement sees it, or it waits
        // for this transaction.
        const lead = (await lockLeadAndConversation(m, input.lead.id, conversationId))!;
        const state = await recordTurn(deps, ctx, m, { tenantId, messageId, conversationId, lead, outcome });
        if (!stillCurrent({ ...state, opted_out: lead.opted_out }, messageId) || outcome.blocked) return;
        if (outcome.decision.action === 'opt_out') {
          const changed = await recordConsent(m, { tenantId, leadId: lead.id, kind: 'opt_out', source: 'natural_language', proof: { messageId, reason: outcome.decision.reason } });
          if (changed) {
            await queueOutbound(m, publish, {
              tenantId, conversationId, leadId: lead.id, body: optOutConfirmationText(input.settings.businessName), author: 'system', kind: 'opt_out_confirmation', replyTo: messageId,
            });
            await publish(m, [{ type: 'lead.updated', tenantId, payload: { leadId: lead.id } }]);
          }
        } else if (outcome.escalation) {
          await m.query(`UPDATE drafts SET status = 'superseded', updated_at = now() WHERE conversation_id = $1 AND status = 'pending'`, [conversationId]);
          await m.query(`UPDATE conversations SET status = 'needs_human', version = version + 1, updated_at = clock_timestamp() WHERE id = $1`, [conversationId]);
          await queueOutbound(m, publish, {
            tenantId, conversationId, leadId: lead.id, body: outcome.escalation.holdingText, author: 'ai', authorName: 'Tandem AI', kind: 'holding', replyTo: messageId,
          });
          await publish(m, [{ type: 'conversation.notify', tenantId, payload: { kind: 'conversation.needs_decision', conversationId, reason: outcome.escalation.reason } }]);
        } else if (outcome.decision.reply.trim()) {
          await deliverOrDraft(deps, m, {
            tenantId,
            conversationId,
            leadId: lead.id,
            body: outcome.decision.reply,
            kind: 'reply',
            // As the conversation is now, locked: an agent who switched it to copilot while the model ran is obeyed.
            autonomy: effectiveAutonomy(state, input.settings),
            violations: outcome.violations,
            reason: outcome.decision.reason,
            confidence: outcome.decision.confidence,
            inboundMessageId: messageId,
            last: true,
          });
        }
      });
      deps.jobs.outbox.notifyCommitted();
      deps.live.publish({ tenantId, type: 'conversation.updated', conversationId, leadId: input.lead.id });
    },
  };
}

/**
 * The clauses that record a turn: the AI's output on the inbound text it answers, and the lead's new score
 * with `lead.updated` when the score changed. With `onlyWhen` (an SQL condition) each writes only if it holds.
 */
function turnRecordClauses(
  deps: ConversationDeps,
  q: SqlParams,
  x: { tenantId: string; messageId: string; lead: Pick<LeadRow, 'id' | 'score' | 'tag' | 'signals'>; outcome: TurnOutcome },
  onlyWhen?: string,
): string[] {
  const { lead, outcome } = x;
  const and = onlyWhen ? ` AND ${onlyWhen}` : '';
  const ai = { stages: outcome.stages, decision: outcome.decision, violations: outcome.violations, escalation: outcome.escalation, blocked: outcome.blocked, usage: outcome.usage };
  const clauses = [`turn_recorded AS (UPDATE messages SET meta = meta || ${q.add(JSON.stringify({ ai }))}::jsonb WHERE id = ${q.add(x.messageId)}::uuid${and})`];
  const s = outcome.score;
  if (s.score !== lead.score || s.tag !== lead.tag || JSON.stringify(s.signals) !== JSON.stringify(lead.signals)) {
    clauses.push(
      `lead_scored AS (UPDATE leads SET score = ${q.add(s.score)}::int, tag = ${q.add(s.tag)}::text, signals = ${q.add(JSON.stringify(s.signals))}::jsonb, updated_at = now()
                        WHERE id = ${q.add(lead.id)}::uuid${and})`,
    );
    const event = deps.jobs.outbox.insertStatement([{ type: 'lead.updated', tenantId: x.tenantId, payload: { leadId: lead.id } }], q.next, onlyWhen);
    if (event) {
      clauses.push(`lead_updated AS (${event.sql})`);
      q.push(event.params);
    }
  }
  return clauses;
}

/**
 * The common answer, a plain reply, as one statement with COMMIT behind it: lock the lead and the
 * conversation and, only if the conversation is still as the turn read it (the same version, so no newer
 * text, takeover, close or autonomy change since; the AI in charge; the lead not opted out), complete the
 * job, record the turn and either queue the reply (autopilot) or make it the pending draft (copilot, off,
 * or a guardrail holding it). No lock is held while a process thinks: a worker niced below the API would
 * otherwise keep the next webhook for this conversation waiting on its lock. Returns false, having changed
 * nothing, when the conversation moved; the full path then decides on the locked state.
 */
async function answerAtOnce(
  deps: ConversationDeps,
  ctx: JobContext,
  m: EntityManager,
  x: { tenantId: string; messageId: string; conversationId: string; version: number; lead: TurnContext['lead']; outcome: TurnOutcome; autonomy: Autonomy },
): Promise<boolean> {
  const { lead, outcome } = x;
  const q = new SqlParams();
  const clauses = [
    `still AS (SELECT c.id FROM leads l JOIN conversations c ON c.lead_id = l.id
                WHERE l.id = ${q.add(lead.id)}::uuid AND c.id = ${q.add(x.conversationId)}::uuid AND c.version = ${q.add(x.version)}::int
                  AND c.mode = 'ai' AND c.status = 'open' AND NOT l.opted_out
                  FOR NO KEY UPDATE OF l, c)`,
  ];
  const completion = ctx.completionClause(q.next, 'EXISTS (SELECT 1 FROM still)');
  clauses.push(`done AS (${completion.sql})`);
  q.push(completion.params);
  const ifDone = 'EXISTS (SELECT 1 FROM done)';
  clauses.push(...turnRecordClauses(deps, q, x, ifDone));
  const text = {
    tenantId: x.tenantId,
    conversationId: x.conversationId,
    leadId: lead.id,
    body: outcome.decision.reply,
    kind: 'reply' as const,
    inboundMessageId: x.messageId,
    autonomy: x.autonomy,
    violations: outcome.violations,
    reason: outcome.decision.reason,
    confidence: outcome.decision.confidence,
  };
  clauses.push(...(isDraft(text) ? draftClauses(deps, q, text, ifDone) : aiTextClauses(deps, q, text, ifDone)).clauses);
  const [row] = await commitWith<{ current: boolean; completed: boolean }>(
    m,
    `WITH ${clauses.join(',\n')}
     SELECT EXISTS (SELECT 1 FROM still) AS current, ${ifDone} AS completed`,
    q.values,
  );
  if (!row!.current) return false;
  completion.confirm(row!.completed);
  return true;
}

/** The lead's row, then its conversation's, locked in one statement (docs/ARCHITECTURE.md, "Lock order"). */
function lockLeadAndConversation(m: EntityManager, leadId: string, conversationId: string): Promise<LeadRow | null> {
  return one<LeadRow>(
    m,
    `SELECT l.* FROM leads l JOIN conversations c ON c.lead_id = l.id WHERE l.id = $1 AND c.id = $2 FOR NO KEY UPDATE OF l, c`,
    [leadId, conversationId],
  );
}

/**
 * The full path's second statement, run with the lead and the conversation locked, whatever happens next:
 * the AI's output stored on the inbound text, the lead's score (and `lead.updated`) when it changed, and the
 * job's completion, so every path below commits with it. It returns what decides whether and how to answer:
 * the conversation (with its autonomy override) as it is now, and the newest inbound text, read in this
 * statement's snapshot, which is taken after both locks, so it includes any text that committed first.
 */
async function recordTurn(
  deps: ConversationDeps,
  ctx: JobContext,
  m: EntityManager,
  x: { tenantId: string; messageId: string; conversationId: string; lead: LeadRow; outcome: TurnOutcome },
): Promise<Omit<AnswerState, 'opted_out'> & Pick<ConversationRow, 'autonomy_override'>> {
  const q = new SqlParams();
  const clauses = turnRecordClauses(deps, q, x);
  const completion = ctx.completionClause(q.next);
  clauses.push(`done AS (${completion.sql})`);
  q.push(completion.params);
  const row = await one<Omit<AnswerState, 'opted_out'> & Pick<ConversationRow, 'autonomy_override'> & { completed: boolean }>(
    m,
    `WITH ${clauses.join(',\n')}
     SELECT c.mode, c.status, c.autonomy_override, EXISTS (SELECT 1 FROM done) AS completed,
            (SELECT id FROM messages WHERE conversation_id = c.id AND direction = 'in'
              ORDER BY created_at DESC, id DESC LIMIT 1) AS newest_inbound_id
       FROM conversations c WHERE c.id = ${q.add(x.conversationId)}::uuid
        FOR NO KEY UPDATE OF c`,
    q.values,
  );
  if (!row) throw new Error(`conversation ${x.conversationId} not found for its AI turn`);
  completion.confirm(row.completed);
  return { mode: row.mode, status: row.status, newest_inbound_id: row.newest_inbound_id, autonomy_override: row.autonomy_override };
}

/**
 * `conversation.opener`: the first text after a form submission (payload of `lead.captured`). The AI drafts
 * it (business name, reason, "Reply STOP to opt out"). Autonomy decides as for any AI text, so copilot
 * asks an agent first — unless the tenant set `copilotSendsOpener`: speed to lead is the point, and the
 * opener is a fixed, compliance-checked greeting, not an answer.
 * Idempotent: a conversation that already has an opener is left alone.
 */
/** Copilot sends the opener itself when the tenant allows it; autopilot and off are unchanged. */
export function openerAutonomy(autonomy: AiTenantSettings['autonomy'], copilotSendsOpener: boolean): AiTenantSettings['autonomy'] {
  return autonomy === 'copilot' && copilotSendsOpener ? 'autopilot' : autonomy;
}

export function openerJob(deps: ConversationDeps, pipeline: () => AiPipeline): JobHandler<{ leadId: string; conversationId: string; submissionId?: string }> {
  return {
    name: 'conversation.opener',
    queue: 'ai',
    events: ['lead.captured'],
    maxAttempts: 5,
    async handle(event, ctx) {
      const tenantId = event.tenantId!;
      const { conversationId } = event.payload;
      const openerOf = (conversation: string) =>
        `SELECT id FROM messages WHERE conversation_id = ${conversation} AND direction = 'out'
         UNION ALL SELECT id FROM drafts WHERE conversation_id = ${conversation} AND meta->>'kind' = 'opener'`;
      const hasOpener = (m: EntityManager, id: string) => one<{ id: string }>(m, `${openerOf('$1')} LIMIT 1`, [id]);
      const input = await deps.store.tenant(tenantId, async (m) => {
        const c = await getConversationRow(m, conversationId);
        const lead = c ? await getLeadRow(m, c.lead_id) : null;
        if (!c || !lead || lead.opted_out || c.status === 'closed' || (await hasOpener(m, c.id))) {
          await ctx.complete(m);
          return null;
        }
        const submission = event.payload.submissionId
          ? await one<{ values: Record<string, unknown>; form_name: string }>(
              m,
              `SELECT s.values, f.name AS form_name FROM submissions s JOIN forms f ON f.id = s.form_id WHERE s.id = $1`,
              [event.payload.submissionId],
            )
          : null;
        return { c, lead, settings: await tenantSettings(m), answers: submission?.values ?? {}, formName: submission?.form_name ?? 'website form' };
      });
      if (!input) return;
      const autonomy = effectiveAutonomy(input.c, input.settings);
      const opener = await pipeline().draftOpener({
        tenantId,
        settings: aiSettings(input.settings, autonomy),
        lead: { firstName: input.lead.first_name, answers: input.answers, formName: input.formName },
      });
      await deps.store.tenant(tenantId, async (m) => {
        // The lead first (docs/ARCHITECTURE.md, "Lock order"): the opener written below references it, which
        // waits for whoever holds the lead, so holding the conversation meanwhile could deadlock.
        const lead = await lockLeadOfConversation(m, conversationId);
        const c = lead
          ? await one<Pick<ConversationRow, 'mode' | 'status'> & { has_opener: boolean }>(
              m,
              `SELECT c.mode, c.status, EXISTS (${openerOf('c.id')}) AS has_opener FROM conversations c WHERE c.id = $1 FOR NO KEY UPDATE OF c`,
              [conversationId],
            )
          : null;
        if (c && c.mode === 'ai' && c.status !== 'closed' && !c.has_opener) {
          await deliverOrDraft(deps, m, {
            tenantId,
            conversationId,
            leadId: input.lead.id,
            body: opener.body,
            kind: 'opener',
            autonomy: openerAutonomy(autonomy, input.settings.copilotSendsOpener),
            violations: [],
            reason: `First text after the ${input.formName} submission`,
            confidence: 1,
            meta: { usage: opener.usage },
          });
        }
        await ctx.complete(m);
      });
      deps.jobs.outbox.notifyCommitted();
      deps.live.publish({ tenantId, type: 'conversation.updated', conversationId, leadId: input.lead.id });
    },
  };
}
