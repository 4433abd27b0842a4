import express from 'express';
import nock from 'nock';
import { buildConversationMessage } from './blocks/conversation-message.blocks';
import { blockedThreadText, escalationThreadText, inboundThreadText, noteThreadText } from './blocks/thread.blocks';
import { buildMessage, buildView } from './test-support/build-view';
import { BOT_TOKEN, CHANNEL, createHarness, mockAuthTest, SLACK_HOST, TEAM_ID, TENANT_ID, type Harness } from './test-support/harness';
import { buildAgent, FakeEngine } from './test-support/fake-engine';
import { slackConnector } from './index';
import type { SlackConfig } from './slack.types';
import { EngineSlackInstallationStore, InMemorySlackInstallationStore, type SlackInstallationStore } from './stores/installation.store';
import { InMemorySlackMessageStore } from './stores/message.store';
import { InMemorySeenStore } from './stores/seen.store';

const TS = '1700000000.000100';
const escalated = () =>
  buildView({ status: 'needs_human', draft: null, flags: { needsHuman: true, quietHours: false, optedOut: false, crmSyncFailed: false }, allowedActions: ['takeover', 'send', 'note', 'close'] });

function harness(): Harness {
  const h = createHarness();
  expect(h.engine.notifiers).toEqual([h.handle.notifier]);
  return h;
}

