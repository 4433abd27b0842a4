import { eventually, createLead, createTenant, openTestEngine } from '../conversations/test-support/engine-harness';
import type { Engine } from '../engine/create-engine';
import { NOT_CONNECTED_NOTE_PREFIX } from '../jobs/outbox-relay';
import type { CrmAdapter, CrmContext, CrmLeadSnapshot } from '../ports/crm-adapter.port';
import { one, rows } from '../store/sql';

/** An adapter that refreshes its token mid-sync, as OAuth adapters do. */
class RefreshingAdapter implements CrmAdapter {
  readonly provider = 'salesforce' as const;
  upserts: CrmLeadSnapshot[] = [];
  async upsertLead(ctx: CrmContext, lead: CrmLeadSnapshot) {
    // Only the changed key: whatever else is stored (an org key from a reconnect) must survive.
    await ctx.saveConfig({ accessToken: 'fresh-token' });
    this.upserts.push(lead);
    return { externalId: '00Q000000000001AAA' };
  }
  async logMessage() {}
}

/** Records the leads it is asked to sync. */
class RecordingHubSpot implements CrmAdapter {
  readonly provider = 'hubspot' as const;
  upserts: CrmLeadSnapshot[] = [];
  async upsertLead(_ctx: CrmContext, lead: CrmLeadSnapshot) {
    this.upserts.push(lead);
    return { externalId: `hs-${lead.id.slice(0, 8)}` };
  }
  async logMessage() {}
}

describe(`CRM sync (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.REDIS_URL ? 'BullMQ' : 'in-process'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let enqueue: jest.SpyInstance;
  const adapter = new RefreshingAdapter();
  const hubspot = new RecordingHubSpot();
  beforeAll(async () => {
    ({ engine, close } = await openTestEngine());
    engine.registerCrmAdapter(adapter);
    engine.registerCrmAdapter(hubspot);
    enqueue = jest.spyOn(engine.jobs.queue, 'enqueue');
    await engine.start('all');
  });
  afterAll(() => close());

  it('saves the new token inside the sync (no deadlock on one connection) and keeps keys it did not send', async () => {
    const { tenantId } = await createTenant(engine);
    await engine.integrations.put(tenantId, 'salesforce', { externalId: '00D000000000001', enabled: true, config: { accessToken: 'stale' } });
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone: '+14155550123' });
    await engine.integrations.put(tenantId, 'salesforce', { externalId: '00D000000000001', enabled: true, config: { accessToken: 'stale', orgKeySha256: 'abc' } });
    await engine.tenantTx(tenantId, (m) => engine.jobs.outbox.publish(m, [{ type: 'lead.updated', tenantId, payload: { leadId, conversationId } }]));

    await eventually(async () => (await engine.conversations.view(tenantId, conversationId)).lead.crm.find((c) => c.status === 'ok'), 20_000);
    const stored = await engine.integrations.get(tenantId, 'salesforce');
    expect(stored!.config).toEqual({ accessToken: 'fresh-token', orgKeySha256: 'abc' });
    expect(adapter.upserts.map((u) => u.id)).toEqual([leadId]);
  });

  const publishLeadUpdated = (tenantId: string, leadId: string, conversationId: string) =>
    engine.tenantTx(tenantId, (m) => engine.jobs.outbox.publish(m, [{ type: 'lead.updated', tenantId, payload: { leadId, conversationId } }]));

  const crmRows = (tenantId: string) =>
    engine.store.tenant(tenantId, (m) =>
      rows<{ id: string; topic: string; status: string; attempts: number; last_error: string | null }>(
        m,
        `SELECT id::text AS id, topic, status, attempts, last_error FROM outbox WHERE topic LIKE 'crm.sync.%' ORDER BY id`,
      ),
    );

  const queuedIds = () => enqueue.mock.calls.flatMap(([jobs]) => (jobs as Array<{ id: string }>).map((j) => j.id));

  it('settles the sync of a tenant without the CRM without queueing it or calling the adapter', async () => {
    const { tenantId } = await createTenant(engine);
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone: '+14155550124' });
    await publishLeadUpdated(tenantId, leadId, conversationId);

    const settled = await eventually(async () => {
      const r = await crmRows(tenantId);
      return r.length === 2 && r.every((x) => x.status === 'done') ? r : null;
    });
    expect(settled.map(({ topic, attempts, last_error }) => ({ topic, attempts, last_error })).sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
      { topic: 'crm.sync.hubspot', attempts: 0, last_error: `${NOT_CONNECTED_NOTE_PREFIX} hubspot integration` },
      { topic: 'crm.sync.salesforce', attempts: 0, last_error: `${NOT_CONNECTED_NOTE_PREFIX} salesforce integration` },
    ]);
    expect(queuedIds().filter((id) => settled.some((r) => r.id === id))).toEqual([]);
    expect(hubspot.upserts.filter((u) => u.tenantId === tenantId)).toEqual([]);
    expect(adapter.upserts.filter((u) => u.tenantId === tenantId)).toEqual([]);
    const links = await engine.store.tenant(tenantId, (m) => one(m, `SELECT 1 FROM crm_links WHERE lead_id = $1`, [leadId]));
    expect(links).toBeNull();
  });

  it('syncs once the tenant connects the CRM, with no stale answer in between', async () => {
    const { tenantId } = await createTenant(engine);
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone: '+14155550125' });
    await publishLeadUpdated(tenantId, leadId, conversationId);
    await eventually(async () => (await crmRows(tenantId)).filter((x) => x.status === 'done').length === 2);

    await engine.integrations.put(tenantId, 'hubspot', { externalId: 'portal-9', enabled: true, config: { accessToken: 'x' } });
    await publishLeadUpdated(tenantId, leadId, conversationId);
    await eventually(() => hubspot.upserts.some((u) => u.tenantId === tenantId));
    const latest = await eventually(async () => {
      const r = (await crmRows(tenantId)).slice(2);
      return r.length === 2 && r.every((x) => x.status === 'done') ? r : null;
    });
    const hub = latest.find((r) => r.topic === 'crm.sync.hubspot')!;
    expect(hub).toMatchObject({ attempts: 1, last_error: null });
    expect(queuedIds()).toContain(hub.id);
    // Salesforce is still not connected: still settled without a run.
    expect(latest.find((r) => r.topic === 'crm.sync.salesforce')).toMatchObject({ attempts: 0 });
    expect(hubspot.upserts.filter((u) => u.tenantId === tenantId).map((u) => u.id)).toEqual([leadId]);
  });
});
