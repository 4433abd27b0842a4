import type { ActionType } from '../../core/index';

/**
 * Identifiers shared by the Block Kit builders, the Bolt listeners and the app manifest. Change one here
 * and every side follows; the manifest test fails if the manifest drifts.
 */

/** The one slash command. */
export const SLASH_COMMAND = '/tandem';

/** Paths on the server's Express app. */
export const SLACK_PATHS = {
  events: '/slack/events',
  install: '/slack/install',
  oauthRedirect: '/slack/oauth_redirect',
} as const;

/** Buttons on the conversation message, one per agent command a Slack user can start. */
export const ACTION_IDS = {
  approve: 'tandem_approve',
  edit: 'tandem_edit',
  discard: 'tandem_discard',
  takeover: 'tandem_takeover',
  handback: 'tandem_handback',
  reply: 'tandem_reply',
  close: 'tandem_close',
  reopen: 'tandem_reopen',
} as const;
export type ButtonKey = keyof typeof ACTION_IDS;

/** The menu on the conversation message that sets who answers the lead: the AI alone, the AI with approval, or no AI. */
export const AUTONOMY_SELECT_ID = 'tandem_autonomy';

/** Buttons that run an engine command straight away (no modal). */
export const DIRECT_BUTTONS = ['approve', 'discard', 'takeover', 'handback', 'close', 'reopen'] as const satisfies readonly ButtonKey[];
export type DirectButton = (typeof DIRECT_BUTTONS)[number];

/** Which engine action a button stands for (Reply is the engine's free-text `send`). */
export const BUTTON_ACTION: Record<ButtonKey, ActionType> = {
  approve: 'approve',
  edit: 'edit',
  discard: 'discard',
  takeover: 'takeover',
  handback: 'handback',
  reply: 'send',
  close: 'close',
  reopen: 'reopen',
};

/** Modal callback ids. */
export const CALLBACK_IDS = {
  editModal: 'tandem_edit_modal',
  replyModal: 'tandem_reply_modal',
} as const;

/** Block and action ids of the text input inside the edit and reply modals. */
export const MODAL_INPUT = { blockId: 'tandem_text', actionId: 'tandem_text_input' } as const;

/** Bot scopes the app asks for at install; the manifest lists exactly these. */
export const BOT_SCOPES = [
  'chat:write',
  'commands',
  'users:read',
  'users:read.email',
  'channels:history',
  'groups:history',
  'channels:read',
  'groups:read',
  'reactions:write',
] as const;

/**
 * Events the app subscribes to: talk in conversation threads (public and private channels), and the
 * workspace removing the app or revoking its token (the tenant's Slack is then turned off).
 */
export const BOT_EVENTS = ['message.channels', 'message.groups', 'app_uninstalled', 'tokens_revoked'] as const;

/**
 * `event_type` of the message metadata on every conversation message (Slack: letters, digits, `_`, `-`).
 * A retried post finds the message an earlier, timed-out attempt may have posted by it.
 */
export const CONVERSATION_METADATA_EVENT_TYPE = 'tandem_conversation';

/** Slack allows about one message per second per channel. */
export const CHANNEL_MESSAGE_INTERVAL_MS = 1000;
