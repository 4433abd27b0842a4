import nock from 'nock';
import type { Engine } from '../../core/index';
import { createTestApp, type TestApp } from '../../test/helpers/test-app';
import { eventually } from '../../test/helpers/test-queue';
import { HubSpotCrmAdapter } from './hubspot.crm-adapter';

afterAll(() => nock.restore());

const API = 'https://api.hubapi.com';
const TOKEN = 'pat-na1-timeout-test';
const contact = (id: string) => ({ id, properties: { email: 'ana@example.com', hs_object_id: id }, createdAt: 'x', updatedAt: 'x', archived: false });

/**
 * A HubSpot that takes the create but answers too late, on the real engine and outbox: the sync must fail
 * retryably (never done, never dead), and its retry must find the contact HubSpot did create.
 */
describe(`CRM sync when HubSpot does not answer in time (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.REDIS_URL ? 'BullMQ' : 'in-process'})`, () => {
  let t: TestApp;
  let engine: Engine;
  let tenantId: string;

  beforeAll(async () => {
    t = await createTestApp({
      compose: (e) => e.registerCrmAdapter(new HubSpotCrmAdapter({ tokens: { getAccessToken: async () => TOKEN }, requestTimeoutMs: 200 })),
    });
    engine = t.engine;
    tenantId = (await engine.tenants.create({ name: 'Acme Homes', adminName: 'Ada Admin' })).tenant.id;
    await engine.integrations.put(tenantId, 'hubspot', { externalId: '62515', enabled: true, config: { privateAppToken: TOKEN } });
  });
  afterAll(async () => {
    nock.abortPendingRequests();
    await t?.close();
  });

  it('times the create out, retries later, and the retry updates the contact HubSpot created instead of making a second', async () => {
    const hubspot = nock(API)
      .post('/crm/v3/objects/contacts/search')
      .reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/contacts')
      .delay(3_000)
      .reply(201, contact('901'))
      // HubSpot did create it: the retry's search finds it.
      .post('/crm/v3/objects/contacts/search')
      .reply(200, { total: 1, results: [contact('901')] })
      .patch('/crm/v3/objects/contacts/901')
      .reply(200, contact('901'));
    const leadId = await engine.tenantTx(tenantId, async (m) => {
      const [lead] = (await m.query(
        `INSERT INTO leads (tenant_id, phone, email, first_name, source, score, tag) VALUES ($1, '+12125550181', 'ana@example.com', 'Ana', 'website', 40, 'WARM') RETURNING id`,
        [tenantId],
      )) as Array<{ id: string }>;
      await engine.jobs.outbox.publish(m, [{ type: 'lead.captured', tenantId, payload: { leadId: lead!.id } }]);
      return lead!.id;
    });
    const job = () =>
      engine.store.system((m) => m.query(`SELECT status, attempts, last_error FROM outbox WHERE topic = 'crm.sync.hubspot' AND payload->>'leadId' = $1`, [leadId])) as Promise<
        Array<{ status: string; attempts: number; last_error: string | null }>
      >;
    await eventually(async () => (await job())[0]?.status === 'done', 15_000);
    expect((await job())[0]).toMatchObject({ attempts: 2, last_error: expect.stringContaining('HubSpot gave no answer within 200 ms while creating a contact') });
    expect(hubspot.isDone()).toBe(true);
    const links = await engine.store.tenant(tenantId, (m) => m.query(`SELECT external_id, status, sync_claim FROM crm_links WHERE lead_id = $1`, [leadId]));
    expect(links).toEqual([{ external_id: '901', status: 'ok', sync_claim: null }]);
  }, 30_000);
});
