import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { MessageAuthor } from '../domain/types';
import type { Outbox, OutboxEvent } from '../jobs/outbox';
import { SqlParams } from '../store/sql';

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
  const messageId = randomUUID();
  const q = new SqlParams();
  await m.query(insertQueuedText(q, messageId, input), q.values);
  if (input.draftId) await m.query(`UPDATE drafts SET sent_message_id = $2, updated_at = now() WHERE id = $1`, [input.draftId, messageId]);
  await publish(m, [queuedEvent(input.tenantId, messageId)]);
  return messageId;
}

/**
 * `queueOutbound` as clauses of a statement the caller runs anyway (`WITH ${clauses} ...`), so the text
 * and its `message.queued` event cost no round trip of their own. The id is chosen here so the event can
 * name the text within that statement. (Not for drafts: linking one is a separate UPDATE in `queueOutbound`.)
 */
export function queueOutboundClauses(
  outbox: Outbox,
  q: SqlParams,
  input: Omit<QueueOutboundInput, 'draftId'>,
  onlyWhen?: string,
): { messageId: string; clauses: string[] } {
  const messageId = randomUUID();
  const clauses = [`queued_text AS (${insertQueuedText(q, messageId, input, onlyWhen)})`];
  const event = outbox.insertStatement([queuedEvent(input.tenantId, messageId)], q.next, onlyWhen && 'EXISTS (SELECT 1 FROM queued_text)');
  if (event) {
    clauses.push(`queued_event AS (${event.sql})`);
    q.push(event.params);
  }
  return { messageId, clauses };
}

function insertQueuedText(q: SqlParams, messageId: string, input: QueueOutboundInput, onlyWhen?: string): string {
  const meta = { ...(input.meta ?? {}), kind: input.kind, ...(input.draftId ? { draftId: input.draftId } : {}), ...(input.replyTo ? { replyTo: input.replyTo } : {}) };
  return `INSERT INTO messages (id, tenant_id, conversation_id, lead_id, direction, author, author_agent_id, author_name, body, status, meta, created_at, updated_at)
          SELECT ${q.add(messageId)}::uuid, ${q.add(input.tenantId)}::uuid, ${q.add(input.conversationId)}::uuid, ${q.add(input.leadId)}::uuid, 'out',
                 ${q.add(input.author)}::text, ${q.add(input.authorAgentId ?? null)}::uuid, ${q.add(input.authorName ?? null)}::text, ${q.add(input.body)}::text,
                 'queued', ${q.add(JSON.stringify(meta))}::jsonb, clock_timestamp(), clock_timestamp()
          ${onlyWhen ? `WHERE ${onlyWhen} ` : ''}RETURNING id`;
}

function queuedEvent(tenantId: string, messageId: string): OutboxEvent {
  return { type: 'message.queued', tenantId, payload: { messageId } };
}
