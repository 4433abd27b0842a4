import type { EntityManager } from 'typeorm';
import { dueAt, type ConversationDeps } from '../conversations/engine-deps';
import { tenantSettings } from '../conversations/conversation-view.query';
import { one } from '../store/sql';

const DAY_MS = 24 * 3600_000;

/**
 * After an outbound text in AI mode, schedules the next nurture step for when the lead stays quiet:
 * `followUpCadenceDays[followup_step]` days later, through the outbox (`availableAt`). The event carries
 * the anchor (the `last_outbound_at` it follows) and the step, so the job can tell when it went stale.
 */
export async function scheduleFollowUp(deps: ConversationDeps, m: EntityManager, tenantId: string, conversationId: string, anchor: string): Promise<boolean> {
  const c = await one<{ mode: string; status: string; followup_step: number }>(
    m,
    `SELECT mode, status, followup_step FROM conversations WHERE id = $1`,
    [conversationId],
  );
  if (!c || c.mode !== 'ai' || c.status !== 'open') return false;
  const cadence = (await tenantSettings(m)).followUpCadenceDays;
  const days = cadence[c.followup_step];
  if (days === undefined) return false;
  const until = new Date(deps.clock().getTime() + days * DAY_MS);
  await deps.jobs.outbox.publish(m, [
    { type: 'followup.due', tenantId, payload: { conversationId, anchor, step: c.followup_step }, availableAt: dueAt(deps, until) },
  ]);
  return true;
}
