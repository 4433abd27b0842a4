import { CALLBACK_IDS, MODAL_INPUT } from '../constants';
import { buildView } from '../test-support/build-view';
import { buildEditModal, buildReplyModal, decodeModalMetadata, encodeModalMetadata, MAX_SMS_TEXT } from './modals.blocks';

const meta = { conversationId: 'conv-1', version: 3, draftId: 'draft-1', channel: 'C1', ts: '1.2' };

describe('modals', () => {
  it('Edit is prefilled with the draft and remembers what the agent saw', () => {
    const modal = buildEditModal(buildView(), meta);
    expect(modal.callback_id).toBe(CALLBACK_IDS.editModal);
    expect(decodeModalMetadata(modal.private_metadata)).toEqual(meta);
    const input = modal.blocks.find((b) => b.block_id === MODAL_INPUT.blockId) as { element: { action_id: string; initial_value?: string; max_length?: number } };
    expect(input.element).toMatchObject({ action_id: MODAL_INPUT.actionId, initial_value: buildView().draft!.body, max_length: MAX_SMS_TEXT });
  });

  it('Reply starts empty and quotes what the lead said', () => {
    const modal = buildReplyModal(buildView(), { ...meta, draftId: null });
    expect(modal.callback_id).toBe(CALLBACK_IDS.replyModal);
    const input = modal.blocks.find((b) => b.block_id === MODAL_INPUT.blockId) as { element: { initial_value?: string } };
    expect(input.element.initial_value).toBeUndefined();
    expect(JSON.stringify(modal.blocks[0])).toContain('>How much is the premium plan?');
  });

  it('refuses metadata it did not produce', () => {
    expect(() => decodeModalMetadata('nope')).toThrow('slack.bad_modal_metadata');
    expect(() => decodeModalMetadata('{"conversationId":1}')).toThrow('slack.bad_modal_metadata');
    expect(decodeModalMetadata(encodeModalMetadata({ ...meta, channel: null, ts: null }))).toEqual({ ...meta, channel: null, ts: null });
  });
});
