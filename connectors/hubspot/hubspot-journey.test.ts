import nock from 'nock';
import request from 'supertest';
import twilio from 'twilio';
import type { Engine } from '../../core/index';
import { createTestApp, type TestApp } from '../../test/helpers/test-app';
import { eventually } from '../../test/helpers/test-queue';
// The journey runs this connector inside the real server: its composition root and Twilio webhooks.
 
import { connectors, tenantSmsProviders } from '../../server/compose';
 
import { twilioRouteModule } from '../../server/routes/twilio.routes';
import { signHubSpotV3 } from './hubspot-signature';
import { hubspotConnector } from './index';
import { twilioMessageResource, twilioReply } from '../../test/helpers/twilio-fixtures';

afterAll(() => nock.restore());

const HUBSPOT = 'https://api.hubapi.com';
const PUBLIC_URL = 'https://tandem.test'; // createTestApp's PUBLIC_URL
const CLIENT_SECRET = 'hubspot-app-client-secret-journey';
const PRIVATE_APP_TOKEN = 'pat-na1-0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const PORTAL_ID = '62515';
const ACCOUNT_SID = 'AC' + '2'.repeat(32);
const AUTH_TOKEN = 'tenant-twilio-auth-token';
const OUR_NUMBER = '+12125550100';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const KNOWLEDGE = [{ id: 'hours', title: 'Office hours', body: 'Our office hours are 9am to 6pm, Monday to Saturday.' }];

/** 12:00 in New York: inside the federal sending window, so nothing is deferred. */
function fixedClock(iso: string) {
  const at = new Date(iso);
  return () => new Date(at);
}

interface LoggedRequest {
  method: string;
  path: string;
  body: unknown;
  at: number;
}

type Reply = [number, unknown, Record<string, string>?];

/**
 * HubSpot at its documented endpoints, as nock interceptors with a little memory: contacts (search by
 * email/phone, batch upsert by a unique property, update; unique emails and `tandem_lead_id`s), communications (search by contact + timestamp + channel, create), and the
 * calls a private-app connect makes. Failures can be scripted per endpoint; every request is logged.
 */
class FakeHubSpot {
  readonly log: LoggedRequest[] = [];
  readonly contacts = new Map<string, Record<string, string>>();
  readonly communications: Array<{ id: string; properties: Record<string, string>; contactIds: string[] }> = [];
  private nextContactId = 901;
  private script: Array<{ method: string; path: RegExp; reply: Reply; times: number }> = [];

  /** The next `times` calls to this endpoint get `reply` (Infinity: always). */
  fail(method: string, path: RegExp, reply: Reply, times = 1): void {
    this.script.push({ method, path, reply, times });
  }

