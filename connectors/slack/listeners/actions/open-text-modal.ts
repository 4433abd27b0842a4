import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { decodeButtonValue } from '../../blocks/button-value';
import { buildEditModal, buildReplyModal } from '../../blocks/modals.blocks';
import { ACTION_IDS } from '../../constants';
import { refreshMessage, resolveActor, tellUser } from '../../services/run-action';
import type { SlackDeps } from '../../services/slack-deps';
import { clickedMessage, type ButtonArgs } from './conversation-buttons';

export type TextModalKind = 'edit' | 'reply';

/**
 * Edit / Reply: opens a modal (prefilled with the draft for Edit). Checks who is asking and that the
 * message is current first, so nobody types a reply that cannot be sent.
 */
export async function openTextModal(deps: SlackDeps, kind: TextModalKind, { body, action, client }: ButtonArgs): Promise<'opened' | 'stale' | 'refused'> {
  const message = clickedMessage(body);
  let value;
  try {
    value = decodeButtonValue(action.value);
  } catch {
    await tellUser(deps, client, body.user.id, message, 'That button is not one Tandem understands; nothing was done.');
    return 'refused';
  }
  const teamId = body.team?.id ?? body.user.team_id ?? '';
  const who = await resolveActor(deps, client, teamId, body.user.id, message);
  if (typeof who === 'string') return 'refused';
  const view = await deps.engine.conversations.view(who.tenantId, value.conversationId);
  const needed = kind === 'edit' ? 'edit' : 'send';
  if (view.version !== value.version || !view.allowedActions.includes(needed)) {
    await refreshMessage(deps, client, who.tenantId, view, message);
    await tellUser(deps, client, body.user.id, message, 'This conversation changed since this message was shown; it now shows the latest state. Nothing was sent.');
    return 'stale';
  }
  const meta = {
    conversationId: view.id,
    version: view.version,
    draftId: kind === 'edit' ? (view.draft?.id ?? null) : null,
    channel: message?.channel ?? null,
    ts: message?.ts ?? null,
  };
  await client.views.open({ trigger_id: body.trigger_id, view: kind === 'edit' ? buildEditModal(view, meta) : buildReplyModal(view, meta) });
  return 'opened';
}

/** Registers the Edit and Reply buttons. */
export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.edit, async ({ ack, body, action, client }) => {
    await ack();
    await openTextModal(deps, 'edit', { body, action, client });
  });
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.reply, async ({ ack, body, action, client }) => {
    await ack();
    await openTextModal(deps, 'reply', { body, action, client });
  });
}
