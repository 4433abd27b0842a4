import { eventually, createLead, createTenant, openTestEngine } from '../conversations/test-support/engine-harness';
import type { Engine } from '../engine/create-engine';
import type { CrmAdapter, CrmContext, CrmLeadSnapshot } from '../ports/crm-adapter.port';

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

describe('CRM sync saving refreshed credentials', () => {
  let engine: Engine;
  let close: () => Promise<void>;
  const adapter = new RefreshingAdapter();
  beforeAll(async () => {
    ({ engine, close } = await openTestEngine());
    engine.registerCrmAdapter(adapter);
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
});
