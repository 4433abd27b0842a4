import nock from 'nock';
import request from 'supertest';
import twilio from 'twilio';
import type { ConversationView, Engine } from '../../core/index';
import { createTestApp, type TestApp } from '../../test/helpers/test-app';
import { eventually } from '../../test/helpers/test-queue';
import { twilioReply } from '../../test/helpers/twilio-fixtures';
// The journey runs through the real server: its Twilio webhook, its REST API and its SMS provider wiring.
// Connector code never imports the server; this test composes it the way production does.
import { composeWith, connectors as composedConnectors, routes } from '../../server/compose';
import { loadConfig } from '../../server/config';
import type { ConnectorContext } from '../../server/app';
import { buildConversationMessage } from './blocks/conversation-message.blocks';
import { ChannelPacer } from './channel-pacer';
import { ACTION_IDS, AUTONOMY_SELECT_ID } from './constants';
import { createSlackServerConnector, slackServerConnector, type SlackServerContext } from './slack.connector';
import { interactivityBody, signedHeaders } from './test-support/signed-request';
import { SlackWebApiRecorder } from './test-support/web-api-recorder';

const PUBLIC_URL = 'https://tandem.test';
const SLACK_HOST = 'http://slack.test';
const SIGNING_SECRET = 'e2e-signing-secret-0123456789abcdef';
const BOT_TOKEN = 'xoxb-e2e-bot-token';
const TEAM_ID = 'T0ACME';
const CHANNEL = 'C0LEADS';
const DANA = 'U0DANA';
const ACCOUNT_SID = 'AC' + '2'.repeat(32);
const AUTH_TOKEN = 'tenant-twilio-auth-token';
const OUR_NUMBER = '+12125550100';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

// The type check that matters: what the server hands a connector is what the Slack connector reads.
const _contextFits = (ctx: ConnectorContext): SlackServerContext => ctx;
void _contextFits;

/** Every Slack call so far, in order, for a failure message. */
let slackLog: () => string = () => '';

/**
 * Polls until `check` gives a value (work runs after Slack's ack and in jobs) and returns it. Generous:
 * the machine is shared. A timeout says which Slack calls happened, so a failure explains itself.
 */
const until = async <T>(check: () => Promise<T | null | undefined | false> | T | null | undefined | false): Promise<T> => {
  try {
    return (await eventually(check, 25_000)) as T;
  } catch (error) {
    throw new Error(`${(error as Error).message}; Slack calls: ${slackLog()}`);
  }
};

/** A fixed clock: 12:00 in New York, inside the federal window for the lead's area code. */
function clockAt(iso: string) {
  const now = new Date(iso);
  return () => new Date(now);
}

/** Records every Messages.json create (a text handed to Twilio) and answers like Twilio does. */
class TwilioRecorder {
  readonly sent: Array<Record<string, string>> = [];
  private seq = 0;
  constructor() {
    const sent = this.sent;
    const next = () => `SM${(++this.seq).toString(16).padStart(32, '0')}`;
    nock('https://api.twilio.com')
      .persist()
      .post(MESSAGES_PATH)
      .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN })
      .reply((_uri, body) => {
        const form = Object.fromEntries(new URLSearchParams(body as string));
        sent.push(form);
        return twilioReply(201, { account_sid: ACCOUNT_SID, sid: next(), status: 'queued', to: form.To, from: OUR_NUMBER, body: form.Body, num_segments: '1', direction: 'outbound-api', error_code: null, error_message: null });
      });
  }
  to(phone: string): Array<Record<string, string>> {
    return this.sent.filter((s) => s.To === phone);
  }
}

