import type { ConversationView } from '../../../core/index';
import { CALLBACK_IDS, MODAL_INPUT } from '../constants';
import type { ModalView } from './block-kit.types';
import { escapeMrkdwn, quote, truncate } from './format';
import { lastInbound } from './conversation-message.blocks';

/** What a modal remembers between opening and submission. */
export interface ModalMetadata {
  conversationId: string;
  version: number;
  draftId: string | null;
  /** The conversation message the modal was opened from, for the update and ephemeral replies. */
  channel: string | null;
  ts: string | null;
}

/** Encodes modal metadata (private_metadata allows 3000 characters). */
export function encodeModalMetadata(meta: ModalMetadata): string {
  return JSON.stringify(meta);
}

/** Decodes modal metadata; throws a clear error on anything we did not produce. */
export function decodeModalMetadata(raw: string | undefined): ModalMetadata {
  let p: Partial<ModalMetadata>;
  try {
    p = JSON.parse(raw ?? '') as Partial<ModalMetadata>;
  } catch {
    throw new Error('slack.bad_modal_metadata: not JSON');
  }
  if (typeof p.conversationId !== 'string' || typeof p.version !== 'number') {
    throw new Error('slack.bad_modal_metadata: needs a conversation id and a version');
  }
  return {
    conversationId: p.conversationId,
    version: p.version,
    draftId: typeof p.draftId === 'string' ? p.draftId : null,
    channel: typeof p.channel === 'string' ? p.channel : null,
    ts: typeof p.ts === 'string' ? p.ts : null,
  };
}

/** SMS bodies longer than this are refused by the modal (10 segments of GSM-7). */
export const MAX_SMS_TEXT = 1530;

function textModal(
  callbackId: string,
  title: string,
  submit: string,
  view: ConversationView,
  meta: ModalMetadata,
  initialValue: string | undefined,
): ModalView {
  const inbound = lastInbound(view);
  const context = inbound
    ? `*${escapeMrkdwn(view.lead.name)}* said:\n${quote(truncate(escapeMrkdwn(inbound.body), 2800))}`
    : `To *${escapeMrkdwn(view.lead.name)}* · ${escapeMrkdwn(view.lead.phoneMasked)}`;
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: encodeModalMetadata(meta),
    title: { type: 'plain_text', text: title },
    submit: { type: 'plain_text', text: submit },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', block_id: 'context', text: { type: 'mrkdwn', text: context } },
      {
        type: 'input',
        block_id: MODAL_INPUT.blockId,
        label: { type: 'plain_text', text: 'Text message to the lead' },
        hint: { type: 'plain_text', text: 'This is sent to the lead by SMS when you submit.' },
        element: {
          type: 'plain_text_input',
          action_id: MODAL_INPUT.actionId,
          multiline: true,
          max_length: MAX_SMS_TEXT,
          ...(initialValue !== undefined ? { initial_value: initialValue } : {}),
        },
      },
    ],
  };
}

/** The Edit modal: the AI draft, prefilled, sent as edited on submit. */
export function buildEditModal(view: ConversationView, meta: ModalMetadata): ModalView {
  return textModal(CALLBACK_IDS.editModal, 'Edit the AI draft', 'Send', view, meta, view.draft?.body.slice(0, MAX_SMS_TEXT) ?? '');
}

/** The Reply modal: free text from the agent (takes the conversation over). */
export function buildReplyModal(view: ConversationView, meta: ModalMetadata): ModalView {
  return textModal(CALLBACK_IDS.replyModal, 'Reply to the lead', 'Send', view, meta, undefined);
}
