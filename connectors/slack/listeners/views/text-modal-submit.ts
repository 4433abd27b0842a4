import type { App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { decodeModalMetadata } from '../../blocks/modals.blocks';
import { CALLBACK_IDS, MODAL_INPUT } from '../../constants';
import type { WebClient } from '../../slack-client';
import { runSlackAction, type SlackActionOutcome } from '../../services/run-action';
import type { SlackDeps } from '../../services/slack-deps';

type Ack = SlackViewMiddlewareArgs<ViewSubmitAction>['ack'];

/** The text typed in an Edit / Reply modal. */
export function modalText(view: ViewSubmitAction['view']): string {
  return (view.state.values[MODAL_INPUT.blockId]?.[MODAL_INPUT.actionId]?.value ?? '').trim();
}

/**
 * Edit / Reply submission: an empty text keeps the modal open with an error; otherwise the modal closes
 * at once and the text goes to the engine (`edit` sends the edited draft, `send` the free text).
 */
export async function handleTextModalSubmit(
  deps: SlackDeps,
  kind: 'edit' | 'reply',
  { ack, body, view, client }: { ack: Ack; body: ViewSubmitAction; view: ViewSubmitAction['view']; client: WebClient },
): Promise<SlackActionOutcome | 'empty' | 'bad_metadata'> {
  const text = modalText(view);
  if (!text) {
    await ack({ response_action: 'errors', errors: { [MODAL_INPUT.blockId]: 'Write the text to send to the lead.' } });
    return 'empty';
  }
  let meta;
  try {
    meta = decodeModalMetadata(view.private_metadata);
  } catch (error) {
    await ack({ response_action: 'errors', errors: { [MODAL_INPUT.blockId]: 'This form is out of date; open it again from the conversation.' } });
    deps.logger.warn({ err: (error as Error).message }, 'slack: bad modal metadata');
    return 'bad_metadata';
  }
  await ack();
  return runSlackAction(deps, {
    client,
    teamId: body.team?.id ?? body.user.team_id ?? '',
    userId: body.user.id,
    conversationId: meta.conversationId,
    type: kind === 'edit' ? 'edit' : 'send',
    version: meta.version,
    draftId: meta.draftId,
    text,
    message: meta.channel && meta.ts ? { channel: meta.channel, ts: meta.ts } : null,
  });
}

/** Registers the Edit and Reply modal submissions. */
export function register(app: App, deps: SlackDeps): void {
  app.view<ViewSubmitAction>(CALLBACK_IDS.editModal, async ({ ack, body, view, client }) => {
    await handleTextModalSubmit(deps, 'edit', { ack, body, view, client });
  });
  app.view<ViewSubmitAction>(CALLBACK_IDS.replyModal, async ({ ack, body, view, client }) => {
    await handleTextModalSubmit(deps, 'reply', { ack, body, view, client });
  });
}
