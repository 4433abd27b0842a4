import type { App, BlockAction, StaticSelectAction } from '@slack/bolt';
import { decodeAutonomyChoice } from '../../blocks/button-value';
import { AUTONOMY_SELECT_ID } from '../../constants';
import type { WebClient } from '../../slack-client';
import { runSlackAction, tellUser, type SlackActionOutcome } from '../../services/run-action';
import type { SlackDeps } from '../../services/slack-deps';
import { clickedMessage } from './conversation-buttons';

/** A pick in the autonomy menu: the engine's `set_autonomy` with the version the agent saw. */
export async function handleAutonomyPick(
  deps: SlackDeps,
  { body, action, client }: { body: BlockAction<StaticSelectAction>; action: StaticSelectAction; client: WebClient },
): Promise<SlackActionOutcome | 'bad_value'> {
  const message = clickedMessage(body);
  let choice;
  try {
    choice = decodeAutonomyChoice(action.selected_option?.value);
  } catch (error) {
    deps.logger.warn({ actionId: action.action_id, err: (error as Error).message }, 'slack: bad autonomy choice');
    await tellUser(deps, client, body.user.id, message, 'That choice is not one Tandem understands; nothing was changed.');
    return 'bad_value';
  }
  return runSlackAction(deps, {
    client,
    teamId: body.team?.id ?? body.user.team_id ?? '',
    userId: body.user.id,
    conversationId: choice.conversationId,
    type: 'set_autonomy',
    version: choice.version,
    autonomy: choice.autonomy,
    message,
  });
}

/** Registers the autonomy menu. Bolt acks first; the work runs after the ack. */
export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<StaticSelectAction>>(AUTONOMY_SELECT_ID, async ({ ack, body, action, client }) => {
    await ack();
    await handleAutonomyPick(deps, { body, action, client });
  });
}
