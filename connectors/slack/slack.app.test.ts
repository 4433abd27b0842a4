import express from 'express';
import request from 'supertest';
import { buildConversationMessage } from './blocks/conversation-message.blocks';
import { encodeButtonValue } from './blocks/button-value';
import { buildEditModal, buildReplyModal, encodeModalMetadata } from './blocks/modals.blocks';
import { ACTION_IDS, CALLBACK_IDS, MODAL_INPUT, SLASH_COMMAND, type DirectButton } from './constants';
import { slackConnector } from './index';
import { UNMAPPED_TEXT } from './services/run-action';
import { EngineSlackInstallationStore, InMemorySlackInstallationStore } from './stores/installation.store';
import { InMemorySlackMessageStore } from './stores/message.store';
import { InMemorySeenStore } from './stores/seen.store';
import { buildView } from './test-support/build-view';
import { buildAgent, FakeEngine } from './test-support/fake-engine';
import { BOT_TOKEN, CHANNEL, createHarness, mockAuthTest, SIGNING_SECRET, TEAM_ID, TENANT_ID, waitFor, type Harness } from './test-support/harness';
import { signedHeaders, interactivityBody } from './test-support/signed-request';
import nock from 'nock';

const TS = '1700000000.000100';
const DANA = 'U0DANA';

function usersInfo(h: Harness, userId = DANA, email = 'dana@acme.test'): void {
  h.slack.expect('users.info', { user: { id: userId, team_id: TEAM_ID, deleted: false, is_bot: false, profile: { email } } });
}

function blockAction(actionId: string, value: string, trigger = `trg-${Math.random()}`): object {
  return {
    type: 'block_actions',
    team: { id: TEAM_ID, domain: 'acme' },
    user: { id: DANA, username: 'dana', team_id: TEAM_ID },
    api_app_id: 'A0TANDEM',
    trigger_id: trigger,
    container: { type: 'message', message_ts: TS, channel_id: CHANNEL, is_ephemeral: false },
    channel: { id: CHANNEL, name: 'leads' },
    message: { type: 'message', ts: TS, text: 'Tandem', user: 'UBOT', bot_id: 'BBOT' },
    response_url: 'http://slack.test/actions/T0TANDEM/1/abc',
    actions: [{ type: 'button', action_id: actionId, block_id: 'actions', value, action_ts: '1700000001.000200', text: { type: 'plain_text', text: 'x' } }],
  };
}

function setup(viewOverrides = {}): Harness {
  const h = createHarness();
  mockAuthTest();
  h.engine.addView(TENANT_ID, buildView(viewOverrides));
  h.engine.agentsList.push(buildAgent({ email: 'dana@acme.test' }));
  void h.stores.messages.save({ tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS });
  return h;
}

const value = (version = 3, draftId: string | null = 'draft-1') => encodeButtonValue({ conversationId: 'conv-1', version, draftId });

describe('Slack requests: signatures', () => {
  it('answers the URL verification challenge of a signed request', async () => {
    const h = createHarness();
    const res = await h.postEvent({ type: 'url_verification', challenge: 'c-123', token: 'x' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ challenge: 'c-123' });
  });

  it('refuses a forged signature with 401 and does nothing', async () => {
    const h = setup();
    const body = interactivityBody(blockAction(ACTION_IDS.approve, value()));
    const headers = signedHeaders('not-the-secret', body, 'application/x-www-form-urlencoded');
    const res = await request(h.app).post('/slack/events').set(headers).send(body);
    expect(res.status).toBe(401);
    expect(h.engine.acts).toHaveLength(0);
    expect(h.slack.calls).toHaveLength(0);
  });

  it('refuses a correctly signed request older than five minutes with 401', async () => {
    const h = setup();
    const body = interactivityBody(blockAction(ACTION_IDS.approve, value()));
    const old = Math.floor(Date.now() / 1000) - 5 * 60 - 5;
    const res = await request(h.app).post('/slack/events').set(signedHeaders(SIGNING_SECRET, body, 'application/x-www-form-urlencoded', old)).send(body);
    expect(res.status).toBe(401);
    expect(h.engine.acts).toHaveLength(0);
  });

  it('refuses a request without signature headers', async () => {
    const h = setup();
    const res = await request(h.app).post('/slack/events').set('content-type', 'application/json').send('{"type":"event_callback"}');
    expect(res.status).toBe(401);
  });

  it('fails loudly (500) when a body parser was mounted before the connector', async () => {
    const app = express();
    app.use(express.json());
    const engine = new FakeEngine();
    slackConnector.register({
      app,
      engine,
      config: { publicUrl: 'https://tandem.example.com', slack: { signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN } },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      stores: { installations: new InMemorySlackInstallationStore(), messages: new InMemorySlackMessageStore(), seen: new InMemorySeenStore() },
    });
    const raw = JSON.stringify({ type: 'url_verification', challenge: 'x' });
    const res = await request(app).post('/slack/events').set(signedHeaders(SIGNING_SECRET, raw, 'application/json')).send(raw);
    expect(res.status).toBe(500);
  });
});

