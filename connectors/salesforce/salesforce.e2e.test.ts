import nock from 'nock';
import request from 'supertest';
import twilio from 'twilio';
import type { Engine, TenantSettings } from '../../core/index';
import { createTestApp, type TestApp } from '../../test/helpers/test-app';
import { eventually as poll } from '../../test/helpers/test-queue';
// The end-to-end test runs the server's real composition around the connector; connector code itself never imports server/.
import { composeWith, connectors, routes } from '../../server/compose';
import { loadConfig } from '../../server/config';
import { salesforceConnector, SALESFORCE_HEADERS, toSalesforceId18 } from './index';
import { twilioMessageResource, twilioReply } from '../../test/helpers/twilio-fixtures';

/**
 * The Salesforce journey on the real engine (both tiers), with Salesforce's REST API and Twilio mocked at
 * the HTTP boundary: a captured lead is upserted as a Lead with its Rating, each text becomes one completed
 * Task, the Lead tab's Apex routes show the pending draft and approve it, and exactly one SMS goes out.
 * Then the sync's failure paths: an expired session, the org's API limit, and a refusal that never heals.
 * Last, a Lead made in Salesforce that Tandem never saw: the tab starts a conversation once the rep confirms
 * consent, and the sync updates that Lead (by its id) instead of creating another. Connecting checks the
 * credentials with the org's token endpoint and keeps that token, so the first sync asks for none.
 */

const PUBLIC_URL = 'https://tandem.test'; // what createTestApp configures
const INSTANCE = 'https://acme.my.salesforce.com';
const API = '/services/data/v62.0';
const ORG_ID = '00D5g000004XyZ1EAK';
const USER_ID = '0055g00000XyZabAAB';
const SF_LEAD_ID = '00Q5g00000AbCdEEAV';
/** Where the sync updates the Lead once it is linked. */
const linkedLeadPath = `${API}/sobjects/Lead/${SF_LEAD_ID}`;
const CLIENT_ID = '3MVG9-consumer-key';
const CLIENT_SECRET = 'consumer-secret-1';
const ACCOUNT_SID = 'AC' + '2'.repeat(32);
const AUTH_TOKEN = 'twilio-auth-token-sf';
const OUR_NUMBER = '+12125550100';
const LEAD_PHONE = '+12125550142';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const SITE = 'https://www.acme-roofing.example';
const CONSENT = 'I agree to receive text messages from Acme Roofing about my enquiry. Reply STOP to opt out.';
const RATING = { HOT: 'Hot', WARM: 'Warm', COLD: 'Cold' } as const;
// 12:00 in New York on a Tuesday: inside every quiet-hours window.
const NOW = new Date('2026-06-02T16:00:00Z');

/** Polls until `check` gives a truthy value and returns it. */
async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<NonNullable<T>> {
  return (await poll(check, timeoutMs)) as NonNullable<T>;
}

/** A Task's ActivityDate: the UTC day the text was stored. */
const dateOf = (at: Date) => new Date(at).toISOString().slice(0, 10);

interface Recorded {
  path: string;
  authorization: string;
  body: Record<string, unknown>;
}

