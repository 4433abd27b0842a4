import nock from 'nock';
import type { Engine } from '../../core/index';
import { createTestApp, type TestApp } from '../../test/helpers/test-app';
import { eventually } from '../../test/helpers/test-queue';
import { ChannelPacer } from './channel-pacer';
import { createSlackServerConnector } from './slack.connector';

afterAll(() => nock.restore());

const SLACK_HOST = 'http://slack.test';
const CHANNEL = 'C0LEADS';
const TS = '1700000000.000100';

/**
 * Slack answering too late, on the real engine and outbox: the notification fails retryably (the outbox
 * backs off) and a later attempt posts it, instead of the job hanging or being dropped.
 */
describe(`Slack notify job when Slack does not answer in time (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.REDIS_URL ? 'BullMQ' : 'in-process'})`, () => {
  let t: TestApp;
  let engine: Engine;
  let tenantId: string;

  beforeAll(async () => {
    t = await createTestApp({
      env: { SLACK_SIGNING_SECRET: 'timeout-signing-secret-0123456789', SLACK_BOT_TOKEN: 'xoxb-timeout-test', SLACK_API_URL: `${SLACK_HOST}/api/`, SLACK_CHANNEL_ID: CHANNEL },
      connectors: [createSlackServerConnector({ pacer: new ChannelPacer({ intervalMs: 0 }), requestTimeoutMs: 200 })],
    });
    engine = t.engine;
    tenantId = (await engine.tenants.create({ name: 'Acme Homes', adminName: 'Ada Admin' })).tenant.id;
    await engine.integrations.put(tenantId, 'slack', { externalId: 'T0ACME', config: {}, enabled: true });
  });
  afterAll(async () => {
    nock.abortPendingRequests();
    await t?.close();
  });

  it('times the post out, retries later, and posts the conversation message once Slack answers', async () => {
    const slack = nock(SLACK_HOST)
      .post('/api/chat.postMessage')
      .delay(3_000)
      .reply(200, { ok: true, channel: CHANNEL, ts: '1699999999.000001' })
      .post('/api/chat.postMessage')
      .reply(200, { ok: true, channel: CHANNEL, ts: TS });
    const conversationId = await engine.tenantTx(tenantId, async (m) => {
      const [lead] = (await m.query(`INSERT INTO leads (tenant_id, phone, first_name, source) VALUES ($1, '+12125550183', 'Ana', 'website') RETURNING id`, [tenantId])) as Array<{ id: string }>;
      const [c] = (await m.query(`INSERT INTO conversations (tenant_id, lead_id) VALUES ($1, $2) RETURNING id`, [tenantId, lead!.id])) as Array<{ id: string }>;
      await engine.jobs.outbox.publish(m, [{ type: 'conversation.notify', tenantId, payload: { kind: 'conversation.needs_decision', conversationId: c!.id, reason: 'copilot' } }]);
      return c!.id;
    });
    const job = () =>
      engine.store.system((m) => m.query(`SELECT status, attempts, last_error FROM outbox WHERE topic = 'notify.slack' AND payload->>'conversationId' = $1`, [conversationId])) as Promise<
        Array<{ status: string; attempts: number; last_error: string | null }>
      >;
    await eventually(async () => (await job())[0]?.status === 'done', 15_000);
    expect((await job())[0]).toMatchObject({ attempts: 2, last_error: expect.stringContaining('TimeoutError') });
    expect(slack.isDone()).toBe(true);
  }, 30_000);
});