describe('Slack buttons', () => {
  const table: Array<[DirectButton, string]> = [
    ['approve', 'approve'],
    ['discard', 'discard'],
    ['takeover', 'takeover'],
    ['handback', 'handback'],
    ['close', 'close'],
    ['reopen', 'reopen'],
  ];

  it.each(table)('%s: acks, runs the engine command with the version seen, and updates the message', async (key, type) => {
    const h = setup();
    usersInfo(h);
    h.slack.expect('chat.update', { channel: CHANNEL, ts: TS });
    const res = await h.postInteraction(blockAction(ACTION_IDS[key], value()));
    expect(res.status).toBe(200);
    await waitFor(() => expect(h.slack.methods()).toEqual(['users.info', 'chat.update']));
    expect(h.engine.acts).toEqual([
      {
        tenantId: TENANT_ID,
        conversationId: 'conv-1',
        command: { type, version: 3, draftId: 'draft-1', actor: { agentId: 'agent-1', name: 'Dana Agent', surface: 'slack' } },
      },
    ]);
    expect(h.slack.bodies('users.info')).toEqual([{ user: DANA, team_id: TEAM_ID }]);
    const fresh = h.engine.getView(TENANT_ID, 'conv-1');
    const expected = buildConversationMessage(fresh);
    expect(h.slack.bodies('chat.update')).toEqual([{ channel: CHANNEL, ts: TS, text: expected.text, blocks: expected.blocks, team_id: TEAM_ID }]);
    expect(h.slack.calls[1].authorization).toBe(`Bearer ${BOT_TOKEN}`);
    // The updated message says who did what, and offers buttons for the new state only.
    expect(JSON.stringify(expected.blocks)).toContain('by *Dana Agent* in Slack');
  });

  it('an action another surface already decided updates the message to the fresh state, tells the user, and sends nothing', async () => {
    const decided = buildView({
      version: 4,
      draft: null,
      allowedActions: ['takeover', 'send', 'note', 'close'],
      lastDecision: { action: 'approve', actorName: 'Sam Seller', surface: 'hubspot', at: '2025-06-01T17:59:00.000Z' },
    });
    const h = setup(decided);
    usersInfo(h);
    h.slack.expect('chat.update');
    h.slack.expect('chat.postEphemeral');
    await h.postInteraction(blockAction(ACTION_IDS.approve, value(3)));
    await waitFor(() => expect(h.slack.methods()).toEqual(['users.info', 'chat.update', 'chat.postEphemeral']));
    expect(h.engine.acts).toHaveLength(0);
    const expected = buildConversationMessage(decided);
    expect(h.slack.bodies('chat.update')[0]).toEqual({ channel: CHANNEL, ts: TS, text: expected.text, blocks: expected.blocks, team_id: TEAM_ID });
    const ephemeral = h.slack.bodies('chat.postEphemeral')[0];
    expect(ephemeral).toMatchObject({ channel: CHANNEL, user: DANA });
    expect(ephemeral.text).toContain('changed before you could approve the draft');
    expect(ephemeral.text).toContain('Approved & sent by *Sam Seller* in HubSpot');
    expect(ephemeral.text).toContain('Nothing was done or sent');
  });

  it('an unmapped Slack user gets an ephemeral explanation and no action is taken', async () => {
    const h = setup();
    usersInfo(h, DANA, 'stranger@elsewhere.test');
    h.slack.expect('chat.postEphemeral');
    await h.postInteraction(blockAction(ACTION_IDS.approve, value()));
    await waitFor(() => expect(h.slack.methods()).toEqual(['users.info', 'chat.postEphemeral']));
    expect(h.slack.bodies('chat.postEphemeral')).toEqual([{ channel: CHANNEL, user: DANA, text: UNMAPPED_TEXT, team_id: TEAM_ID }]);
    expect(h.engine.acts).toHaveLength(0);
  });

  it('maps a user by Slack id even without an email', async () => {
    const h = setup();
    h.engine.agentsList[0] = buildAgent({ email: null, slackUserId: DANA });
    h.slack.expect('users.info', { user: { id: DANA, team_id: TEAM_ID, profile: {} } });
    h.slack.expect('chat.update');
    await h.postInteraction(blockAction(ACTION_IDS.takeover, value()));
    await waitFor(() => expect(h.engine.acts).toHaveLength(1));
  });

  it('a replayed interaction (same trigger id) acts once', async () => {
    const h = setup();
    usersInfo(h);
    h.slack.expect('chat.update');
    const payload = blockAction(ACTION_IDS.approve, value(), 'trigger-same');
    await h.postInteraction(payload);
    await waitFor(() => expect(h.slack.methods()).toEqual(['users.info', 'chat.update']));
    const again = await h.postInteraction(payload, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(again.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.engine.acts).toHaveLength(1);
  });
});

describe('Slack Edit and Reply modals', () => {
  it('Edit opens a modal prefilled with the draft', async () => {
    const h = setup();
    usersInfo(h);
    h.slack.expect('views.open', { view: { id: 'V1' } });
    await h.postInteraction(blockAction(ACTION_IDS.edit, value(), 'trigger-edit'));
    await waitFor(() => expect(h.slack.methods()).toEqual(['users.info', 'views.open']));
    const meta = { conversationId: 'conv-1', version: 3, draftId: 'draft-1', channel: CHANNEL, ts: TS };
    expect(h.slack.bodies('views.open')).toEqual([{ trigger_id: 'trigger-edit', view: buildEditModal(buildView(), meta), team_id: TEAM_ID }]);
    const opened = h.slack.bodies('views.open')[0].view as { blocks: Array<{ element?: { initial_value?: string } }> };
    expect(opened.blocks[1].element?.initial_value).toBe(buildView().draft!.body);
  });

  it('Reply opens an empty modal', async () => {
    const h = setup();
    usersInfo(h);
    h.slack.expect('views.open', { view: { id: 'V2' } });
    await h.postInteraction(blockAction(ACTION_IDS.reply, value(), 'trigger-reply'));
    await waitFor(() => expect(h.slack.methods()).toEqual(['users.info', 'views.open']));
    const meta = { conversationId: 'conv-1', version: 3, draftId: null, channel: CHANNEL, ts: TS };
    expect(h.slack.bodies('views.open')).toEqual([{ trigger_id: 'trigger-reply', view: buildReplyModal(buildView(), meta), team_id: TEAM_ID }]);
  });

  it('Edit on a stale message opens nothing, updates the message and explains', async () => {
    const h = setup({ version: 5 });
    usersInfo(h);
    h.slack.expect('chat.update');
    h.slack.expect('chat.postEphemeral');
    await h.postInteraction(blockAction(ACTION_IDS.edit, value(3)));
    await waitFor(() => expect(h.slack.methods()).toEqual(['users.info', 'chat.update', 'chat.postEphemeral']));
  });

  function submission(callbackId: string, text: string, meta: object): object {
    return {
      type: 'view_submission',
      team: { id: TEAM_ID, domain: 'acme' },
      user: { id: DANA, username: 'dana', team_id: TEAM_ID },
      api_app_id: 'A0TANDEM',
      trigger_id: `trg-sub-${Math.random()}`,
      view: {
        id: 'V1',
        team_id: TEAM_ID,
        type: 'modal',
        callback_id: callbackId,
        private_metadata: encodeModalMetadata(meta as never),
        state: { values: { [MODAL_INPUT.blockId]: { [MODAL_INPUT.actionId]: { type: 'plain_text_input', value: text } } } },
        hash: 'h',
        blocks: [],
      },
    };
  }

  const meta = { conversationId: 'conv-1', version: 3, draftId: 'draft-1', channel: CHANNEL, ts: TS };

  it('submitting the Edit modal sends the edited text (engine edit) and updates the message', async () => {
    const h = setup();
    usersInfo(h);
    h.slack.expect('chat.update');
    const res = await h.postInteraction(submission(CALLBACK_IDS.editModal, '  Hi Jane, $49/month. Call at 3?  ', meta));
    expect(res.status).toBe(200);
    await waitFor(() => expect(h.slack.methods()).toEqual(['users.info', 'chat.update']));
    expect(h.engine.acts[0].command).toEqual({
      type: 'edit',
      version: 3,
      draftId: 'draft-1',
      text: 'Hi Jane, $49/month. Call at 3?',
      actor: { agentId: 'agent-1', name: 'Dana Agent', surface: 'slack' },
    });
  });

  it('submitting the Reply modal sends free text (engine send)', async () => {
    const h = setup();
    usersInfo(h);
    h.slack.expect('chat.update');
    await h.postInteraction(submission(CALLBACK_IDS.replyModal, 'I will call you at 3pm.', { ...meta, draftId: null }));
    await waitFor(() => expect(h.engine.acts).toHaveLength(1));
    expect(h.engine.acts[0].command).toMatchObject({ type: 'send', version: 3, text: 'I will call you at 3pm.' });
    expect(h.engine.acts[0].command.draftId).toBeUndefined();
  });

  it('an empty modal stays open with an error and nothing runs', async () => {
    const h = setup();
    const res = await h.postInteraction(submission(CALLBACK_IDS.editModal, '   ', meta));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ response_action: 'errors', errors: { [MODAL_INPUT.blockId]: 'Write the text to send to the lead.' } });
    expect(h.engine.acts).toHaveLength(0);
  });
});