describe('SlackNotifier', () => {
  it('needs_decision posts one message in the tenant channel and remembers it', async () => {
    const h = harness();
    const scope = h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: TS });
    const view = buildView();
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view, reason: 'copilot' });
    expect(scope.isDone()).toBe(true);
    const expected = buildConversationMessage(view);
    expect(h.slack.bodies('chat.postMessage')).toEqual([
      {
        channel: CHANNEL,
        text: expected.text,
        blocks: expected.blocks,
        metadata: { event_type: 'tandem_conversation', event_payload: { conversation_id: 'conv-1', tenant_id: TENANT_ID } },
        unfurl_links: 'false',
        unfurl_media: 'false',
      },
    ]);
    expect(h.slack.calls[0].authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(await h.stores.messages.get(TENANT_ID, 'conv-1')).toEqual({ tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS });
  });

  it('a second needs_decision for the same conversation updates instead of posting again', async () => {
    const h = harness();
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: TS });
    h.slack.expect('chat.update', { channel: CHANNEL, ts: TS });
    await Promise.all([
      h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view: buildView(), reason: 'copilot' }),
      h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view: buildView({ version: 4 }), reason: 'copilot' }),
    ]);
    expect(h.slack.methods()).toEqual(['chat.postMessage', 'chat.update']);
    // The later view (version 4) is what the message shows.
    expect(JSON.stringify(h.slack.bodies('chat.update')[0].blocks)).toContain('\\"v\\":4');
  });

  it('an escalation pings <!here> by default, and the assignee by Slack id once known', async () => {
    const h = harness();
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: TS });
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view: escalated(), reason: 'angry lead' });
    expect(h.slack.bodies('chat.postMessage')[0].text).toBe('Tandem: <!here> Jane Doe needs a person');

    // Dana acted from Slack earlier, so Tandem knows her Slack id.
    h.handle.deps.identity.remember(TENANT_ID, 'agent-1', 'U0DANA');
    h.slack.expect('chat.update');
    h.slack.expect('chat.postMessage', { ts: '1700000000.000200' });
    const assigned = { ...escalated(), version: 4, assignee: { agentId: 'agent-1', name: 'Dana Agent' } };
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view: assigned, reason: 'asked for a manager' });
    expect(h.slack.bodies('chat.update')[0].text).toBe('Tandem: <@U0DANA> Jane Doe needs a person');
    // Edits do not notify: the ping goes into the thread.
    expect(h.slack.bodies('chat.postMessage')[1]).toEqual({
      channel: CHANNEL,
      thread_ts: TS,
      text: escalationThreadText('<@U0DANA>', 'asked for a manager'),
      unfurl_links: 'false',
      unfurl_media: 'false',
    });
  });

  it("pings the assignee by the Slack id on their agent record, in a process that never saw them click", async () => {
    const h = harness();
    h.engine.agentsList.push(buildAgent({ id: 'agent-7', slackUserId: 'U0SEVEN' }));
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: TS });
    const assigned = { ...escalated(), assignee: { agentId: 'agent-7', name: 'Dana Agent' } };
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view: assigned, reason: 'asked for a manager' });
    expect(h.slack.bodies('chat.postMessage')[0].text).toBe('Tandem: <@U0SEVEN> Jane Doe needs a person');
  });

  it('uses <!channel> when the tenant asks for it', async () => {
    const h = harness();
    await h.engine.integrations.put(TENANT_ID, 'slack', { externalId: TEAM_ID, config: { escalationMention: 'channel', channelId: 'C0OTHER' }, enabled: true });
    h.slack.expect('chat.postMessage', { channel: 'C0OTHER', ts: TS });
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view: escalated(), reason: 'x' });
    expect(h.slack.bodies('chat.postMessage')[0]).toMatchObject({ channel: 'C0OTHER', text: 'Tandem: <!channel> Jane Doe needs a person' });
  });

  it('changed (a decision on any surface) updates the stored message', async () => {
    const h = harness();
    await h.stores.messages.save({ tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS });
    h.slack.expect('chat.update');
    const view = buildView({ version: 4, draft: null, lastDecision: { action: 'approve', actorName: 'Sam', surface: 'hubspot', at: '2025-06-01T18:00:00.000Z' } });
    await h.handle.notifier.notify({ type: 'conversation.changed', tenantId: TENANT_ID, view });
    const expected = buildConversationMessage(view);
    expect(h.slack.bodies('chat.update')).toEqual([{ channel: CHANNEL, ts: TS, text: expected.text, blocks: expected.blocks }]);
  });

  it('a late job with an older view never puts stale buttons back on the message', async () => {
    const h = harness();
    await h.stores.messages.save({ tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS });
    h.slack.expect('chat.update');
    const newer = buildView({ version: 5, draft: null, allowedActions: ['takeover', 'send', 'note', 'close'] });
    await h.handle.notifier.notify({ type: 'conversation.changed', tenantId: TENANT_ID, view: newer });
    // Rendered before the decision above committed, delivered after it.
    await h.handle.notifier.notify({ type: 'conversation.changed', tenantId: TENANT_ID, view: buildView({ version: 4 }) });
    expect(h.slack.bodies('chat.update')).toEqual([{ channel: CHANNEL, ts: TS, ...buildConversationMessage(newer) }]);
  });

  it('changed without a Slack message posts nothing', async () => {
    const h = harness();
    await h.handle.notifier.notify({ type: 'conversation.changed', tenantId: TENANT_ID, view: buildView() });
    expect(h.slack.calls).toHaveLength(0);
  });

  it('a message that was deleted in Slack is forgotten; the next decision posts a fresh one', async () => {
    const h = harness();
    await h.stores.messages.save({ tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS });
    h.slack.expect('chat.update', { ok: false, error: 'message_not_found' });
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: '1700000009.000900' });
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view: buildView(), reason: 'copilot' });
    expect(h.slack.methods()).toEqual(['chat.update', 'chat.postMessage']);
    expect((await h.stores.messages.get(TENANT_ID, 'conv-1'))?.ts).toBe('1700000009.000900');
  });

  it('message.inbound goes into the thread and refreshes the message', async () => {
    const h = harness();
    await h.stores.messages.save({ tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS });
    h.slack.expect('chat.postMessage', { ts: '1700000001.000001' });
    h.slack.expect('chat.update');
    const message = buildMessage({ id: 'm9', body: 'Can we talk tomorrow?' });
    await h.handle.notifier.notify({ type: 'message.inbound', tenantId: TENANT_ID, view: buildView({ messages: [message] }), message });
    expect(h.slack.bodies('chat.postMessage')).toEqual([
      { channel: CHANNEL, thread_ts: TS, text: inboundThreadText('Jane Doe', message), unfurl_links: 'false', unfurl_media: 'false' },
    ]);
    expect(h.slack.methods()).toEqual(['chat.postMessage', 'chat.update']);
  });

  it('message.inbound in a conversation the AI has and Slack never showed posts nothing', async () => {
    const h = harness();
    const message = buildMessage({ id: 'm9', body: 'Thanks!' });
    await h.handle.notifier.notify({ type: 'message.inbound', tenantId: TENANT_ID, view: buildView({ messages: [message] }), message });
    expect(h.slack.methods()).toEqual([]);
  });

  it('message.inbound in a conversation a person holds (started from a CRM) brings it to Slack and pings that person', async () => {
    const h = harness();
    h.engine.agentsList.push(buildAgent({ id: 'agent-7', slackUserId: 'U0SEVEN' }));
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: TS });
    h.slack.expect('chat.postMessage', { ts: '1700000001.000001' });
    const message = buildMessage({ id: 'm9', body: 'Saturday works for me' });
    const view = buildView({ mode: 'human', draft: null, assignee: { agentId: 'agent-7', name: 'Dana Agent' }, messages: [message], allowedActions: ['handback', 'send', 'note', 'close'] });
    await h.handle.notifier.notify({ type: 'message.inbound', tenantId: TENANT_ID, view, message });
    expect(h.slack.methods()).toEqual(['chat.postMessage', 'chat.postMessage']);
    expect(h.slack.bodies('chat.postMessage')[0]).toMatchObject({ channel: CHANNEL, text: buildConversationMessage(view).text });
    expect(h.slack.bodies('chat.postMessage')[1]).toEqual({
      channel: CHANNEL,
      thread_ts: TS,
      text: inboundThreadText('Jane Doe', message, '<@U0SEVEN>'),
      unfurl_links: 'false',
      unfurl_media: 'false',
    });
    expect(inboundThreadText('Jane Doe', message, '<@U0SEVEN>')).toMatch(/\n<@U0SEVEN> this conversation is yours: the AI will not answer\.$/);
    expect(await h.stores.messages.get(TENANT_ID, view.id)).toMatchObject({ channel: CHANNEL, ts: TS });

    // The next reply goes into the same thread, with the same ping, and refreshes the message.
    h.slack.expect('chat.postMessage', { ts: '1700000002.000001' });
    h.slack.expect('chat.update');
    await h.handle.notifier.notify({ type: 'message.inbound', tenantId: TENANT_ID, view, message });
    expect(h.slack.methods().slice(2)).toEqual(['chat.postMessage', 'chat.update']);
    expect(h.slack.bodies('chat.postMessage')[2]).toMatchObject({ thread_ts: TS, text: inboundThreadText('Jane Doe', message, '<@U0SEVEN>') });
  });

  it('note.added from another surface goes into the thread; notes written in Slack are not echoed', async () => {
    const h = harness();
    await h.stores.messages.save({ tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS });
    h.slack.expect('chat.postMessage', { ts: '1700000001.000001' });
    const note = { id: 'n1', authorName: 'Sam', surface: 'hubspot' as const, body: 'Called her', createdAt: '2025-06-01T18:00:00.000Z' };
    await h.handle.notifier.notify({ type: 'note.added', tenantId: TENANT_ID, view: buildView(), note });
    await h.handle.notifier.notify({ type: 'note.added', tenantId: TENANT_ID, view: buildView(), note: { ...note, id: 'n2', surface: 'slack' } });
    expect(h.slack.bodies('chat.postMessage')).toEqual([{ channel: CHANNEL, thread_ts: TS, text: noteThreadText(note), unfurl_links: 'false', unfurl_media: 'false' }]);
  });

  it('send.blocked is explained in the thread (posting the message first if needed)', async () => {
    const h = harness();
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: TS });
    h.slack.expect('chat.postMessage', { ts: '1700000001.000001' });
    await h.handle.notifier.notify({ type: 'send.blocked', tenantId: TENANT_ID, view: buildView(), reason: "quiet hours in the lead's time zone until 08:00" });
    expect(h.slack.bodies('chat.postMessage')[1]).toEqual({
      channel: CHANNEL,
      thread_ts: TS,
      text: blockedThreadText("quiet hours in the lead's time zone until 08:00"),
      unfurl_links: 'false',
      unfurl_media: 'false',
    });
  });

  it('honours a 429 Retry-After from chat.postMessage and then posts', async () => {
    const h = harness();
    h.slack.expect('chat.postMessage', {}, 429, { 'Retry-After': '1' });
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: TS });
    const started = Date.now();
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view: buildView(), reason: 'copilot' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(h.slack.methods()).toEqual(['chat.postMessage', 'chat.postMessage']);
    expect(await h.stores.messages.get(TENANT_ID, 'conv-1')).not.toBeNull();
  });

  it('does nothing for a tenant without Slack, and uses each OAuth tenant its own token', async () => {
    const h = createHarness({ botToken: undefined, tenantId: undefined, clientId: 'cid', clientSecret: 'csec', stateSecret: 'ssec' }, { singleWorkspace: false });
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: 'tenant-nobody', view: buildView(), reason: 'x' });
    expect(h.slack.calls).toHaveLength(0);
    await h.stores.installations.save('tenant-2', {
      teamId: 'T2', teamName: null, enterpriseId: null, appId: null, botToken: 'xoxb-tenant-2', botId: 'B2', botUserId: 'U2', scopes: [], installerUserId: null, installedAt: '',
    });
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: TS });
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: 'tenant-2', view: buildView(), reason: 'x' });
    expect(h.slack.calls[0].authorization).toBe('Bearer xoxb-tenant-2');
  });

  it('never logs the bot token or the full phone number', async () => {
    const h = harness();
    mockAuthTest();
    h.engine.agentsList.push(buildAgent());
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: TS });
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view: buildView(), reason: 'x' });
    expect(h.logger.text()).not.toContain(BOT_TOKEN);
    expect(h.logger.text()).not.toContain('+14155550142');
  });
});

