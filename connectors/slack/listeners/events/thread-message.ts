import type { App } from '@slack/bolt';
import type { WebClient } from '../../slack-client';
import { resolveActor, runSlackAction, type SlackActionOutcome } from '../../services/run-action';
import type { SlackDeps } from '../../services/slack-deps';

/** The fields of a Slack `message` event this listener reads. */
export interface ThreadMessageEvent {
  type: 'message';
  subtype?: string;
  bot_id?: string;
  user?: string;
  text?: string;
  channel: string;
  ts: string;
  thread_ts?: string;
}

export type ThreadOutcome = SlackActionOutcome | 'ignored';

/**
 * Talk in a conversation's thread. Internal by default: saved as a note. It reaches the lead only when
 * the tenant turned `threadRepliesSendToLead` on and the writer is the agent who took the conversation
 * over. Everything else in the channel (other threads, bots, edits, joins) is ignored.
 */
export async function handleThreadMessage(deps: SlackDeps, event: ThreadMessageEvent, teamId: string, client: WebClient): Promise<ThreadOutcome> {
  if (event.subtype || event.bot_id || !event.user) return 'ignored';
  if (!event.thread_ts || event.thread_ts === event.ts) return 'ignored';
  const text = (event.text ?? '').trim();
  if (!text) return 'ignored';
  // The workspace names the tenant; the thread is looked up under that tenant only. Talk in a workspace
  // Tandem does not know, or in threads that are not conversations, is none of our business: no reply.
  const tenantId = await deps.workspaces.tenantForTeam(teamId);
  if (!tenantId) return 'ignored';
  const ref = await deps.stores.messages.findByTs(tenantId, event.channel, event.thread_ts);
  if (!ref) return 'ignored';

  const feedback = { channel: event.channel, threadTs: event.thread_ts };
  const who = await resolveActor(deps, client, teamId, event.user, feedback);
  if (typeof who === 'string') return who;
  const view = await deps.engine.conversations.view(who.tenantId, ref.conversationId);
  const settings = await deps.settings(who.tenantId);
  const toLead =
    settings.threadRepliesSendToLead &&
    view.mode === 'human' &&
    view.assignee?.agentId === who.agent.id &&
    view.allowedActions.includes('send');

  const outcome = await runSlackAction(deps, {
    client,
    teamId,
    userId: event.user,
    conversationId: ref.conversationId,
    type: toLead ? 'send' : 'note',
    version: view.version,
    text,
    message: { channel: ref.channel, ts: ref.ts },
    feedback,
    resolved: who,
  });
  if (outcome === 'done') {
    // A visible mark on the reply: a lock for an internal note, an outbox for a text sent to the lead.
    try {
      await client.reactions.add({ channel: event.channel, timestamp: event.ts, name: toLead ? 'outbox_tray' : 'lock' });
    } catch (error) {
      deps.logger.debug({ code: (error as { data?: { error?: string } }).data?.error }, 'slack reactions.add failed');
    }
  }
  return outcome;
}

/** Registers the thread listener on `message` events (message.channels, message.groups). */
export function register(app: App, deps: SlackDeps): void {
  app.event('message', async ({ event, body, client, context }) => {
    await handleThreadMessage(deps, event as unknown as ThreadMessageEvent, context.teamId ?? body.team_id ?? '', client);
  });
}