describe('Slack threads', () => {
  function threadEvent(text: string, user = DANA, eventId = `Ev${Math.random()}`): object {
    return {
      type: 'event_callback',
      team_id: TEAM_ID,
      api_app_id: 'A0TANDEM',
      event_id: eventId,
      event_time: 1700000100,
      event: { type: 'message', user, text, channel: CHANNEL, channel_type: 'channel', ts: '1700000100.000300', thread_ts: TS, event_ts: '1700000100.000300' },
    };
  }

  it('talk in the thread is saved as an internal note, never sent to the lead', async () => {
    const h = setup();
    usersInfo(h);
    h.slack.expect('chat.update');
    h.slack.expect('reactions.add');
    const res = await h.postEvent(threadEvent('She sounded keen on the phone'));
    expect(res.status).toBe(200);
    await waitFor(() => expect(h.slack.methods()).toEqual(['users.info', 'chat.update', 'reactions.add']));
    expect(h.engine.acts[0].command).toEqual({
      type: 'note',
      version: 3,
      text: 'She sounded keen on the phone',
      actor: { agentId: 'agent-1', name: 'Dana Agent', surface: 'slack' },
    });
    expect(h.slack.bodies('reactions.add')).toEqual([{ channel: CHANNEL, timestamp: '1700000100.000300', name: 'lock', team_id: TEAM_ID }]);
  });

  it("with threadRepliesSendToLead on, the assignee's thread reply goes to the lead", async () => {
    const h = setup({ mode: 'human', assignee: { agentId: 'agent-1', name: 'Dana Agent' }, allowedActions: ['handback', 'send', 'note', 'close'] });
    await h.engine.integrations.put(TENANT_ID, 'slack', { externalId: TEAM_ID, config: { threadRepliesSendToLead: true }, enabled: true });
    usersInfo(h);
    h.slack.expect('chat.update');
    h.slack.expect('reactions.add');
    await h.postEvent(threadEvent('Calling you in 5'));
    await waitFor(() => expect(h.slack.methods()).toEqual(['users.info', 'chat.update', 'reactions.add']));
    expect(h.engine.acts[0].command).toMatchObject({ type: 'send', text: 'Calling you in 5' });
    expect(h.slack.bodies('reactions.add')[0]).toMatchObject({ name: 'outbox_tray' });
  });

  it('with threadRepliesSendToLead on, a reply from someone other than the assignee stays a note', async () => {
    const h = setup({ mode: 'human', assignee: { agentId: 'agent-2', name: 'Other' }, allowedActions: ['handback', 'send', 'note', 'close'] });
    await h.engine.integrations.put(TENANT_ID, 'slack', { externalId: TEAM_ID, config: { threadRepliesSendToLead: true }, enabled: true });
    usersInfo(h);
    h.slack.expect('chat.update');
    h.slack.expect('reactions.add');
    await h.postEvent(threadEvent('I know her'));
    await waitFor(() => expect(h.engine.acts).toHaveLength(1));
    expect(h.engine.acts[0].command.type).toBe('note');
  });

  it('a retried event (X-Slack-Retry-Num) is acknowledged and not acted on twice', async () => {
    const h = setup();
    usersInfo(h);
    h.slack.expect('chat.update');
    h.slack.expect('reactions.add');
    const event = threadEvent('once only', DANA, 'Ev0SAME');
    await h.postEvent(event);
    await waitFor(() => expect(h.slack.methods()).toHaveLength(3));
    const retry = await h.postEvent(event, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(retry.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.engine.acts).toHaveLength(1);
  });

  it('ignores bot messages, root messages and threads that are not Tandem conversations', async () => {
    const h = setup();
    const bot = threadEvent('from a bot') as { event: Record<string, unknown> };
    bot.event.bot_id = 'BOTHER';
    await h.postEvent(bot);
    const root = threadEvent('root') as { event: Record<string, unknown> };
    delete root.event.thread_ts;
    await h.postEvent(root);
    const other = threadEvent('elsewhere') as { event: Record<string, unknown> };
    other.event.thread_ts = '1600000000.000001';
    await h.postEvent(other);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.engine.acts).toHaveLength(0);
    expect(h.slack.calls).toHaveLength(0);
  });
});