describe('SlackNotifier retrying a post that may have reached Slack', () => {
  const METADATA = { event_type: 'tandem_conversation', event_payload: { conversation_id: 'conv-1', tenant_id: TENANT_ID } };
  /** A conversations.history page (newest first) holding one message with this conversation's metadata. */
  const history = (from: { bot_id: string; app_id: string }) => ({
    messages: [{ type: 'message', user: 'U0SOMEBOT', ...from, text: 'Tandem: Jane Doe needs a decision', ts: TS, metadata: METADATA }],
    has_more: false,
    pin_count: 0,
    response_metadata: { next_cursor: '' },
  });

  it("with an OAuth install, adopts only the message the tenant's own bot posted", async () => {
    const h = createHarness({ botToken: undefined, tenantId: undefined, clientId: 'cid', clientSecret: 'csec', stateSecret: 'ssec' }, { singleWorkspace: false });
    await h.stores.installations.save(TENANT_ID, {
      teamId: TEAM_ID, teamName: null, enterpriseId: null, appId: 'A0TANDEM', botToken: 'xoxb-tenant-1', botId: 'B0TANDEM', botUserId: 'U0TANDEM', scopes: [], installerUserId: null, installedAt: '',
    });
    const event = { type: 'conversation.needs_decision' as const, tenantId: TENANT_ID, view: buildView(), reason: 'copilot' };

    // Another app's message carrying our metadata is not ours: the notification is posted.
    await h.stores.messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(Date.now() - 60_000));
    h.slack.expect('conversations.history', history({ bot_id: 'B0OTHER', app_id: 'A0OTHER' }));
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: '1700000000.000200' });
    await h.handle.notifier.notify(event);
    expect(h.slack.methods()).toEqual(['conversations.history', 'chat.postMessage']);
    expect(await h.stores.messages.get(TENANT_ID, 'conv-1')).toMatchObject({ ts: '1700000000.000200' });

    // Our bot's message is adopted and brought up to date, with no identity call (the install has it).
    await h.stores.messages.delete(TENANT_ID, 'conv-1');
    await h.stores.messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(Date.now() - 60_000));
    h.slack.expect('conversations.history', history({ bot_id: 'B0TANDEM', app_id: 'A0TANDEM' }));
    h.slack.expect('chat.update', { channel: CHANNEL, ts: TS });
    await h.handle.notifier.notify(event);
    expect(h.slack.methods().slice(2)).toEqual(['conversations.history', 'chat.update']);
    expect(await h.stores.messages.get(TENANT_ID, 'conv-1')).toMatchObject({ ts: TS });
  });

  it('with a single-workspace token, learns its bot from auth.test and does not adopt another bot\'s message', async () => {
    const h = harness();
    await h.stores.messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(Date.now() - 60_000));
    h.slack.expect('conversations.history', history({ bot_id: 'B0OTHER', app_id: 'A0OTHER' }));
    h.slack.expect('auth.test', { team_id: TEAM_ID, user_id: 'UBOT', bot_id: 'BBOT', team: 'Acme', user: 'tandem' });
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: '1700000000.000200' });
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view: buildView(), reason: 'copilot' });
    expect(h.slack.methods()).toEqual(['conversations.history', 'auth.test', 'chat.postMessage']);
    expect(await h.stores.messages.get(TENANT_ID, 'conv-1')).toMatchObject({ ts: '1700000000.000200' });
  });
});

