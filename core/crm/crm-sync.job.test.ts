import { eventually, createLead, createTenant, openTestEngine } from '../conversations/test-support/engine-harness';
import type { Engine } from '../engine/create-engine';
import { CrmRetryableError, type CrmAdapter, type CrmContext, type CrmLeadSnapshot } from '../ports/crm-adapter.port';
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

/**
 * Records the leads it is asked to sync and, like HubSpot when its search index lags, creates a new
 * contact whenever the lead comes without a stored id. Calls can be held open, and texts made to fail.
 */
class RecordingHubSpot implements CrmAdapter {
  readonly provider = 'hubspot' as const;
  upserts: CrmLeadSnapshot[] = [];
  /** Contacts created, per lead. */
  created = new Map<string, string[]>();
  private held: Array<{ entered: () => void; until: Promise<void> }> = [];
  private failingTexts = 0;

  /** Holds the next upsert until `release()`; `entered` resolves once the call is in flight. */
  holdNext(): { entered: Promise<void>; release: () => void } {
    let release!: () => void;
    let entered!: () => void;
    const until = new Promise<void>((resolve) => (release = resolve));
    const inFlight = new Promise<void>((resolve) => (entered = resolve));
    this.held.push({ entered, until });
    return { entered: inFlight, release };
  }

  /** The next `n` texts fail as a HubSpot 503 would, after the contact was written. */
  failTexts(n: number) {
    this.failingTexts = n;
  }

  async upsertLead(_ctx: CrmContext, lead: CrmLeadSnapshot) {
    this.upserts.push(lead);
    const hold = this.held.shift();
    if (hold) {
      hold.entered();
      await hold.until;
    }
    if (lead.externalId) return { externalId: lead.externalId };
    const ids = this.created.get(lead.id) ?? [];
    const externalId = `hs-${lead.id.slice(0, 8)}-${ids.length + 1}`;
    this.created.set(lead.id, [...ids, externalId]);
    return { externalId };
  }

  async logMessage() {
    if (this.failingTexts > 0) {
      this.failingTexts--;
      throw new CrmRetryableError('HubSpot 503 while logging an SMS on the contact timeline');
    }
  }
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

  it('saves a refreshed token in a short transaction of its own and keeps keys it did not send', async () => {
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

  it('writes no sync row for a tenant without the CRM, so nothing is queued and the adapter is never called', async () => {
    const { tenantId } = await createTenant(engine);
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone: '+14155550124' });
    await publishLeadUpdated(tenantId, leadId, conversationId);

    expect(await crmRows(tenantId)).toEqual([]);
    expect(hubspot.upserts.filter((u) => u.tenantId === tenantId)).toEqual([]);
    expect(adapter.upserts.filter((u) => u.tenantId === tenantId)).toEqual([]);
    const links = await engine.store.tenant(tenantId, (m) => one(m, `SELECT 1 FROM crm_links WHERE lead_id = $1`, [leadId]));
    expect(links).toBeNull();
  });

  it('syncs once the tenant connects the CRM, and only to the CRM it connected', async () => {
    const { tenantId } = await createTenant(engine);
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone: '+14155550125' });
    await publishLeadUpdated(tenantId, leadId, conversationId);
    expect(await crmRows(tenantId)).toEqual([]);

