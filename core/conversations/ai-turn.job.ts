import type { EntityManager } from 'typeorm';
import type { JobHandler } from '../jobs/job-registry';
import { recordConsent } from '../messaging/consent';
import { queueOutbound } from '../messaging/outbound';
import { optOutConfirmationText } from '../compliance/index';
import type { AiPipeline, AiTenantSettings, TurnHistoryItem } from '../ports/ai-pipeline.port';
import { one, rows } from '../store/sql';
import type { TenantSettings } from '../tenants/tenant-settings';
import { deliverOrDraft } from './autonomy';
import { effectiveAutonomy, getConversationRow, getLeadRow, tenantSettings, type ConversationRow, type LeadRow } from './conversation-view.query';
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

interface TurnContext {
  conversation: ConversationRow;
  lead: LeadRow;
  settings: TenantSettings;
  inbound: { id: string; body: string };
  history: TurnHistoryItem[];
  handedBack: boolean;
}

/** Is this inbound text still the one to answer (no newer text, AI still in charge, lead reachable)? */
async function stillCurrent(m: EntityManager, c: ConversationRow, lead: LeadRow, messageId: string): Promise<boolean> {
  if (c.mode !== 'ai' || c.status !== 'open' || lead.opted_out) return false;
  const newest = await one<{ id: string }>(
    m,
    `SELECT id FROM messages WHERE conversation_id = $1 AND direction = 'in' ORDER BY created_at DESC, id DESC LIMIT 1`,
    [c.id],
  );
  return newest?.id === messageId;
}

/**
 * `conversation.ai-turn`: one inbound text in AI mode → the AI pipeline (outside any transaction: a model
 * call can take seconds) → stages stored on the message, the lead's score updated, then a decision:
 * escalate (needs_human + holding text + notify), send (autopilot), draft and ask (copilot or held), or
 * suggest only (off). State is re-checked after the model answered: a takeover, a newer text or a STOP
 * that landed meanwhile wins and the turn's output is only recorded.
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
      const input = await deps.store.tenant(tenantId, async (m): Promise<TurnContext | null> => {
        const conversation = await getConversationRow(m, conversationId);
        const lead = conversation ? await getLeadRow(m, conversation.lead_id) : null;
        if (!conversation || !lead || !(await stillCurrent(m, conversation, lead, messageId))) {
          await ctx.complete(m);
          return null;
        }
        const settings = await tenantSettings(m);
        const all = await rows<{ id: string; direction: 'in' | 'out'; author: TurnHistoryItem['author']; body: string; created_at: Date; status: string }>(
          m,
          `SELECT id, direction, author, body, created_at, status FROM messages WHERE conversation_id = $1 ORDER BY created_at, id`,
          [conversationId],
        );
        const inbound = all.find((x) => x.id === messageId)!;
        const handedBackAt = conversation.handed_back_at ? new Date(conversation.handed_back_at).getTime() : null;
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
        return { conversation, lead, settings, inbound: { id: inbound.id, body: inbound.body }, history, handedBack: handedBackAt !== null && !aiSinceHandback };
      });
      if (!input) return;
      const autonomy = effectiveAutonomy(input.conversation, input.settings);
      const outcome = await pipeline().runTurn({
        tenantId,
        settings: aiSettings(input.settings, autonomy),
        lead: { firstName: input.lead.first_name, score: input.lead.score, tag: input.lead.tag, signals: input.lead.signals, language: input.lead.language },
        history: input.history,
        inbound: input.inbound.body,
        handedBack: input.handedBack,
      });

      const publish = deps.jobs.outbox.publish.bind(deps.jobs.outbox);
      await deps.store.tenant(tenantId, async (m) => {
        const lead = (await getLeadRow(m, input.lead.id, true))!;
        const c = (await getConversationRow(m, conversationId, true))!;
        await m.query(`UPDATE messages SET meta = meta || $2::jsonb WHERE id = $1`, [
          messageId,
          JSON.stringify({ ai: { stages: outcome.stages, decision: outcome.decision, violations: outcome.violations, escalation: outcome.escalation, blocked: outcome.blocked, usage: outcome.usage } }),
        ]);
        const s = outcome.score;
        const scoreChanged = s.score !== lead.score || s.tag !== lead.tag || JSON.stringify(s.signals) !== JSON.stringify(lead.signals);
        if (scoreChanged) {
          await m.query(`UPDATE leads SET score = $2, tag = $3, signals = $4::jsonb, updated_at = now() WHERE id = $1`, [lead.id, s.score, s.tag, JSON.stringify(s.signals)]);
          await publish(m, [{ type: 'lead.updated', tenantId, payload: { leadId: lead.id } }]);
        }
        if (!(await stillCurrent(m, c, lead, messageId)) || outcome.blocked) {
          await ctx.complete(m);
          return;
        }
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
            autonomy,
            violations: outcome.violations,
            reason: outcome.decision.reason,
            confidence: outcome.decision.confidence,
            inboundMessageId: messageId,
          });
        }
        await ctx.complete(m);
      });
      deps.jobs.outbox.notifyCommitted();
      deps.live.publish({ tenantId, type: 'conversation.updated', conversationId, leadId: input.lead.id });
    },
  };
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
      const hasOpener = (m: EntityManager, id: string) =>
        one<{ id: string }>(
          m,
          `SELECT id FROM messages WHERE conversation_id = $1 AND direction = 'out'
           UNION ALL SELECT id FROM drafts WHERE conversation_id = $1 AND meta->>'kind' = 'opener' LIMIT 1`,
          [id],
        );
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
        const c = (await getConversationRow(m, conversationId, true))!;
        if (c.mode === 'ai' && c.status !== 'closed' && !(await hasOpener(m, c.id))) {
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