describe('SlackNotifier requiresIntegration (lets the engine skip the job for tenants without Slack)', () => {
  const declared = (slack: Partial<SlackConfig>, installations: (engine: FakeEngine) => SlackInstallationStore) => {
    const engine = new FakeEngine();
    const handle = slackConnector.register({
      app: express(),
      engine,
      config: { publicUrl: 'https://tandem.example.com', slack: { signingSecret: 'secret', apiUrl: 'http://slack.test/api/', ...slack } },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      stores: { installations: installations(engine), messages: new InMemorySlackMessageStore(), seen: new InMemorySeenStore() },
    });
    return handle.notifier.requiresIntegration;
  };
  const oauth = { clientId: '1.2', clientSecret: 'cs', stateSecret: 'ss' };
  const inIntegrations = (engine: FakeEngine) => new EngineSlackInstallationStore(engine);

  it('declares the slack integration when every tenant needs its integration record to have Slack', () => {
    expect(declared(oauth, inIntegrations)).toBe('slack');
    // One workspace token, bound to tenants only through their records.
    expect(declared({ botToken: 'xoxb-1' }, inIntegrations)).toBe('slack');
  });

  it('declares nothing when a tenant can have Slack without a record', () => {
    // SLACK_TENANT_ID: the configured tenant is served by the token alone.
    expect(declared({ botToken: 'xoxb-1', tenantId: 'tenant-1' }, inIntegrations)).toBeUndefined();
    // Installations kept elsewhere: the integrations table says nothing about Slack.
    expect(declared(oauth, () => new InMemorySlackInstallationStore())).toBeUndefined();
  });
});