    await engine.integrations.put(tenantId, 'hubspot', { externalId: 'portal-9', enabled: true, config: { accessToken: 'x' } });
    await publishLeadUpdated(tenantId, leadId, conversationId);
    await eventually(() => hubspot.upserts.some((u) => u.tenantId === tenantId));
    const latest = await eventually(async () => {
      const r = await crmRows(tenantId);
      return r.length === 1 && r.every((x) => x.status === 'done') ? r : null;
    });
    // Salesforce is still not connected: no row for it.
    expect(latest).toEqual([expect.objectContaining({ topic: 'crm.sync.hubspot', attempts: 1, last_error: null })]);
    expect(queuedIds()).toContain(latest[0]!.id);
    expect(hubspot.upserts.filter((u) => u.tenantId === tenantId).map((u) => u.id)).toEqual([leadId]);
  });
  const PG = Boolean(process.env.DATABASE_URL);

  const connectHubSpot = (tenantId: string) =>
    engine.integrations.put(tenantId, 'hubspot', { externalId: `portal-${tenantId.slice(0, 8)}`, enabled: true, config: { accessToken: 'x' } });

  const hubSpotLinks = (tenantId: string, leadId: string) =>
    engine.store.tenant(tenantId, (m) =>
      rows<{ external_id: string | null; status: string; error: string | null; sync_claim: string | null }>(
        m,
        `SELECT external_id, status, error, sync_claim FROM crm_links WHERE lead_id = $1 AND provider = 'hubspot'`,
        [leadId],
      ),
    );

  const syncedLink = (tenantId: string, leadId: string) =>
    eventually(async () => {
      const [link] = await hubSpotLinks(tenantId, leadId);
      return link?.status === 'ok' ? link : null;
    }, 20_000);

  const hubSpotJobs = (tenantId: string, leadId: string) =>
    engine.store.tenant(tenantId, (m) =>
      rows<{ id: string; status: string; attempts: number; last_error: string | null }>(
        m,
        `SELECT id::text AS id, status, attempts, last_error FROM outbox WHERE topic = 'crm.sync.hubspot' AND payload->>'leadId' = $1 ORDER BY id`,
        [leadId],
      ),
    );

  /** Rejects if `work` is still pending after `ms`: what a held lock or a busy connection makes it do. */
  const within = <T>(ms: number, work: Promise<T>) =>
    Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms))]);

  it('holds no transaction while the CRM answers: a transaction that locks the lead goes straight through', async () => {
    const { tenantId } = await createTenant(engine);
    await connectHubSpot(tenantId);
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone: '+14155550126' });
    const call = hubspot.holdNext();
    await publishLeadUpdated(tenantId, leadId, conversationId);
    await call.entered;
    try {
      // FOR UPDATE also conflicts with the key-share lock that inserting the lead's link takes; on PGlite
      // (one connection) any transaction would wait for one left open across the call.
      const locked = engine.store.tenant(tenantId, async (m) => {
        if (PG) await m.query(`SET LOCAL lock_timeout = '3s'`);
        return one<{ id: string }>(m, `SELECT id FROM leads WHERE id = $1 FOR UPDATE`, [leadId]);
      });
      await expect(within(1000, locked)).resolves.toEqual({ id: leadId });
    } finally {
      call.release();
    }
    expect(await syncedLink(tenantId, leadId)).toEqual({ external_id: hubspot.created.get(leadId)![0], status: 'ok', error: null, sync_claim: null });
  });

  it('runs two syncs of the same new lead one after the other: one CRM record, one link, the later sync updates it', async () => {
    const { tenantId } = await createTenant(engine);
    await connectHubSpot(tenantId);
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone: '+14155550127' });
    // Due in an hour, so the workers leave them alone: this test runs both itself, side by side.
    const later = new Date(Date.now() + 3_600_000);
    await engine.store.tenant(tenantId, (m) =>
      engine.jobs.outbox.publish(m, [
        { type: 'lead.captured', tenantId, payload: { leadId, conversationId }, availableAt: later, only: ['crm.sync.hubspot'] },
        { type: 'lead.updated', tenantId, payload: { leadId, conversationId }, availableAt: later, only: ['crm.sync.hubspot'] },
      ]),
    );
    const [a, b] = await hubSpotJobs(tenantId, leadId);
    const run = (id: string) => engine.jobs.runner.run({ id, name: 'crm.sync.hubspot', queue: 'crm' });

    const call = hubspot.holdNext();
    const first = run(a!.id);
    await call.entered;
    const second = run(b!.id);
    // Ample time for the second run to reach HubSpot too, had nothing kept it out.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hubspot.upserts.filter((u) => u.id === leadId)).toHaveLength(1);
    call.release();

    expect(await Promise.all([first, second])).toEqual(['completed', 'completed']);
    const created = hubspot.created.get(leadId)!;
    expect(created).toHaveLength(1);
    expect(hubspot.upserts.filter((u) => u.id === leadId).map((u) => u.externalId)).toEqual([null, created[0]]);
    expect(await hubSpotLinks(tenantId, leadId)).toEqual([{ external_id: created[0], status: 'ok', error: null, sync_claim: null }]);
  });

  it('keeps the record id when a text fails after the contact was written, so the retry updates that contact', async () => {
    const { tenantId } = await createTenant(engine);
    await connectHubSpot(tenantId);
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone: '+14155550128' });
    const messageId = await engine.store.tenant(tenantId, async (m) =>
      (await one<{ id: string }>(
        m,
        `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status) VALUES ($1, $2, $3, 'in', 'lead', 'Is it still available?', 'received') RETURNING id`,
        [tenantId, conversationId, leadId],
      ))!.id,
    );
    hubspot.failTexts(1);
    await engine.tenantTx(tenantId, (m) =>
      engine.jobs.outbox.publish(m, [{ type: 'message.created', tenantId, payload: { leadId, conversationId, messageId }, only: ['crm.sync.hubspot'] }]),
    );

    const link = await syncedLink(tenantId, leadId);
    const created = hubspot.created.get(leadId)!;
    expect(created).toHaveLength(1);
    expect(link).toEqual({ external_id: created[0], status: 'ok', error: null, sync_claim: null });
    expect(hubspot.upserts.filter((u) => u.id === leadId).map((u) => u.externalId)).toEqual([null, created[0]]);
    expect(await hubSpotJobs(tenantId, leadId)).toEqual([expect.objectContaining({ status: 'done', attempts: 2 })]);
  });

  it('waits, outside any transaction, for a claim on the lead and takes it over once it lapses (its run died)', async () => {
    const { tenantId } = await createTenant(engine);
    await connectHubSpot(tenantId);
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone: '+14155550129' });
    await engine.store.tenant(tenantId, (m) =>
      m.query(
        `INSERT INTO crm_links (tenant_id, lead_id, provider, sync_claim, sync_claimed_until) VALUES ($1, $2, 'hubspot', gen_random_uuid(), now() + interval '1500 milliseconds')`,
        [tenantId, leadId],
      ),
    );
    await publishLeadUpdated(tenantId, leadId, conversationId);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(hubspot.upserts.filter((u) => u.id === leadId)).toEqual([]);

    const link = await syncedLink(tenantId, leadId);
    expect(link).toEqual({ external_id: hubspot.created.get(leadId)![0], status: 'ok', error: null, sync_claim: null });
    // It waited within its one run: no attempt was spent on the other claim.
    expect(await hubSpotJobs(tenantId, leadId)).toEqual([expect.objectContaining({ status: 'done', attempts: 1, last_error: null })]);
  });
});