describe(`Slack end to end with the real engine (${process.env.DATABASE_URL ? 'PostgreSQL + Redis' : 'PGlite, in-process queue'})`, () => {
  let t: TestApp;
  let engine: Engine;
  let tenantId: string;
  let adminKey: string;
  let agentKey: string;
  let danaId: string;
  let slack: SlackWebApiRecorder;
  let sms: TwilioRecorder;
  let sidSeq = 0;

  beforeAll(async () => {
    const composeConfig = loadConfig({ PUBLIC_URL, TANDEM_SECRET_KEY: '11'.repeat(32), TANDEM_DEMO: 'off', LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
    t = await createTestApp({
      env: { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: `${SLACK_HOST}/api/` },
      routes,
      connectors: [createSlackServerConnector({ pacer: new ChannelPacer({ intervalMs: 0 }) })],
      clock: clockAt('2026-06-02T16:00:00Z'),
      // No console fallback: a text that reaches no Twilio call fails loudly.
      compose: (e) => composeWith(composeConfig, null)(e),
    });
    engine = t.engine;
    const created = await engine.tenants.create({ name: 'Acme Homes', settings: {
        autonomy: 'copilot',
        // What the offline model answers from; without it, questions escalate to a person instead of drafting.
        knowledge: [
          { id: 'hours', title: 'Office hours', body: 'Our office hours are 9am to 6pm, Monday to Saturday.' },
          { id: 'viewings', title: 'Listing viewings', body: 'You can see any listing on a viewing: book one for any weekday and we confirm the time by text.' },
          { id: 'listings', title: 'Listings', body: 'Every listing on our site is still available unless it says sold.' },
        ],
      },
      adminName: 'Ada Admin' });
    tenantId = created.tenant.id;
    adminKey = created.apiKey;
    await engine.store.tenant(tenantId, (m) => m.query(`INSERT INTO phone_numbers (tenant_id, e164) VALUES ($1, $2)`, [tenantId, OUR_NUMBER]));
    danaId = (await engine.agents.create(tenantId, { name: 'Dana Agent', email: 'dana@acme.test' })).id;
    const sam = await engine.agents.create(tenantId, { name: 'Sam Seller', email: 'sam@acme.test' });
    agentKey = (await engine.apiKeys.create(tenantId, { name: 'Sam', role: 'agent', agentId: sam.id })).key;
    await engine.integrations.put(tenantId, 'twilio', { externalId: ACCOUNT_SID, enabled: true, config: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: OUR_NUMBER } });
    // The single workspace serves this tenant (what SLACK_TENANT_ID or an OAuth install records).
    await engine.integrations.put(tenantId, 'slack', { externalId: TEAM_ID, config: {}, enabled: true });
    // The tenant admin picks the channel and lets the assignee's thread replies reach the lead.
    const configured = await request(t.app)
      .put('/api/v1/integrations/slack')
      .set('Authorization', `Bearer ${adminKey}`)
      .send({ channelId: CHANNEL, threadRepliesSendToLead: true });
    expect(configured.status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => {
    slack = new SlackWebApiRecorder(SLACK_HOST, { teamId: TEAM_ID, botUserId: 'UBOT', botId: 'BBOT', users: { [DANA]: { email: 'dana@acme.test' } } });
    slackLog = () => slack.calls.map((c) => `${c.method}${c.body.ts ? `@${c.body.ts}` : ''}${c.body.thread_ts ? '(thread)' : ''}[${/\\"v\\":(\d+)/.exec(JSON.stringify(c.body.blocks ?? ''))?.[1] ?? '-'}]`).join(' ');
    sms = new TwilioRecorder();
  });

  const inboundSms = (from: string, body: string) => {
    const sid = `SM${(++sidSeq).toString(16).padStart(32, 'a')}`;
    const params = { AccountSid: ACCOUNT_SID, MessageSid: sid, SmsSid: sid, From: from, To: OUR_NUMBER, Body: body, NumMedia: '0' };
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, params);
    return request(t.app).post('/webhooks/twilio/sms').type('form').set('X-Twilio-Signature', signature).send(params);
  };

  const postSlack = (raw: string, type: 'application/json' | 'application/x-www-form-urlencoded', headers: Record<string, string> = {}) =>
    request(t.app).post('/slack/events').set({ ...signedHeaders(SIGNING_SECRET, raw, type), ...headers }).send(raw);

  const click = (actionId: string, value: string, root: { channel: string; ts: string }, trigger = `trg-${Math.random()}`) => ({
    type: 'block_actions',
    team: { id: TEAM_ID, domain: 'acme' },
    user: { id: DANA, username: 'dana', team_id: TEAM_ID },
    api_app_id: 'A0TANDEM',
    trigger_id: trigger,
    container: { type: 'message', message_ts: root.ts, channel_id: root.channel, is_ephemeral: false },
    channel: { id: root.channel, name: 'leads' },
    message: { type: 'message', ts: root.ts, text: 'Tandem', user: 'UBOT', bot_id: 'BBOT' },
    response_url: `${SLACK_HOST}/actions/${TEAM_ID}/1/abc`,
    actions: [{ type: 'button', action_id: actionId, block_id: 'actions', value, action_ts: '1780000001.000200', text: { type: 'plain_text', text: 'x' } }],
  });

  const viewFor = async (phone: string): Promise<ConversationView> => (await engine.conversations.viewForLead(tenantId, { phone }))!;

  /** The value of the button `actionId` in a posted or updated message, or null when it is not shown. */
  const buttonValue = (body: Record<string, unknown>, actionId: string): string | null => {
    for (const block of body.blocks as Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>) {
      for (const el of block.elements ?? []) if (el.action_id === actionId) return el.value ?? null;
    }
    return null;
  };

  /** The newest render (post or update) of the conversation's root message. */
  const latestRender = (root: { channel: string; ts: string }): Record<string, unknown> | null => {
    const renders = slack.calls.filter(
      (c) => (c.method === 'chat.update' && c.body.ts === root.ts) || (c.method === 'chat.postMessage' && c.body.channel === root.channel && !c.body.thread_ts),
    );
    return renders.at(-1)?.body ?? null;
  };

  /** Waits until Slack shows the conversation's current version, and returns that render. */
  const renderOfCurrent = async (phone: string, root: { channel: string; ts: string }) =>
    until(async () => {
      const v = await viewFor(phone);
      const r = latestRender(root);
      return r && JSON.stringify(r.blocks).includes(`\\"v\\":${v.version}`) ? { view: v, render: r } : null;
    });

  /** Waits for the conversation message Tandem posted for the lead's conversation; returns it and where it lives. */
  const rootPost = async (phone: string) =>
    until(async () => {
      const v = await engine.conversations.viewForLead(tenantId, { phone });
      const call = v && slack.calls.find((c) => c.method === 'chat.postMessage' && !c.body.thread_ts && JSON.stringify(c.body.blocks).includes(v.id));
      return call ? { post: call.body, root: { channel: String(call.response.channel), ts: String(call.response.ts) } } : null;
    });

  const auditOf = (conversationId: string) =>
    engine.store.tenant(tenantId, (m) => m.query(`SELECT action, surface, actor_name FROM audit_log WHERE entity_id = $1 ORDER BY created_at, id`, [conversationId])) as Promise<
      Array<{ action: string; surface: string; actor_name: string }>
    >;

  it('is the connector the server composes', () => {
    expect(composedConnectors).toContain(slackServerConnector);
  });

  it('the settings API sets the channel and thread replies for the tenant; bad input changes nothing', async () => {
    const put = (key: string | null, body: string) => {
      const r = request(t.app).put('/api/v1/integrations/slack').set('content-type', 'application/json');
      return (key ? r.set('Authorization', `Bearer ${key}`) : r).send(body);
    };
    const before = await engine.integrations.get(tenantId, 'slack');
    expect((await put(null, '{"channelId":"C0OTHER1"}')).body.error.code).toBe('auth.missing_api_key');
    expect((await put('tdm_not_a_key', '{"channelId":"C0OTHER1"}')).status).toBe(401);
    const forbidden = await put(agentKey, '{"channelId":"C0OTHER1"}');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('auth.forbidden');
    const bad = await put(adminKey, JSON.stringify({ channelId: '#leads', threadRepliesSendToLead: 'yes', extra: 1 }));
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('request.invalid');
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['channelId', 'extra', 'threadRepliesSendToLead']);
    expect((await put(adminKey, '{"channelId":')).body.error.code).toBe('request.malformed_json');
    expect((await put(adminKey, '{}')).status).toBe(422);
    expect(await engine.integrations.get(tenantId, 'slack')).toEqual(before);

    const ok = await put(adminKey, JSON.stringify({ channelId: CHANNEL, threadRepliesSendToLead: true }));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      slack: { mode: 'single_workspace', connected: true, enabled: true, teamId: TEAM_ID, channelId: CHANNEL, threadRepliesSendToLead: true, escalationMention: 'here', installUrl: null },
    });
    const read = await request(t.app).get('/api/v1/integrations/slack').set('Authorization', `Bearer ${agentKey}`);
    expect(read.body).toEqual(ok.body);
    // The binding to the workspace is kept beside the settings.
    expect(await engine.integrations.get(tenantId, 'slack')).toEqual({ kind: 'slack', externalId: TEAM_ID, enabled: true, config: { channelId: CHANNEL, threadRepliesSendToLead: true } });
  });

  it('inbound SMS → draft in Slack → Approve → one SMS → message updated; Take over → thread reply → SMS; Hand back → the AI drafts again', async () => {
    const phone = '+12125550142';
    expect((await inboundSms(phone, 'Hi, what are your office hours?')).status).toBe(200);

    // The AI drafted (copilot): one conversation message in the tenant channel, with the draft and buttons.
    const { post, root } = await rootPost(phone);
    const drafted = await viewFor(phone);
    expect(drafted.draft?.status).toBe('pending');
    expect(post).toEqual({
      channel: CHANNEL,
      ...buildConversationMessage(drafted, { mention: null }),
      metadata: { event_type: 'tandem_conversation', event_payload: { conversation_id: drafted.id, tenant_id: tenantId } },
      unfurl_links: 'false',
      unfurl_media: 'false',
    });
    expect(slack.calls.find((c) => c.method === 'chat.postMessage')?.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(JSON.stringify(post.blocks)).toContain(drafted.draft!.body.slice(0, 40));
    expect(root.channel).toBe(CHANNEL);
    expect(sms.sent).toHaveLength(0);

    // Approve, clicked on the message as Slack shows it.
    const approve = click(ACTION_IDS.approve, buttonValue(post, ACTION_IDS.approve)!, root, 'trg-approve-1');
    expect((await postSlack(interactivityBody(approve), 'application/x-www-form-urlencoded')).status).toBe(200);
    await until(() => sms.to(phone).length === 1);
    const approved = await until(async () => {
      const v = await viewFor(phone);
      return v.messages.some((m) => m.direction === 'out') ? v : null;
    });
    const out = approved.messages.filter((m) => m.direction === 'out');
    expect(out).toHaveLength(1);
    expect(sms.to(phone)).toEqual([{ To: phone, From: OUR_NUMBER, Body: out[0]!.body, StatusCallback: `${PUBLIC_URL}/webhooks/twilio/status` }]);
    expect(out[0]!.body).toContain(drafted.draft!.body);
    // Slack retries the same interaction: acknowledged, not acted on again.
    expect((await postSlack(interactivityBody(approve), 'application/x-www-form-urlencoded', { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })).status).toBe(200);
    const afterApprove = await renderOfCurrent(phone, root);
    expect(JSON.stringify(afterApprove.render.blocks)).toContain('by *Dana Agent* in Slack');
    expect(buttonValue(afterApprove.render, ACTION_IDS.approve)).toBeNull();
    // chat.update of the same message, in place (a post has no ts of its own).
    expect(afterApprove.render).toMatchObject({ channel: CHANNEL, ts: root.ts });

    // Take over from the updated message.
    const takeover = click(ACTION_IDS.takeover, buttonValue(afterApprove.render, ACTION_IDS.takeover)!, root);
    expect((await postSlack(interactivityBody(takeover), 'application/x-www-form-urlencoded')).status).toBe(200);
    const human = await until(async () => {
      const v = await viewFor(phone);
      return v.mode === 'human' ? v : null;
    });
    expect(human.assignee).toEqual({ agentId: danaId, name: 'Dana Agent' });

    // Dana answers in the thread; threadRepliesSendToLead is on and she is the assignee: it is texted.
    const reply = {
      type: 'event_callback',
      team_id: TEAM_ID,
      api_app_id: 'A0TANDEM',
      event_id: 'Ev0THREAD1',
      event_time: 1780000100,
      event: { type: 'message', user: DANA, text: 'Calling you in 5 minutes', channel: CHANNEL, channel_type: 'channel', ts: '1780000100.000300', thread_ts: root.ts, event_ts: '1780000100.000300' },
    };
    expect((await postSlack(JSON.stringify(reply), 'application/json')).status).toBe(200);
    await until(() => sms.to(phone).length === 2);
    expect(sms.to(phone)[1]).toMatchObject({ To: phone, Body: 'Calling you in 5 minutes' });
    await until(() => slack.find('reactions.add', (b) => b.timestamp === '1780000100.000300' && b.name === 'outbox_tray').length === 1);

    // Hand back: the AI has the conversation again.
    const handing = await renderOfCurrent(phone, root);
    expect(handing.view.mode).toBe('human');
    const handback = click(ACTION_IDS.handback, buttonValue(handing.render, ACTION_IDS.handback)!, root);
    expect((await postSlack(interactivityBody(handback), 'application/x-www-form-urlencoded')).status).toBe(200);
    await until(async () => (await viewFor(phone)).mode === 'ai');

    // The lead writes again: the text lands in the thread and the AI drafts a new reply on the same message.
    expect((await inboundSms(phone, 'Great, can I book a viewing on Tuesday?')).status).toBe(200);
    const redrafted = await until(async () => {
      const v = await viewFor(phone);
      return v.draft?.status === 'pending' ? v : null;
    });
    const shown = await renderOfCurrent(phone, root);
    expect(shown.view.draft?.id).toBe(redrafted.draft!.id);
    expect(buttonValue(shown.render, ACTION_IDS.approve)).toContain(redrafted.draft!.id);
    expect(shown.render).toMatchObject({ channel: CHANNEL, ts: root.ts, ...buildConversationMessage(shown.view, { mention: null }) });
    await until(() => slack.find('chat.postMessage', (b) => b.thread_ts === root.ts && String(b.text).includes('book a viewing on Tuesday')).length === 1);
    // Still one conversation message, and nothing texted without a decision.
    expect(slack.find('chat.postMessage', (b) => !b.thread_ts && JSON.stringify(b.blocks).includes(drafted.id))).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(sms.to(phone)).toHaveLength(2);

    expect(await auditOf(drafted.id)).toEqual([
      { action: 'conversation.approve', surface: 'slack', actor_name: 'Dana Agent' },
      { action: 'conversation.takeover', surface: 'slack', actor_name: 'Dana Agent' },
      { action: 'conversation.send', surface: 'slack', actor_name: 'Dana Agent' },
      { action: 'conversation.handback', surface: 'slack', actor_name: 'Dana Agent' },
    ]);
  }, 120_000);

  it('Approve on a conversation another surface already decided updates the message and sends nothing', async () => {
    const phone = '+12125550143';
    await inboundSms(phone, 'Could I book a viewing of the house on Elm St?');
    const { post, root } = await rootPost(phone);
    const drafted = await viewFor(phone);
    expect(buttonValue(post, ACTION_IDS.approve)).toContain(drafted.draft!.id);

    const viaApi = await request(t.app)
      .post(`/api/v1/conversations/${drafted.id}/actions`)
      .set('Authorization', `Bearer ${agentKey}`)
      .send({ type: 'approve', version: drafted.version });
    expect(viaApi.status).toBe(200);
    await until(() => sms.to(phone).length === 1);

    const stale = click(ACTION_IDS.approve, buttonValue(post, ACTION_IDS.approve)!, root);
    expect((await postSlack(interactivityBody(stale), 'application/x-www-form-urlencoded')).status).toBe(200);
    const ephemeral = await until(() => slack.find('chat.postEphemeral', (b) => b.user === DANA)[0]);
    expect(ephemeral.text).toContain('changed before you could approve the draft');
    expect(ephemeral.text).toContain('Approved & sent by *Sam* via the API');
    expect(ephemeral.text).toContain('Nothing was done or sent');
    const shown = await renderOfCurrent(phone, root);
    expect(buttonValue(shown.render, ACTION_IDS.approve)).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    expect(sms.to(phone)).toHaveLength(1);
    expect(await auditOf(drafted.id)).toEqual([{ action: 'conversation.approve', surface: 'api', actor_name: 'Sam' }]);
  }, 60_000);

  it('the autonomy menu sets who answers this conversation; a pick made on an old version changes nothing', async () => {
    const phone = '+12125550149';
    await inboundSms(phone, 'Do you have anything with a garden?');
    const { post, root } = await rootPost(phone);
    const before = await viewFor(phone);
    type Option = { text: { text: string }; value: string };
    const menuOf = (body: Record<string, unknown>) => {
      for (const block of body.blocks as Array<{ elements?: Array<{ action_id?: string; options?: Option[]; initial_option?: Option }> }>) {
        for (const el of block.elements ?? []) if (el.action_id === AUTONOMY_SELECT_ID) return el;
      }
      return null;
    };
    const optionOf = (body: Record<string, unknown>, label: string) => menuOf(body)!.options!.find((o) => o.text.text === label)!;
    const pick = (option: Option) => ({
      ...click(AUTONOMY_SELECT_ID, '', root),
      actions: [{ type: 'static_select', action_id: AUTONOMY_SELECT_ID, block_id: 'actions', selected_option: option, action_ts: '1780000002.000300' }],
    });
    expect(menuOf(post)!.initial_option!.text.text).toBe('Team setting');

    const off = optionOf(post, 'AI off: people reply');
    expect((await postSlack(interactivityBody(pick(off)), 'application/x-www-form-urlencoded')).status).toBe(200);
    const after = await until(async () => {
      const v = await viewFor(phone);
      return v.autonomyOverride === 'off' ? v : null;
    });
    expect(after).toMatchObject({ autonomy: 'off', version: before.version + 1 });
    const shown = await renderOfCurrent(phone, root);
    expect(menuOf(shown.render)!.initial_option!.text.text).toBe('AI off: people reply');

    // The first render's "AI replies on its own" carries the old version: refused, explained, nothing changed.
    expect((await postSlack(interactivityBody(pick(optionOf(post, 'AI replies on its own'))), 'application/x-www-form-urlencoded')).status).toBe(200);
    const ephemeral = await until(() => slack.find('chat.postEphemeral', (b) => b.user === DANA && String(b.text).includes('change the autonomy'))[0]);
    expect(ephemeral.text).toContain('Nothing was done or sent');
    expect(await viewFor(phone)).toMatchObject({ autonomy: 'off', autonomyOverride: 'off', version: after.version });
    expect(await auditOf(before.id)).toEqual([{ action: 'conversation.set_autonomy', surface: 'slack', actor_name: 'Dana Agent' }]);
  }, 60_000);

  it('a forged signature or a stale timestamp gets 401 and changes nothing', async () => {
    const phone = '+12125550144';
    await inboundSms(phone, 'Hello, what are your office hours on Saturday?');
    const { post, root } = await rootPost(phone);
    const before = await viewFor(phone);
    const callsBefore = slack.calls.length;
    const body = interactivityBody(click(ACTION_IDS.approve, buttonValue(post, ACTION_IDS.approve)!, root));

    const forged = await request(t.app).post('/slack/events').set(signedHeaders('not-the-signing-secret', body, 'application/x-www-form-urlencoded')).send(body);
    expect(forged.status).toBe(401);
    const old = Math.floor(Date.now() / 1000) - 5 * 60 - 10;
    const replayed = await request(t.app).post('/slack/events').set(signedHeaders(SIGNING_SECRET, body, 'application/x-www-form-urlencoded', old)).send(body);
    expect(replayed.status).toBe(401);
    const unsigned = await request(t.app).post('/slack/events').set('content-type', 'application/x-www-form-urlencoded').send(body);
    expect(unsigned.status).toBe(401);

    await new Promise((r) => setTimeout(r, 300));
    const after = await viewFor(phone);
    expect(after.version).toBe(before.version);
    expect(after.draft?.status).toBe('pending');
    expect(slack.calls.length).toBe(callsBefore);
    expect(sms.to(phone)).toHaveLength(0);
    expect(await auditOf(before.id)).toEqual([]);
  });
});