describe('/tandem', () => {
  function command(text: string, responseUrl: string): Record<string, string> {
    return {
      token: 'legacy',
      team_id: TEAM_ID,
      team_domain: 'acme',
      channel_id: CHANNEL,
      channel_name: 'leads',
      user_id: DANA,
      user_name: 'dana',
      command: SLASH_COMMAND,
      text,
      api_app_id: 'A0TANDEM',
      response_url: responseUrl,
      trigger_id: `trg-cmd-${Math.random()}`,
    };
  }

  it('hot lists HOT leads with links to their threads, only to the asker', async () => {
    const h = setup();
    h.engine.listResult = [
      {
        id: 'conv-1',
        version: 3,
        mode: 'ai',
        status: 'open',
        needsHuman: false,
        lead: { id: 'lead-1', name: 'Jane Doe', phoneMasked: '+1 •••• ••• 0142', tag: 'HOT', score: 82, optedOut: false },
        lastMessage: { direction: 'in', body: 'How much?', at: '2025-06-01T17:04:00.000Z' },
        hasPendingDraft: true,
        updatedAt: '2025-06-01T17:05:00.000Z',
      },
    ];
    usersInfo(h);
    let responded: Record<string, unknown> | null = null;
    const hook = nock('http://slack.test')
      .post('/commands/T0TANDEM/1/hot', (b) => {
        responded = b as Record<string, unknown>;
        return true;
      })
      .reply(200, 'ok');
    const res = await h.postCommand(command('hot', 'http://slack.test/commands/T0TANDEM/1/hot'));
    expect(res.status).toBe(200);
    await waitFor(() => expect(hook.isDone()).toBe(true));
    expect(h.engine.listCalls).toEqual([{ tenantId: TENANT_ID, filter: { tag: 'HOT', limit: 20 } }]);
    expect(responded).toMatchObject({ response_type: 'ephemeral', text: 'HOT leads: 1' });
    expect(JSON.stringify(responded)).toContain(`<https://slack.com/archives/${CHANNEL}/p${TS.replace('.', '')}|Jane Doe>`);
  });

  it('waiting lists conversations that need a person', async () => {
    const h = setup();
    usersInfo(h);
    const hook = nock('http://slack.test').post('/commands/T0TANDEM/1/waiting').reply(200, 'ok');
    await h.postCommand(command('waiting', 'http://slack.test/commands/T0TANDEM/1/waiting'));
    await waitFor(() => expect(hook.isDone()).toBe(true));
    expect(h.engine.listCalls).toEqual([{ tenantId: TENANT_ID, filter: { needsHuman: true, limit: 20 } }]);
  });

  it('help answers with usage and needs no agent', async () => {
    const h = createHarness();
    mockAuthTest();
    let responded: Record<string, unknown> | null = null;
    const hook = nock('http://slack.test')
      .post('/commands/T0TANDEM/1/help', (b) => {
        responded = b as Record<string, unknown>;
        return true;
      })
      .reply(200, 'ok');
    await h.postCommand(command('help', 'http://slack.test/commands/T0TANDEM/1/help'));
    await waitFor(() => expect(hook.isDone()).toBe(true));
    expect(String(responded!.text)).toContain('/tandem hot');
  });
});

