import nock from 'nock';
import pino from 'pino';
import request from 'supertest';
import twilio from 'twilio';
import type { Express } from 'express';
import type { Engine } from '../../core/index';
import {
  createLead,
  createTenant,
  eventually,
  fakeClock,
  messagesOf,
  openTestEngine,
} from '../../core/conversations/test-support/engine-harness';
import { one, rows } from '../../core/store/sql';
import { createApp } from '../app';
import { composeWith, routes } from '../compose';
import { loadConfig, type TandemConfig } from '../config';
import { Metrics } from '../http/metrics';
import { EMPTY_TWIML } from './twilio.routes';
import { documentedRoutes, minimumRoles, mountedRoutes } from '../../test/helpers/mounted-routes';
import { twilioDate, twilioMessagePage, twilioMessageResource, twilioReply } from '../../test/helpers/twilio-fixtures';

const PUBLIC_URL = 'https://tandem.example.com';
const ACCOUNT_SID = 'AC' + '1'.repeat(32);
const AUTH_TOKEN = 'tenant-auth-token-1';
const OUR_NUMBER = '+12125550100';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

const messageResource = (sid: string, to: string, body: string) =>
  twilioMessageResource({ accountSid: ACCOUNT_SID, from: OUR_NUMBER, sid, to, body });

/** Routes under /api/v1 that the OpenAPI document leaves out, and why. */
const NOT_IN_OPENAPI = {
  /** The local console's cookie sign-in: for the console page, not for API clients. */
  consoleSignIn: ['POST /session', 'GET /session', 'DELETE /session', 'POST /demo/session'],
  theDocumentItself: ['GET /openapi.json'],
};

/**
 * Documented routes that connectors serve (this app registers none): server/openapi/openapi-connectors.test.ts
 * checks them against the connectors' own routers.
 */
const SERVED_BY_CONNECTORS = /^[A-Z]+ \/integrations\/(slack|hubspot)(\/|$)/;

