import type { App } from '@slack/bolt';
import { ChannelPacer } from './channel-pacer';
import { CHANNEL_MESSAGE_INTERVAL_MS } from './constants';
import { ConversationMessageService } from './services/conversation-messages.service';
import { SlackIdentityService } from './services/identity.service';
import type { SlackDeps } from './services/slack-deps';
import { SlackWorkspaces } from './services/workspaces.service';
import { createSlackApp } from './slack.app';
import { SlackClientPool } from './slack-client';
import { SlackNotifier } from './slack.notifier';
import type { SlackConnectorContext } from './slack.types';
import { loadTenantSettings } from './tenant-settings';

/** What `register` hands back: the Bolt app and the notifier it registered (for tests and shutdown). */
export interface SlackConnectorHandle {
  bolt: App;
  notifier: SlackNotifier;
  deps: SlackDeps;
}

/** Options for tests: a pacing interval and clock other than Slack's one message per second. */
export interface SlackRegisterOptions {
  pacer?: ChannelPacer;
}

/** Checks the Slack config and says exactly what is missing. */
export function validateSlackConfig(ctx: Pick<SlackConnectorContext, 'config'>): void {
  const { slack, publicUrl } = ctx.config;
  if (!slack.signingSecret) throw new Error('slack: signingSecret is required (Slack app settings → Basic Information)');
  const oauth = Boolean(slack.clientId && slack.clientSecret && slack.stateSecret);
  const partialOauth = Boolean(slack.clientId || slack.clientSecret) && !oauth;
  if (partialOauth) throw new Error('slack: OAuth needs clientId, clientSecret and stateSecret together');
  if (!oauth && !slack.botToken) throw new Error('slack: set botToken (single workspace) or clientId + clientSecret + stateSecret (OAuth)');
  if (!/^https?:\/\//.test(publicUrl)) throw new Error('slack: publicUrl must be an http(s) URL');
}

/**
 * The Slack connector. `register` mounts Bolt on the server's Express app (call it before any body
 * parser is mounted) and registers the Slack notifier with the engine.
 */
export const slackConnector = {
  id: 'slack' as const,
  register(ctx: SlackConnectorContext, options: SlackRegisterOptions = {}): SlackConnectorHandle {
    validateSlackConfig(ctx);
    const clients = new SlackClientPool(ctx.config.slack);
    const pacer = options.pacer ?? new ChannelPacer({ intervalMs: CHANNEL_MESSAGE_INTERVAL_MS });
    const deps: SlackDeps = {
      engine: ctx.engine,
      stores: ctx.stores,
      config: ctx.config,
      logger: ctx.logger,
      workspaces: new SlackWorkspaces(ctx.stores.installations, ctx.config.slack, clients),
      identity: new SlackIdentityService(ctx.engine, ctx.logger),
      conversationMessages: new ConversationMessageService(ctx.stores.messages, pacer, ctx.logger),
      settings: (tenantId) => loadTenantSettings(ctx.engine, tenantId, { channelId: ctx.config.slack.channelId }),
    };
    const bolt = createSlackApp(ctx.app, deps);
    const notifier = new SlackNotifier(deps, clients);
    ctx.engine.registerNotifier(notifier);
    return { bolt, notifier, deps };
  },
};