  requests(method: string, path: string | RegExp): LoggedRequest[] {
    return this.log.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  install(): nock.Scope {
    const handle =
      (method: string, ok: (path: string, body: Record<string, unknown>) => Reply) =>
      (uri: string, raw: unknown): Reply => {
        const body = (typeof raw === 'string' && raw ? JSON.parse(raw) : (raw ?? {})) as Record<string, unknown>;
        this.log.push({ method, path: uri, body, at: Date.now() });
        const scripted = this.script.find((s) => s.method === method && s.path.test(uri) && s.times > 0);
        if (scripted) {
          scripted.times -= 1;
          return scripted.reply;
        }
        return ok(uri, body);
      };
    return nock(HUBSPOT, { reqheaders: { authorization: `Bearer ${PRIVATE_APP_TOKEN}` } })
      .persist()
      .get('/account-info/v3/details')
      .reply(handle('GET', () => [200, { portalId: Number(PORTAL_ID), accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', utcOffset: '-05:00', uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' }]))
      .get('/crm/v3/properties/contacts/groups/tandem')
      .reply(handle('GET', () => [200, { name: 'tandem', label: 'Tandem', displayOrder: -1, archived: false }]))
      .post('/crm/v3/properties/contacts/batch/read')
      .reply(
        handle('POST', (_p, body) => [
          200,
          { status: 'COMPLETE', results: (body.inputs as Array<{ name: string }>).map((i) => ({ name: i.name, label: i.name, type: 'string', fieldType: 'text', groupName: 'tandem', description: '', options: [] })), startedAt: 'x', completedAt: 'x' },
        ]),
      )
      .post('/crm/v3/objects/contacts/search')
      .reply(handle('POST', (_p, body) => [200, this.searchContacts(body)]))
      .post('/crm/v3/objects/contacts/batch/upsert')
      .reply(handle('POST', (_p, body) => this.upsertContact((body.inputs as Array<{ idProperty: string; id: string; properties: Record<string, string> }>)[0]!)))
      .patch(/^\/crm\/v3\/objects\/contacts\/\d+$/)
      .reply(
        handle('PATCH', (path, body) => {
          const id = path.split('/').pop()!;
          const existing = this.contacts.get(id);
          if (!existing) return [404, { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' }];
          const properties = body.properties as Record<string, string>;
          const conflict = this.conflict(properties, id);
          if (conflict) return conflict;
          Object.assign(existing, properties);
          return [200, this.contact(id)];
        }),
      )
      .post('/crm/v3/objects/communications/search')
      .reply(handle('POST', (_p, body) => [200, this.searchCommunications(body)]))
      .post('/crm/v3/objects/communications')
      .reply(
        handle('POST', (_p, body) => {
          const id = `comm-${this.communications.length + 1}`;
          const associations = body.associations as Array<{ to: { id: string } }>;
          this.communications.push({ id, properties: body.properties as Record<string, string>, contactIds: associations.map((a) => a.to.id) });
          return [201, { id, properties: body.properties, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), archived: false }];
        }),
      );
  }

  /** Upsert on a unique property: updates the contact holding that value, else creates one. */
  private upsertContact(input: { idProperty: string; id: string; properties: Record<string, string> }): Reply {
    const found = [...this.contacts].find(([, p]) => p[input.idProperty] === input.id)?.[0];
    const id = found ?? String(this.nextContactId);
    const conflict = this.conflict(input.properties, id);
    if (conflict) return conflict;
    if (!found) this.nextContactId += 1;
    this.contacts.set(id, { ...this.contacts.get(id), ...input.properties, [input.idProperty]: input.id });
    return [200, { status: 'COMPLETE', results: [{ ...this.contact(id), new: !found }], startedAt: '2026-06-02T16:00:00.000Z', completedAt: '2026-06-02T16:00:00.100Z' }];
  }

  /** HubSpot keeps emails and unique-value properties unique: a write that would repeat one is refused. */
  private conflict(properties: Record<string, string>, id: string): Reply | null {
    const other = [...this.contacts].find(([otherId, p]) => otherId !== id && ((properties.email && p.email === properties.email) || (properties.tandem_lead_id && p.tandem_lead_id === properties.tandem_lead_id)));
    return other ? [409, { status: 'error', message: `Contact already exists. Existing ID: ${other[0]}`, correlationId: 'c0ffee00-0000-4000-8000-000000000409', category: 'CONFLICT' }] : null;
  }

  private contact(id: string) {
    return { id, properties: { ...this.contacts.get(id), hs_object_id: id }, createdAt: '2026-06-02T16:00:00.000Z', updatedAt: '2026-06-02T16:00:00.000Z', archived: false };
  }

  /** HubSpot ORs filter groups and ANDs filters; email matches case-insensitively. */
  private searchContacts(body: Record<string, unknown>) {
    const groups = body.filterGroups as Array<{ filters: Array<{ propertyName: string; value: string }> }>;
    const results = [...this.contacts.keys()]
      .filter((id) => groups.some((g) => g.filters.every((f) => (this.contacts.get(id)![f.propertyName] ?? '').toLowerCase() === f.value.toLowerCase())))
      .map((id) => this.contact(id));
    return { total: results.length, results };
  }

  private searchCommunications(body: Record<string, unknown>) {
    const [group] = body.filterGroups as Array<{ filters: Array<{ propertyName: string; value: string }> }>;
    const value = (name: string) => group!.filters.find((f) => f.propertyName === name)?.value;
    const results = this.communications
      .filter((c) => c.contactIds.includes(value('associations.contact') ?? ''))
      .filter((c) => String(Date.parse(c.properties.hs_timestamp!)) === value('hs_timestamp'))
      .filter((c) => c.properties.hs_communication_channel_type === value('hs_communication_channel_type'))
      .map((c) => ({ id: c.id, properties: { hs_communication_body: c.properties.hs_communication_body, hs_object_id: c.id }, createdAt: 'x', updatedAt: 'x', archived: false }));
    return { total: results.length, results };
  }
}

const messageResource = (sid: string, to: string, body: string) =>
  twilioMessageResource({ accountSid: ACCOUNT_SID, from: OUR_NUMBER, sid, to, body });

describe(`HubSpot end to end on the real engine (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.REDIS_URL ? 'BullMQ' : 'in-process'})`, () => {
  let t: TestApp;
  let engine: Engine;
  let tenantId: string;
  let adminKey: string;
  let hubspot: FakeHubSpot;

  beforeAll(async () => {
    t = await createTestApp({
      env: { HUBSPOT_CLIENT_ID: 'hubspot-app-client-id', HUBSPOT_CLIENT_SECRET: CLIENT_SECRET },
      connectors: [hubspotConnector],
      routes: [twilioRouteModule],
      clock: fixedClock('2026-06-02T16:00:00Z'),
    });
    engine = t.engine;
    engine.messaging.useProviders(tenantSmsProviders(engine, t.config, null));
    const created = await engine.tenants.create({ name: 'Acme Homes', adminName: 'Ada Admin', settings: { autonomy: 'copilot', knowledge: KNOWLEDGE } });
    tenantId = created.tenant.id;
    adminKey = created.apiKey;
    await engine.store.tenant(tenantId, (m) => m.query(`INSERT INTO phone_numbers (tenant_id, e164) VALUES ($1, $2)`, [tenantId, OUR_NUMBER]));
    await engine.agents.create(tenantId, { name: 'Rita Rep', email: 'rita@acme.test', hubspotUserId: '777' });
    await engine.integrations.put(tenantId, 'twilio', { externalId: ACCOUNT_SID, enabled: true, config: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: OUR_NUMBER } });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    hubspot = new FakeHubSpot();
    hubspot.install();
  });

  // ---- helpers: how the platforms call us ----

  const identity = `portalId=${PORTAL_ID}&userId=777&userEmail=rita%40acme.test&appId=4242`;
  /** A card request as `hubspot.fetch` sends it: v3-signed over method, public URI, body and timestamp. */
  const card = (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const raw = body === undefined ? '' : JSON.stringify(body);
    const ts = Date.now();
    const signature = signHubSpotV3({ clientSecret: CLIENT_SECRET, method, uri: `${PUBLIC_URL}${path}`, body: raw, timestamp: ts });
    const req = method === 'GET' ? request(t.app).get(path) : request(t.app).post(path).set('Content-Type', 'application/json');
    req.set('X-HubSpot-Signature-v3', signature).set('X-HubSpot-Request-Timestamp', String(ts));
    return method === 'GET' ? req : req.send(raw);
  };
  const cardView = async (lookup: string) => {
    const res = await card('GET', `/hubspot/card/conversation?${lookup}&${identity}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const twilioSigned = (path: string, params: Record<string, string>) =>
    request(t.app).post(path).type('form').set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}${path}`, params)).send(params);
  let sidSeq = 0;
  const nextSid = () => `SM${(++sidSeq).toString(16).padStart(32, 'a')}`;
  /** Twilio's Messages API takes one text to `phone` (basic auth with the tenant's account), recording what was posted. */
  const twilioAccepts = (phone: string) => {
    const sid = nextSid();
    const sent: Array<Record<string, string>> = [];
    const scope = nock('https://api.twilio.com')
      .post(MESSAGES_PATH, (body: Record<string, string>) => {
        sent.push(body);
        return body.To === phone;
      })
      .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN })
      .reply((_uri, body) => {
        const form = new URLSearchParams(body as string);
        return twilioReply(201, messageResource(sid, form.get('To')!, form.get('Body')!));
      });
    return { sid, sent, scope };
  };

