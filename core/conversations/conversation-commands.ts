import type { EntityManager } from 'typeorm';
import type { ConversationView } from '../domain/conversation-view';
import { AUTONOMY_LEVELS, type Autonomy } from '../domain/types';
import type { ActionCommand } from '../engine/engine.types';
import { TandemError, invalid } from '../errors/tandem-error';
import { queueOutbound, type OutboundKind } from '../messaging/outbound';
import { isUuid } from '../store/data-source';
import { one } from '../store/sql';
import { allowedActions } from './allowed-actions';
import { loadView, lockLeadOfConversation, notFoundConversation, type ConversationRow } from './conversation-view.query';
import type { ConversationDeps } from './engine-deps';
import { recordAudit } from '../audit/record-audit';

const MAX_TEXT = 1600;

class StaleVersion extends Error {}
class NotAllowed extends Error {
  constructor(readonly why: string) {
    super(why);
  }
}

/**
 * Runs one agent command. Locks follow the codebase's order (docs/ARCHITECTURE.md, "Lock order"): the
 * first statement locks the conversation's lead, the second moves the version only if it still is the one
 * the agent saw (`... WHERE id = $1 AND version = $2`), which also row-locks the conversation and returns
 * it as it is now: of two agents acting on the same view, the first wins and the second gets
 * `conversation.version_conflict` (409) with the fresh view. Everything the command does (state, outbound
 * text, draft, note, audit, outbox) commits together. A human `send` moves the conversation to human mode
 * in the same transaction, so the AI never talks over a person.
 */
