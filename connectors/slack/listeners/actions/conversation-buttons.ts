import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { decodeButtonValue } from '../../blocks/button-value';
import { ACTION_IDS, BUTTON_ACTION, DIRECT_BUTTONS, type DirectButton } from '../../constants';
import type { WebClient } from '../../slack-client';
import { runSlackAction, tellUser, type SlackActionOutcome } from '../../services/run-action';
import type { SlackDeps } from '../../services/slack-deps';

/** What a button click handler needs from Bolt's arguments. */
export interface ButtonArgs {
  body: BlockAction<ButtonAction>;
  action: ButtonAction;
  client: WebClient;
}

/** Where the clicked conversation message lives. */
export function clickedMessage(body: BlockAction): { channel: string; ts: string } | null {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const ts = body.message?.ts ?? body.container?.message_ts;
  return channel && ts ? { channel, ts } : null;
}

/** Approve, Discard, Take over, Hand back, Close, Reopen: one engine command each, after the ack. */
export async function handleDirectButton(deps: SlackDeps, key: DirectButton, { body, action, client }: ButtonArgs): Promise<SlackActionOutcome | 'bad_value'> {
  const message = clickedMessage(body);
  let value;
  try {
    value = decodeButtonValue(action.value);
  } catch (error) {
    deps.logger.warn({ actionId: action.action_id, err: (error as Error).message }, 'slack: bad button value');
    await tellUser(deps, client, body.user.id, message, 'That button is not one Tandem understands; nothing was done.');
    return 'bad_value';
  }
  return runSlackAction(deps, {
    client,
    teamId: body.team?.id ?? body.user.team_id ?? '',
    userId: body.user.id,
    conversationId: value.conversationId,
    type: BUTTON_ACTION[key],
    version: value.version,
    draftId: value.draftId,
    message,
  });
}

/** Registers the direct-action buttons. Bolt acks first; the work runs after the ack. */
export function register(app: App, deps: SlackDeps): void {
  for (const key of DIRECT_BUTTONS) {
    app.action<BlockAction<ButtonAction>>(ACTION_IDS[key], async ({ ack, body, action, client }) => {
      await ack();
      await handleDirectButton(deps, key, { body, action, client });
    });
  }
}
