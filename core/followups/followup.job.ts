import type { JobHandler } from '../jobs/job-registry';
import { deliverOrDraft } from '../conversations/autonomy';
import { effectiveAutonomy, getConversationRow, lockLeadOfConversation, tenantSettings } from '../conversations/conversation-view.query';
import type { ConversationDeps } from '../conversations/engine-deps';
import { one } from '../store/sql';

export interface FollowUpPayload {
  conversationId: string;
  /** `conversations.last_outbound_at::text` when this step was scheduled. */
  anchor: string;
  step: number;
}

const TEMPLATES = [
  (name: string) => `Hi${name}, just checking in: any questions I can help with?`,
  (name: string) => `Hi${name}, still thinking it over? Happy to help whenever it suits you.`,
  (name: string) => `Hi${name}, I'll leave it here for now. Reply any time if you'd like to pick this up.`,
];

/** The nurture text for a step; the last template repeats for longer cadences. */
export function followUpText(step: number, firstName: string | null): string {
  const t = TEMPLATES[Math.min(step, TEMPLATES.length - 1)]!;
  return t(firstName ? ` ${firstName}` : '');
}

/**
 * `conversation.followup`: runs when a nurture step falls due and re-checks everything first. It does
 * nothing when the lead replied, opted out, an agent took over, closed or decided anything, or another
 * text went out since it was scheduled (the anchor moved) — the scheduled job is then simply stale.
 */
export function followUpJob(deps: ConversationDeps): JobHandler<FollowUpPayload> {
  return {
    name: 'conversation.followup',
    queue: 'ai',
    events: ['followup.due'],
    maxAttempts: 5,
    async handle(event, ctx) {
      const tenantId = event.tenantId!;
      const p = event.payload;
      const did = await deps.store.tenant(tenantId, async (m) => {
        // The lead first (docs/ARCHITECTURE.md, "Lock order"): the text written below references it, which
        // waits for whoever holds the lead, so holding the conversation meanwhile could deadlock.
        const lead = await lockLeadOfConversation(m, p.conversationId);
        const c = lead ? await getConversationRow(m, p.conversationId, true) : null;
        const fresh = c
          ? await one<{ ok: boolean }>(
              m,
              `SELECT (last_outbound_at::text = $2 AND followup_step = $3
                       AND (last_inbound_at IS NULL OR last_inbound_at < last_outbound_at)
                       AND (last_decision IS NULL OR (last_decision->>'at')::timestamptz <= last_outbound_at)
                       AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.conversation_id = conversations.id AND d.status = 'pending')) AS ok
                 FROM conversations WHERE id = $1`,
              [p.conversationId, p.anchor, p.step],
            )
          : null;
        if (!c || !lead || !fresh?.ok || c.mode !== 'ai' || c.status !== 'open' || lead.opted_out) {
          await ctx.complete(m);
          return false;
        }
        const settings = await tenantSettings(m);
        await m.query(`UPDATE conversations SET followup_step = followup_step + 1 WHERE id = $1`, [c.id]);
        await deliverOrDraft(deps, m, {
          tenantId,
          conversationId: c.id,
          leadId: lead.id,
          body: followUpText(p.step, lead.first_name),
          kind: 'followup',
          autonomy: effectiveAutonomy(c, settings),
          violations: [],
          reason: `Nurture follow-up ${p.step + 1} of ${settings.followUpCadenceDays.length}: no reply since the last text`,
          confidence: 1,
          meta: { followupStep: p.step },
        });
        await ctx.complete(m);
        return { conversationId: c.id, leadId: lead.id };
      });
      deps.jobs.outbox.notifyCommitted();
      if (did) deps.live.publish({ tenantId, type: 'conversation.updated', ...did });
    },
  };
}