export async function runCommand(deps: ConversationDeps, tenantId: string, conversationId: string, cmd: ActionCommand): Promise<ConversationView> {
  if (!isUuid(conversationId)) throw notFoundConversation();
  const text = typeof cmd.text === 'string' ? cmd.text.trim() : '';
  if ((cmd.type === 'edit' || cmd.type === 'send' || cmd.type === 'note') && !text) {
    throw invalid(`"${cmd.type}" needs a non-empty text`, { fields: { text: 'required for this action' } });
  }
  if (text.length > MAX_TEXT) throw invalid(`Text is longer than ${MAX_TEXT} characters`, { fields: { text: `at most ${MAX_TEXT} characters` } });
  if (!Number.isInteger(cmd.version) || cmd.version < 1) throw invalid('version must be the conversation version you saw', { fields: { version: 'a positive integer' } });
  if (cmd.draftId !== undefined && !isUuid(cmd.draftId)) throw invalid('draftId is not a draft id', { fields: { draftId: 'a uuid' } });
  // null is a value here (follow the tenant again); only a missing or unknown one is refused.
  const autonomy = cmd.autonomy as unknown;
  if (cmd.type === 'set_autonomy' && !(autonomy === null || AUTONOMY_LEVELS.includes(autonomy as Autonomy))) {
    throw invalid('"set_autonomy" needs autonomy: autopilot, copilot, off, or null to follow the tenant setting', {
      fields: { autonomy: 'autopilot, copilot, off or null' },
    });
  }

  const publish = deps.jobs.outbox.publish.bind(deps.jobs.outbox);
  let leadId: string | null = null;
  try {
    const view = await deps.store.tenant(tenantId, async (m) => {
      // The lead before the conversation, as every other writer takes them (an inbound text, the AI turn,
      // the send job): taken the other way round, two such transactions can deadlock.
      const lead = await lockLeadOfConversation(m, conversationId);
      if (!lead) throw notFoundConversation();
      leadId = lead.id;
      const c = await one<ConversationRow>(
        m,
        `UPDATE conversations SET version = version + 1, updated_at = clock_timestamp() WHERE id = $1 AND version = $2
         RETURNING *, (SELECT a.name FROM agents a WHERE a.id = conversations.assignee_agent_id) AS assignee_name`,
        [conversationId, cmd.version],
      );
      if (!c) throw new StaleVersion();
      const draft = await one<{ id: string; body: string; inbound_message_id: string | null; meta: { kind?: OutboundKind } }>(
        m,
        `SELECT id, body, inbound_message_id, meta FROM drafts WHERE conversation_id = $1 AND status = 'pending' FOR UPDATE`,
        [c.id],
      );
      const allowed = allowedActions({ mode: c.mode, status: c.status, hasPendingDraft: Boolean(draft), optedOut: lead.opted_out });
      if (!allowed.includes(cmd.type)) throw new NotAllowed(notAllowedReason(cmd.type, { ...c, optedOut: lead.opted_out, hasDraft: Boolean(draft) }));
      if (cmd.draftId && draft && draft.id !== cmd.draftId) throw new StaleVersion();

      const actor = cmd.actor;
      const agentId = actor.agentId && isUuid(actor.agentId) ? actor.agentId : null;
      const data: Record<string, unknown> = { version: cmd.version };
      // The person is assigned only while still on the team, under a key-share lock on their row: a removal
      // (which locks it for update, then counts what they hold) either waits for this and refuses, or has
      // committed and this leaves the assignee as it was.
      const human = async () =>
        m.query(
          `UPDATE conversations SET mode = 'human',
                  assignee_agent_id = coalesce((SELECT a.id FROM agents a WHERE a.id = $2 AND a.removed_at IS NULL FOR KEY SHARE), assignee_agent_id),
                  status = CASE WHEN status = 'needs_human' THEN 'open' ELSE status END WHERE id = $1`,
          [c.id, agentId],
        );
      const supersede = (status: 'superseded' | 'expired') =>
        m.query(`UPDATE drafts SET status = $2, updated_at = now() WHERE conversation_id = $1 AND status = 'pending'`, [c.id, status]);
      const send = (body: string, author: 'ai' | 'agent', kind: OutboundKind, draftId: string | null, replyTo: string | null) =>
        queueOutbound(m, publish, {
          tenantId,
          conversationId: c.id,
          leadId: lead.id,
          body,
          author,
          authorAgentId: author === 'agent' ? agentId : null,
          authorName: author === 'agent' ? actor.name : 'Tandem AI',
          kind,
          draftId,
          replyTo,
          meta: { decidedBy: { name: actor.name, surface: actor.surface } },
        });

      switch (cmd.type) {
        case 'approve':
          await m.query(`UPDATE drafts SET status = 'approved', updated_at = now() WHERE id = $1`, [draft!.id]);
          data.messageId = await send(draft!.body, 'ai', draft!.meta.kind ?? 'reply', draft!.id, draft!.inbound_message_id);
          data.draftId = draft!.id;
          break;
        case 'edit':
          await m.query(`UPDATE drafts SET status = 'edited', updated_at = now() WHERE id = $1`, [draft!.id]);
          data.messageId = await send(text, 'agent', draft!.meta.kind ?? 'reply', draft!.id, draft!.inbound_message_id);
          data.draftId = draft!.id;
          break;
        case 'discard':
          await m.query(`UPDATE drafts SET status = 'discarded', updated_at = now() WHERE id = $1`, [draft!.id]);
          data.draftId = draft!.id;
          break;
        case 'takeover':
          await supersede('superseded');
          await human();
          break;
        case 'send':
          await supersede('superseded');
          await human();
          data.messageId = await send(text, 'agent', 'agent', null, null);
          break;
        case 'handback':
          await m.query(`UPDATE conversations SET mode = 'ai', assignee_agent_id = NULL, handed_back_at = clock_timestamp(),
                                status = CASE WHEN status = 'needs_human' THEN 'open' ELSE status END WHERE id = $1`, [c.id]);
          break;
        case 'note': {
          const note = await one<{ id: string }>(
            m,
            `INSERT INTO notes (tenant_id, conversation_id, author_agent_id, author_name, surface, body, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp()) RETURNING id`,
            [tenantId, c.id, agentId, actor.name, actor.surface, text],
          );
          data.noteId = note!.id;
          break;
        }
        case 'close':
          await supersede('expired');
          await m.query(`UPDATE conversations SET status = 'closed' WHERE id = $1`, [c.id]);
          break;
        case 'reopen':
          await m.query(`UPDATE conversations SET status = 'open' WHERE id = $1`, [c.id]);
          break;
        case 'set_autonomy':
          // Read by the next AI turn (and by a turn in flight when it decides whether to send).
          await m.query(`UPDATE conversations SET autonomy_override = $2 WHERE id = $1`, [c.id, cmd.autonomy]);
          data.autonomy = { from: c.autonomy_override, to: cmd.autonomy };
          break;
      }
      if (cmd.type !== 'note') {
        await m.query(`UPDATE conversations SET last_decision = jsonb_build_object('action', $2::text, 'actorName', $3::text, 'surface', $4::text, 'at', to_jsonb(clock_timestamp())) WHERE id = $1`, [
          c.id,
          cmd.type,
          actor.name,
          actor.surface,
        ]);
      }
      await audit(m, tenantId, cmd, agentId, c.id, data);
      await publish(m, [
        {
          type: 'conversation.notify',
          tenantId,
          payload: cmd.type === 'note' ? { kind: 'note.added', conversationId: c.id, noteId: data.noteId } : { kind: 'conversation.changed', conversationId: c.id },
        },
      ]);
      return loadView(m, c.id, deps.clock());
    });
    deps.jobs.outbox.notifyCommitted();
    deps.live.publish({ tenantId, type: 'conversation.updated', conversationId, leadId: leadId ?? undefined });
    return view;
  } catch (err) {
    if (err instanceof StaleVersion) {
      const fresh = await deps.store.tenant(tenantId, (m) => loadView(m, conversationId, deps.clock()));
      throw new TandemError('conversation.version_conflict', 'The conversation changed since you saw it; here is the current state', 409, { conversation: fresh });
    }
    if (err instanceof NotAllowed) {
      const fresh = await deps.store.tenant(tenantId, (m) => loadView(m, conversationId, deps.clock()));
      throw new TandemError('conversation.action_not_allowed', err.why, 409, { conversation: fresh, allowedActions: fresh.allowedActions });
    }
    throw err;
  }
}

function notAllowedReason(type: ActionCommand['type'], s: { mode: string; status: string; optedOut: boolean; hasDraft: boolean }): string {
  if (s.status === 'closed' && type !== 'reopen') return `The conversation is closed; reopen it to ${type}`;
  if ((type === 'approve' || type === 'edit' || type === 'discard') && !s.hasDraft) return 'There is no pending draft';
  if ((type === 'send' || type === 'approve' || type === 'edit') && s.optedOut) return 'The lead has opted out: nothing can be sent';
  if (type === 'takeover') return 'An agent already has this conversation';
  if (type === 'handback') return 'The AI already has this conversation';
  if (type === 'reopen') return 'The conversation is not closed';
  return `"${type}" is not possible right now`;
}

function audit(m: EntityManager, tenantId: string, cmd: ActionCommand, agentId: string | null, conversationId: string, data: Record<string, unknown>) {
  return recordAudit(m, tenantId, { ...cmd.actor, agentId }, { action: `conversation.${cmd.type}`, entity: 'conversation', entityId: conversationId, data });
}