  // ---- helpers: what the engine holds ----

  /** A lead as the capture route leaves it (form consent, score from the form, open conversation) and its `lead.captured`. */
  const captureLead = (lead: { phone: string; email: string; firstName: string; lastName: string; score: number; tag: 'HOT' | 'WARM' | 'COLD' }) =>
    engine.tenantTx(tenantId, async (m) => {
      const [row] = (await m.query(
        `INSERT INTO leads (tenant_id, phone, email, first_name, last_name, source, score, tag, consent_state) VALUES ($1, $2, $3, $4, $5, 'website', $6, $7, 'granted') RETURNING id`,
        [tenantId, lead.phone, lead.email, lead.firstName, lead.lastName, lead.score, lead.tag],
      )) as Array<{ id: string }>;
      await m.query(`INSERT INTO consent_events (tenant_id, lead_id, kind, source, proof) VALUES ($1, $2, 'opt_in', 'form', $3::jsonb)`, [
        tenantId,
        row!.id,
        JSON.stringify({ text: 'I agree to receive texts from Acme Homes. Reply STOP to opt out.' }),
      ]);
      const [c] = (await m.query(`INSERT INTO conversations (tenant_id, lead_id) VALUES ($1, $2) RETURNING id`, [tenantId, row!.id])) as Array<{ id: string }>;
      await engine.jobs.outbox.publish(m, [{ type: 'lead.captured', tenantId, payload: { leadId: row!.id, conversationId: c!.id } }]);
      return { leadId: row!.id, conversationId: c!.id };
    });
  const leadRow = async (leadId: string) =>
    (await engine.store.tenant(tenantId, (m) => m.query(`SELECT score, tag FROM leads WHERE id = $1`, [leadId])) as Array<{ score: number; tag: string }>)[0]!;
  const messages = (conversationId: string) =>
    engine.store.tenant(tenantId, (m) =>
      m.query(`SELECT id, direction, author, body, status, provider_message_id, created_at FROM messages WHERE conversation_id = $1 ORDER BY created_at, id`, [conversationId]),
    ) as Promise<Array<{ id: string; direction: string; author: string; body: string; status: string; provider_message_id: string | null; created_at: Date }>>;
  const crmRows = (leadId: string) =>
    engine.store.system((m) =>
      m.query(`SELECT event_type, status, attempts, last_error, available_at FROM outbox WHERE topic = 'crm.sync.hubspot' AND payload->>'leadId' = $1 ORDER BY id`, [leadId]),
    ) as Promise<Array<{ event_type: string; status: string; attempts: number; last_error: string | null }>>;
  /** Every HubSpot sync for this lead has finished (done or dead). */
  const crmSettled = (leadId: string) => eventually(async () => (await crmRows(leadId)).every((r) => r.status !== 'pending'), 20_000);
  const link = (leadId: string) =>
    engine.store.tenant(tenantId, (m) => m.query(`SELECT external_id, status, error FROM crm_links WHERE lead_id = $1 AND provider = 'hubspot'`, [leadId])) as Promise<
      Array<{ external_id: string | null; status: string; error: string | null }>
    >;