describe('Slack uninstall', () => {
  const event = (inner: object, eventId = `Ev${Math.random()}`) => ({ type: 'event_callback', team_id: TEAM_ID, api_app_id: 'A0TANDEM', event_id: eventId, event_time: 1700000200, event: inner });

  it('app_uninstalled turns the tenant off: nothing is posted afterwards, and requests from it map to no tenant', async () => {
    const h = setup();
    const res = await h.postEvent(event({ type: 'app_uninstalled' }));
    expect(res.status).toBe(200);
    await waitFor(async () => expect(await h.stores.installations.isDisabled(TENANT_ID)).toBe(true));
    expect(await h.handle.deps.workspaces.tokenForTenant(TENANT_ID)).toBeNull();
    expect(await h.handle.deps.workspaces.tenantForTeam(TEAM_ID)).toBeNull();
    await h.handle.notifier.notify({ type: 'conversation.needs_decision', tenantId: TENANT_ID, view: buildView(), reason: 'copilot' });
    // auth.test (single-workspace identity) is the only Slack call: no post after the uninstall.
    expect(h.slack.calls).toHaveLength(0);
    expect(h.logger.text()).not.toContain(BOT_TOKEN);
  });

  it('tokens_revoked for user tokens only changes nothing; for the bot token it turns the tenant off', async () => {
    const h = setup();
    await h.postEvent(event({ type: 'tokens_revoked', tokens: { oauth: ['U0DANA'] } }));
    await new Promise((r) => setTimeout(r, 50));
    expect(await h.stores.installations.isDisabled(TENANT_ID)).toBe(false);
    expect(await h.handle.deps.workspaces.tokenForTenant(TENANT_ID)).toBe(BOT_TOKEN);
    await h.postEvent(event({ type: 'tokens_revoked', tokens: { bot: ['UBOT'] } }));
    await waitFor(async () => expect(await h.stores.installations.isDisabled(TENANT_ID)).toBe(true));
  });

  it('an OAuth workspace is forgotten and its tenant disabled, keeping the channel for a re-install', async () => {
    const engine = new FakeEngine();
    const installations = new EngineSlackInstallationStore(engine);
    const app = express();
    const handle = slackConnector.register({
      app,
      engine,
      config: { publicUrl: 'https://tandem.example.com', slack: { signingSecret: SIGNING_SECRET, clientId: '1.2', clientSecret: 'cs', stateSecret: 'ss', apiUrl: 'http://slack.test/api/' } },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      stores: { installations, messages: new InMemorySlackMessageStore(), seen: new InMemorySeenStore() },
    });
    await engine.integrations.put(TENANT_ID, 'slack', { externalId: null, config: { channelId: 'C0KEEP' }, enabled: true });
    await installations.save(TENANT_ID, {
      teamId: TEAM_ID, teamName: 'Acme', enterpriseId: null, appId: 'A0TANDEM', botToken: 'xoxb-oauth', botId: 'BBOT', botUserId: 'UBOT', scopes: ['chat:write'], installerUserId: 'U0ADMIN', installedAt: '2026-06-01T00:00:00.000Z',
    });
    expect(await handle.deps.workspaces.tokenForTenant(TENANT_ID)).toBe('xoxb-oauth');
    const raw = JSON.stringify(event({ type: 'app_uninstalled' }));
    const res = await request(app).post('/slack/events').set(signedHeaders(SIGNING_SECRET, raw, 'application/json')).send(raw);
    expect(res.status).toBe(200);
    await waitFor(async () => expect((await engine.integrations.get(TENANT_ID, 'slack'))?.enabled).toBe(false));
    const record = await engine.integrations.get(TENANT_ID, 'slack');
    expect(record?.config).toEqual({ channelId: 'C0KEEP' });
    expect(await handle.deps.workspaces.tokenForTenant(TENANT_ID)).toBeNull();
  });
});