describe(`Salesforce end to end (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.REDIS_URL ? 'BullMQ' : 'in-process'})`, () => {
  let t: TestApp;
  let engine: Engine;
  let tenantId: string;
  let adminKey: string;
  let orgKey: string;
  let leadId: string;
  let conversationId: string;

  beforeAll(async () => {
    const config = loadConfig({ TANDEM_SECRET_KEY: '11'.repeat(32), PUBLIC_URL, LOG_LEVEL: 'silent', TANDEM_DEMO: 'off' } as NodeJS.ProcessEnv);
    t = await createTestApp({ connectors: [salesforceConnector], routes, clock: () => new Date(NOW), compose: (e) => composeWith(config, null)(e) });
    engine = t.engine;
    const settings: Partial<TenantSettings> = {
      autonomy: 'copilot',
      knowledge: [{ id: 'hours', title: 'Office hours', body: 'Our office hours are 9am to 6pm, Monday to Saturday.' }],
    };
    const created = await engine.tenants.create({ name: 'Acme Roofing', settings, adminName: 'Ada Admin' });
    tenantId = created.tenant.id;
    adminKey = created.apiKey;
    await engine.store.tenant(tenantId, (m) => m.query(`INSERT INTO phone_numbers (tenant_id, e164) VALUES ($1, $2)`, [tenantId, OUR_NUMBER]));
    await engine.agents.create(tenantId, { name: 'Sam Rep', email: 'sam@acme.test', salesforceUserId: USER_ID });
    await engine.integrations.put(tenantId, 'twilio', {
      externalId: ACCOUNT_SID,
      enabled: true,
      config: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: OUR_NUMBER },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const tabHeaders = (key = orgKey) => ({
    [SALESFORCE_HEADERS.orgId]: ORG_ID,
    [SALESFORCE_HEADERS.orgKey]: key,
    [SALESFORCE_HEADERS.userId]: USER_ID,
    [SALESFORCE_HEADERS.userEmail]: 'sam@acme.test',
  });
  /** The Lead tab, as the Apex controller calls it (Salesforce often hands out the 15-character id). */
  const tabView = () => request(t.app).get(`/salesforce/v1/leads/${SF_LEAD_ID.slice(0, 15)}/conversation`).set(tabHeaders());
  const tabAct = (id: string, body: Record<string, unknown>) => request(t.app).post(`/salesforce/v1/conversations/${id}/actions`).set(tabHeaders()).send(body);
  const link = () =>
    engine.store.tenant(tenantId, async (m) => {
      const r = (await m.query(`SELECT external_id, status, error FROM crm_links WHERE lead_id = $1 AND provider = 'salesforce'`, [leadId])) as Array<{ external_id: string | null; status: string; error: string | null }>;
      return r[0] ?? null;
    });
  const crmRows = () =>
    engine.store.system(
      (m) =>
        m.query(`SELECT id::text AS id, event_type, status, attempts, last_error, available_at > now() + interval '14 minutes' AS far FROM outbox WHERE topic = 'crm.sync.salesforce' ORDER BY outbox.id`) as Promise<
          Array<{ id: string; event_type: string; status: string; attempts: number; last_error: string | null; far: boolean }>
        >,
    );
  /** No job due now (follow-ups scheduled for later days stay pending). */
  const quiet = () =>
    eventually(async () => {
      const [r] = (await engine.store.system((m) => m.query(`SELECT count(*)::int AS n FROM outbox WHERE status = 'pending' AND available_at <= now()`))) as Array<{ n: number }>;
      return r!.n === 0;
    });
  const messages = () =>
    engine.store.tenant(
      tenantId,
      (m) =>
        m.query(`SELECT id, direction, body, provider_message_id, created_at FROM messages WHERE conversation_id = $1 ORDER BY created_at, id`, [conversationId]) as Promise<
          Array<{ id: string; direction: 'in' | 'out'; body: string; provider_message_id: string | null; created_at: Date }>
        >,
    );
  const publishLeadUpdated = () =>
    engine.tenantTx(tenantId, (m) => engine.jobs.outbox.publish(m, [{ type: 'lead.updated', tenantId, payload: { leadId } }]));

  it('is registered in the server composition', () => {
    expect(connectors).toContain(salesforceConnector);
  });

  it('connects an org to the workspace: validates, checks the credentials with Salesforce, issues the org key once, keeps only its hash', async () => {
    const bad = await request(t.app)
      .put('/api/v1/integrations/salesforce')
      .set('Authorization', `Bearer ${adminKey}`)
      .send({ orgId: '00Q5g00000AbCdE', instanceUrl: 'http://acme.my.salesforce.com/x', clientId: '', smsOptOutField: 'bad field', extra: 1 });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('request.invalid');
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['clientId', 'clientSecret', 'extra', 'instanceUrl', 'orgId', 'smsOptOutField']);
    expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();

    const { key: agentKey } = await engine.apiKeys.create(tenantId, { name: 'rep', role: 'agent' });
    const forbidden = await request(t.app)
      .put('/api/v1/integrations/salesforce')
      .set('Authorization', `Bearer ${agentKey}`)
      .send({ orgId: ORG_ID, instanceUrl: INSTANCE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('auth.forbidden');

    // The client credentials grant at the org's My Domain, answered as Salesforce documents it.
    const tokenCheck = nock(INSTANCE)
      .post('/services/oauth2/token', `grant_type=client_credentials&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`)
      .reply(200, {
        access_token: 'sf-token-1',
        signature: 'nUFHwtfIGLKDTHcLWmDBG8frv0t+HQGl/iCZFIQUarE=',
        instance_url: INSTANCE,
        id: `https://login.salesforce.com/id/${ORG_ID}/${USER_ID}`,
        token_type: 'Bearer',
        issued_at: String(NOW.getTime()),
      });
    const res = await request(t.app)
      .put('/api/v1/integrations/salesforce')
      .set('Authorization', `Bearer ${adminKey}`)
      .send({ orgId: ORG_ID.slice(0, 15), instanceUrl: `${INSTANCE}/`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    expect(tokenCheck.isDone()).toBe(true);
    expect(res.status).toBe(201);
    expect(res.body.warning).toBeNull();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.integration).toEqual({
      kind: 'salesforce',
      orgId: ORG_ID,
      enabled: true,
      instanceUrl: INSTANCE,
      clientId: CLIENT_ID,
      smsOptOutField: null,
      hasOrgKey: true,
      tokenIssuedAt: NOW.toISOString(),
    });
    orgKey = res.body.orgKey.key;
    expect(orgKey.length).toBeGreaterThanOrEqual(43);
    expect(JSON.stringify(res.body)).not.toContain(CLIENT_SECRET);
    expect(JSON.stringify(res.body)).not.toContain('sf-token-1');

    const stored = (await engine.integrations.get(tenantId, 'salesforce'))!;
    expect(stored.externalId).toBe(ORG_ID);
    expect(JSON.stringify(stored.config)).not.toContain(orgKey);
    expect(Object.keys(stored.config).sort()).toEqual(['accessToken', 'clientId', 'clientSecret', 'instanceUrl', 'orgKeySha256', 'tokenIssuedAt']);
    const shown = await request(t.app).get('/api/v1/integrations/salesforce').set('Authorization', `Bearer ${agentKey}`);
    expect(shown.status).toBe(200);
    expect(shown.body.integration).toEqual(res.body.integration);

    // Another workspace cannot claim the same org.
    const other = await engine.tenants.create({ name: 'Other Co', adminName: 'Olly' });
    const taken = await request(t.app)
      .put('/api/v1/integrations/salesforce')
      .set('Authorization', `Bearer ${other.apiKey}`)
      .send({ orgId: ORG_ID, instanceUrl: INSTANCE, clientId: 'x', clientSecret: 'y' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('salesforce.org_in_use');
    expect(await engine.integrations.get(other.tenant.id, 'salesforce')).toBeNull();
  });

  it('lead captured → Lead upserted with Rating → texts logged as Tasks → the tab shows the draft → Approve sends exactly one SMS', async () => {
    const tokenRequests: string[] = [];
    const leadUpserts: Recorded[] = [];
    const taskUpserts: Recorded[] = [];
    const twilioSends: Array<Record<string, string>> = [];
    nock(INSTANCE)
      .persist()
      .post('/services/oauth2/token', (body) => {
        tokenRequests.push(new URLSearchParams(body as unknown as string).toString());
        return true;
      })
      .reply(200, { access_token: 'sf-token-1', instance_url: INSTANCE, token_type: 'Bearer', issued_at: String(NOW.getTime()), scope: 'api' });
    nock(INSTANCE)
      .persist()
      .patch(new RegExp(`^${API}/sobjects/Lead/Tandem_Lead_Id__c/[^/]+$`))
      .reply(function (uri, body) {
        leadUpserts.push({ path: uri, authorization: String(this.req.headers.authorization), body: body as Record<string, unknown> });
        const first = leadUpserts.length === 1;
        return [first ? 201 : 200, { id: SF_LEAD_ID, success: true, errors: [], created: first }];
      });
    // Once linked, the Lead is updated by its Salesforce id (204, no body).
    nock(INSTANCE)
      .persist()
      .patch(`${API}/sobjects/Lead/${SF_LEAD_ID}`)
      .reply(function (uri, body) {
        leadUpserts.push({ path: uri, authorization: String(this.req.headers.authorization), body: body as Record<string, unknown> });
        return [204];
      });
    nock(INSTANCE)
      .persist()
      .patch(new RegExp(`^${API}/sobjects/Task/Tandem_Message_Id__c/[^/]+$`))
      .reply(function (uri, body) {
        taskUpserts.push({ path: uri, authorization: String(this.req.headers.authorization), body: body as Record<string, unknown> });
        return [201, { id: `00T5g00000Task${taskUpserts.length}AAA`, success: true, errors: [], created: true }];
      });
    let sid = 0;
    nock('https://api.twilio.com')
      .persist()
      .post(MESSAGES_PATH, (body: Record<string, string>) => {
        twilioSends.push(body);
        return true;
      })
      .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN })
      .reply((_uri, body) => {
        const form = new URLSearchParams(body as string);
        const messageSid = `SM${(++sid).toString(16).padStart(32, '0')}`;
        return twilioReply(
          201,
          twilioMessageResource({ accountSid: ACCOUNT_SID, from: OUR_NUMBER, sid: messageSid, to: form.get('To')!, body: form.get('Body')!, dateCreated: NOW.toUTCString() }),
        );
      });

    // 1. The lead fills in the tenant's form on its website: the capture route stores lead, consent and
    //    conversation and publishes `lead.captured`.
    const form = await request(t.app)
      .post('/api/v1/forms')
      .set('Authorization', `Bearer ${adminKey}`)
      .send({
        name: 'Website form',
        fields: [
          { type: 'text', name: 'first_name', label: 'First name', required: true, autocomplete: 'given-name' },
          { type: 'text', name: 'last_name', label: 'Last name', required: true, autocomplete: 'family-name' },
          { type: 'text', name: 'company', label: 'Company' },
          { type: 'email', name: 'email', label: 'Email', required: true },
          { type: 'phone', name: 'phone', label: 'Mobile', required: true },
          { type: 'textarea', name: 'message', label: 'Message' },
        ],
        consent: { text: CONSENT },
        allowedOrigins: [SITE],
      });
    expect(form.status).toBe(201);
    const started = Date.now();
    const captured = await request(t.app)
      .post(`/api/v1/forms/${form.body.form.id}/submissions`)
      .set('Origin', SITE)
      .send({
        values: { first_name: 'Dana', last_name: 'Reyes', company: 'Reyes Roofing', email: 'dana@example.com', phone: LEAD_PHONE, message: 'Need a roof quote this week, budget is ready.', sms_consent: true },
        consent: { checked: true, text: CONSENT },
        meta: { pageUrl: `${SITE}/quote`, referrer: '', utm: {}, startedAt: started - 9000, submittedAt: started, honeypot: '', formVersion: 1 },
      });
    expect(captured.status).toBe(201);
    leadId = captured.body.lead.id;
    const lead = await engine.leads.get(tenantId, leadId);
    expect(lead.conversationIds).toHaveLength(1);
    conversationId = lead.conversationIds[0]!;

    // 2. The Lead is upserted by Tandem_Lead_Id__c with its Rating, and linked.
    expect((await eventually(async () => ((await link())?.status === 'ok' ? link() : null)))!.external_id).toBe(SF_LEAD_ID);
    // The token the connect's check was issued: the first sync asks for no other.
    expect(tokenRequests).toEqual([]);
    expect(leadUpserts[0]).toEqual({
      path: `${API}/sobjects/Lead/Tandem_Lead_Id__c/${leadId}`,
      authorization: 'Bearer sf-token-1',
      body: {
        Rating: RATING[lead.tag],
        Tandem_Score__c: lead.score,
        Tandem_Tag__c: lead.tag,
        MobilePhone: LEAD_PHONE,
        Tandem_SMS_Opt_Out__c: false,
        FirstName: 'Dana',
        LastName: 'Reyes',
        Company: 'Reyes Roofing',
        Email: 'dana@example.com',
        LeadSource: 'Website form',
      },
    });
    // The token from the client credentials flow stays kept (sealed) for the next sync.
    const saved = await eventually(async () => {
      const config = (await engine.integrations.get(tenantId, 'salesforce'))!.config;
      return config.accessToken ? config : null;
    });
    expect(saved).toMatchObject({ accessToken: 'sf-token-1', tokenIssuedAt: NOW.toISOString(), clientSecret: CLIENT_SECRET });

    // 3. The lead texts back through Twilio's signed webhook.
    const params = { AccountSid: ACCOUNT_SID, MessageSid: `SM${'a'.repeat(32)}`, SmsSid: `SM${'a'.repeat(32)}`, From: LEAD_PHONE, To: OUR_NUMBER, Body: 'Hi, what are your office hours?', NumMedia: '0' };
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, params);
    const hook = await request(t.app).post('/webhooks/twilio/sms').type('form').set('X-Twilio-Signature', signature).send(params);
    expect(hook.status).toBe(200);
    await quiet();
    const inbound = (await messages()).find((x) => x.direction === 'in')!;
    expect(inbound.body).toBe(params.Body);

    // 4. The tab (org id + org key + the rep's Salesforce user) shows the conversation with a pending draft.
    const viewRes = await tabView();
    expect(viewRes.status).toBe(200);
    const view = viewRes.body.conversation;
    expect(view.id).toBe(conversationId);
    expect(view.lead.crm).toEqual([{ provider: 'salesforce', externalId: SF_LEAD_ID, status: 'ok', error: null }]);
    expect(view.flags.crmSyncFailed).toBe(false);
    expect(view.draft).not.toBeNull();
    expect(view.allowedActions).toContain('approve');
    expect(twilioSends).toEqual([]); // copilot: nothing goes out before a human approves

    // 5. Approve through the Apex route, with the version the tab saw.
    const approved = await tabAct(conversationId, { type: 'approve', version: view.version, draftId: view.draft.id });
    expect(approved.status).toBe(200);
    expect(approved.body.conversation.lastDecision).toMatchObject({ action: 'approve', actorName: 'Sam Rep', surface: 'salesforce' });
    expect(approved.body.conversation.draft).toBeNull();
    await eventually(() => twilioSends.length >= 1);
    await quiet();
    await new Promise((r) => setTimeout(r, 300));
    const outbound = (await messages()).filter((x) => x.direction === 'out');
    expect(outbound).toHaveLength(1);
    expect(twilioSends).toEqual([{ To: LEAD_PHONE, From: OUR_NUMBER, Body: outbound[0]!.body, StatusCallback: `${PUBLIC_URL}/webhooks/twilio/status` }]);
    // A stale second approval (a double click in the tab) sends nothing more.
    const again = await tabAct(conversationId, { type: 'approve', version: view.version, draftId: view.draft.id });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conversation.version_conflict');
    await quiet();
    expect(twilioSends).toHaveLength(1);

    // 5b. The tab's autonomy menu: this conversation's own level, then back to the team's setting.
    const autopilot = await tabAct(conversationId, { type: 'set_autonomy', version: approved.body.conversation.version, autonomy: 'autopilot' });
    expect(autopilot.status).toBe(200);
    expect(autopilot.body.conversation).toMatchObject({ autonomy: 'autopilot', autonomyOverride: 'autopilot' });
    expect(autopilot.body.conversation.lastDecision).toMatchObject({ action: 'set_autonomy', actorName: 'Sam Rep', surface: 'salesforce' });
    const team = await tabAct(conversationId, { type: 'set_autonomy', version: autopilot.body.conversation.version, autonomy: null });
    expect(team.status).toBe(200);
    expect(team.body.conversation).toMatchObject({ autonomy: 'copilot', autonomyOverride: null });
    const stalePick = await tabAct(conversationId, { type: 'set_autonomy', version: autopilot.body.conversation.version, autonomy: 'off' });
    expect(stalePick.status).toBe(409);
    expect(stalePick.body.error.details.conversation.autonomyOverride).toBeNull();

    // 6. Each text is exactly one completed Task on the Lead, keyed by its Tandem message id.
    const byPath = new Map(taskUpserts.map((x) => [x.path, x]));
    expect([...byPath.keys()].sort()).toEqual([inbound.id, outbound[0]!.id].map((id) => `${API}/sobjects/Task/Tandem_Message_Id__c/${id}`).sort());
    expect(byPath.get(`${API}/sobjects/Task/Tandem_Message_Id__c/${inbound.id}`)).toEqual({
      path: `${API}/sobjects/Task/Tandem_Message_Id__c/${inbound.id}`,
      authorization: 'Bearer sf-token-1',
      body: { WhoId: SF_LEAD_ID, Subject: 'SMS received', Description: params.Body, Status: 'Completed', Priority: 'Normal', ActivityDate: dateOf(inbound.created_at) },
    });
    expect(byPath.get(`${API}/sobjects/Task/Tandem_Message_Id__c/${outbound[0]!.id}`)!.body).toEqual({
      WhoId: SF_LEAD_ID,
      Subject: 'SMS sent',
      Description: outbound[0]!.body,
      Status: 'Completed',
      Priority: 'Normal',
      ActivityDate: dateOf(outbound[0]!.created_at),
    });
    // Every Lead upsert names the same Lead, with the Rating that matches its tag; one token for all of it.
    // The first creates it by the Tandem id; the later ones update the linked Lead by its Salesforce id.
    expect(leadUpserts.length).toBeGreaterThanOrEqual(3);
    expect(leadUpserts[0]!.path).toBe(`${API}/sobjects/Lead/Tandem_Lead_Id__c/${leadId}`);
    for (const u of leadUpserts.slice(1)) {
      expect(u.path).toBe(`${API}/sobjects/Lead/${SF_LEAD_ID}`);
      expect(u.body.Tandem_Lead_Id__c).toBe(leadId);
    }
    for (const u of leadUpserts) {
      expect(u.authorization).toBe('Bearer sf-token-1');
      expect(u.body.Rating).toBe(RATING[u.body.Tandem_Tag__c as 'HOT' | 'WARM' | 'COLD']);
    }
    expect(tokenRequests).toHaveLength(0);
  });

  it('refreshes an expired session on a 401 during sync, saves the new token and retries once', async () => {
    const config = (await engine.integrations.get(tenantId, 'salesforce'))!;
    await engine.integrations.put(tenantId, 'salesforce', { ...config, config: { ...config.config, accessToken: 'sf-token-expired' } });
    const scope = nock(INSTANCE)
      .patch(linkedLeadPath)
      .matchHeader('authorization', 'Bearer sf-token-expired')
      .reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }])
      .post('/services/oauth2/token', `grant_type=client_credentials&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`)
      .reply(200, { access_token: 'sf-token-2', instance_url: INSTANCE, token_type: 'Bearer', issued_at: String(NOW.getTime() + 60_000) })
      .patch(linkedLeadPath)
      .matchHeader('authorization', 'Bearer sf-token-2')
      .reply(204);

    await publishLeadUpdated();
    await eventually(() => scope.isDone());
    await quiet();
    expect((await link())!.status).toBe('ok');
    const saved = await eventually(async () => {
      const record = (await engine.integrations.get(tenantId, 'salesforce'))!;
      return record.config.accessToken === 'sf-token-2' ? record : null;
    });
    expect(saved.config).toMatchObject({ accessToken: 'sf-token-2', clientSecret: CLIENT_SECRET, instanceUrl: INSTANCE });
    expect(saved.enabled).toBe(true);
    expect(saved.externalId).toBe(ORG_ID);
    // The refresh and retry happened inside the job's one run: no failure was recorded for it.
    const last = (await crmRows()).at(-1)!;
    expect(last).toMatchObject({ event_type: 'lead.updated', status: 'done', attempts: 1, last_error: null });
  });

  it('backs off on REQUEST_LIMIT_EXCEEDED (the org is out of API calls) and syncs when the time comes', async () => {
    const limited = nock(INSTANCE)
      .patch(linkedLeadPath)
      .reply(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    await publishLeadUpdated();
    const row = await eventually(async () => (await crmRows()).find((r) => r.status === 'pending' && r.attempts === 1));
    expect(limited.isDone()).toBe(true);
    expect(row.last_error).toMatch(/REQUEST_LIMIT_EXCEEDED/);
    // The adapter's 15-minute back-off, not the job system's default.
    expect(row.far).toBe(true);
    // Still retrying: not shown as failed.
    expect((await link())!.status).toBe('ok');
    expect((await tabView()).body.conversation.flags.crmSyncFailed).toBe(false);

    const healed = nock(INSTANCE).patch(linkedLeadPath).matchHeader('authorization', 'Bearer sf-token-2').reply(204);
    // The quarter hour passes.
    await engine.store.system((m) => m.query(`UPDATE outbox SET available_at = now() WHERE id = $1`, [row.id]));
    engine.jobs.relay.kick();
    await eventually(async () => (await crmRows()).find((r) => r.id === row.id)?.status === 'done');
    expect(healed.isDone()).toBe(true);
    // Two runs: the refused one and the one that synced.
    expect((await crmRows()).find((r) => r.id === row.id)).toMatchObject({ attempts: 2, status: 'done' });
  });

  it('shows a sync that keeps failing on the lead (tab view and admin API) and dead-letters the job', async () => {
    const refusals: number[] = [];
    nock(INSTANCE)
      .persist()
      .patch(linkedLeadPath)
      .reply(() => {
        refusals.push(1);
        return [400, [{ message: "No such column 'Tandem_Score__c' on sobject of type Lead", errorCode: 'INVALID_FIELD', fields: [] }]];
      });
    await publishLeadUpdated();

    const dead = await eventually(async () => (await engine.jobs.deadLetters(tenantId)).find((d) => d.topic === 'crm.sync.salesforce'));
    expect(dead).toMatchObject({ eventType: 'lead.updated', attempts: 6 });
    expect(dead.lastError).toMatch(/INVALID_FIELD/);
    expect(refusals).toHaveLength(6);

    const view = (await tabView()).body.conversation;
    expect(view.flags.crmSyncFailed).toBe(true);
    expect(view.lead.crm).toEqual([
      { provider: 'salesforce', externalId: SF_LEAD_ID, status: 'failed', error: expect.stringContaining("INVALID_FIELD: No such column 'Tandem_Score__c'") },
    ]);
    const listed = await request(t.app).get('/api/v1/jobs/dead').set('Authorization', `Bearer ${adminKey}`);
    expect(listed.status).toBe(200);
    expect(listed.body.jobs).toEqual(expect.arrayContaining([expect.objectContaining({ id: dead.id, topic: 'crm.sync.salesforce' })]));

    // Fixed in Salesforce, retried by an admin: the lead shows as synced again.
    nock.cleanAll();
    const fixed = nock(INSTANCE).patch(linkedLeadPath).reply(204);
    const retried = await request(t.app).post(`/api/v1/jobs/${dead.id}/retry`).set('Authorization', `Bearer ${adminKey}`);
    expect(retried.status).toBe(200);
    await eventually(async () => (await link())?.status === 'ok');
    expect(fixed.isDone()).toBe(true);
    expect((await tabView()).body.conversation.flags.crmSyncFailed).toBe(false);
  });

  it('a replayed text sync (a redelivered job) updates the same Task instead of adding one', async () => {
    const [inbound] = (await messages()).filter((x) => x.direction === 'in');
    const seen: string[] = [];
    const scope = nock(INSTANCE)
      .patch(linkedLeadPath)
      .reply(204)
      .patch(`${API}/sobjects/Task/Tandem_Message_Id__c/${inbound!.id}`, (body) => seen.push(JSON.stringify(body)) > 0)
      .reply(200, { id: '00T5g00000Task1AAA', success: true, errors: [], created: false });
    await engine.tenantTx(tenantId, (m) => engine.jobs.outbox.publish(m, [{ type: 'message.created', tenantId, payload: { leadId, messageId: inbound!.id } }]));
    await eventually(() => scope.isDone());
    await quiet();
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0]!)).toMatchObject({ Subject: 'SMS received', WhoId: SF_LEAD_ID });
  });

  it('a disabled integration closes the tab and stops the sync; re-enabling keeps the org key', async () => {
    const connect = (enabled: boolean) =>
      request(t.app)
        .put('/api/v1/integrations/salesforce')
        .set('Authorization', `Bearer ${adminKey}`)
        .send({ orgId: ORG_ID, instanceUrl: INSTANCE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, enabled, keepOrgKey: true });
    const off = await connect(false);
    expect(off.status).toBe(200);
    expect(off.body.orgKey).toBeNull();
    expect(off.body.integration).toMatchObject({ enabled: false, hasOrgKey: true });
    // Same org and credentials: the session token is kept; new credentials would drop it.
    expect((await engine.integrations.get(tenantId, 'salesforce'))!.config.accessToken).toBe('sf-token-2');
    expect((await tabView()).status).toBe(401);

    // No interceptor is set: any call to Salesforce would fail the job (nock refuses the network). With
    // the integration disabled, publishing writes no sync row at all.
    const rowsBefore = (await crmRows()).length;
    await publishLeadUpdated();
    await quiet();
    expect(await crmRows()).toHaveLength(rowsBefore);

    const on = await connect(true);
    expect(on.status).toBe(200);
    const back = await tabView();
    expect(back.status).toBe(200);
    expect(back.body.conversation.id).toBe(conversationId);
    // New credentials are checked with Salesforce, and the old session token gives way to the one just issued.
    const rotatedCheck = nock(INSTANCE)
      .post('/services/oauth2/token', `grant_type=client_credentials&client_id=${CLIENT_ID}&client_secret=consumer-secret-2`)
      .reply(200, { access_token: 'sf-token-3', signature: 'c2lnbmF0dXJl', instance_url: INSTANCE, id: `https://login.salesforce.com/id/${ORG_ID}/${USER_ID}`, token_type: 'Bearer', issued_at: String(NOW.getTime()) });
    const rotated = await request(t.app)
      .put('/api/v1/integrations/salesforce')
      .set('Authorization', `Bearer ${adminKey}`)
      .send({ orgId: ORG_ID, instanceUrl: INSTANCE, clientId: CLIENT_ID, clientSecret: 'consumer-secret-2', keepOrgKey: true });
    expect(rotatedCheck.isDone()).toBe(true);
    expect(rotated.status).toBe(200);
    expect((await engine.integrations.get(tenantId, 'salesforce'))!.config).toMatchObject({ clientSecret: 'consumer-secret-2', accessToken: 'sf-token-3' });
    expect((await tabView()).status).toBe(200);
    const wrong = await request(t.app).get(`/salesforce/v1/leads/${SF_LEAD_ID}/conversation`).set(tabHeaders('not-the-key'));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('salesforce.auth_failed');
  });
  it('a Lead made in Salesforce, never seen by Tandem: the tab starts a conversation once the rep confirms consent; one text goes out and lands on that Lead', async () => {
    // Salesforce hands the tab the 15-character id; Tandem links the 18-character one.
    const sfLead15 = '00Q5g00000DeEpK';
    const sfLead18 = toSalesforceId18(sfLead15)!;
    const phone = '+12125550177';
    const contact = { phone: '(212) 555-0177', firstName: 'Dee', lastName: 'Park', email: 'dee@example.com', company: 'Park & Co' };
    const tabStart = (body: Record<string, unknown>) => request(t.app).post(`/salesforce/v1/leads/${sfLead15}/conversation`).set(tabHeaders()).send(body);

    const leadPatches: Recorded[] = [];
    const newLeads: string[] = [];
    const taskUpserts: Recorded[] = [];
    const twilioSends: Array<Record<string, string>> = [];
    // The last test rotated the consumer secret; the check then was issued sf-token-3, which the sync uses
    // (no token interceptor: a token request would fail the sync).
    nock(INSTANCE)
      .persist()
      .patch(`${API}/sobjects/Lead/${sfLead18}`)
      .reply(function (uri, body) {
        leadPatches.push({ path: uri, authorization: String(this.req.headers.authorization), body: body as Record<string, unknown> });
        return [204];
      });
    // Any way of making another Lead is recorded (and must not happen).
    nock(INSTANCE)
      .persist()
      .patch(new RegExp(`^${API}/sobjects/Lead/Tandem_Lead_Id__c/`))
      .reply((uri) => {
        newLeads.push(`PATCH ${uri}`);
        return [201, { id: '00Q5g00000DuPeDEAV', success: true, errors: [], created: true }];
      })
      .post(new RegExp(`^${API}/sobjects/Lead/?$`))
      .reply((uri) => {
        newLeads.push(`POST ${uri}`);
        return [201, { id: '00Q5g00000DuPeDEAV', success: true, errors: [] }];
      });
    nock(INSTANCE)
      .persist()
      .patch(new RegExp(`^${API}/sobjects/Task/Tandem_Message_Id__c/[^/]+$`))
      .reply(function (uri, body) {
        taskUpserts.push({ path: uri, authorization: String(this.req.headers.authorization), body: body as Record<string, unknown> });
        return [201, { id: '00T5g00000TaskDeeAAA', success: true, errors: [], created: true }];
      });
    nock('https://api.twilio.com')
      .persist()
      .post(MESSAGES_PATH, (body: Record<string, string>) => {
        twilioSends.push(body);
        return true;
      })
      .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN })
      .reply((_uri, body) => {
        const form = new URLSearchParams(body as string);
        const messageSid = `SM${'d'.repeat(32)}`;
        return twilioReply(201, twilioMessageResource({ accountSid: ACCOUNT_SID, from: OUR_NUMBER, sid: messageSid, to: form.get('To')!, body: form.get('Body')!, dateCreated: NOW.toUTCString() }));
      });

    // 1. The tab: no conversation, no lead, and a start that needs the rep's consent confirmation.
    const before = await request(t.app).get(`/salesforce/v1/leads/${sfLead15}/conversation`).set(tabHeaders());
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ conversation: null, start: { canStart: true, blockedReason: null, consentRequired: true, lead: null } });

    // 2. Without the confirmation: 422 and nothing written.
    const refused = await tabStart({ contact, text: 'Hi Dee' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('consent.required');
    expect(refused.body.error.details.fields).toHaveProperty(['consent.statement']);
    expect(await engine.leads.find(tenantId, { phone })).toBeNull();
    expect(await engine.leads.find(tenantId, { crm: { provider: 'salesforce', externalId: sfLead18 } })).toBeNull();

    // 3. Confirmed, with a first text: 201, a human-mode conversation assigned to the rep, consent from the agent.
    const statement = 'This contact agreed to receive text messages from us at this number. How: asked for texts when she called on 1 June.';
    const text = 'Hi Dee, Sam here. When suits you for the roof inspection?';
    const started = await tabStart({ contact, consentStatement: statement, text });
    expect(started.status).toBe(201);
    expect(started.headers['cache-control']).toBe('no-store');
    expect(started.body.created).toBe(true);
    const conversation = started.body.conversation;
    expect(conversation).toMatchObject({
      mode: 'human',
      assignee: { name: 'Sam Rep' },
      lead: { name: 'Dee Park', phone, consent: { state: 'granted', source: 'agent' } },
      lastDecision: { action: 'start', actorName: 'Sam Rep', surface: 'salesforce' },
    });
    const deeLeadId = conversation.lead.id as string;

    // 4. Exactly one text through Twilio, naming the business and saying how to opt out.
    await eventually(() => twilioSends.length >= 1);
    await quiet();
    expect(twilioSends).toHaveLength(1);
    expect(twilioSends[0]).toMatchObject({ To: phone, From: OUR_NUMBER });
    expect(twilioSends[0]!.Body.startsWith('Acme Roofing')).toBe(true);
    expect(twilioSends[0]!.Body.endsWith('Reply STOP to opt out.')).toBe(true);
    expect(twilioSends[0]!.Body).toContain(text);

    // 5. The Lead the rep started from is linked, updated by its id (no other Lead made), and has the text as a Task.
    await eventually(() => taskUpserts.length >= 1 && leadPatches.length >= 1);
    await quiet();
    const deeLink = await engine.store.tenant(
      tenantId,
      (m) => m.query(`SELECT external_id, status FROM crm_links WHERE lead_id = $1 AND provider = 'salesforce'`, [deeLeadId]) as Promise<Array<{ external_id: string; status: string }>>,
    );
    expect(deeLink).toEqual([{ external_id: sfLead18, status: 'ok' }]);
    expect(newLeads).toEqual([]);
    for (const patch of leadPatches) {
      expect(patch.path).toBe(`${API}/sobjects/Lead/${sfLead18}`);
      expect(patch.authorization).toBe('Bearer sf-token-3');
      expect(patch.body).toMatchObject({ Tandem_Lead_Id__c: deeLeadId, MobilePhone: phone, Tandem_SMS_Opt_Out__c: false, FirstName: 'Dee', LastName: 'Park' });
      expect(patch.body).not.toHaveProperty('LeadSource');
    }
    const [outbound] = (await engine.store.tenant(
      tenantId,
      (m) => m.query(`SELECT id, body FROM messages WHERE conversation_id = $1 AND direction = 'out'`, [conversation.id]) as Promise<Array<{ id: string; body: string }>>,
    ))!;
    expect(outbound!.body).toBe(twilioSends[0]!.Body);
    expect(new Set(taskUpserts.map((x) => x.path))).toEqual(new Set([`${API}/sobjects/Task/Tandem_Message_Id__c/${outbound!.id}`]));
    for (const task of taskUpserts) {
      expect(task.body).toMatchObject({ WhoId: sfLead18, Subject: 'SMS sent', Description: outbound!.body, Status: 'Completed' });
    }

    // 6. The tab now shows the conversation, and starting again returns it (200) without another text.
    const after = await request(t.app).get(`/salesforce/v1/leads/${sfLead15}/conversation`).set(tabHeaders());
    expect(after.body.start).toBeNull();
    expect(after.body.conversation.id).toBe(conversation.id);
    expect(after.body.conversation.messages).toEqual([expect.objectContaining({ direction: 'out', author: 'agent', authorName: 'Sam Rep' })]);
    const again = await tabStart({ contact });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, conversation: { id: conversation.id } });
    const withText = await tabStart({ contact, text: 'Another hello' });
    expect(withText.status).toBe(409);
    expect(withText.body.error.code).toBe('conversation.already_open');
    expect(withText.body.error.details.conversation.id).toBe(conversation.id);
    await quiet();
    expect(twilioSends).toHaveLength(1);
  }, 60_000);
});
