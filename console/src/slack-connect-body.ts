/** The Slack settings as the server shows them, what the form holds, and the `PUT /api/v1/integrations/slack` body. */

export type EscalationMention = 'here' | 'channel' | 'none';

/** `GET /api/v1/integrations/slack`'s `slack` (connectors/slack/settings/slack-settings.routes.ts). */
export interface SlackSettings {
  mode: 'oauth' | 'single_workspace';
  connected: boolean;
  enabled: boolean;
  teamId: string | null;
  channelId: string | null;
  threadRepliesSendToLead: boolean;
  escalationMention: EscalationMention;
  installUrl: string | null;
}

export interface SlackFormValues {
  channelId: string;
  threadRepliesSendToLead: boolean;
  escalationMention: EscalationMention;
  enabled: boolean;
}

export interface SlackSettingsBody {
  channelId: string | null;
  threadRepliesSendToLead: boolean;
  escalationMention: EscalationMention;
  enabled: boolean;
}

/** Whom an escalation pings, in words, for the facts and the menu. */
export const MENTIONS: Array<[EscalationMention, string]> = [
  ['here', '@here: people active in the channel'],
  ['channel', '@channel: everyone in the channel'],
  ['none', 'No one: post without a ping'],
];

export const mentionText = (m: EscalationMention): string => MENTIONS.find(([v]) => v === m)?.[1] ?? m;

/** The form as the stored settings fill it. */
export function slackValuesOf(s: SlackSettings): SlackFormValues {
  return { channelId: s.channelId ?? '', threadRepliesSendToLead: s.threadRepliesSendToLead, escalationMention: s.escalationMention, enabled: s.enabled };
}

/**
 * The request body: every setting the form shows. The channel id is trimmed and sent as typed otherwise (the
 * server names a bad one at its field); an empty one is null, which leaves the tenant on the server's default
 * channel (SLACK_CHANNEL_ID), if it has one.
 */
export function slackSettingsBody(v: SlackFormValues): SlackSettingsBody {
  return {
    channelId: v.channelId.trim() || null,
    threadRepliesSendToLead: v.threadRepliesSendToLead,
    escalationMention: v.escalationMention,
    enabled: v.enabled,
  };
}

/**
 * Whether an answer from the settings route means "this server has no Slack": the connector answers
 * `503 slack.not_configured` without SLACK_* settings, and a server without the connector has no route (404).
 * The DELETE's own 404 (`integration.not_connected`: nothing to disconnect) is not that.
 */
export function slackNotConfigured(err: { status?: unknown; code?: unknown } | null | undefined): boolean {
  if (!err) return false;
  return err.code === 'slack.not_configured' || err.status === 503 || (err.status === 404 && err.code !== 'integration.not_connected');
}

/** `DELETE /api/v1/integrations/slack`'s answer: the settings after (not connected), and what is left to do in Slack. */
export interface SlackDisconnectAnswer {
  slack: SlackSettings;
  /** Slack confirmed it uninstalled Tandem from the workspace. */
  revoked: boolean;
  note: string;
}

/**
 * Whether an admin is offered "Disconnect Slack": in OAuth mode, once a workspace is connected, or paused while
 * a workspace is still on record. A single-workspace server's connection is its own setting (the route answers
 * 409 there): that tenant pauses Slack instead.
 */
export function canDisconnect(s: SlackSettings): boolean {
  return s.mode === 'oauth' && (s.connected || (!s.enabled && s.teamId !== null));
}

/** The status line after a disconnect: the server's note says what happened in Slack and what is left to do there. */
export function disconnectedMessage(r: SlackDisconnectAnswer): string {
  return `Slack disconnected. ${r.note}`;
}
