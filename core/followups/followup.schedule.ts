import { dueAt, type ConversationDeps } from '../conversations/engine-deps';
import type { OutboxEvent } from '../jobs/outbox';

const DAY_MS = 24 * 3600_000;

/**
 * After an outbound text in AI mode, the next nurture step for when the lead stays quiet:
 * `followUpCadenceDays[followup_step]` days later, through the outbox (`availableAt`). The event carries
 * the anchor (the `last_outbound_at` it follows) and the step, so the job can tell when it went stale.
 * Null when no step is due: not in AI mode, not open, or the cadence is over. `conversation` is the row as
 * the caller's transaction left it.
 */
export function nextFollowUp(
  deps: Pick<ConversationDeps, 'clock'>,
  tenantId: string,
  conversation: { id: string; mode: string; status: string; followup_step: number },
  cadenceDays: readonly number[],
  anchor: string,
): OutboxEvent | null {
  if (conversation.mode !== 'ai' || conversation.status !== 'open') return null;
  const days = cadenceDays[conversation.followup_step];
  if (days === undefined) return null;
  const until = new Date(deps.clock().getTime() + days * DAY_MS);
  return {
    type: 'followup.due',
    tenantId,
    payload: { conversationId: conversation.id, anchor, step: conversation.followup_step },
    availableAt: dueAt(deps, until),
  };
}
