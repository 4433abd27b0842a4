import type { EntityManager } from 'typeorm';
import type { MessageAuthor } from '../domain/types';
import type { OutboxEvent } from '../jobs/outbox';
import { one } from '../store/sql';

/** Why an outbound text exists. Stored in `messages.meta.kind`; the send job and follow-ups read it. */
export type OutboundKind =
  | 'opener'
  | 'reply'
  | 'holding'
  | 'agent'
  | 'followup'
  | 'help'
  | 'opt_out_confirmation'
  | 'opt_in_confirmation';

/** Compliance texts the lead asked for: never start a nurture cadence. */
export const SERVICE_KINDS: ReadonlySet<OutboundKind> = new Set(['help', 'opt_out_confirmation', 'opt_in_confirmation', 'holding']);

export interface QueueOutboundInput {
  tenantId: string;
  conversationId: string;
  leadId: string;
  body: string;
  author: Exclude<MessageAuthor, 'lead'>;
  authorAgentId?: string | null;
  authorName?: string | null;
  kind: OutboundKind;
  /** The draft this text came from (approve / edit / autopilot). */
  draftId?: string | null;
  /** The inbound text this answers, if any (exempts it from "per 24 h" solicitation caps). */
  replyTo?: string | null;
  meta?: Record<string, unknown>;
}

/**
 * Records an outbound text as `queued` and, in the same transaction, the `message.queued` event the send
 * job picks up. Nothing reaches the provider here: the compliance gate runs in the send job.
 */
export async function queueOutbound(
  m: EntityManager,
  publish: (m: EntityManager, events: OutboxEvent[]) => Promise<number>,
  input: QueueOutboundInput,
): Promise<string> {
  const meta = { ...(input.meta ?? {}), kind: input.kind, ...(input.draftId ? { draftId: input.draftId } : {}), ...(input.replyTo ? { replyTo: input.replyTo } : {}) };
  const row = await one<{ id: string }>(
    m,
    `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, author_agent_id, author_name, body, status, meta, created_at, updated_at)
     VALUES ($1, $2, $3, 'out', $4, $5, $6, $7, 'queued', $8::jsonb, clock_timestamp(), clock_timestamp()) RETURNING id`,
    [input.tenantId, input.conversationId, input.leadId, input.author, input.authorAgentId ?? null, input.authorName ?? null, input.body, JSON.stringify(meta)],
  );
  if (input.draftId) await m.query(`UPDATE drafts SET sent_message_id = $2, updated_at = now() WHERE id = $1`, [input.draftId, row!.id]);
  await publish(m, [{ type: 'message.queued', tenantId: input.tenantId, payload: { messageId: row!.id } }]);
  return row!.id;
}
