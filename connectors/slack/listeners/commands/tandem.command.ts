import type { App, RespondFn, SlashCommand } from '@slack/bolt';
import { buildConversationList, buildHelp } from '../../blocks/command.blocks';
import { messageLink } from '../../blocks/format';
import { SLASH_COMMAND } from '../../constants';
import type { WebClient } from '../../slack-client';
import { UNKNOWN_WORKSPACE_TEXT, UNMAPPED_TEXT } from '../../services/run-action';
import type { SlackDeps } from '../../services/slack-deps';
import type { ConversationFilter } from '../../../../core/index';

const LISTS: Record<string, { title: string; filter: ConversationFilter }> = {
  hot: { title: 'HOT leads', filter: { tag: 'HOT', limit: 20 } },
  waiting: { title: 'Waiting for a person', filter: { needsHuman: true, limit: 20 } },
};

/** `/tandem hot|waiting|help`, answered only to the user who asked (ephemeral, via response_url). */
export async function handleTandemCommand(
  deps: SlackDeps,
  { command, respond, client }: { command: SlashCommand; respond: RespondFn; client: WebClient },
): Promise<string> {
  const sub = command.text.trim().split(/\s+/)[0]?.toLowerCase() || 'help';
  const list = LISTS[sub];
  if (!list) {
    const help = buildHelp();
    const prefix = sub === 'help' ? '' : `I don't know \`${sub.replace(/[<>&`]/g, '')}\`. `;
    await respond({ response_type: 'ephemeral', text: `${prefix}${help.text}`, blocks: help.blocks });
    return 'help';
  }
  const tenantId = await deps.workspaces.tenantForTeam(command.team_id);
  if (!tenantId) {
    await respond({ response_type: 'ephemeral', text: UNKNOWN_WORKSPACE_TEXT });
    return 'unknown_workspace';
  }
  // Lists show lead names and texts: only agents may see them.
  const agent = await deps.identity.resolve(client, tenantId, command.team_id, command.user_id);
  if (!agent) {
    await respond({ response_type: 'ephemeral', text: UNMAPPED_TEXT });
    return 'unmapped';
  }
  const page = await deps.engine.conversations.list(tenantId, list.filter);
  const items = page.items.filter((item) => item.status !== 'closed');
  const links = new Map<string, string>();
  for (const item of items) {
    const ref = await deps.stores.messages.get(tenantId, item.id);
    if (ref) links.set(item.id, messageLink(ref.channel, ref.ts));
  }
  const message = buildConversationList(list.title, items, links, page.nextCursor !== null);
  await respond({ response_type: 'ephemeral', text: message.text, blocks: message.blocks });
  return sub;
}

/** Registers `/tandem`: ack at once, answer after. */
export function register(app: App, deps: SlackDeps): void {
  app.command(SLASH_COMMAND, async ({ ack, command, respond, client }) => {
    await ack();
    await handleTandemCommand(deps, { command, respond, client });
  });
}
