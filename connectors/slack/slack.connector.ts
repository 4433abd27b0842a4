import type express from 'express';
import { ChannelPacer } from './channel-pacer';
import { SLACK_PATHS } from './constants';
import { slackConnector, type SlackConnectorHandle } from './slack.register';
import { createSlackSettingsRouter, SLACK_SETTINGS_PATH, type SlackSettingsEngine } from './settings/slack-settings.routes';
import type { SlackConfig, SlackEngine, SlackLogger } from './slack.types';
import { EngineSlackInstallationStore } from './stores/installation.store';
import { SqlSlackMessageStore } from './stores/sql-message.store';
import type { SqlStore } from './stores/sql-runner';
import { SqlSeenStore } from './stores/sql-seen.store';

/** The SLACK_* settings from the server's validated environment. */
export interface SlackEnv {
  SLACK_SIGNING_SECRET?: string;
  SLACK_BOT_TOKEN?: string;
  SLACK_CLIENT_ID?: string;
  SLACK_CLIENT_SECRET?: string;
  SLACK_STATE_SECRET?: string;
  SLACK_API_URL?: string;
  SLACK_CHANNEL_ID?: string;
  SLACK_TENANT_ID?: string;
}

/** What the server hands every connector (its ConnectorContext), as far as Slack reads it. */
export interface SlackServerContext {
  app: express.Application;
  engine: SlackEngine & SlackSettingsEngine & { store: SqlStore };
  config: { publicUrl: string; env: SlackEnv };
  logger: SlackLogger;
}

/**
 * The Slack config in the environment, or null when none of it is set (Slack off). Names the variable
 * when the config is set but incomplete, so start-up fails with one clear line.
 */
export function slackConfigFromEnv(env: SlackEnv): SlackConfig | null {
  const configured = [env.SLACK_SIGNING_SECRET, env.SLACK_BOT_TOKEN, env.SLACK_CLIENT_ID, env.SLACK_CLIENT_SECRET, env.SLACK_STATE_SECRET].some(Boolean);
  if (!configured) return null;
  if (!env.SLACK_SIGNING_SECRET) throw new Error('slack: SLACK_SIGNING_SECRET is required when Slack is configured (Slack app settings → Basic Information → Signing Secret)');
  const oauth = [env.SLACK_CLIENT_ID, env.SLACK_CLIENT_SECRET, env.SLACK_STATE_SECRET];
  if (oauth.some(Boolean) && !oauth.every(Boolean)) throw new Error('slack: OAuth needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET together');
  if (!oauth.every(Boolean) && !env.SLACK_BOT_TOKEN) throw new Error('slack: set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET + SLACK_STATE_SECRET (OAuth installs)');
  return {
    signingSecret: env.SLACK_SIGNING_SECRET,
    ...(env.SLACK_BOT_TOKEN ? { botToken: env.SLACK_BOT_TOKEN } : {}),
    ...(env.SLACK_CLIENT_ID ? { clientId: env.SLACK_CLIENT_ID, clientSecret: env.SLACK_CLIENT_SECRET, stateSecret: env.SLACK_STATE_SECRET } : {}),
    ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
    ...(env.SLACK_CHANNEL_ID ? { channelId: env.SLACK_CHANNEL_ID } : {}),
    ...(env.SLACK_TENANT_ID ? { tenantId: env.SLACK_TENANT_ID } : {}),
  };
}

/** Without Slack settings, Slack's paths answer a clear 503 instead of a puzzling 404. */
function notConfigured(): express.RequestHandler {
  return (_req, res) => {
    res.status(503).json({
      error: {
        code: 'slack.not_configured',
        message: 'Slack is not configured on this server: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET) and restart',
        details: {},
      },
    });
  };
}

export interface SlackServerConnectorOptions {
  /** Channel pacing other than Slack's one message per second (tests). */
  pacer?: ChannelPacer;
  /** A Web API request timeout other than `SLACK_REQUEST_TIMEOUT_MS` (tests). */
  requestTimeoutMs?: number;
}

/** The server-facing connector, plus the handle of what it registered (null while Slack is off). */
export interface SlackServerConnector {
  id: 'slack';
  register(ctx: SlackServerContext): void;
  readonly handle: SlackConnectorHandle | null;
}

/**
 * The Slack connector as the server lists it: reads SLACK_* from the server's config, persists message
 * refs and retry dedupe in the database (so every API and worker process agrees), mounts Bolt on
 * /slack/events, OAuth on /slack/install and /slack/oauth_redirect, the tenant settings API, and
 * registers the Slack notifier with the engine. With no Slack settings it mounts only 503 answers.
 * Must be registered before any body parser (Slack signs the raw body).
 */
export function createSlackServerConnector(options: SlackServerConnectorOptions = {}): SlackServerConnector {
  let handle: SlackConnectorHandle | null = null;
  return {
    id: 'slack',
    get handle() {
      return handle;
    },
    register(ctx: SlackServerContext): void {
      const fromEnv = slackConfigFromEnv(ctx.config.env);
      if (!fromEnv) {
        ctx.app.use('/slack', notConfigured());
        ctx.app.use(SLACK_SETTINGS_PATH, notConfigured());
        ctx.logger.info({}, 'slack: not configured (no SLACK_* settings); /slack answers 503');
        return;
      }
      const slack = options.requestTimeoutMs === undefined ? fromEnv : { ...fromEnv, requestTimeoutMs: options.requestTimeoutMs };
      const config = { publicUrl: ctx.config.publicUrl, slack };
      const stores = {
        installations: new EngineSlackInstallationStore(ctx.engine),
        messages: new SqlSlackMessageStore(ctx.engine.store),
        seen: new SqlSeenStore(ctx.engine.store),
      };
      handle = slackConnector.register({ app: ctx.app, engine: ctx.engine, config, logger: ctx.logger, stores }, { pacer: options.pacer });
      const workspaces = handle.deps.workspaces;
      ctx.app.use(
        createSlackSettingsRouter({
          engine: ctx.engine,
          config,
          logger: ctx.logger,
          isConnected: async (tenantId) => (await workspaces.tokenForTenant(tenantId)) !== null,
        }),
      );
      ctx.logger.info(
        { mode: slack.clientId ? 'oauth' : 'single_workspace', events: `${ctx.config.publicUrl}${SLACK_PATHS.events}` },
        'slack connector mounted',
      );
    },
  };
}

/** The connector the server's composition root lists. */
export const slackServerConnector = createSlackServerConnector();
