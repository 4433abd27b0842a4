import nock from 'nock';
import type { Engine } from '../../core/index';
import { createTestApp, type TestApp } from '../../test/helpers/test-app';
import { eventually } from '../../test/helpers/test-queue';
import { ChannelPacer } from './channel-pacer';
import { createSlackServerConnector } from './slack.connector';
import { decodeSlackBody } from './test-support/harness';

afterAll(() => nock.restore());

const SLACK_HOST = 'http://slack.test';
const CHANNEL = 'C0LEADS';
const BOT = { user: 'U0TANDEM', bot_id: 'B0TANDEM', app_id: 'A0TANDEM', team: 'T0ACME' };

/** A Slack ts for now (plus `offsetMs`), as Slack would stamp a message posted then. */
const tsAt = (offsetMs = 0, micros = 1): string => `${Math.floor((Date.now() + offsetMs) / 1000)}.${String(micros).padStart(6, '0')}`;

/** A conversations.history success shaped like Slack's documented response (newest first). */
function historyPage(messages: Array<Record<string, unknown>>): Record<string, unknown> {
  return { ok: true, messages, has_more: false, pin_count: 0, channel_actions_ts: null, channel_actions_count: 0, response_metadata: { next_cursor: '' } };
}

/** A root message the Tandem bot posted, as conversations.history lists it with include_all_metadata. */
function tandemMessage(ts: string, tenantId: string, conversationId: string): Record<string, unknown> {
  return {
    type: 'message',
    ...BOT,
    text: 'Tandem: Ana needs a decision',
    ts,
    blocks: [],
    metadata: { event_type: 'tandem_conversation', event_payload: { conversation_id: conversationId, tenant_id: tenantId } },
  };
}

/**
 * Slack answering too late, on the real engine and outbox: the notification fails retryably (the outbox
 * backs off) and a later attempt finishes it, instead of the job hanging or being dropped. A timed-out
 * post Slack did carry out is found by its metadata and adopted, never posted a second time.
 */