describe('SlackNotifier when Slack does not answer in time', () => {
  afterEach(() => nock.abortPendingRequests());

  it('fails the notification after the request timeout, sending the post only once, and a retried job posts it', async () => {
    // 400 ms: short against Slack's 2 s delay below, with room for the retry's own calls to the local mock on a
    // loaded CI machine (at 150 ms one of them once timed out there). A client retry shows in the pending mocks.
    const h = createHarness({ requestTimeoutMs: 400 });
    // Room for the client's own retries (two): only one may be used.
    nock(SLACK_HOST).post('/api/chat.postMessage').times(3).delay(2_000).reply(200, { ok: true, channel: CHANNEL, ts: TS });
    const started = Date.now();
    const event = { type: 'conversation.needs_decision' as const, tenantId: TENANT_ID, view: buildView(), reason: 'copilot' };
    const err = await h.handle.notifier.notify(event).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_500);
    // Thrown, so the notify job backs off and retries; not retried by the client, as Slack may have posted.
    expect(err).toMatchObject({ code: 'slack_webapi_request_error', message: expect.stringContaining('TimeoutError') });
    expect(nock.pendingMocks()).toHaveLength(1);
    expect(await h.stores.messages.get(TENANT_ID, 'conv-1')).toBeNull();
    nock.abortPendingRequests();
    nock.cleanAll();

    // The retry first looks in the channel for a post the timed-out call may have made: none here.
    h.slack.expect('conversations.history', { messages: [], has_more: false, pin_count: 0, response_metadata: { next_cursor: '' } });
    h.slack.expect('chat.postMessage', { channel: CHANNEL, ts: TS });
    await h.handle.notifier.notify(event);
    expect(h.slack.methods()).toEqual(['conversations.history', 'chat.postMessage']);
    expect(h.slack.bodies('conversations.history')[0]).toMatchObject({ channel: CHANNEL, include_all_metadata: 'true', limit: '15' });
    expect(await h.stores.messages.get(TENANT_ID, 'conv-1')).toEqual({ tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS });
  });
});
