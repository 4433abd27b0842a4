import type { ConversationView } from '../../../core/index';
import { userMention } from '../blocks/format';
import type { SlackConfig, SlackEngine, SlackLogger, SlackStores, SlackTenantSettings } from '../slack.types';
import type { ConversationMessageService } from './conversation-messages.service';
import type { SlackIdentityService } from './identity.service';
import type { SlackWorkspaces } from './workspaces.service';

/** Everything listeners and the notifier share. Built once in `register`. */
export interface SlackDeps {
  engine: SlackEngine;
  stores: SlackStores;
  config: { publicUrl: string; slack: SlackConfig };
  logger: SlackLogger;
  workspaces: SlackWorkspaces;
  identity: SlackIdentityService;
  conversationMessages: ConversationMessageService;
  settings(tenantId: string): Promise<SlackTenantSettings>;
}

/**
 * Who an escalation pings: the assignee when we know their Slack id, else the tenant's choice of
 * `<!here>` / `<!channel>` / nobody. Null when the conversation needs nobody.
 */
export async function mentionFor(deps: Pick<SlackDeps, 'identity'>, tenantId: string, view: ConversationView, settings: SlackTenantSettings): Promise<string | null> {
  if (!view.flags.needsHuman || view.status === 'closed') return null;
  const slackId = view.assignee ? await deps.identity.slackUserIdFor(tenantId, view.assignee.agentId) : null;
  if (slackId) return userMention(slackId);
  if (settings.escalationMention === 'none') return null;
  return settings.escalationMention === 'channel' ? '<!channel>' : '<!here>';
}
