import type { EntityManager } from 'typeorm';
import type { Autonomy } from '../domain/types';
import { queueOutboundClauses, type OutboundKind } from '../messaging/outbound';
import { commitWith, one, rows, SqlParams } from '../store/sql';
import type { ConversationDeps } from './engine-deps';

export interface AiTextInput {
  tenantId: string;
  conversationId: string;
  leadId: string;
  body: string;
  kind: Extract<OutboundKind, 'opener' | 'reply' | 'followup'>;
  autonomy: Autonomy;
  /** Output-guardrail violations: they hold the text for a person whatever the autonomy. */
  violations: string[];
  reason: string;
  confidence: number;
  inboundMessageId?: string | null;
  meta?: Record<string, unknown>;
  /** The caller's transaction ends here: a text queued by autopilot commits with its statement (`commitWith`). */
  last?: boolean;
}

export type AiTextOutcome = { kind: 'queued'; messageId: string } | { kind: 'drafted'; draftId: string; asked: boolean };

/**
 * The clauses that queue a text the AI wrote to be sent: the text, its send event, and the conversation
 * touched. With `onlyWhen` (an SQL condition) each writes only if it holds.
 */
export function aiTextClauses(
  deps: ConversationDeps,
  q: SqlParams,
  input: Pick<AiTextInput, 'tenantId' | 'conversationId' | 'leadId' | 'body' | 'kind' | 'inboundMessageId' | 'meta'>,
  onlyWhen?: string,
): { messageId: string; clauses: string[] } {
  const queued = queueOutboundClauses(
    deps.jobs.outbox,
    q,
    {
      tenantId: input.tenantId,
      conversationId: input.conversationId,
      leadId: input.leadId,
      body: input.body,
      author: 'ai',
      authorName: 'Tandem AI',
      kind: input.kind,
      replyTo: input.inboundMessageId ?? null,
      meta: input.meta,
    },
    onlyWhen,
  );
  const touched = `touched AS (UPDATE conversations SET updated_at = clock_timestamp() WHERE id = ${q.add(input.conversationId)}::uuid${onlyWhen ? ` AND ${onlyWhen}` : ''})`;
  return { messageId: queued.messageId, clauses: [...queued.clauses, touched] };
}

/**
 * What happens to a text the AI wrote: autopilot with nothing held sends it; copilot (or any guardrail
 * violation) makes a pending draft and asks an agent; off keeps it as a suggestion only. Runs in the
 * caller's transaction with the conversation row locked.
 */
export async function deliverOrDraft(deps: ConversationDeps, m: EntityManager, input: AiTextInput): Promise<AiTextOutcome> {
  const publish = deps.jobs.outbox.publish.bind(deps.jobs.outbox);
  if (input.autonomy === 'autopilot' && input.violations.length === 0) {
    // The text, its send event and the conversation's touch: one statement, one round trip.
    const q = new SqlParams();
    const queued = aiTextClauses(deps, q, input);
    await (input.last ? commitWith : rows)(m, `WITH ${queued.clauses.join(',\n')} SELECT 1`, q.values);
    return { kind: 'queued', messageId: queued.messageId };
  }
  await m.query(`UPDATE drafts SET status = 'superseded', updated_at = now() WHERE conversation_id = $1 AND status = 'pending'`, [input.conversationId]);
  const draft = await one<{ id: string }>(
    m,
    `INSERT INTO drafts (tenant_id, conversation_id, inbound_message_id, body, reason, confidence, held_by, meta)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb) RETURNING id`,
    [
      input.tenantId,
      input.conversationId,
      input.inboundMessageId ?? null,
      input.body,
      input.reason,
      input.confidence,
      JSON.stringify(input.violations),
      JSON.stringify({ ...(input.meta ?? {}), kind: input.kind }),
    ],
  );
  await m.query(`UPDATE conversations SET version = version + 1, updated_at = clock_timestamp() WHERE id = $1`, [input.conversationId]);
  const asked = input.autonomy !== 'off' || input.violations.length > 0;
  await publish(m, [
    {
      type: 'conversation.notify',
      tenantId: input.tenantId,
      payload: asked
        ? { kind: 'conversation.needs_decision', conversationId: input.conversationId, reason: input.violations.length ? `Held by: ${input.violations.join(', ')}` : input.reason }
        : { kind: 'conversation.changed', conversationId: input.conversationId },
    },
  ]);
  return { kind: 'drafted', draftId: draft!.id, asked };
}
