import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Autonomy } from '../domain/types';
import { queueOutboundClauses, type OutboundKind } from '../messaging/outbound';
import { commitWith, rows, SqlParams } from '../store/sql';
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

/** Whether a text the AI wrote is held for a person: copilot and off always, autopilot when a guardrail objected. */
export function isDraft(input: Pick<AiTextInput, 'autonomy' | 'violations'>): boolean {
  return input.autonomy !== 'autopilot' || input.violations.length > 0;
}

/**
 * The clauses that make a text the AI wrote the conversation's pending draft: the pending one before it
 * superseded, the draft, the conversation's version moved (an agent acting on the old view gets a
 * conflict), and the agents notified (asked to decide, unless `off` keeps it as a suggestion only). With
 * `onlyWhen` (an SQL condition) each writes only if it holds.
 */
export function draftClauses(
  deps: ConversationDeps,
  q: SqlParams,
  input: Pick<AiTextInput, 'tenantId' | 'conversationId' | 'body' | 'kind' | 'autonomy' | 'violations' | 'reason' | 'confidence' | 'inboundMessageId' | 'meta'>,
  onlyWhen?: string,
): { draftId: string; asked: boolean; clauses: string[] } {
  const and = onlyWhen ? ` AND ${onlyWhen}` : '';
  const draftId = randomUUID();
  const conversationId = q.add(input.conversationId);
  const asked = input.autonomy !== 'off' || input.violations.length > 0;
  const clauses = [
    `superseded AS (UPDATE drafts SET status = 'superseded', updated_at = now() WHERE conversation_id = ${conversationId}::uuid AND status = 'pending'${and} RETURNING id)`,
    // Reading \`superseded\` first makes its UPDATE run before this INSERT, so the one-pending-draft index
    // sees the old draft superseded.
    `new_draft AS (INSERT INTO drafts (id, tenant_id, conversation_id, inbound_message_id, body, reason, confidence, held_by, meta)
                   SELECT ${q.add(draftId)}::uuid, ${q.add(input.tenantId)}::uuid, ${conversationId}::uuid, ${q.add(input.inboundMessageId ?? null)}::uuid,
                          ${q.add(input.body)}::text, ${q.add(input.reason)}::text, ${q.add(input.confidence)}::real, ${q.add(JSON.stringify(input.violations))}::jsonb,
                          ${q.add(JSON.stringify({ ...(input.meta ?? {}), kind: input.kind }))}::jsonb
                    WHERE (SELECT count(*) FROM superseded) >= 0${and}
                   RETURNING id)`,
    `versioned AS (UPDATE conversations SET version = version + 1, updated_at = clock_timestamp()
                    WHERE id = ${conversationId}::uuid AND EXISTS (SELECT 1 FROM new_draft))`,
  ];
  const notify = deps.jobs.outbox.insertStatement(
    [
      {
        type: 'conversation.notify',
        tenantId: input.tenantId,
        payload: asked
          ? { kind: 'conversation.needs_decision', conversationId: input.conversationId, reason: input.violations.length ? `Held by: ${input.violations.join(', ')}` : input.reason }
          : { kind: 'conversation.changed', conversationId: input.conversationId },
      },
    ],
    q.next,
    'EXISTS (SELECT 1 FROM new_draft)',
  );
  if (notify) {
    clauses.push(`draft_notified AS (${notify.sql})`);
    q.push(notify.params);
  }
  return { draftId, asked, clauses };
}

/**
 * What happens to a text the AI wrote: autopilot with nothing held sends it; copilot (or any guardrail
 * violation) makes a pending draft and asks an agent; off keeps it as a suggestion only. One statement
 * either way, in the caller's transaction with the conversation row locked.
 */
export async function deliverOrDraft(deps: ConversationDeps, m: EntityManager, input: AiTextInput): Promise<AiTextOutcome> {
  const q = new SqlParams();
  const run = (clauses: string[]) => (input.last ? commitWith : rows)(m, `WITH ${clauses.join(',\n')} SELECT 1`, q.values);
  if (!isDraft(input)) {
    const queued = aiTextClauses(deps, q, input);
    await run(queued.clauses);
    return { kind: 'queued', messageId: queued.messageId };
  }
  const draft = draftClauses(deps, q, input);
  await run(draft.clauses);
  return { kind: 'drafted', draftId: draft.draftId, asked: draft.asked };
}