describe(`Slack notify job when Slack does not answer in time (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.REDIS_URL ? 'BullMQ' : 'in-process'})`, () => {
  let t: TestApp;
  let engine: Engine;
  let tenantId: string;

  beforeAll(async () => {
    // The timeout must be short for the test, but not so short that a busy machine times out the calls
    // Slack answers at once (an in-process PGlite can hold the event loop for a while).
    t = await createTestApp({
      env: { SLACK_SIGNING_SECRET: 'timeout-signing-secret-0123456789', SLACK_BOT_TOKEN: 'xoxb-timeout-test', SLACK_API_URL: `${SLACK_HOST}/api/`, SLACK_CHANNEL_ID: CHANNEL },
      connectors: [createSlackServerConnector({ pacer: new ChannelPacer({ intervalMs: 0 }), requestTimeoutMs: 1_000 })],
    });
    engine = t.engine;
    tenantId = (await engine.tenants.create({ name: 'Acme Homes', adminName: 'Ada Admin' })).tenant.id;
    await engine.integrations.put(tenantId, 'slack', { externalId: 'T0ACME', config: {}, enabled: true });
  });
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A lead with a conversation; nothing published yet, so the test can set Slack up knowing the id. */
  async function conversation(phone: string): Promise<string> {
    return engine.tenantTx(tenantId, async (m) => {
      const [lead] = (await m.query(`INSERT INTO leads (tenant_id, phone, first_name, source) VALUES ($1, $2, 'Ana', 'website') RETURNING id`, [tenantId, phone])) as Array<{ id: string }>;
      const [c] = (await m.query(`INSERT INTO conversations (tenant_id, lead_id) VALUES ($1, $2) RETURNING id`, [tenantId, lead!.id])) as Array<{ id: string }>;
      return c!.id;
    });
  }

  async function publishNeedsDecision(conversationId: string): Promise<void> {
    await engine.tenantTx(tenantId, (m) =>
      engine.jobs.outbox.publish(m, [{ type: 'conversation.notify', tenantId, payload: { kind: 'conversation.needs_decision', conversationId, reason: 'copilot' } }]),
    );
  }

  const job = (conversationId: string) =>
    engine.store.system((m) => m.query(`SELECT status, attempts, last_error FROM outbox WHERE topic = 'notify.slack' AND payload->>'conversationId' = $1`, [conversationId])) as Promise<
      Array<{ status: string; attempts: number; last_error: string | null }>
    >;

  const storedRef = async (conversationId: string) =>
    (await engine.store.tenant(tenantId, (m) => m.query(`SELECT surface, ref->>'channel' AS channel, ref->>'ts' AS ts FROM surface_refs WHERE conversation_id = $1 ORDER BY surface`, [conversationId]))) as Array<{
      surface: string;
      channel: string;
      ts: string;
    }>;

  /** Records each call's decoded form body, in order. */
  function recorder() {
    const calls: Array<{ method: string; body: Record<string, unknown> }> = [];
    const record = (method: string) => (body: unknown) => {
      calls.push({ method, body: decodeSlackBody(body) });
      return true;
    };
    return { calls, record };
  }

  it('adopts the message a timed-out post did put in the channel, found by its metadata, instead of posting it twice', async () => {
    const conversationId = await conversation('+12125550183');
    const tsA = tsAt(0, 100);
    const { calls, record } = recorder();
    const slack = nock(SLACK_HOST)
      // Slack posts the message (ts A) but answers after the client has given up.
      .post('/api/chat.postMessage', record('chat.postMessage'))
      .delay(5_000)
      .reply(200, { ok: true, channel: CHANNEL, ts: tsA, message: tandemMessage(tsA, tenantId, conversationId) })
      // The retry reads the channel since the first attempt: a person's message, another conversation's, and ours.
      .post('/api/conversations.history', record('conversations.history'))
      .reply(
        200,
        historyPage([
          { type: 'message', user: 'U0HUMAN', text: 'who is on the Ana lead?', ts: tsAt(0, 300), team: 'T0ACME' },
          tandemMessage(tsAt(0, 200), tenantId, '00000000-0000-4000-8000-000000000000'),
          tandemMessage(tsA, tenantId, conversationId),
        ]),
      )
      // Whose message it is: only our bot's is adopted (single-workspace token, so auth.test says).
      .post('/api/auth.test')
      .reply(200, { ok: true, url: 'https://acme.slack.com/', team: 'Acme', user: 'tandem', team_id: BOT.team, user_id: BOT.user, bot_id: BOT.bot_id })
      // The adopted message is brought up to date in place.
      .post('/api/chat.update', record('chat.update'))
      .reply(200, { ok: true, channel: CHANNEL, ts: tsA, text: 'Tandem: Ana needs a decision' });

    const before = Date.now();
    await publishNeedsDecision(conversationId);
    await eventually(async () => (await job(conversationId))[0]?.status === 'done', 15_000);
    const after = Date.now();

    expect((await job(conversationId))[0]).toMatchObject({ attempts: 2, last_error: expect.stringContaining('TimeoutError') });
    expect(slack.isDone()).toBe(true);
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage', 'conversations.history', 'chat.update']);
    // The first post names the conversation in its metadata.
    expect(calls[0]!.body).toMatchObject({
      channel: CHANNEL,
      metadata: { event_type: 'tandem_conversation', event_payload: { conversation_id: conversationId, tenant_id: tenantId } },
    });
    // The history is read from a little before the first attempt to a little after it (the only earlier
    // one), bounds included, with metadata, in a small page.
    const history = calls[1]!.body;
    expect(history).toMatchObject({ channel: CHANNEL, inclusive: 'true', include_all_metadata: 'true', limit: '15' });
    expect(history).not.toHaveProperty('cursor');
    const oldestMs = Number(history.oldest) * 1000;
    expect(String(history.oldest)).toMatch(/^\d+\.\d{6}$/);
    expect(oldestMs).toBeGreaterThanOrEqual(before - 60_000 - 1);
    expect(oldestMs).toBeLessThanOrEqual(after - 60_000);
    expect(String(history.latest)).toMatch(/^\d+\.\d{6}$/);
    expect(Number(history.latest) * 1000 - oldestMs).toBeCloseTo(120_000, -1);
    expect(calls[2]!.body).toMatchObject({ channel: CHANNEL, ts: tsA });
    // Stored: ts A, and the attempt is concluded.
    expect(await storedRef(conversationId)).toEqual([{ surface: 'slack', channel: CHANNEL, ts: tsA }]);
  }, 30_000);

  it('posts once more when the channel history does not hold the timed-out post', async () => {
    const conversationId = await conversation('+12125550184');
    const tsB = tsAt(1_000, 500);
    const { calls, record } = recorder();
    const slack = nock(SLACK_HOST)
      // This time Slack never posted: the request died before Slack carried it out.
      .post('/api/chat.postMessage', record('chat.postMessage'))
      .delay(5_000)
      .reply(200, { ok: true, channel: CHANNEL, ts: tsAt(0, 400) })
      .post('/api/conversations.history', record('conversations.history'))
      .reply(200, historyPage([{ type: 'message', user: 'U0HUMAN', text: 'morning all', ts: tsAt(0, 450), team: 'T0ACME' }, tandemMessage(tsAt(0, 420), tenantId, '00000000-0000-4000-8000-000000000001')]))
      .post('/api/chat.postMessage', record('chat.postMessage'))
      .reply(200, { ok: true, channel: CHANNEL, ts: tsB, message: tandemMessage(tsB, tenantId, conversationId) });

    await publishNeedsDecision(conversationId);
    await eventually(async () => (await job(conversationId))[0]?.status === 'done', 15_000);

    expect((await job(conversationId))[0]).toMatchObject({ attempts: 2, last_error: expect.stringContaining('TimeoutError') });
    expect(slack.isDone()).toBe(true);
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage', 'conversations.history', 'chat.postMessage']);
    const metadata = { event_type: 'tandem_conversation', event_payload: { conversation_id: conversationId, tenant_id: tenantId } };
    expect(calls[0]!.body).toMatchObject({ channel: CHANNEL, metadata });
    expect(calls[2]!.body).toMatchObject({ channel: CHANNEL, metadata });
    expect(calls[1]!.body).toMatchObject({ channel: CHANNEL, include_all_metadata: 'true' });
    expect(await storedRef(conversationId)).toEqual([{ surface: 'slack', channel: CHANNEL, ts: tsB }]);
  }, 30_000);
});
