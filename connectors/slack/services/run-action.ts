import type {
  ConversationView,
  ActionType,
  AgentRecord,
  Autonomy,
} from '../../../core/index';
import { decisionLine } from '../blocks/conversation-message.blocks';
import type { WebClient } from '../slack-client';
import type { SlackMessageRef } from '../stores/message.store';
import { mentionFor, type SlackDeps } from './slack-deps';

/** An agent command started in Slack. */
export interface SlackActionRequest {
  client: WebClient;
  teamId: string;
  userId: string;
  conversationId: string;
  type: ActionType;
  version: number;
  draftId?: string | null;
  text?: string;
  /** For `set_autonomy`: the conversation's new override (null: the tenant's setting). */
  autonomy?: Autonomy | null;
  /** The conversation message the action came from, when known (buttons, modals opened from it). */
  message?: { channel: string; ts: string } | null;
  /** Tenant and agent, when the caller already resolved them. */
  resolved?: { tenantId: string; agent: AgentRecord };
  /** Where to explain problems ephemerally; defaults to the conversation message's channel/thread. */
  feedback?: { channel: string; threadTs?: string } | null;
}

export type SlackActionOutcome = 'done' | 'conflict' | 'unknown_workspace' | 'unmapped' | 'failed';

const VERBS: Record<ActionType, string> = {
  approve: 'approve the draft',
  edit: 'send the edited text',
  discard: 'discard the draft',
  takeover: 'take over',
  handback: 'hand back to the AI',
  send: 'send your reply',
  note: 'save the note',
  close: 'close the conversation',
  reopen: 'reopen the conversation',
  set_autonomy: 'change the autonomy',
};

/** Engine errors that mean "someone else got there first"; both carry the fresh view. */
const CONFLICT_CODES = new Set(['conversation.version_conflict', 'conversation.action_not_allowed']);

/** The fresh view in the engine's stale-version (or no-longer-allowed) error; null for other errors. */
export function conflictView(error: unknown): ConversationView | null {
  const e = error as { code?: unknown; details?: { conversation?: ConversationView } };
  return typeof e?.code === 'string' && CONFLICT_CODES.has(e.code) && e.details?.conversation ? e.details.conversation : null;
}

/** Tells one user something only they see, in the channel (and thread) at hand. */
export async function tellUser(
  deps: SlackDeps,
  client: WebClient,
  userId: string,
  feedback: { channel: string; threadTs?: string } | null | undefined,
  text: string,
): Promise<void> {
  if (!feedback) {
    deps.logger.warn({ userId }, 'slack: nowhere to explain an action result');
    return;
  }
  try {
    await client.chat.postEphemeral({ channel: feedback.channel, user: userId, text, ...(feedback.threadTs ? { thread_ts: feedback.threadTs } : {}) });
  } catch (error) {
    deps.logger.warn({ code: (error as { data?: { error?: string } }).data?.error }, 'slack chat.postEphemeral failed');
  }
}

/** Re-renders the conversation message (if any) from `view`; posts a fresh one if the old one is gone. */
export async function refreshMessage(deps: SlackDeps, client: WebClient, tenantId: string, view: ConversationView, fallback?: { channel: string; ts: string } | null): Promise<void> {
  let ref: SlackMessageRef | null = await deps.stores.messages.get(tenantId, view.id);
  if (!ref && fallback) {
    ref = { tenantId, conversationId: view.id, channel: fallback.channel, ts: fallback.ts };
    await deps.stores.messages.save(ref);
  }
  if (!ref) return;
  const settings = await deps.settings(tenantId);
  const updated = await deps.conversationMessages.update(client, ref, view, await mentionFor(deps, tenantId, view, settings));
  // The old message is gone: forget it, so the next decision that needs someone posts a fresh one.
  if (!updated) await deps.stores.messages.delete(tenantId, view.id);
}

export const UNMAPPED_TEXT =
  "Your Slack account is not linked to a Tandem agent, so nothing was done. Ask a Tandem admin to add you as an agent with your Slack user id or this workspace's email address.";
export const UNKNOWN_WORKSPACE_TEXT = 'This Slack workspace is not connected to Tandem, so nothing was done.';

/**
 * Maps the workspace to its tenant and the Slack user to an agent. On failure explains it to the user
 * ephemerally and returns why.
 */
export async function resolveActor(
  deps: SlackDeps,
  client: WebClient,
  teamId: string,
  userId: string,
  feedback: { channel: string; threadTs?: string } | null | undefined,
): Promise<{ tenantId: string; agent: AgentRecord } | 'unknown_workspace' | 'unmapped'> {
  const tenantId = await deps.workspaces.tenantForTeam(teamId);
  if (!tenantId) {
    await tellUser(deps, client, userId, feedback, UNKNOWN_WORKSPACE_TEXT);
    return 'unknown_workspace';
  }
  const agent = await deps.identity.resolve(client, tenantId, teamId, userId);
  if (!agent) {
    await tellUser(deps, client, userId, feedback, UNMAPPED_TEXT);
    deps.logger.info({ tenantId }, 'slack: request from an unmapped user refused');
    return 'unmapped';
  }
  return { tenantId, agent };
}

/**
 * Runs an agent command from Slack: maps the workspace to a tenant and the user to an agent, calls the
 * engine with the version the agent saw, and re-renders the conversation message. A stale version
 * re-renders the fresh state and tells the user; nothing is sent. Never throws: every failure is
 * explained to the user ephemerally.
 */
export async function runSlackAction(deps: SlackDeps, req: SlackActionRequest): Promise<SlackActionOutcome> {
  const feedback = req.feedback ?? (req.message ? { channel: req.message.channel } : null);
  const who = req.resolved ?? (await resolveActor(deps, req.client, req.teamId, req.userId, feedback));
  if (typeof who === 'string') return who;
  const { tenantId, agent } = who;
  try {
    const view = await deps.engine.conversations.act(tenantId, req.conversationId, {
      type: req.type,
      version: req.version,
      ...(req.draftId ? { draftId: req.draftId } : {}),
      ...(req.text !== undefined ? { text: req.text } : {}),
      ...(req.autonomy !== undefined ? { autonomy: req.autonomy } : {}),
      actor: { agentId: agent.id, name: agent.name, surface: 'slack' },
    });
    await refreshMessage(deps, req.client, tenantId, view, req.message);
    return 'done';
  } catch (error) {
    const fresh = conflictView(error);
    if (fresh) {
      await refreshMessage(deps, req.client, tenantId, fresh, req.message);
      const last = fresh.lastDecision ? ` ${decisionLine(fresh.lastDecision)}.` : '';
      await tellUser(
        deps,
        req.client,
        req.userId,
        feedback,
        `This conversation changed before you could ${VERBS[req.type]}.${last} Nothing was done or sent; the message now shows the latest state.`,
      );
      return 'conflict';
    }
    const message = error instanceof Error ? error.message : String(error);
    deps.logger.error({ tenantId, conversationId: req.conversationId, action: req.type, code: (error as { code?: string }).code, err: message }, 'slack action failed');
    await tellUser(deps, req.client, req.userId, feedback, `Could not ${VERBS[req.type]}: ${message}`);
    return 'failed';
  }
}
