import nock from 'nock';
import type { Engine } from '../../../core/index';
import { createTestApp, type TestApp } from '../../../test/helpers/test-app';
import { eventually } from '../../../test/helpers/test-queue';
import { SalesforceCrmAdapter } from './salesforce.crm-adapter';

afterAll(() => nock.restore());

const INSTANCE = 'https://acme.my.salesforce.com';
const API = '/services/data/v62.0';
const SF_LEAD_ID = '00Q5g00000AbCdEEAV';

/**
 * A Salesforce org that takes the upsert but answers too late, on the real engine and outbox: the sync must
 * fail retryably (never done, never dead) and the retry upserts the same Lead by Tandem's external id.
 */
describe(`CRM sync when Salesforce does not answer in time (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.REDIS_URL ? 'BullMQ' : 'in-process'})`, () => {
  let t: TestApp;
  let engine: Engine;
  let tenantId: string;

  beforeAll(async () => {
    t = await createTestApp({ compose: (e) => e.registerCrmAdapter(new SalesforceCrmAdapter({ timeoutMs: 1000, serverBackoffMs: 50 })) });
    engine = t.engine;
    tenantId = (await engine.tenants.create({ name: 'Acme Homes', adminName: 'Ada Admin' })).tenant.id;
    await engine.integrations.put(tenantId, 'salesforce', {
      externalId: '00D5g000000AbCdEAK',
      enabled: true,
      config: { instanceUrl: INSTANCE, clientId: '3MVG9-consumer-key', clientSecret: 'consumer-secret', accessToken: 'token-1' },
    });
  });
  afterAll(async () => {
    nock.abortPendingRequests();
    await t?.close();
  });

  it('times the upsert out, retries later, and the retry upserts the same Lead', async () => {
    const leadId = await engine.tenantTx(tenantId, async (m) => {
      const [lead] = (await m.query(
        `INSERT INTO leads (tenant_id, phone, email, first_name, last_name, source, score, tag) VALUES ($1, '+12125550182', 'dana@example.com', 'Dana', 'Reyes', 'website', 82, 'HOT') RETURNING id`,
        [tenantId],
      )) as Array<{ id: string }>;
      await engine.jobs.outbox.publish(m, [{ type: 'lead.captured', tenantId, payload: { leadId: lead!.id } }]);
      return lead!.id;
    });
    const path = `${API}/sobjects/Lead/Tandem_Lead_Id__c/${leadId}`;
    const salesforce = nock(INSTANCE)
      .patch(path)
      .delay(3_000)
      .reply(201, { id: SF_LEAD_ID, success: true, errors: [], created: true })
      .patch(path)
      .reply(200, { id: SF_LEAD_ID, success: true, errors: [], created: false });
    const job = () =>
      engine.store.system((m) => m.query(`SELECT status, attempts, last_error FROM outbox WHERE topic = 'crm.sync.salesforce' AND payload->>'leadId' = $1`, [leadId])) as Promise<
        Array<{ status: string; attempts: number; last_error: string | null }>
      >;
    await eventually(async () => (await job())[0]?.status === 'done', 15_000);
    expect((await job())[0]).toMatchObject({ attempts: 2, last_error: expect.stringContaining('Salesforce gave no answer within 1000 ms') });
    expect(salesforce.isDone()).toBe(true);
    const links = await engine.store.tenant(tenantId, (m) => m.query(`SELECT external_id, status, sync_claim FROM crm_links WHERE lead_id = $1`, [leadId]));
    expect(links).toEqual([{ external_id: SF_LEAD_ID, status: 'ok', sync_claim: null }]);
  }, 30_000);
});
