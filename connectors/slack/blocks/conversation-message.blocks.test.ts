import type { ActionsBlock, Button, KnownBlock, StaticSelect } from './block-kit.types';
import { ACTION_IDS, AUTONOMY_SELECT_ID } from '../constants';
import { buildDraft, buildMessage, buildView } from '../test-support/build-view';
import { decodeAutonomyChoice, decodeButtonValue } from './button-value';
import { buildConversationMessage, decisionLine, statusLine } from './conversation-message.blocks';

function buttons(blocks: KnownBlock[]): Button[] {
  const actions = blocks.find((b) => b.type === 'actions') as ActionsBlock | undefined;
  return (actions?.elements ?? []) as Button[];
}
function block(blocks: KnownBlock[], id: string): string {
  return JSON.stringify(blocks.find((b) => b.block_id === id) ?? null);
}

describe('buildConversationMessage', () => {
  it('shows lead name, masked phone, tag, score and signals, never the full phone', () => {
    const { blocks, text } = buildConversationMessage(buildView());
    expect(block(blocks, 'lead')).toContain('*Jane Doe* · +1 •••• ••• 0142');
    expect(block(blocks, 'lead')).toContain(':fire: *HOT* · score 82');
    expect(block(blocks, 'signals')).toContain('Asked about pricing (+20) · Buying this month (+25)');
    expect(JSON.stringify(blocks)).not.toContain('+14155550142');
    expect(text).toBe('Tandem: Jane Doe (HOT 82)');
  });

  it('shows the last inbound text and the pending AI draft', () => {
    const view = buildView({
      messages: [buildMessage({ id: 'm1', body: 'first' }), buildMessage({ id: 'm2', direction: 'out', author: 'ai', body: 'reply' }), buildMessage({ id: 'm3', body: 'latest question' })],
    });
    const { blocks } = buildConversationMessage(view);
    expect(block(blocks, 'inbound')).toContain('>latest question');
    expect(block(blocks, 'inbound')).not.toContain('first');
    expect(block(blocks, 'draft')).toContain('>Hi Jane! Premium is $49/month.');
    expect(block(blocks, 'status')).toContain('AI draft waiting for approval');
  });

  it('shows exactly the buttons in allowedActions, Reply standing for send', () => {
    const all = buildView({ allowedActions: ['approve', 'edit', 'discard', 'takeover', 'handback', 'send', 'note', 'close', 'reopen'] });
    expect(buttons(buildConversationMessage(all).blocks).map((b) => b.action_id)).toEqual([
      ACTION_IDS.approve,
      ACTION_IDS.edit,
      ACTION_IDS.discard,
      ACTION_IDS.takeover,
      ACTION_IDS.handback,
      ACTION_IDS.reply,
      ACTION_IDS.close,
      ACTION_IDS.reopen,
    ]);
    const some = buildView({ allowedActions: ['send', 'note'] });
    expect(buttons(buildConversationMessage(some).blocks).map((b) => [b.action_id, b.text.text])).toEqual([[ACTION_IDS.reply, 'Reply']]);
    const none = buildView({ allowedActions: ['note'] });
    expect(buildConversationMessage(none).blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('offers the autonomy menu while the engine allows set_autonomy, showing the override in force', () => {
    const menuOf = (blocks: KnownBlock[]) =>
      ((blocks.find((b) => b.type === 'actions') as ActionsBlock | undefined)?.elements ?? []).find((e) => (e as StaticSelect).action_id === AUTONOMY_SELECT_ID) as StaticSelect | undefined;
    const following = menuOf(buildConversationMessage(buildView({ version: 4, allowedActions: ['takeover', 'set_autonomy'], autonomy: 'copilot', autonomyOverride: null })).blocks)!;
    expect(following.options!.map((o) => o.text.text)).toEqual(['Team setting', 'AI replies on its own', 'AI drafts, a person approves', 'AI off: people reply']);
    expect(following.options!.map((o) => decodeAutonomyChoice(o.value))).toEqual(
      [null, 'autopilot', 'copilot', 'off'].map((autonomy) => ({ conversationId: 'conv-1', version: 4, autonomy })),
    );
    expect(following.initial_option!.text.text).toBe('Team setting');
    const off = menuOf(buildConversationMessage(buildView({ allowedActions: ['set_autonomy'], autonomy: 'off', autonomyOverride: 'off' })).blocks)!;
    expect(off.initial_option!.text.text).toBe('AI off: people reply');
    // Closed: the engine does not allow it, so there is no menu (and no actions block when nothing else is allowed).
    expect(buildConversationMessage(buildView({ status: 'closed', allowedActions: ['reopen'] })).blocks.some((b) => JSON.stringify(b).includes(AUTONOMY_SELECT_ID))).toBe(false);
  });

  it('every button carries conversation id, version and the draft shown', () => {
    for (const b of buttons(buildConversationMessage(buildView({ version: 7 })).blocks)) {
      expect(decodeButtonValue(b.value)).toEqual({ conversationId: 'conv-1', version: 7, draftId: 'draft-1' });
    }
    const noDraft = buildView({ draft: null, allowedActions: ['takeover'] });
    expect(decodeButtonValue(buttons(buildConversationMessage(noDraft).blocks)[0].value).draftId).toBeNull();
  });

  it('labels Approve as primary and asks before Discard and Close', () => {
    const bs = buttons(buildConversationMessage(buildView()).blocks);
    expect(bs.find((b) => b.action_id === ACTION_IDS.approve)).toMatchObject({ style: 'primary', text: { text: 'Approve & send' } });
    expect(bs.find((b) => b.action_id === ACTION_IDS.discard)?.confirm).toBeDefined();
    expect(bs.find((b) => b.action_id === ACTION_IDS.close)?.confirm).toBeDefined();
    expect(bs.find((b) => b.action_id === ACTION_IDS.edit)?.confirm).toBeUndefined();
  });

  it('explains a draft the guardrail held back', () => {
    const view = buildView({ draft: buildDraft({ heldBy: ['pricing_promise', 'legal_advice'] }) });
    expect(block(buildConversationMessage(view).blocks, 'status')).toContain('held back by the guardrail* (pricing_promise, legal_advice)');
  });

  it('mentions people on an escalation, in the status line and the notification text', () => {
    const view = buildView({ flags: { needsHuman: true, quietHours: false, optedOut: false, crmSyncFailed: false }, status: 'needs_human', draft: null });
    const m = buildConversationMessage(view, { mention: '<@U0DANA>' });
    expect(block(m.blocks, 'status')).toContain('<@U0DANA> :rotating_light: *Needs a person*');
    expect(m.text).toBe('Tandem: <@U0DANA> Jane Doe needs a person');
    // No escalation, no ping, even if a mention is passed.
    expect(buildConversationMessage(buildView(), { mention: '<!here>' }).text).not.toContain('<!here>');
  });

  it('shows who decided what, where and when', () => {
    const view = buildView({ lastDecision: { action: 'edit', actorName: 'Sam Seller', surface: 'salesforce', at: '2025-06-01T18:00:00.000Z' } });
    expect(block(buildConversationMessage(view).blocks, 'decision')).toContain(
      'Edited & sent by *Sam Seller* in Salesforce · <!date^1748800800^{date_short_pretty} at {time}|2025-06-01T18:00:00.000Z>',
    );
    expect(decisionLine({ action: 'takeover', actorName: 'A', surface: 'api', at: '2025-06-01T18:00:00.000Z' })).toMatch(/^Took over by \*A\* via the API/);
  });

  it('escapes lead text so an SMS cannot ping the channel or forge links', () => {
    const view = buildView({
      lead: { ...buildView().lead, name: 'Eve <!channel>' },
      messages: [buildMessage({ body: 'hi <!everyone> & <https://evil.test|click>' })],
    });
    const json = JSON.stringify(buildConversationMessage(view).blocks);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<!everyone>');
    expect(json).toContain('&lt;!everyone&gt; &amp; &lt;https://evil.test|click&gt;');
  });

  it('notes opt-out and quiet hours', () => {
    const optedOut = buildView({ flags: { needsHuman: false, quietHours: true, optedOut: true, crmSyncFailed: false } });
    expect(block(buildConversationMessage(optedOut).blocks, 'decision')).toContain('Opted out');
    const quiet = buildView({ flags: { needsHuman: false, quietHours: true, optedOut: false, crmSyncFailed: false } });
    expect(block(buildConversationMessage(quiet).blocks, 'decision')).toContain('Quiet hours');
  });

  it('status reflects closed, taken over and AI-handled conversations', () => {
    expect(statusLine(buildView({ status: 'closed' }), null)).toContain('closed');
    expect(statusLine(buildView({ draft: null, mode: 'human', assignee: { agentId: 'a', name: 'Dana' } }), null)).toContain('*Dana* has taken over');
    expect(statusLine(buildView({ draft: null }), null)).toContain('AI is handling');
  });

  it('keeps section text within Slack limits for very long texts', () => {
    const view = buildView({ messages: [buildMessage({ body: 'x'.repeat(10000) })], draft: buildDraft({ body: 'y'.repeat(10000) }) });
    for (const b of buildConversationMessage(view).blocks) {
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    }
  });
});