  it(
    'connect → lead captured → contact upserted → inbound SMS on the timeline → card shows the draft → Approve → one SMS → delivered',
    async () => {
      // 1. The tenant admin connects a private app token: checked with HubSpot, properties ensured, stored by portal.
      const connected = await request(t.app).put('/api/v1/integrations/hubspot').set('Authorization', `Bearer ${adminKey}`).send({ privateAppToken: PRIVATE_APP_TOKEN });
      expect(connected.status).toBe(200);
      expect(connected.body).toEqual({ hubspot: { connected: true, enabled: true, portalId: PORTAL_ID, mode: 'private_app' }, properties: { created: [], unavailable: [] } });
      expect(hubspot.requests('GET', '/account-info/v3/details')).toHaveLength(1);
      expect(hubspot.requests('POST', '/crm/v3/properties/contacts/batch/read')[0]!.body).toEqual({
        archived: false,
        inputs: [{ name: 'tandem_score' }, { name: 'tandem_tag' }, { name: 'tandem_mode' }, { name: 'tandem_opted_out' }, { name: 'tandem_lead_id' }],
      });
      expect(await engine.integrations.findTenant('hubspot', PORTAL_ID)).toBe(tenantId);

      // 2. Lead captured → one contact created with tag, score and lead status.
      const phone = '+12125550142';
      const { leadId, conversationId } = await captureLead({ phone, email: 'ana@example.com', firstName: 'Ana', lastName: 'Lima', score: 64, tag: 'WARM' });
      await eventually(async () => (await link(leadId))[0]?.status === 'ok');
      expect(await link(leadId)).toEqual([{ external_id: '901', status: 'ok', error: null }]);
      expect(hubspot.requests('POST', '/crm/v3/objects/contacts/search').map((r) => r.body)).toEqual([
        {
          filterGroups: [
            { filters: [{ propertyName: 'email', operator: 'EQ', value: 'ana@example.com' }] },
            { filters: [{ propertyName: 'phone', operator: 'EQ', value: phone }] },
          ],
          properties: ['email', 'phone'],
          limit: 10,
        },
      ]);
      expect(hubspot.requests('POST', '/crm/v3/objects/contacts/batch/upsert').map((r) => r.body)).toEqual([
        {
          inputs: [
            {
              idProperty: 'tandem_lead_id',
              id: leadId,
              properties: {
                phone,
                tandem_score: '64',
                tandem_tag: 'WARM',
                tandem_mode: 'ai',
                tandem_opted_out: 'false',
                tandem_lead_id: leadId,
                email: 'ana@example.com',
                firstname: 'Ana',
                lastname: 'Lima',
                hs_lead_status: 'OPEN',
              },
            },
          ],
        },
      ]);

      // The card on contact 901 finds the lead through the stored link and shows the opener awaiting approval.
      const opener = await eventually(async () => {
        const body = await cardView('contactId=901');
        return body.conversation?.draft ? body : null;
      });
      expect(opener.conversation.id).toBe(conversationId);
      expect(opener.conversation.lead.crm).toEqual([{ provider: 'hubspot', externalId: '901', status: 'ok', error: null }]);
      expect(opener).toMatchObject({ canStart: false, startBlockedReason: null, lead: { id: leadId, tag: 'WARM', score: 64 } });

      // 3. Inbound SMS, signed by Twilio → logged on the contact's timeline as an SMS communication.
      const inboundSid = nextSid();
      const inboundParams = { AccountSid: ACCOUNT_SID, MessageSid: inboundSid, SmsSid: inboundSid, From: phone, To: OUR_NUMBER, Body: 'What are your office hours?', NumMedia: '0' };
      const inbound = await twilioSigned('/webhooks/twilio/sms', inboundParams);
      expect(inbound.status).toBe(200);
      await eventually(() => hubspot.communications.length === 1);
      const [received] = await messages(conversationId).then((all) => all.filter((x) => x.direction === 'in'));
      const receivedAt = new Date(received!.created_at).toISOString();
      expect(hubspot.requests('POST', '/crm/v3/objects/communications').map((r) => r.body)).toEqual([
        {
          properties: {
            hs_communication_channel_type: 'SMS',
            hs_communication_logged_from: 'CRM',
            hs_communication_body: 'SMS from the lead:\nWhat are your office hours?',
            hs_timestamp: receivedAt,
          },
          associations: [{ to: { id: '901' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 81 }] }],
        },
      ]);
      expect(hubspot.requests('POST', '/crm/v3/objects/communications/search')[0]!.body).toEqual({
        filterGroups: [
          {
            filters: [
              { propertyName: 'associations.contact', operator: 'EQ', value: '901' },
              { propertyName: 'hs_timestamp', operator: 'EQ', value: String(Date.parse(receivedAt)) },
              { propertyName: 'hs_communication_channel_type', operator: 'EQ', value: 'SMS' },
            ],
          },
        ],
        properties: ['hs_communication_body'],
        limit: 10,
      });
      await crmSettled(leadId);

      // The same sync run again (a redelivered job) finds the SMS already logged and creates nothing.
      const searchesBefore = hubspot.requests('POST', '/crm/v3/objects/communications/search').length;
      await engine.tenantTx(tenantId, (m) => engine.jobs.outbox.publish(m, [{ type: 'message.created', tenantId, payload: { leadId, messageId: received!.id } }]));
      await eventually(() => hubspot.requests('POST', '/crm/v3/objects/communications/search').length === searchesBefore + 1);
      await crmSettled(leadId);
      expect(hubspot.communications).toHaveLength(1);

      // 4. The card shows the AI's reply waiting for approval (copilot), the opener superseded.
      const drafted = await eventually(async () => {
        const body = await cardView('contactId=901');
        return body.conversation?.draft && body.conversation.draft.id !== opener.conversation.draft.id ? body.conversation : null;
      });
      expect(drafted.draft).toMatchObject({ status: 'pending', body: expect.stringMatching(/9am to 6pm/) });
      expect(drafted.allowedActions).toEqual(expect.arrayContaining(['approve', 'edit', 'discard', 'takeover']));
      expect(drafted.messages).toEqual([expect.objectContaining({ direction: 'in', body: 'What are your office hours?', status: 'received' })]);

      // 5. Approve from the card with the version it showed → exactly one text through Twilio.
      const { sid, sent, scope: twilioScope } = twilioAccepts(phone);
      const approved = await card('POST', `/hubspot/card/actions?${identity}`, { conversationId, type: 'approve', version: drafted.version, draftId: drafted.draft.id });
      expect(approved.status).toBe(200);
      expect(approved.body.conversation.lastDecision).toMatchObject({ action: 'approve', actorName: 'Rita Rep', surface: 'hubspot' });
      expect(approved.body.conversation.draft).toBeNull();
      await eventually(() => twilioScope.isDone());
      const out = (await eventually(async () => (await messages(conversationId)).find((x) => x.direction === 'out' && x.provider_message_id === sid)))!;
      expect(out.body).toContain('9am to 6pm');
      expect(sent).toEqual([{ To: phone, From: OUR_NUMBER, Body: out.body, StatusCallback: `${PUBLIC_URL}/webhooks/twilio/status` }]);
      // A second Approve with the same (now stale) version is a conflict that carries the fresh view: still one text.
      const again = await card('POST', `/hubspot/card/actions?${identity}`, { conversationId, type: 'approve', version: drafted.version, draftId: drafted.draft.id });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('conversation.version_conflict');

      // 6. Twilio's status callback says delivered → the card shows it.
      const callback = await twilioSigned('/webhooks/twilio/status', { AccountSid: ACCOUNT_SID, MessageSid: sid, MessageStatus: 'delivered', From: OUR_NUMBER, To: phone });
      expect(callback.status).toBe(200);
      const delivered = await eventually(async () => {
        const body = await cardView('contactId=901');
        const last = body.conversation.messages.at(-1);
        return last?.direction === 'out' && last.status === 'delivered' ? body.conversation : null;
      });
      expect(delivered.messages.map((m: { direction: string; status: string }) => [m.direction, m.status])).toEqual([
        ['in', 'received'],
        ['out', 'delivered'],
      ]);
      expect(sent).toHaveLength(1);

      // The text that went out is on the timeline too, and the contact carries the lead's latest score and tag.
      await crmSettled(leadId);
      expect(hubspot.communications.map((c) => c.properties.hs_communication_body)).toEqual(['SMS from the lead:\nWhat are your office hours?', `SMS sent by Tandem AI:\n${out.body}`]);
      expect(hubspot.communications[1]).toEqual({
        id: 'comm-2',
        contactIds: ['901'],
        properties: { hs_communication_channel_type: 'SMS', hs_communication_logged_from: 'CRM', hs_communication_body: `SMS sent by Tandem AI:\n${out.body}`, hs_timestamp: new Date(out.created_at).toISOString() },
      });
      const now = await leadRow(leadId);
      const lastPatch = hubspot.requests('PATCH', '/crm/v3/objects/contacts/901').at(-1)!;
      expect(lastPatch.body).toEqual({
        properties: {
          phone,
          tandem_score: String(now.score),
          tandem_tag: now.tag,
          tandem_mode: 'ai',
          tandem_opted_out: 'false',
          tandem_lead_id: leadId,
          email: 'ana@example.com',
          firstname: 'Ana',
          lastname: 'Lima',
          hs_lead_status: { HOT: 'IN_PROGRESS', WARM: 'OPEN', COLD: 'ATTEMPTED_TO_CONTACT' }[now.tag],
        },
      });
      expect(hubspot.contacts.size).toBe(1);
      expect((await crmRows(leadId)).every((r) => r.status === 'done')).toBe(true);
    },
    90_000,
  );

  it('waits out a 429 for the Retry-After HubSpot gave, then succeeds', async () => {
    hubspot.fail(
      'POST',
      /^\/crm\/v3\/objects\/contacts\/search$/,
      [429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'c0ffee00-0000-4000-8000-000000000001', policyName: 'TEN_SECONDLY_ROLLING' }, { 'Retry-After': '1' }],
    );
    const { leadId } = await captureLead({ phone: '+12125550143', email: 'bo@example.com', firstName: 'Bo', lastName: 'Chen', score: 81, tag: 'HOT' });
    await eventually(async () => (await link(leadId))[0]?.status === 'ok', 20_000);
    const searches = hubspot.requests('POST', '/crm/v3/objects/contacts/search');
    expect(searches).toHaveLength(2);
    // The test tier's back-off is 50 ms: a gap of a second is HubSpot's Retry-After being honoured.
    expect(searches[1]!.at - searches[0]!.at).toBeGreaterThanOrEqual(950);
    expect(searches[1]!.body).toEqual(searches[0]!.body);
    expect(hubspot.requests('POST', '/crm/v3/objects/contacts/batch/upsert').map((r) => (r.body as { inputs: Array<{ properties: Record<string, string> }> }).inputs[0]!.properties)).toEqual([
      expect.objectContaining({ tandem_score: '81', tandem_tag: 'HOT', hs_lead_status: 'IN_PROGRESS', tandem_lead_id: leadId }),
    ]);
    const [row] = (await crmRows(leadId)).filter((r) => r.event_type === 'lead.captured');
    expect(row).toMatchObject({ status: 'done', attempts: 2, last_error: expect.stringContaining('HubSpot rate limit') });
    const view = await cardView('email=bo%40example.com');
    expect(view.conversation.flags.crmSyncFailed).toBe(false);
    expect(view.conversation.lead.crm).toEqual([{ provider: 'hubspot', externalId: [...hubspot.contacts.keys()][0], status: 'ok', error: null }]);
    expect(hubspot.contacts.size).toBe(1);
  }, 60_000);

  it('shows a persistent HubSpot failure on the card (crmSyncFailed, crm status failed) and leaves a dead letter', async () => {
    hubspot.fail('POST', /^\/crm\/v3\/objects\/contacts\/search$/, [503, { status: 'error', message: 'Service Unavailable', category: 'SERVICE_UNAVAILABLE' }], Infinity);
    const { leadId, conversationId } = await captureLead({ phone: '+12125550144', email: 'cy@example.com', firstName: 'Cy', lastName: 'Diaz', score: 20, tag: 'COLD' });
    await crmSettled(leadId);
    expect(hubspot.requests('POST', '/crm/v3/objects/contacts/search')).toHaveLength(6);
    expect(hubspot.requests('POST', '/crm/v3/objects/contacts/batch/upsert')).toEqual([]);

    const view = await cardView('email=cy%40example.com');
    expect(view.conversation.id).toBe(conversationId);
    expect(view.conversation.flags.crmSyncFailed).toBe(true);
    expect(view.conversation.lead.crm).toEqual([{ provider: 'hubspot', externalId: null, status: 'failed', error: expect.stringContaining('HubSpot 503 while searching contacts') }]);

    const dead = await request(t.app).get('/api/v1/jobs/dead').set('Authorization', `Bearer ${adminKey}`);
    expect(dead.status).toBe(200);
    expect(dead.body.jobs).toEqual(
      expect.arrayContaining([expect.objectContaining({ topic: 'crm.sync.hubspot', eventType: 'lead.captured', attempts: 6, lastError: expect.stringContaining('HubSpot 503') })]),
    );
  }, 60_000);

  it('a contact made in HubSpot, never through Tandem: the card starts a conversation once the agent confirms consent, the first text goes out with the notice and lands on that contact', async () => {
    hubspot.contacts.set('7001', { email: 'dee@example.com', firstname: 'Dee', lastname: 'Park', phone: '(212) 555-0150' });
    const phone = '+12125550150';
    const lookup = `contactId=7001&email=dee%40example.com&phone=${encodeURIComponent('(212) 555-0150')}`;

    // 1. The card finds no conversation and no lead, and may start one with the agent's confirmation.
    expect(await cardView(lookup)).toEqual({ conversation: null, lead: null, canStart: true, startBlockedReason: null, consentRequired: true });

    // 2. Without the confirmation nothing is written.
    const contact = { phone: '(212) 555-0150', firstName: 'Dee', lastName: 'Park', email: 'dee@example.com' };
    const refused = await card('POST', `/hubspot/card/start?${identity}`, { contactId: '7001', contact, text: 'Hi Dee' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('consent.required');
    expect(await engine.leads.find(tenantId, { phone })).toBeNull();

    // 3. Confirmed, with a first text: one text through Twilio, naming the business and saying how to opt out.
    const { sent, scope: twilioScope } = twilioAccepts(phone);
    const statement = 'This contact agreed to receive text messages from us at this number. How: asked for texts when she called on 1 June.';
    const started = await card('POST', `/hubspot/card/start?${identity}`, { contactId: '7001', contact, consentStatement: statement, text: 'Hi Dee, Rita here. When suits you for a viewing?' });
    expect(started.status).toBe(201);
    expect(started.body.created).toBe(true);
    const conversation = started.body.conversation;
    expect(conversation).toMatchObject({ mode: 'human', assignee: { name: 'Rita Rep' }, lead: { name: 'Dee Park', phone, consent: { state: 'granted', source: 'agent' } } });
    await eventually(() => twilioScope.isDone());
    expect(sent).toEqual([{ To: phone, From: OUR_NUMBER, Body: 'Acme Homes: Hi Dee, Rita here. When suits you for a viewing? Reply STOP to opt out.', StatusCallback: `${PUBLIC_URL}/webhooks/twilio/status` }]);

    // 4. The contact the agent started from gets the Tandem properties and the text on its timeline; no other contact is made.
    const leadId = conversation.lead.id as string;
    await eventually(async () => hubspot.communications.some((c) => c.contactIds.includes('7001')), 20_000);
    await crmSettled(leadId);
    expect(await link(leadId)).toEqual([{ external_id: '7001', status: 'ok', error: null }]);
    expect(hubspot.communications.filter((c) => c.contactIds.includes('7001')).map((c) => c.properties.hs_communication_body)).toEqual([
      expect.stringContaining('Hi Dee, Rita here.'),
    ]);
    expect(hubspot.requests('PATCH', '/crm/v3/objects/contacts/7001').at(-1)!.body).toMatchObject({ properties: { tandem_lead_id: leadId, tandem_mode: 'human', tandem_opted_out: 'false' } });
    expect(hubspot.requests('POST', '/crm/v3/objects/contacts/batch/upsert')).toEqual([]);

    // 5. The card now shows the conversation, by the contact's record id alone.
    const shown = await cardView('contactId=7001');
    expect(shown.conversation.id).toBe(conversation.id);
    expect(shown.conversation.messages).toEqual([expect.objectContaining({ direction: 'out', author: 'agent', authorName: 'Rita Rep' })]);
  }, 60_000);
});

describe('the composed server with no HubSpot settings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ connectors });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the HubSpot connector, starts, and answers the card routes with 503 hubspot.not_configured', async () => {
    expect(connectors.map((c) => c.id)).toContain('hubspot');
    const res = await request(t.app).get('/hubspot/card/conversation?portalId=1&contactId=2');
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual({ code: 'hubspot.not_configured', message: expect.stringContaining('HUBSPOT_CLIENT_SECRET'), details: {} });
    expect(t.engine.crmAdapters.map((a) => a.provider)).toContain('hubspot');
  });
});
