import nock from 'nock';
import type { Engine } from '../../core/index';
import { createTestApp, type TestApp } from '../../test/helpers/test-app';
import { eventually } from '../../test/helpers/test-queue';
import { HubSpotCrmAdapter } from './hubspot.crm-adapter';

afterAll(() => nock.restore());

const API = 'https://api.hubapi.com';
const TOKEN = 'pat-na1-timeout-test';

type Input = { idProperty?: string; id?: string; properties: Record<string, string> };

/**
 * HubSpot's contact endpoints with the memory this story needs: a plain create (which makes a contact for
 * a phone-only lead every time), the batch upsert keyed on a unique property, a search index that has not
 * caught up with anything yet, and a first write that is carried out but answered after 3 s. It answers
 * the old create path too, so the test shows what that path did: two contacts.
 */
class LaggingHubSpot {
  readonly contacts = new Map<string, Record<string, string>>();
  readonly writes: Array<{ via: 'create' | 'upsert'; id: string; isNew: boolean }> = [];
  searches = 0;

  install(): void {
    const create = (_uri: string, body: nock.Body) => this.answer(this.write('create', body as Input));
    const upsert = (_uri: string, body: nock.Body) => this.answer(this.write('upsert', (body as { inputs: Input[] }).inputs[0]!));
    // The first write of either kind: carried out at once, answered after 3 s (past the adapter's 1 s timeout).
    nock(API).post('/crm/v3/objects/contacts').delay(3_000).reply(create).post('/crm/v3/objects/contacts/batch/upsert').delay(3_000).reply(upsert);
    nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .persist()
      .post('/crm/v3/objects/contacts/search')
      .reply(() => {
        this.searches += 1;
        return [200, { total: 0, results: [] }];
      })
      .post('/crm/v3/objects/contacts')
      .reply(create)
      .post('/crm/v3/objects/contacts/batch/upsert')
      .reply(upsert);
  }

  private write(via: 'create' | 'upsert', input: Input): { id: string; isNew: boolean } {
    const key = input.idProperty && input.id !== undefined ? { name: input.idProperty, value: input.id } : null;
    const found = key ? [...this.contacts].find(([, p]) => p[key.name] === key.value)?.[0] : undefined;
    const id = found ?? String(901 + this.contacts.size);
    this.contacts.set(id, { ...this.contacts.get(id), ...input.properties, ...(key ? { [key.name]: key.value } : {}) });
    this.writes.push({ via, id, isNew: !found });
    return { id, isNew: !found };
  }

  /** Shaped as HubSpot documents each endpoint: a create answers the object, an upsert a batch of one. */
  private answer({ id, isNew }: { id: string; isNew: boolean }): [number, unknown] {
    const at = new Date().toISOString();
    const object = { id, properties: { ...this.contacts.get(id), hs_object_id: id }, createdAt: at, updatedAt: at, archived: false };
    return this.writes.at(-1)!.via === 'create' ? [201, object] : [200, { status: 'COMPLETE', results: [{ ...object, new: isNew }], startedAt: at, completedAt: at }];
  }
}

/**
 * A HubSpot that takes the create but answers too late, on the real engine and outbox: the sync must fail
 * retryably (never done, never dead), and its retry must end on the contact HubSpot did create even though
 * the retry's search cannot see it yet.
 */
describe(`CRM sync when HubSpot does not answer in time (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.REDIS_URL ? 'BullMQ' : 'in-process'})`, () => {
  let t: TestApp;
  let engine: Engine;
  let tenantId: string;

  beforeAll(async () => {
    t = await createTestApp({
      // 1 s, not less: a loaded CI machine can take a few hundred ms over the first HubSpot call of a process.
      compose: (e) => e.registerCrmAdapter(new HubSpotCrmAdapter({ tokens: { getAccessToken: async () => TOKEN }, requestTimeoutMs: 1_000 })),
    });
    engine = t.engine;
    tenantId = (await engine.tenants.create({ name: 'Acme Homes', adminName: 'Ada Admin' })).tenant.id;
    await engine.integrations.put(tenantId, 'hubspot', { externalId: '62515', enabled: true, config: { privateAppToken: TOKEN } });
  });
  afterAll(async () => {
    nock.abortPendingRequests();
    await t?.close();
  });

  it('times the create out, retries, and the retry adopts the contact HubSpot created by tandem_lead_id though its search finds nothing', async () => {
    const hubspot = new LaggingHubSpot();
    hubspot.install();
    // A phone-only lead, as most SMS leads are: no email for HubSpot to refuse a duplicate on.
    const leadId = await engine.tenantTx(tenantId, async (m) => {
      const [lead] = (await m.query(`INSERT INTO leads (tenant_id, phone, first_name, source, score, tag) VALUES ($1, '+12125550181', 'Ana', 'website', 40, 'WARM') RETURNING id`, [
        tenantId,
      ])) as Array<{ id: string }>;
      await engine.jobs.outbox.publish(m, [{ type: 'lead.captured', tenantId, payload: { leadId: lead!.id } }]);
      return lead!.id;
    });
    const job = () =>
      engine.store.system((m) => m.query(`SELECT status, attempts, last_error FROM outbox WHERE topic = 'crm.sync.hubspot' AND payload->>'leadId' = $1`, [leadId])) as Promise<
        Array<{ status: string; attempts: number; last_error: string | null }>
      >;
    await eventually(async () => (await job())[0]?.status === 'done', 15_000);
    expect((await job())[0]).toMatchObject({ attempts: 2, last_error: expect.stringContaining('HubSpot gave no answer within 1000 ms while creating a contact') });
    expect(hubspot.searches).toBe(2);
    expect(hubspot.writes).toEqual([
      { via: 'upsert', id: '901', isNew: true },
      { via: 'upsert', id: '901', isNew: false },
    ]);
    expect([...hubspot.contacts.keys()]).toEqual(['901']);
    expect(hubspot.contacts.get('901')).toMatchObject({ phone: '+12125550181', tandem_lead_id: leadId });
    const links = await engine.store.tenant(tenantId, (m) => m.query(`SELECT external_id, status, sync_claim FROM crm_links WHERE lead_id = $1`, [leadId]));
    expect(links).toEqual([{ external_id: '901', status: 'ok', sync_claim: null }]);
  }, 30_000);
});
