import type express from 'express';
import type { AgentRecord, EngineCommon } from '../../core/index';
import type { SlackInstallationStore } from './stores/installation.store';
import type { SlackMessageStore } from './stores/message.store';
import type { SeenStore } from './stores/seen.store';

/** Slack settings from the server's typed config. */
export interface SlackConfig {
  /** The app's signing secret: every request from Slack is checked against it. */
  signingSecret: string;
  /** Single-workspace mode: a bot token from the app's settings page instead of OAuth installs. */
  botToken?: string;
  /** Multi-workspace OAuth: needs clientId, clientSecret and stateSecret. */
  clientId?: string;
  clientSecret?: string;
  /** Signs the OAuth state and the tenant install links. */
  stateSecret?: string;
  /** Web API base URL (default https://slack.com/api/); point it at a fake in tests and demos. */
  apiUrl?: string;
  /** Web API request timeout; defaults to `SLACK_REQUEST_TIMEOUT_MS` (tests shorten it). */
  requestTimeoutMs?: number;
  /** Default channel for tenants that have not picked one. */
  channelId?: string;
  /** Single-workspace mode: the tenant this workspace serves when no integration record binds it. */
  tenantId?: string;
}

/**
 * The bot that posts for a workspace, as far as it is known: messages it posts carry this `bot_id` and
 * `app_id`. Either may be null (an installation stored without it, or `auth.test` without `app_id`).
 */
export interface SlackBotIdentity {
  botId: string | null;
  appId: string | null;
}

/** The structured logger the server hands over (pino-compatible subset). */
export interface SlackLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SlackStores {
  installations: SlackInstallationStore;
  messages: SlackMessageStore;
  seen: SeenStore;
}

/**
 * The engine as Slack uses it: the common surface plus a look-up of one agent (whose Slack id an
 * escalation pings). The server's engine has it.
 */
export interface SlackEngine extends EngineCommon {
  agents: EngineCommon['agents'] & { get(tenantId: string, agentId: string): Promise<AgentRecord | null> };
}

/** What the server passes to `slackConnector.register`. */
export interface SlackConnectorContext {
  app: express.Application;
  engine: SlackEngine;
  config: { publicUrl: string; slack: SlackConfig };
  logger: SlackLogger;
  stores: SlackStores;
}

/** Per-tenant settings, kept in the tenant's `slack` integration record config. */
export interface SlackTenantSettings {
  channelId: string | null;
  /** Thread replies from the agent who took over go to the lead (off: every thread reply is a note). */
  threadRepliesSendToLead: boolean;
  /** Who an escalation pings when nobody is assigned. */
  escalationMention: 'channel' | 'here' | 'none';
}