describe(`SMS end to end over HTTP (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let app: Express;
  let config: TandemConfig;
  let t: Awaited<ReturnType<typeof createTenant>>;
  let other: Awaited<ReturnType<typeof createTenant>>;
  // 12:00 in New York: inside the federal window.
  const clock = fakeClock('2026-06-02T16:00:00Z');
  let sidSeq = 0;
  /** The app's logger, silent: a test may spy on what the routes say. */
  const appLogger = pino({ level: 'silent' });
  const nextSid = (prefix = 'SM') => `${prefix}${(++sidSeq).toString(16).padStart(32, '0')}`;

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine({ clock, publicUrl: PUBLIC_URL }));
    config = loadConfig({ PUBLIC_URL, TANDEM_DEMO: 'on', TANDEM_SECRET_KEY: 'a'.repeat(64), LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
    composeWith(config)(engine);
    t = await createTenant(engine, { name: 'Acme Homes', number: OUR_NUMBER, settings: {
        autonomy: 'copilot',
        knowledge: [
          { id: 'hours', title: 'Office hours', body: 'Our office hours are 9am to 6pm, Monday to Saturday.' },
          { id: 'viewings', title: 'Listing viewings', body: 'You can see any listing on a viewing: book one for any weekday and we confirm the time by text.' },
        ],
      },
    });
    other = await createTenant(engine, { name: 'Other Co', number: '+12125550199' });
    await engine.integrations.put(t.tenantId, 'twilio', {
      externalId: ACCOUNT_SID,
      enabled: true,
      config: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: OUR_NUMBER },
    });
    app = await createApp({ engine, config, logger: appLogger, metrics: new Metrics({ queue: async () => 0, outbox: async () => 0 }), routes });
    await engine.start('all');
  });
  afterAll(async () => {
    await close();
  });

  const sign = (path: string, params: Record<string, string>, token = AUTH_TOKEN) => twilio.getExpectedTwilioSignature(token, `${PUBLIC_URL}${path}`, params);

  const inbound = (from: string, body: string, sid = nextSid(), token = AUTH_TOKEN) => {
    const params = { AccountSid: ACCOUNT_SID, MessageSid: sid, SmsSid: sid, From: from, To: OUR_NUMBER, Body: body, NumMedia: '0' };
    return request(app).post('/webhooks/twilio/sms').type('form').set('X-Twilio-Signature', sign('/webhooks/twilio/sms', params, token)).send(params);
  };
  const statusCallback = (sid: string, status: string, extra: Record<string, string> = {}) => {
    const params = { AccountSid: ACCOUNT_SID, MessageSid: sid, MessageStatus: status, From: OUR_NUMBER, ...extra };
    return request(app).post('/webhooks/twilio/status').type('form').set('X-Twilio-Signature', sign('/webhooks/twilio/status', params)).send(params);
  };
  const view = (key: string, id: string) => request(app).get(`/api/v1/conversations/${id}`).set('Authorization', `Bearer ${key}`);
  const act = (key: string, id: string, body: Record<string, unknown>) =>
    request(app).post(`/api/v1/conversations/${id}/actions`).set('Authorization', `Bearer ${key}`).send(body);
  const conversationFor = async (phone: string) =>
    (await engine.store.tenant(t.tenantId, (m) => one<{ id: string }>(m, `SELECT c.id FROM conversations c JOIN leads l ON l.id = c.lead_id WHERE l.phone = $1`, [phone])))!.id;
  /** nock for one Messages.json create, capturing the exact form body. */
  const expectTwilioSend = (capture: Array<Record<string, string>>, sid: string, to: string) =>
    nock('https://api.twilio.com')
      .post(MESSAGES_PATH, (body: Record<string, string>) => {
        // Only this test's lead: a retried text from an earlier test must not satisfy it.
        if (body.To !== to) return false;
        capture.push(body);
        return true;
      })
      .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN })
      .reply((_uri, body) => {
        const form = new URLSearchParams(body as string);
        return twilioReply(201, messageResource(sid, form.get('To')!, form.get('Body')!));
      });

  it('inbound text → draft → approve → one Twilio call with the exact form → delivered by status callback', async () => {
    const phone = '+12125550142';
    await createLead(engine, t.tenantId, { phone, firstName: 'Jamie' });
    // An earlier text so the reply is not the first one (the first would get the business name prefixed).
    const res = await inbound(phone, 'Hi, what are your office hours?');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/xml/);
    expect(res.text).toBe(EMPTY_TWIML);

    const id = await conversationFor(phone);
    const drafted = await eventually(async () => {
      const v = (await view(t.agentKey, id)).body.conversation;
      return v.draft ? v : null;
    });
    expect(drafted.allowedActions).toEqual(expect.arrayContaining(['approve', 'edit', 'discard', 'takeover', 'send', 'note', 'close']));
    expect(drafted.allowedActions).not.toContain('handback');
    expect(drafted.lead.phoneMasked).toBe('+1 •••• ••• 0142');
    expect(drafted.messages[0]).toMatchObject({ direction: 'in', author: 'lead', status: 'received' });

    const sid = nextSid();
    const sentForms: Array<Record<string, string>> = [];
    const scope = expectTwilioSend(sentForms, sid, phone);
    const approved = await act(t.agentKey, id, { type: 'approve', version: drafted.version });
    expect(approved.status).toBe(200);
    expect(approved.body.conversation.lastDecision).toMatchObject({ action: 'approve', actorName: 'Sam', surface: 'api' });
    await eventually(() => scope.isDone());
    const out = (await eventually(async () => (await messagesOf(engine, t.tenantId, id)).find((x) => x.direction === 'out' && x.provider_message_id === sid)))!;
    expect(sentForms).toEqual([
      {
        To: phone,
        From: OUR_NUMBER,
        Body: out.body,
        StatusCallback: `${PUBLIC_URL}/webhooks/twilio/status`,
      },
    ]);
    // First text to this lead: it names the business and carries the opt-out notice.
    expect(out.body).toContain('Acme Homes');
    expect(out.body).toMatch(/Reply STOP to opt out/);

    // Out of order: delivered first, then a late "sent" that must not move it back.
    expect((await statusCallback(sid, 'delivered')).status).toBe(200);
    await eventually(async () => (await messagesOf(engine, t.tenantId, id)).find((x) => x.id === out.id)?.status === 'delivered');
    expect((await statusCallback(sid, 'sent')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect((await messagesOf(engine, t.tenantId, id)).find((x) => x.id === out.id)?.status).toBe('delivered');
    const audit = await engine.store.tenant(t.tenantId, (m) => rows(m, `SELECT actor_name, surface, action FROM audit_log WHERE entity_id = $1`, [id]));
    expect(audit).toEqual([{ actor_name: 'Sam', surface: 'api', action: 'conversation.approve' }]);
  });

  it('stores a webhook delivered twice once', async () => {
    const phone = '+12125550143';
    const sid = nextSid();
    const [a, b] = await Promise.all([inbound(phone, 'Is the house on Elm St still available?', sid), inbound(phone, 'Is the house on Elm St still available?', sid)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await inbound(phone, 'Is the house on Elm St still available?', sid)).status).toBe(200);
    const found = await engine.store.tenant(t.tenantId, (m) => rows(m, `SELECT id FROM messages WHERE provider_message_id = $1`, [sid]));
    expect(found).toHaveLength(1);
    const leads = await engine.store.tenant(t.tenantId, (m) => rows(m, `SELECT id FROM leads WHERE phone = $1`, [phone]));
    expect(leads).toHaveLength(1);
  });

  it('refuses a bad or missing signature with 403 and stores nothing', async () => {
    const phone = '+12125550144';
    const sid = nextSid();
    expect((await inbound(phone, 'hello', sid, 'wrong-token')).status).toBe(403);
    const params = { AccountSid: ACCOUNT_SID, MessageSid: sid, From: phone, To: OUR_NUMBER, Body: 'hello' };
    expect((await request(app).post('/webhooks/twilio/sms').type('form').send(params)).status).toBe(403);
    const stored = await engine.store.system((m) => rows(m, `SELECT id FROM messages WHERE provider_message_id = $1`, [sid]));
    expect(stored).toEqual([]);
    const lead = await engine.store.system((m) => rows(m, `SELECT id FROM leads WHERE phone = $1`, [phone]));
    expect(lead).toEqual([]);
  });

  it('accepts a text signed with an auth token another API process just stored, though this process remembered the old one', async () => {
    /** Another process's write: the same sealed row this process would store, with none of its change listeners told. */
    const storeBehindThisProcess = async (authToken: string) => {
      await engine.integrations.put(other.tenantId, 'openai', { externalId: null, enabled: false, config: { accountSid: ACCOUNT_SID, authToken, fromNumber: OUR_NUMBER } });
      await engine.store.system((m) =>
        m.query(
          `UPDATE integrations SET config_ciphertext = (SELECT config_ciphertext FROM integrations WHERE tenant_id = $1 AND kind = 'openai') WHERE tenant_id = $2 AND kind = 'twilio'`,
          [other.tenantId, t.tenantId],
        ),
      );
      await engine.integrations.remove(other.tenantId, 'openai');
    };
    const phone = '+12125550148';
    try {
      // This process now remembers the route with the old token.
      expect((await inbound(phone, 'Hi, is the Elm St house still for sale?')).status).toBe(200);
      await storeBehindThisProcess('rotated-auth-token-2');

      const sid = nextSid();
      const res = await inbound(phone, 'Can I see it Saturday?', sid, 'rotated-auth-token-2');
      expect(res.status).toBe(200);
      expect(res.text).toBe(EMPTY_TWIML);
      const stored = await engine.store.tenant(t.tenantId, (m) => rows(m, `SELECT id FROM messages WHERE provider_message_id = $1`, [sid]));
      expect(stored).toHaveLength(1);
      // And the old token, which Twilio no longer signs with, is refused from now on.
      expect((await inbound(phone, 'old token', nextSid(), AUTH_TOKEN)).status).toBe(403);
    } finally {
      await engine.integrations.put(t.tenantId, 'twilio', { externalId: ACCOUNT_SID, enabled: true, config: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: OUR_NUMBER } });
    }
  });

  it('sends one opt-out confirmation, even for a second STOP, and nothing after', async () => {
    const phone = '+12125550145';
    const { conversationId } = await createLead(engine, t.tenantId, { phone });
    const sends: Array<Record<string, string>> = [];
    const scope = expectTwilioSend(sends, nextSid(), phone);
    expect((await inbound(phone, 'STOP')).status).toBe(200);
    await eventually(() => scope.isDone());
    expect((await inbound(phone, 'stop')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    expect(sends).toHaveLength(1);
    expect(sends[0]!.Body).toMatch(/unsubscribed/i);
    const v = (await view(t.agentKey, conversationId)).body.conversation;
    expect(v.flags.optedOut).toBe(true);
    expect(v.lead.consent).toMatchObject({ state: 'revoked', source: 'keyword' });
    expect(v.allowedActions).not.toContain('send');
    const refused = await act(t.agentKey, conversationId, { type: 'send', version: v.version, text: 'Are you sure?' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('conversation.action_not_allowed');
  });

  it('marks the lead opted out on Twilio error 21610 (carrier_error)', async () => {
    const phone = '+12125550146';
    const { conversationId } = await createLead(engine, t.tenantId, { phone });
    const scope = nock('https://api.twilio.com')
      .post(MESSAGES_PATH, (body: Record<string, string>) => body.To === phone)
      .reply(() => twilioReply(400, { code: 21610, message: 'Attempt to send to unsubscribed recipient', more_info: 'https://www.twilio.com/docs/errors/21610', status: 400 }));
    const v = (await view(t.agentKey, conversationId)).body.conversation;
    expect((await act(t.agentKey, conversationId, { type: 'send', version: v.version, text: 'Hi Jamie, this is Sam from Acme Homes.' })).status).toBe(200);
    await eventually(() => scope.isDone());
    const after = await eventually(async () => {
      const x = (await view(t.agentKey, conversationId)).body.conversation;
      return x.lead.optedOut ? x : null;
    });
    expect(after.lead.consent.source).toBe('carrier_error');
    expect(after.messages.at(-1)).toMatchObject({ status: 'failed', errorCode: '21610' });
  });

  it('lets one of two concurrent approvals win: one send, one 409 with the fresh view', async () => {
    const phone = '+12125550147';
    await inbound(phone, 'Can I see the listing?');
    const id = await conversationFor(phone);
    const drafted = await eventually(async () => {
      const v = (await view(t.agentKey, id)).body.conversation;
      return v.draft ? v : null;
    });
    const sends: Array<Record<string, string>> = [];
    const scope = expectTwilioSend(sends, nextSid(), phone);
    const [a, b] = await Promise.all([
      act(t.agentKey, id, { type: 'approve', version: drafted.version }),
      act(t.adminKey, id, { type: 'approve', version: drafted.version }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error.code).toBe('conversation.version_conflict');
    expect(loser.body.error.details.conversation.version).toBe(drafted.version + 1);
    await eventually(() => scope.isDone());
    await new Promise((r) => setTimeout(r, 300));
    expect(sends).toHaveLength(1);
  });

  it("answers 404 for another tenant's conversation and for ids that are not uuids; 422 for bad bodies", async () => {
    const { conversationId } = await createLead(engine, other.tenantId, { phone: '+12125550148' });
    expect((await view(t.agentKey, conversationId)).status).toBe(404);
    expect((await act(t.agentKey, conversationId, { type: 'close', version: 1 })).status).toBe(404);
    expect((await view(t.agentKey, 'not-a-uuid')).status).toBe(404);
    expect((await request(app).get('/api/v1/leads/123').set('Authorization', `Bearer ${t.agentKey}`)).status).toBe(404);
    const mine = await createLead(engine, t.tenantId, { phone: '+12125550149' });
    const bad = await act(t.agentKey, mine.conversationId, { type: 'send', version: 1 });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.fields).toHaveProperty('text');
    const badType = await act(t.agentKey, mine.conversationId, { type: 'explode', version: 'x' });
    expect(badType.status).toBe(422);
    expect(Object.keys(badType.body.error.details.fields).sort()).toEqual(['type', 'version']);
    const list = await request(app).get('/api/v1/conversations?status=bogus').set('Authorization', `Bearer ${t.agentKey}`);
    expect(list.status).toBe(422);
    const surface = await request(app)
      .post(`/api/v1/conversations/${mine.conversationId}/actions`)
      .set('Authorization', `Bearer ${t.agentKey}`)
      .set('X-Tandem-Surface', 'slack')
      .send({ type: 'note', version: 1, text: 'hi' });
    expect(surface.status).toBe(422);
  });

  it('set_autonomy over HTTP: validated, first wins, tenant-scoped, audited; the next AI turn sends without asking', async () => {
    const phone = '+12125550152';
    const { conversationId: id } = await createLead(engine, t.tenantId, { phone });
    const before = (await view(t.agentKey, id)).body.conversation;
    expect(before).toMatchObject({ autonomy: 'copilot', autonomyOverride: null });
    expect(before.allowedActions).toContain('set_autonomy');

    // Bad bodies: 422 naming the field, and the conversation does not move.
    for (const body of [
      { type: 'set_autonomy', version: before.version, autonomy: 'turbo' },
      { type: 'set_autonomy', version: before.version },
      { type: 'close', version: before.version, autonomy: 'off' },
    ]) {
      const bad = await act(t.agentKey, id, body);
      expect(bad.status).toBe(422);
      expect(bad.body.error.details.fields).toHaveProperty('autonomy');
    }
    expect((await view(t.agentKey, id)).body.conversation.version).toBe(before.version);

    // Another tenant's key cannot see it.
    expect((await act(other.agentKey, id, { type: 'set_autonomy', version: before.version, autonomy: 'off' })).status).toBe(404);

    const set = await request(app)
      .post(`/api/v1/conversations/${id}/actions`)
      .set('Authorization', `Bearer ${t.agentKey}`)
      .set('X-Tandem-Surface', 'console')
      .send({ type: 'set_autonomy', version: before.version, autonomy: 'autopilot' });
    expect(set.status).toBe(200);
    expect(set.body.conversation).toMatchObject({ version: before.version + 1, autonomy: 'autopilot', autonomyOverride: 'autopilot' });

    // A second agent acting on the version it saw loses, and gets the fresh view.
    const stale = await act(t.adminKey, id, { type: 'set_autonomy', version: before.version, autonomy: 'off' });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('conversation.version_conflict');
    expect(stale.body.error.details.conversation).toMatchObject({ version: before.version + 1, autonomyOverride: 'autopilot' });

    const audit = await engine.store.tenant(t.tenantId, (m) => rows(m, `SELECT actor_name, surface, action, data FROM audit_log WHERE entity_id = $1`, [id]));
    expect(audit).toEqual([
      { actor_name: 'Sam', surface: 'console', action: 'conversation.set_autonomy', data: { version: before.version, autonomy: { from: null, to: 'autopilot' } } },
    ]);

    // The tenant is copilot, this conversation autopilot: the AI's answer goes straight to Twilio.
    const sends: Array<Record<string, string>> = [];
    const scope = expectTwilioSend(sends, nextSid(), phone);
    await inbound(phone, 'What are your office hours?');
    await eventually(() => scope.isDone());
    expect(sends[0]!.Body).toMatch(/9am to 6pm/);
    expect((await view(t.agentKey, id)).body.conversation.draft).toBeNull();
  });

  it('defers a text in quiet hours with scheduled_for, and sends it when the window opens', async () => {
    const phone = '+12125550150';
    const { conversationId } = await createLead(engine, t.tenantId, { phone });
    clock.set('2026-06-03T06:30:00Z'); // 02:30 in New York
    try {
      const v = (await view(t.agentKey, conversationId)).body.conversation;
      expect(v.flags.quietHours).toBe(true);
      expect((await act(t.agentKey, conversationId, { type: 'send', version: v.version, text: 'Good morning from Acme Homes!' })).status).toBe(200);
      const deferred = (await eventually(async () => (await messagesOf(engine, t.tenantId, conversationId)).find((x) => x.status === 'deferred')))!;
      expect(new Date(deferred.scheduled_for!).toISOString()).toBe('2026-06-03T12:00:00.000Z');
      const pending = await engine.store.system((m) =>
        one<{ n: string }>(m, `SELECT count(*)::text AS n FROM outbox WHERE status = 'pending' AND topic = 'sms.send' AND payload->>'messageId' = $1 AND available_at > now() + interval '5 hours'`, [deferred.id]),
      );
      expect(pending!.n).toBe('1');
      // Morning comes: move the clock and let the outbox row fall due.
      clock.set('2026-06-03T12:05:00Z');
      const sends: Array<Record<string, string>> = [];
      const scope = expectTwilioSend(sends, nextSid(), phone);
      await engine.store.system((m) => m.query(`UPDATE outbox SET available_at = now() WHERE topic = 'sms.send' AND payload->>'messageId' = $1 AND status = 'pending'`, [deferred.id]));
      engine.jobs.relay.kick();
      await eventually(() => scope.isDone());
      expect(sends[0]!.Body).toContain('Good morning from Acme Homes!');
    } finally {
      clock.set('2026-06-02T16:00:00Z');
    }
  });

  it('feeds the simulated phone through the same inbound path, and serves the OpenAPI description', async () => {
    const res = await request(app).post('/api/v1/demo/phone/messages').set('Authorization', `Bearer ${t.agentKey}`).send({ from: '+12125550151', body: 'HELP' });
    expect(res.status).toBe(201);
    expect(res.body.keyword).toBe('help');
    const bad = await request(app).post('/api/v1/demo/phone/messages').set('Authorization', `Bearer ${t.agentKey}`).send({ from: '12', body: '' });
    expect(bad.status).toBe(422);
    const doc = await request(app).get('/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/conversations', '/conversations/{id}/actions', '/leads/{id}', '/events']));
    expect(doc.body.components.schemas.ActionRequest.properties.type.enum).toContain('approve');
    expect(doc.body.components.schemas.ActionRequest.properties.type.enum).toContain('set_autonomy');
    expect(doc.body.components.schemas.ActionRequest.properties.autonomy).toBeDefined();
    expect(doc.body.components.schemas.ConversationView.required).toContain('autonomyOverride');

    // Every route mounted under /api/v1 is in the document, or named below with the reason it is not; a
    // new route fails here until it is described (or listed), and a listed one that gets described must leave the list.
    const mounted = mountedRoutes(app, '/api/v1');
    const documented = documentedRoutes(doc.body);
    const undescribed = [...NOT_IN_OPENAPI.consoleSignIn, ...NOT_IN_OPENAPI.theDocumentItself];
    expect(mounted.filter((r) => !documented.includes(r) && !undescribed.includes(r))).toEqual([]);
    expect(undescribed.filter((r) => documented.includes(r) || !mounted.includes(r))).toEqual([]);
    expect(documented.filter((r) => !mounted.includes(r) && !SERVED_BY_CONNECTORS.test(r))).toEqual([]);
    expect(documented).toEqual(
      expect.arrayContaining(['GET /forms', 'POST /forms', 'GET /forms/{id}', 'PATCH /forms/{id}', 'DELETE /forms/{id}', 'GET /forms/{formId}/public', 'POST /forms/{formId}/submissions']),
    );

    // A route whose key needs more than the viewer role answers 403 auth.forbidden to a weaker key: the
    // document says so for each of them.
    const roles = minimumRoles(app, '/api/v1');
    const needsRole = Object.keys(roles).filter((r) => roles[r] !== 'viewer');
    expect(needsRole).toEqual(expect.arrayContaining(['POST /conversations/{id}/actions', 'POST /demo/phone/messages', 'POST /api-keys']));
    const responsesOf = (route: string) => {
      const [method, path] = route.split(' ');
      return doc.body.paths[path!]?.[method!.toLowerCase()]?.responses ?? {};
    };
    expect(needsRole.filter((r) => documented.includes(r) && !responsesOf(r)['403'])).toEqual([]);
    const { key: viewerKey } = await engine.apiKeys.create(t.tenantId, { name: 'viewer', role: 'viewer' });
    const denied = await request(app).post('/api/v1/demo/phone/messages').set('Authorization', `Bearer ${viewerKey}`).send({ from: '+12125550151', body: 'HELP' });
    expect([denied.status, denied.body.error.code]).toEqual([403, 'auth.forbidden']);
  });

  it('lists conversations with filters and cursor pagination', async () => {
    const first = await request(app).get('/api/v1/conversations?limit=2').set('Authorization', `Bearer ${t.agentKey}`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    const second = await request(app).get(`/api/v1/conversations?limit=2&cursor=${first.body.nextCursor}`).set('Authorization', `Bearer ${t.agentKey}`);
    expect(second.status).toBe(200);
    const ids = [...first.body.items, ...second.body.items].map((x: { id: string }) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    const optedOut = await request(app).get('/api/v1/leads?optedOut=true').set('Authorization', `Bearer ${t.agentKey}`);
    expect(optedOut.body.items.length).toBeGreaterThanOrEqual(1);
    expect(optedOut.body.items.every((l: { optedOut: boolean }) => l.optedOut)).toBe(true);
  });

  describe('when a send may or may not have reached Twilio', () => {
    const listQuery = (phone: string) => ({ To: phone, From: OUR_NUMBER, PageSize: '50' });
    /** The Messages list for one lead, as Twilio answers it, holding `messages`. */
    const expectTwilioList = (phone: string, messages: () => unknown[]) =>
      nock('https://api.twilio.com')
        .get(MESSAGES_PATH)
        .query(listQuery(phone))
        .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN })
        .reply(() =>
          twilioReply(200, twilioMessagePage({ accountSid: ACCOUNT_SID, query: new URLSearchParams(listQuery(phone)).toString(), messages: messages() })),
        );
    const outbound = async (conversationId: string) => (await messagesOf(engine, t.tenantId, conversationId)).find((x) => x.direction === 'out');
    const sendByAgent = async (conversationId: string, text: string) => {
      const v = (await view(t.agentKey, conversationId)).body.conversation;
      expect((await act(t.agentKey, conversationId, { type: 'send', version: v.version, text })).status).toBe(200);
    };

    it('records the SID from the Messages list after a timeout, and never POSTs the text again', async () => {
      const phone = '+12125550160';
      const { conversationId } = await createLead(engine, t.tenantId, { phone });
      const posts: Array<Record<string, string>> = [];
      const forLead = (body: Record<string, string>) => body.To === phone && posts.push(body) > 0;
      // Twilio read the request and stored the message; the answer never came back.
      const timedOut = nock('https://api.twilio.com')
        .post(MESSAGES_PATH, forLead)
        .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN })
        .replyWithError(Object.assign(new Error('timeout of 15000ms exceeded'), { code: 'ECONNABORTED' }));
      const secondPost = nock('https://api.twilio.com').post(MESSAGES_PATH, forLead);
      secondPost.reply((_uri, body) => twilioReply(201, messageResource(nextSid(), phone, new URLSearchParams(body as string).get('Body')!)));
      try {
        await sendByAgent(conversationId, 'Hi, this is Sam from Acme Homes. When suits you for a viewing?');
        await eventually(() => timedOut.isDone());
        const inDoubt = (await eventually(async () => {
          const out = await outbound(conversationId);
          return out?.error_code === 'outcome_unknown' ? out : null;
        }))!;
        expect(inDoubt).toMatchObject({ status: 'sending', provider_message_id: null });

        const sid = nextSid();
        const listed = expectTwilioList(phone, () => [
          twilioMessageResource({ accountSid: ACCOUNT_SID, from: OUR_NUMBER, to: phone, sid: nextSid(), body: 'An older text', dateCreated: twilioDate(new Date(Date.now() - 3600_000)) }),
          { ...messageResource(sid, phone, posts[0]!.Body!), date_created: twilioDate(new Date()), status: 'sent' },
        ]);
        // The first look is due 30 s after the failure: bring it forward.
        await engine.store.system((m) => m.query(`UPDATE outbox SET available_at = now() WHERE topic = 'sms.reconcile' AND status = 'pending' AND payload->>'messageId' = $1`, [inDoubt.id]));
        engine.jobs.relay.kick();
        await eventually(() => listed.isDone());
        const settled = (await eventually(async () => {
          const out = await outbound(conversationId);
          return out?.provider_message_id ? out : null;
        }))!;
        expect(settled).toMatchObject({ provider_message_id: sid, status: 'sent', error_code: null });
        await new Promise((r) => setTimeout(r, 300));
        expect(posts).toHaveLength(1);
      } finally {
        nock.removeInterceptor(secondPost);
      }
    });

    it('retries a refused connection as before: the text goes once, with no lookup', async () => {
      const phone = '+12125550161';
      const { conversationId } = await createLead(engine, t.tenantId, { phone });
      const refused = nock('https://api.twilio.com')
        .post(MESSAGES_PATH, (body: Record<string, string>) => body.To === phone)
        .replyWithError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }));
      const sends: Array<Record<string, string>> = [];
      const sid = nextSid();
      // Had the refusal been taken for "maybe sent", the retry would wait for a lookup and this would not go.
      const accepted = expectTwilioSend(sends, sid, phone);
      await sendByAgent(conversationId, 'Hi, Sam from Acme Homes here.');
      await eventually(() => refused.isDone());
      await eventually(() => accepted.isDone());
      await eventually(async () => (await outbound(conversationId))?.provider_message_id === sid);
      expect(sends).toHaveLength(1);
    });

    it('sweeps a text a dead worker left sending, and finds it through the Messages list', async () => {
      const phone = '+12125550162';
      const { conversationId, leadId } = await createLead(engine, t.tenantId, { phone });
      const body = 'Hi, Sam from Acme Homes here: the viewing is confirmed for Tuesday.';
      const stuck = (await engine.store.tenant(t.tenantId, (m) =>
        one<{ id: string }>(
          m,
          `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status, meta, created_at, updated_at)
           VALUES ($1, $2, $3, 'out', 'agent', $4, 'sending', '{"kind":"agent"}', now() - interval '10 minutes', now() - interval '10 minutes') RETURNING id`,
          [t.tenantId, conversationId, leadId, body],
        ),
      ))!;
      const sid = nextSid();
      const listed = expectTwilioList(phone, () => [
        { ...messageResource(sid, phone, body), date_created: twilioDate(new Date(Date.now() - 9 * 60_000)), status: 'delivered' },
      ]);
      expect(await engine.messaging.sweepStuckSends()).toBeGreaterThanOrEqual(1);
      await eventually(() => listed.isDone());
      const settled = (await eventually(async () => (await messagesOf(engine, t.tenantId, conversationId)).find((x) => x.id === stuck.id && x.provider_message_id)))!;
      expect(settled).toMatchObject({ provider_message_id: sid, status: 'delivered' });
    });
  });
  describe('when a status callback never comes', () => {
    /** A text Twilio took 40 minutes ago, still `sending`: every callback for it was lost. */
    const answeredLongAgo = async (phone: string, sid: string) => {
      const { conversationId, leadId } = await createLead(engine, t.tenantId, { phone });
      const row = (await engine.store.tenant(t.tenantId, (m) =>
        one<{ id: string }>(
          m,
          `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status, provider, provider_message_id, meta, created_at, updated_at)
           VALUES ($1, $2, $3, 'out', 'agent', 'Hi, Sam from Acme Homes here.', 'sending', 'twilio', $4, '{"kind":"agent"}', now() - interval '40 minutes', now() - interval '40 minutes')
           RETURNING id`,
          [t.tenantId, conversationId, leadId, sid],
        ),
      ))!;
      return { conversationId, messageId: row.id };
    };
    /** "Fetch a Message resource" for `sid`, answered with `reply`. */
    const expectTwilioFetch = (sid: string, reply: () => [number, string, Record<string, string>]) =>
      nock('https://api.twilio.com')
        .get(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`)
        .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN })
        .reply(reply);
    const stored = async (conversationId: string, id: string) => (await messagesOf(engine, t.tenantId, conversationId)).find((x) => x.id === id)!;

    it('asks Twilio for the message by SID and records the delivery the callback would have', async () => {
      const sid = nextSid();
      const { conversationId, messageId } = await answeredLongAgo('+12125550170', sid);
      const fetched = expectTwilioFetch(sid, () =>
        twilioReply(200, { ...messageResource(sid, '+12125550170', 'Hi, Sam from Acme Homes here.'), status: 'delivered', date_sent: twilioDate(new Date(Date.now() - 39 * 60_000)) }),
      );
      expect(await engine.messaging.sweepLostStatuses()).toBeGreaterThanOrEqual(1);
      await eventually(() => fetched.isDone());
      await eventually(async () => (await stored(conversationId, messageId)).status === 'delivered');
      const view = (await request(app).get(`/api/v1/conversations/${conversationId}`).set('Authorization', `Bearer ${t.agentKey}`)).body.conversation;
      expect(view.messages.find((x: { id: string }) => x.id === messageId)).toMatchObject({ status: 'delivered', errorCode: null });
    });

    it('never moves a status back: Twilio still queueing a text leaves it sending', async () => {
      const sid = nextSid();
      const { conversationId, messageId } = await answeredLongAgo('+12125550171', sid);
      const fetched = expectTwilioFetch(sid, () => twilioReply(200, messageResource(sid, '+12125550171', 'Hi, Sam from Acme Homes here.')));
      expect(await engine.messaging.sweepLostStatuses()).toBeGreaterThanOrEqual(1);
      await eventually(() => fetched.isDone());
      await eventually(async () => {
        const done = await engine.store.system((m) =>
          one(m, `SELECT id FROM outbox WHERE topic = 'sms.status-lookup' AND status = 'done' AND payload->>'messageId' = $1`, [messageId]),
        );
        return done !== null;
      });
      expect(await stored(conversationId, messageId)).toMatchObject({ status: 'sending', error_code: null });
    });

    it('marks a message Twilio no longer holds (404) with a clear code, and stops asking', async () => {
      const sid = nextSid();
      const { conversationId, messageId } = await answeredLongAgo('+12125550172', sid);
      const path = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`;
      const fetched = expectTwilioFetch(sid, () =>
        twilioReply(404, { code: 20404, message: `The requested resource ${path} was not found`, more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 }),
      );
      expect(await engine.messaging.sweepLostStatuses()).toBeGreaterThanOrEqual(1);
      await eventually(() => fetched.isDone());
      await eventually(async () => (await stored(conversationId, messageId)).error_code === 'provider_message_not_found');
      expect((await stored(conversationId, messageId)).status).toBe('sending');
      // Due again by time, yet not handed to another lookup.
      await engine.store.tenant(t.tenantId, (m) =>
        m.query(`UPDATE messages SET meta = meta || jsonb_build_object('statusLookupAt', now() - interval '2 hours') WHERE id = $1`, [messageId]),
      );
      const swept = await engine.store.system((m) =>
        one<{ n: string }>(m, `SELECT count(*)::text AS n FROM outbox WHERE topic = 'sms.status-lookup' AND payload->>'messageId' = $1`, [messageId]),
      );
      await engine.messaging.sweepLostStatuses();
      const after = await engine.store.system((m) =>
        one<{ n: string }>(m, `SELECT count(*)::text AS n FROM outbox WHERE topic = 'sms.status-lookup' AND payload->>'messageId' = $1`, [messageId]),
      );
      expect(after!.n).toBe(swept!.n);
    });
  });

  describe('when Twilio signs webhooks with a SharedKey (Webhooks configuration)', () => {
    const KEYED_SID = 'AC' + '2'.repeat(32);
    const KEYED_TOKEN = '3c'.repeat(16);
    const KEYED_NUMBER = '+12125550180';
    const KEY = { id: 'webhooks_sharedkey_01J0KEYEDREALTY00000000000', secret: 'keyed-realty-shared-key-secret-0123456789' };
    let keyed: Awaited<ReturnType<typeof createTenant>>;

    /** A webhook as Twilio posts it when a Webhook Rule signs with `secret`: the settings header names the key. */
    const post = (path: string, params: Record<string, string>, secret: string, settings: string | null) => {
      const algorithm = settings ? twilio.getSignatureAlgorithm(settings) : twilio.HMAC_SHA1;
      const req = request(app).post(path).type('form').set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(secret, `${PUBLIC_URL}${path}`, params, algorithm));
      return (settings ? req.set('X-Twilio-Webhooks-Signature-Settings', settings) : req).send(params);
    };
    const text = (sid: string, body: string) => ({ AccountSid: KEYED_SID, MessageSid: sid, SmsSid: sid, From: '+12125550181', To: KEYED_NUMBER, Body: body, NumMedia: '0' });
    const storedIn = (tenantId: string, sid: string) => engine.store.system((m) => rows<{ tenant_id: string; body: string }>(m, `SELECT tenant_id, body FROM messages WHERE provider_message_id = $1`, [sid]));
    const sha256 = `key=${KEY.id},algorithm=HMAC_SHA256`;

    beforeAll(async () => {
      // Copilot: the AI drafts, so nothing is sent through this tenant's Twilio account while the test runs.
      keyed = await createTenant(engine, { name: 'Keyed Realty', settings: { autonomy: 'copilot' } });
      const checked = nock('https://api.twilio.com').get(`/2010-04-01/Accounts/${KEYED_SID}.json`).basicAuth({ user: KEYED_SID, pass: KEYED_TOKEN }).reply(() => twilioReply(200, { sid: KEYED_SID, status: 'active' }));
      const res = await request(app)
        .put('/api/v1/integrations/twilio')
        .set('Authorization', `Bearer ${keyed.adminKey}`)
        .send({ accountSid: KEYED_SID, authToken: KEYED_TOKEN, fromNumber: KEYED_NUMBER, numbers: [KEYED_NUMBER], webhookSigningKeys: [KEY] });
      expect([res.status, res.body.twilio?.webhookSigningKeys]).toEqual([200, [{ id: KEY.id }]]);
      expect(checked.isDone()).toBe(true);
    });

    it('stores an inbound text signed with the key (HMAC-SHA256) and answers empty TwiML', async () => {
      const sid = nextSid();
      const res = await post('/webhooks/twilio/sms', text(sid, 'Signed with our shared key'), KEY.secret, sha256);
      expect([res.status, res.text]).toEqual([200, EMPTY_TWIML]);
      expect(await storedIn(keyed.tenantId, sid)).toEqual([{ tenant_id: keyed.tenantId, body: 'Signed with our shared key' }]);
    });

    it('refuses the same text signed with the auth token but carrying the header: 403, nothing stored', async () => {
      const sid = nextSid();
      for (const settings of [sha256, `key=${KEY.id},algorithm=HMAC_SHA1`]) {
        const res = await post('/webhooks/twilio/sms', text(sid, 'Signed with our shared key'), KEYED_TOKEN, settings);
        expect([res.status, res.body.error?.code]).toEqual([403, 'webhook.invalid_signature']);
      }
      expect(await storedIn(keyed.tenantId, sid)).toEqual([]);
      // Without the header the auth token still signs, as before keys were held.
      const plain = nextSid();
      expect((await post('/webhooks/twilio/sms', text(plain, 'Signed with the token'), KEYED_TOKEN, null)).status).toBe(200);
      expect(await storedIn(keyed.tenantId, plain)).toHaveLength(1);
    });

    it('records a status callback signed with the key', async () => {
      const sid = nextSid();
      const { conversationId, leadId } = await createLead(engine, keyed.tenantId, { phone: '+12125550182' });
      const row = (await engine.store.tenant(keyed.tenantId, (m) =>
        one<{ id: string }>(
          m,
          `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status, provider, provider_message_id, meta)
           VALUES ($1, $2, $3, 'out', 'agent', 'Hi, Sam from Keyed Realty here.', 'sending', 'twilio', $4, '{"kind":"agent"}') RETURNING id`,
          [keyed.tenantId, conversationId, leadId, sid],
        ),
      ))!;
      const res = await post('/webhooks/twilio/status', { AccountSid: KEYED_SID, MessageSid: sid, MessageStatus: 'delivered', From: KEYED_NUMBER, To: '+12125550182' }, KEY.secret, sha256);
      expect(res.status).toBe(200);
      await eventually(async () => (await messagesOf(engine, keyed.tenantId, conversationId)).find((x) => x.id === row.id)?.status === 'delivered');
    });

    it('refuses a text signed with a key the connection does not hold, and says so once, naming the key and where to add it', async () => {
      const warn = jest.spyOn(appLogger, 'warn');
      try {
        const other = { id: 'webhooks_sharedkey_01J0NOTHELDBYTANDEM0000000', secret: 'a-key-tandem-was-never-given-0123456789' };
        const sids = [nextSid(), nextSid(), nextSid()];
        for (const sid of sids) {
          const res = await post('/webhooks/twilio/sms', text(sid, 'Signed with a key Tandem lacks'), other.secret, `key=${other.id},algorithm=HMAC_SHA256`);
          expect([res.status, res.body.error?.code]).toEqual([403, 'webhook.invalid_signature']);
        }
        for (const sid of sids) expect(await storedIn(keyed.tenantId, sid)).toEqual([]);
        const said = warn.mock.calls.filter(([, msg]) => String(msg).includes('SharedKey'));
        expect(said).toHaveLength(1);
        const [fields, message] = said[0] as unknown as [Record<string, unknown>, string];
        expect(fields).toEqual({ tenantId: keyed.tenantId, signingKeyId: other.id });
        expect(message).toContain(other.id);
        expect(message).toContain('Integrations → Twilio');
        expect(JSON.stringify(said)).not.toMatch(/secret-0123456789|\+1212555018\d/);
      } finally {
        warn.mockRestore();
      }
    });
  });
});
