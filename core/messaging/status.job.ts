import type { EntityManager } from 'typeorm';
import type { ConversationDeps } from '../conversations/engine-deps';
import type { MessageStatus } from '../domain/types';
import type { JobHandler } from '../jobs/job-registry';
import { isStatusAdvance } from '../sms/message-status';
import { one } from '../store/sql';
import { carrierOptOut } from './send.job';

export interface StatusPayload {
  providerMessageId: string;
  status: MessageStatus;
  errorCode: string | null;
}

/** A status callback that arrived before the send job stored the provider id: try again shortly. */
class MessageNotYetKnown extends Error {
  readonly retryAfterMs = 500;
  constructor() {
    super('status for a message id not stored yet');
  }
}

/**
 * `sms.status`: applies a delivery update. The UPDATE's condition only lets a status move forward, so
 * callbacks out of order (Twilio does not promise order) and redeliveries never move it back. 21610 on a
 * failed delivery opts the lead out (source carrier_error).
 */
export function statusJob(deps: ConversationDeps): JobHandler<StatusPayload> {
  return {
    name: 'sms.status',
    queue: 'sms',
    events: ['sms.status'],
    maxAttempts: 6,
    async handle(event, ctx) {
      const tenantId = event.tenantId!;
      const changed = await deps.store.tenant(tenantId, async (m) => {
        const moved = await applyStatus(deps, m, tenantId, event.payload);
        if (moved === undefined) throw new MessageNotYetKnown();
        await ctx.complete(m);
        return moved;
      });
      deps.jobs.outbox.notifyCommitted();
      if (changed) deps.live.publish({ tenantId, type: 'message.updated', conversationId: changed.conversation_id, leadId: changed.lead_id });
    },
  };
}

/**
 * A delivery update inside the tenant transaction `m`, whether a status callback brought it or the provider
 * was asked (`sms.status-lookup`): the status moves only forward (`isStatusAdvance`), and 21610 opts the
 * lead out. Returns the message when its status moved, null when it did not, undefined when no message
 * has that provider id.
 */
export async function applyStatus(
  deps: ConversationDeps,
  m: EntityManager,
  tenantId: string,
  p: StatusPayload,
): Promise<{ id: string; lead_id: string; conversation_id: string } | null | undefined> {
  // An opt-out locks the lead: take it before the message (docs/ARCHITECTURE.md, "Lock order"), as the
  // send job does, or the two could deadlock. Only on this rare path: no round trip otherwise.
  if (p.errorCode === '21610') {
    await m.query(`SELECT l.id FROM messages msg JOIN leads l ON l.id = msg.lead_id WHERE msg.provider_message_id = $1 FOR NO KEY UPDATE OF l`, [p.providerMessageId]);
  }
  const msg = await one<{ id: string; status: MessageStatus; lead_id: string; conversation_id: string }>(
    m,
    `SELECT id, status, lead_id, conversation_id FROM messages WHERE provider_message_id = $1 FOR UPDATE`,
    [p.providerMessageId],
  );
  if (!msg) return undefined;
  let moved = false;
  if (isStatusAdvance(msg.status, p.status)) {
    await m.query(`UPDATE messages SET status = $2, error_code = coalesce($3, error_code), updated_at = clock_timestamp() WHERE id = $1`, [
      msg.id,
      p.status,
      p.errorCode,
    ]);
    moved = true;
  }
  if (p.errorCode === '21610') await carrierOptOut(deps, m, tenantId, msg.lead_id, msg.id);
  return moved ? msg : null;
}
