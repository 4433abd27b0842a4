import type { Engine } from '../engine/create-engine';
import { isTandemError } from '../errors/tandem-error';
import { one, rows } from '../store/sql';
import { RecordingSmsProvider, createLead, createTenant, eventually, fakeClock, openTestEngine } from './test-support/engine-harness';

const STATEMENT = 'Jamie asked us by phone on 2026-06-01 to text them about the Elm Street listing.';

describe(`starting a conversation from an agent's surface (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let other: Awaited<ReturnType<typeof createTenant>>;
  const sms = new RecordingSmsProvider();
  // 16:00 UTC: noon in New York, inside texting hours.
  const clock = fakeClock('2026-06-02T16:00:00Z');
  const actor = () => ({ agentId: tenant.agentId, name: 'Sam Agent', surface: 'hubspot' as const });

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine({ clock }));
    engine.messaging.useProviders(async () => ({ provider: sms, from: '+12125550100' }));
    tenant = await createTenant(engine, { name: 'Acme Homes' });
    other = await createTenant(engine, { name: 'Zip Realty' });
    await engine.start('all');
  });
  afterAll(async () => {
    await close();
  });

  const count = async (sql: string, params: unknown[]) =>
    Number((await engine.store.tenant(tenant.tenantId, (m) => one<{ n: string }>(m, `SELECT count(*)::text AS n FROM ${sql}`, params)))!.n);
  const rejection = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      if (isTandemError(err)) return { code: err.code, status: err.status, details: err.details };
      throw err;
    }
    throw new Error('expected a rejection');
  };

  it('texts a CRM contact who never came through Tandem once the agent attests consent: lead, ledger, link, audit and a compliant first text', async () => {
    const phone = '(212) 555-0311';
    const result = await engine.conversations.start(tenant.tenantId, {
      lead: { phone, firstName: 'Jamie', lastName: 'Rivera', email: 'jamie@example.com' },
      crm: { provider: 'hubspot', externalId: '901' },
      consent: { statement: STATEMENT },
      text: 'Hi Jamie, Sam here about Elm Street. Is Saturday good for a viewing?',
      actor: actor(),
    });
    expect(result).toMatchObject({ created: true, leadCreated: true, consentRecorded: true });
    const view = result.conversation;
    expect(view).toMatchObject({ mode: 'human', status: 'open', assignee: { agentId: tenant.agentId, name: 'Sam Agent' } });
    expect(view.lead).toMatchObject({ name: 'Jamie Rivera', phone: '+12125550311', consent: { state: 'granted', source: 'agent' }, optedOut: false });
    expect(view.lead.crm).toEqual([{ provider: 'hubspot', externalId: '901', status: 'ok', error: null }]);

    const ledger = await engine.store.tenant(tenant.tenantId, (m) =>
      rows<{ kind: string; source: string; proof: Record<string, unknown> }>(m, `SELECT kind, source, proof FROM consent_events WHERE lead_id = $1`, [view.lead.id]),
    );
    expect(ledger).toEqual([
      {
        kind: 'opt_in',
        source: 'agent',
        proof: { statement: STATEMENT, agentId: tenant.agentId, agentName: 'Sam Agent', surface: 'hubspot', crm: { provider: 'hubspot', externalId: '901' }, at: '2026-06-02T16:00:00.000Z' },
      },
    ]);
    const audit = await engine.store.tenant(tenant.tenantId, (m) =>
      one<{ actor_agent_id: string; surface: string; data: Record<string, unknown> }>(m, `SELECT actor_agent_id, surface, data FROM audit_log WHERE action = 'conversation.start' AND entity_id = $1`, [view.id]),
    );
    expect(audit).toMatchObject({ actor_agent_id: tenant.agentId, surface: 'hubspot', data: { leadId: view.lead.id, created: true, leadCreated: true, consentRecorded: true } });

    // The first text goes through the gate like any other: it names the business and says how to opt out.
    const sent = await eventually(() => sms.sent.find((s) => s.to === '+12125550311'));
    expect(sent.body).toBe('Acme Homes: Hi Jamie, Sam here about Elm Street. Is Saturday good for a viewing? Reply STOP to opt out.');
    const out = (await engine.conversations.view(tenant.tenantId, view.id)).messages;
    expect(out).toMatchObject([{ direction: 'out', author: 'agent', authorName: 'Sam Agent' }]);

    // The card finds the conversation again by the contact's record id.
    const again = await engine.conversations.viewForLead(tenant.tenantId, { crm: { provider: 'hubspot', externalId: '901' } });
    expect(again?.id).toBe(view.id);
  });

  it('refuses without consent on record and an attestation, and writes nothing', async () => {
    const err = await rejection(engine.conversations.start(tenant.tenantId, { lead: { phone: '+12125550312' }, crm: { provider: 'hubspot', externalId: '902' }, actor: actor() }));
    expect(err).toMatchObject({ code: 'consent.required', status: 422, details: { fields: { 'consent.statement': expect.any(String) } } });
    expect(await count(`leads WHERE phone = $1`, ['+12125550312'])).toBe(0);

    // A lead Tandem knows without consent (a form with the box left unticked) needs it too.
    const { leadId } = await createLead(engine, tenant.tenantId, { phone: '+12125550313', consent: 'none' });
    await engine.store.tenant(tenant.tenantId, (m) => m.query(`UPDATE conversations SET status = 'closed' WHERE lead_id = $1`, [leadId]));
    expect(await rejection(engine.conversations.start(tenant.tenantId, { lead: { leadId }, actor: actor() }))).toMatchObject({ code: 'consent.required' });
    expect(await count(`conversations WHERE lead_id = $1`, [leadId])).toBe(1);
    expect(await count(`consent_events WHERE lead_id = $1`, [leadId])).toBe(0);
  });

  it('returns an open conversation of a lead without consent as it is, and records an attestation given for it', async () => {
    const { leadId, conversationId } = await createLead(engine, tenant.tenantId, { phone: '+12125550321', consent: 'none' });
    const plain = await engine.conversations.start(tenant.tenantId, { lead: { leadId }, actor: actor() });
    expect(plain).toMatchObject({ created: false, consentRecorded: false, conversation: { id: conversationId, lead: { consent: { state: 'none' } } } });
    expect(await count(`audit_log WHERE action = 'conversation.start' AND entity_id = $1`, [conversationId])).toBe(0);

    const attested = await engine.conversations.start(tenant.tenantId, { lead: { leadId }, consent: { statement: STATEMENT }, actor: actor() });
    expect(attested).toMatchObject({ created: false, consentRecorded: true, conversation: { id: conversationId, lead: { consent: { state: 'granted', source: 'agent' } } } });
    expect(await count(`audit_log WHERE action = 'conversation.start' AND entity_id = $1`, [conversationId])).toBe(1);
  });

  it('never starts a conversation with someone who opted out: only they can opt back in', async () => {
    const { leadId } = await createLead(engine, tenant.tenantId, { phone: '+12125550314' });
    await engine.messaging.receive({ tenantId: tenant.tenantId, from: '+12125550314', to: null, body: 'STOP', providerMessageId: 'SMstart-stop', provider: 'console' });
    const before = await count(`consent_events WHERE lead_id = $1`, [leadId]);
    const err = await rejection(engine.conversations.start(tenant.tenantId, { lead: { phone: '+1 212 555 0314' }, consent: { statement: STATEMENT }, text: 'Hi again', actor: actor() }));
    expect(err).toMatchObject({ code: 'lead.opted_out', status: 409 });
    expect(await count(`consent_events WHERE lead_id = $1`, [leadId])).toBe(before);
    expect(await count(`messages WHERE lead_id = $1 AND author = 'agent'`, [leadId])).toBe(0);
  });

  it('returns the open conversation a known lead already has, and refuses a first text there (409 with the view)', async () => {
    const { leadId, conversationId } = await createLead(engine, tenant.tenantId, { phone: '+12125550315' });
    const result = await engine.conversations.start(tenant.tenantId, { lead: { leadId }, actor: actor() });
    expect(result).toMatchObject({ created: false, leadCreated: false, consentRecorded: false });
    expect(result.conversation.id).toBe(conversationId);
    expect(result.conversation.mode).toBe('ai');

    const err = await rejection(engine.conversations.start(tenant.tenantId, { lead: { phone: '+12125550315' }, text: 'Hello', actor: actor() }));
    expect(err).toMatchObject({ code: 'conversation.already_open', status: 409, details: { conversation: { id: conversationId } } });
    expect(await count(`messages WHERE conversation_id = $1`, [conversationId])).toBe(0);
  });

  it('opens a new conversation when the last one was closed, keeping what Tandem knew about the lead', async () => {
    const { leadId, conversationId } = await createLead(engine, tenant.tenantId, { phone: '+12125550316', firstName: 'Kim' });
    await engine.store.tenant(tenant.tenantId, (m) => m.query(`UPDATE conversations SET status = 'closed' WHERE id = $1`, [conversationId]));
    const result = await engine.conversations.start(tenant.tenantId, { lead: { phone: '+12125550316', firstName: 'Someone Else', email: 'kim@example.com' }, actor: actor() });
    expect(result).toMatchObject({ created: true, leadCreated: false, consentRecorded: false });
    expect(result.conversation.id).not.toBe(conversationId);
    expect(result.conversation.lead).toMatchObject({ id: leadId, firstName: 'Kim', email: 'kim@example.com' });
  });

  it('answers bad input with 4xx and writes nothing; another tenant\'s lead is not found', async () => {
    expect(await rejection(engine.conversations.start(tenant.tenantId, { lead: { phone: '12' }, consent: { statement: STATEMENT }, actor: actor() }))).toMatchObject({
      code: 'request.invalid',
      status: 422,
      details: { fields: { 'lead.phone': expect.any(String) } },
    });
    expect(await rejection(engine.conversations.start(tenant.tenantId, { lead: { phone: '+12125550317', email: 'nope' }, consent: { statement: 'ok' }, actor: actor() }))).toMatchObject({
      details: { fields: { 'lead.email': 'not an email address', 'consent.statement': expect.stringMatching(/at least/) } },
    });
    expect(await count(`leads WHERE phone = $1`, ['+12125550317'])).toBe(0);

    const { leadId } = await createLead(engine, other.tenantId, { phone: '+12125550318' });
    expect(await rejection(engine.conversations.start(tenant.tenantId, { lead: { leadId }, actor: actor() }))).toMatchObject({ code: 'lead.not_found', status: 404 });
    expect(await rejection(engine.conversations.start(tenant.tenantId, { lead: { leadId: 'not-a-uuid' }, actor: actor() }))).toMatchObject({ code: 'lead.not_found' });
  });

  it("reads a national number in the tenant's default country, and says so when it is not a mobile there", async () => {
    const uk = await createTenant(engine, { name: 'Harbour Lettings', settings: { defaultPhoneCountry: 'GB' } });
    const ukActor = { agentId: uk.agentId, name: 'Sam Agent', surface: 'hubspot' as const };
    const started = await engine.conversations.start(uk.tenantId, { lead: { phone: '07400 123456' }, consent: { statement: STATEMENT }, actor: ukActor });
    expect(started.conversation.lead).toMatchObject({ phone: '+447400123456', timezone: 'Europe/London' });
    // A CRM card looking the lead up by the number as the CRM holds it finds it.
    expect((await engine.leads.find(uk.tenantId, { phone: '07400 123456' }))?.id).toBe(started.conversation.lead.id);
    // The same national number in a US tenant is not a US mobile: refused, nothing written.
    expect(await rejection(engine.conversations.start(tenant.tenantId, { lead: { phone: '07400 123456' }, consent: { statement: STATEMENT }, actor: actor() }))).toMatchObject({
      code: 'request.invalid',
      status: 422,
      details: { fields: { 'lead.phone': expect.stringContaining("in US (the tenant's defaultPhoneCountry)") } },
    });
    // An explicit country wins over the tenant's.
    const explicit = await engine.conversations.start(tenant.tenantId, { lead: { phone: '07400 123457', country: 'GB' }, consent: { statement: STATEMENT }, actor: actor() });
    expect(explicit.conversation.lead.phone).toBe('+447400123457');
  });

  it('two agents starting with the same new number at once make one lead and one conversation', async () => {
    const start = (name: string) =>
      engine.conversations.start(tenant.tenantId, { lead: { phone: '+12125550319' }, consent: { statement: STATEMENT }, actor: { agentId: null, name, surface: 'api' } });
    const [a, b] = await Promise.all([start('Ana'), start('Ben')]);
    expect(a.conversation.id).toBe(b.conversation.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(await count(`leads WHERE phone = $1`, ['+12125550319'])).toBe(1);
    // The second found consent already on record: one ledger entry.
    expect(await count(`consent_events WHERE lead_id = $1`, [a.conversation.lead.id])).toBe(1);
  });

  it('finds a lead without a conversation for a surface, by CRM record, email or phone', async () => {
    await engine.conversations.start(tenant.tenantId, {
      lead: { phone: '+12125550320', firstName: 'Lee', email: 'lee@example.com' },
      crm: { provider: 'salesforce', externalId: '00Q000000000001AAA' },
      consent: { statement: STATEMENT },
      actor: actor(),
    });
    const byCrm = await engine.leads.find(tenant.tenantId, { crm: { provider: 'salesforce', externalId: '00Q000000000001AAA' } });
    expect(byCrm).toMatchObject({ name: 'Lee', consent: { state: 'granted', source: 'agent' } });
    expect((await engine.leads.find(tenant.tenantId, { email: 'LEE@example.com' }))?.id).toBe(byCrm!.id);
    expect((await engine.leads.find(tenant.tenantId, { phone: '+12125550320' }))?.id).toBe(byCrm!.id);
    expect(await engine.leads.find(other.tenantId, { phone: '+12125550320' })).toBeNull();
  });
});
