import express from 'express';
import request from 'supertest';
import type { AgentRecord, EngineCommon } from '../../core/index';
import { buildConversationView } from './conversation-view.fixture';
import { signHubSpotV3 } from './hubspot-signature';
import { TandemError } from '../../core/index';
import { createHubSpotRouter, type HubSpotLogger } from './hubspot.routes';

const clientSecret = 'test-client-secret';
const publicUrl = 'https://tandem.example.com/';
const NOW = 1_764_000_000_000;
const identity = 'portalId=62515&userId=777&userEmail=rep%40acme.com&appId=42';

const agent: AgentRecord = { id: 'agent_1', tenantId: 't1', name: 'Rita Rep', email: 'rep@acme.com', role: 'agent', slackUserId: null, hubspotUserId: '777', salesforceUserId: null };

/** Only the engine calls the card routes make; the rest throw so an unexpected call fails loudly. */
function fakeEngine() {
  const unexpected = () => {
    throw new Error('unexpected engine call');
  };
  const engine = {
    conversations: { list: jest.fn(unexpected), view: jest.fn(unexpected), viewForLead: jest.fn(), act: jest.fn(), start: jest.fn() },
    leads: { find: jest.fn() },
    agents: { resolve: jest.fn(async () => agent) },
    integrations: { get: jest.fn(unexpected), put: jest.fn(unexpected), findTenant: jest.fn(async (_k: string, id: string) => (id === '62515' ? 't1' : null)) },
    live: { subscribe: jest.fn(unexpected) },
    registerCrmAdapter: jest.fn(),
    registerNotifier: jest.fn(),
  };
  return engine;
}

function setup() {
  const engine = fakeEngine();
  const logger: HubSpotLogger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const app = express();
  app.use(createHubSpotRouter({ engine: engine as unknown as EngineCommon, clientSecret, publicUrl, logger, now: () => NOW }));
  return { engine, logger, app };
}

function signedGet(app: express.Express, path: string, ts = NOW) {
  const signature = signHubSpotV3({ clientSecret, method: 'GET', uri: `https://tandem.example.com${path}`, body: '', timestamp: ts });
  return request(app).get(path).set('X-HubSpot-Signature-v3', signature).set('X-HubSpot-Request-Timestamp', String(ts));
}

function signedPost(app: express.Express, path: string, body: unknown) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const signature = signHubSpotV3({ clientSecret, method: 'POST', uri: `https://tandem.example.com${path}`, body: raw, timestamp: NOW });
  return request(app)
    .post(path)
    .set('Content-Type', 'application/json')
    .set('X-HubSpot-Signature-v3', signature)
    .set('X-HubSpot-Request-Timestamp', String(NOW))
    .send(raw);
}

describe('GET /hubspot/card/conversation', () => {
  it('maps portal → tenant and user → agent, finds the lead by contact id, email and phone', async () => {
    const { app, engine } = setup();
    const view = buildConversationView();
    engine.conversations.viewForLead.mockResolvedValue(view);

    const res = await signedGet(app, `/hubspot/card/conversation?contactId=901&email=ana%40example.com&phone=%2B14155550142&${identity}`);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      conversation: view,
      lead: { id: 'lead_1', name: 'Ana Lima', tag: 'HOT', score: 82, consent: { state: 'granted', at: '2025-11-20T10:00:00.000Z' }, optedOut: false },
      canStart: false,
      startBlockedReason: null,
      consentRequired: false,
    });
    expect(engine.integrations.findTenant).toHaveBeenCalledWith('hubspot', '62515');
    expect(engine.agents.resolve).toHaveBeenCalledWith('t1', { hubspotUserId: '777', email: 'rep@acme.com' });
    expect(engine.conversations.viewForLead).toHaveBeenCalledWith('t1', { crm: { provider: 'hubspot', externalId: '901' }, email: 'ana@example.com', phone: '+14155550142' });
  });

  it('a contact Tandem does not know, with a phone: can start once the agent confirms consent', async () => {
    const { app, engine } = setup();
    engine.conversations.viewForLead.mockResolvedValue(null);
    engine.leads.find.mockResolvedValue(null);
    const res = await signedGet(app, `/hubspot/card/conversation?contactId=901&phone=%2B14155550142&${identity}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ conversation: null, lead: null, canStart: true, startBlockedReason: null, consentRequired: true });
    expect(engine.leads.find).toHaveBeenCalledWith('t1', { crm: { provider: 'hubspot', externalId: '901' }, phone: '+14155550142' });
  });

  it('a contact without a phone cannot be started, and the card is told why', async () => {
    const { app, engine } = setup();
    engine.conversations.viewForLead.mockResolvedValue(null);
    engine.leads.find.mockResolvedValue(null);
    const res = await signedGet(app, `/hubspot/card/conversation?contactId=901&${identity}`);
    expect(res.body).toEqual({ conversation: null, lead: null, canStart: false, startBlockedReason: 'no_phone', consentRequired: true });
  });

  it.each([
    ['a consented lead starts without asking again', 'granted' as const, false, true, null, false],
    ['a lead without consent needs the confirmation', 'none' as const, false, true, null, true],
    ['an opted-out lead cannot be started', 'revoked' as const, true, false, 'opted_out', true],
  ])('a known lead without a conversation: %s', async (_n, state, optedOut, canStart, reason, consentRequired) => {
    const summary = { ...buildConversationView().lead, id: 'lead_9', name: 'Bo', tag: 'COLD' as const, score: 5, consent: { state, source: null, at: null }, optedOut };
    const { app, engine } = setup();
    engine.conversations.viewForLead.mockResolvedValue(null);
    engine.leads.find.mockResolvedValue(summary);
    const res = await signedGet(app, `/hubspot/card/conversation?contactId=901&${identity}`);
    expect(res.body).toEqual({
      conversation: null,
      lead: { id: 'lead_9', name: 'Bo', tag: 'COLD', score: 5, consent: { state, at: null }, optedOut },
      canStart,
      startBlockedReason: reason,
      consentRequired,
    });
  });

  it('refuses a bad signature with 401 and no engine call', async () => {
    const { app, engine } = setup();
    const res = await request(app)
      .get(`/hubspot/card/conversation?contactId=901&${identity}`)
      .set('X-HubSpot-Signature-v3', 'bm9wZQ==')
      .set('X-HubSpot-Request-Timestamp', String(NOW));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('hubspot.signature_invalid');
    expect(engine.integrations.findTenant).not.toHaveBeenCalled();
  });

  it('refuses a signature whose query string was altered (portalId is signed)', async () => {
    const { app } = setup();
    const path = `/hubspot/card/conversation?contactId=901&${identity}`;
    const signature = signHubSpotV3({ clientSecret, method: 'GET', uri: `https://tandem.example.com${path}`, body: '', timestamp: NOW });
    const res = await request(app)
      .get(path.replace('62515', '99999'))
      .set('X-HubSpot-Signature-v3', signature)
      .set('X-HubSpot-Request-Timestamp', String(NOW));
    expect(res.status).toBe(401);
  });

  it('refuses a stale (replayed) request', async () => {
    const { app } = setup();
    const res = await signedGet(app, `/hubspot/card/conversation?contactId=901&${identity}`, NOW - 6 * 60 * 1000);
    expect(res.status).toBe(401);
  });

  it('403s an unknown portal and an unmapped user with a clear message', async () => {
    const { app, engine } = setup();
    const unknown = await signedGet(app, '/hubspot/card/conversation?contactId=901&portalId=1&userId=777');
    expect(unknown.status).toBe(403);
    expect(unknown.body.error.code).toBe('hubspot.portal_unknown');

    engine.agents.resolve.mockResolvedValueOnce(null as unknown as AgentRecord);
    const unmapped = await signedGet(app, `/hubspot/card/conversation?contactId=901&${identity}`);
    expect(unmapped.status).toBe(403);
    expect(unmapped.body.error).toEqual({
      code: 'hubspot.agent_unmapped',
      message: expect.stringContaining('rep@acme.com) is not linked to a Tandem agent'),
      details: { hubspotUserId: '777' },
    });
    expect(engine.conversations.viewForLead).not.toHaveBeenCalled();
  });

  it('400s without any way to find the lead', async () => {
    const { app } = setup();
    const res = await signedGet(app, `/hubspot/card/conversation?${identity}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'request.invalid', message: 'Pass contactId, email or phone to find the lead' });
  });
});

describe('POST /hubspot/card/actions', () => {
  const path = `/hubspot/card/actions?${identity}`;

  it('runs the command as the mapped agent on the hubspot surface and returns the fresh view', async () => {
    const { app, engine } = setup();
    const fresh = buildConversationView({ version: 4, draft: null });
    engine.conversations.act.mockResolvedValue(fresh);
    const res = await signedPost(app, path, { conversationId: 'conv_1', type: 'edit', version: 3, text: 'Sure! How many seats?' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ conversation: fresh });
    expect(engine.conversations.act).toHaveBeenCalledWith('t1', 'conv_1', {
      type: 'edit',
      version: 3,
      text: 'Sure! How many seats?',
      draftId: undefined,
      actor: { agentId: 'agent_1', name: 'Rita Rep', surface: 'hubspot' },
    });
  });

  it("sets the conversation's autonomy, or clears it with null, from the card", async () => {
    const { app, engine } = setup();
    engine.conversations.act.mockResolvedValue(buildConversationView({ version: 4 }));
    for (const autonomy of ['off', null] as const) {
      const res = await signedPost(app, path, { conversationId: 'conv_1', type: 'set_autonomy', version: 3, autonomy });
      expect(res.status).toBe(200);
      expect(engine.conversations.act).toHaveBeenLastCalledWith('t1', 'conv_1', {
        type: 'set_autonomy',
        version: 3,
        text: undefined,
        draftId: undefined,
        autonomy,
        actor: { agentId: 'agent_1', name: 'Rita Rep', surface: 'hubspot' },
      });
    }
  });

  it('passes a version conflict through as 409 with the fresh view', async () => {
    const { app, engine } = setup();
    const fresh = buildConversationView({ version: 5 });
    engine.conversations.act.mockRejectedValue(
      Object.assign(new Error('Someone else acted on this conversation first.'), { code: 'conversation.version_conflict', status: 409, details: { conversation: fresh } }),
    );
    const res = await signedPost(app, path, { conversationId: 'conv_1', type: 'approve', version: 3 });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: 'conversation.version_conflict', message: 'Someone else acted on this conversation first.', details: { conversation: fresh } } });
  });

  it('maps other engine errors by their status and hides internals of unexpected ones', async () => {
    const { app, engine, logger } = setup();
    engine.conversations.act.mockRejectedValueOnce(Object.assign(new Error('No such conversation'), { code: 'conversation.not_found', status: 404 }));
    const notFound = await signedPost(app, path, { conversationId: 'nope', type: 'takeover', version: 1 });
    expect(notFound.status).toBe(404);
    expect(notFound.body.error).toEqual({ code: 'conversation.not_found', message: 'No such conversation', details: {} });

    engine.conversations.act.mockRejectedValueOnce(new Error('connection terminated: password=hunter2'));
    const boom = await signedPost(app, path, { conversationId: 'conv_1', type: 'takeover', version: 1 });
    expect(boom.status).toBe(500);
    expect(JSON.stringify(boom.body)).not.toContain('hunter2');
    expect(logger.error).toHaveBeenCalled();
  });

  it.each([
    ['an unknown action', { conversationId: 'c', type: 'explode', version: 1 }],
    ['a missing version', { conversationId: 'c', type: 'approve' }],
    ['edit without text', { conversationId: 'c', type: 'edit', version: 1 }],
    ['blank note text', { conversationId: 'c', type: 'note', version: 1, text: '   ' }],
    ['unknown fields', { conversationId: 'c', type: 'approve', version: 1, tenantId: 'other' }],
    ['set_autonomy without autonomy', { conversationId: 'c', type: 'set_autonomy', version: 1 }],
    ['an unknown autonomy', { conversationId: 'c', type: 'set_autonomy', version: 1, autonomy: 'yolo' }],
  ])('400s %s without calling the engine', async (_name, body) => {
    const { app, engine } = setup();
    const res = await signedPost(app, path, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request.invalid');
    expect(engine.conversations.act).not.toHaveBeenCalled();
  });

  it('400s a body that is not JSON', async () => {
    const { app } = setup();
    const res = await signedPost(app, path, '{"conversationId":');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('The body is not valid JSON.');
  });

  it('refuses a tampered body', async () => {
    const { app, engine } = setup();
    const raw = JSON.stringify({ conversationId: 'conv_1', type: 'approve', version: 3 });
    const signature = signHubSpotV3({ clientSecret, method: 'POST', uri: `https://tandem.example.com${path}`, body: raw, timestamp: NOW });
    const res = await request(app)
      .post(path)
      .set('Content-Type', 'application/json')
      .set('X-HubSpot-Signature-v3', signature)
      .set('X-HubSpot-Request-Timestamp', String(NOW))
      .send(raw.replace('approve', 'discard'));
    expect(res.status).toBe(401);
    expect(engine.conversations.act).not.toHaveBeenCalled();
  });
});

describe('POST /hubspot/card/start', () => {
  it('starts with the contact the card shows: record id linked, consent statement and first text passed through, agent as actor', async () => {
    const view = buildConversationView({ draft: null, messages: [] });
    const { app, engine, logger } = setup();
    engine.conversations.start.mockResolvedValue({ conversation: view, created: true, leadCreated: true, consentRecorded: true });
    const body = {
      contactId: '901',
      contact: { phone: '(415) 555-0142', firstName: 'Ana', lastName: 'Lima', email: 'ana@example.com' },
      consentStatement: 'This contact agreed to receive text messages from us at this number.',
      text: 'Hi Ana, Rita from Acme here.',
    };
    const res = await signedPost(app, `/hubspot/card/start?${identity}`, body);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ conversation: view, created: true });
    expect(engine.conversations.start).toHaveBeenCalledWith('t1', {
      lead: { phone: '(415) 555-0142', firstName: 'Ana', lastName: 'Lima', email: 'ana@example.com' },
      crm: { provider: 'hubspot', externalId: '901' },
      consent: { statement: 'This contact agreed to receive text messages from us at this number.' },
      text: 'Hi Ana, Rita from Acme here.',
      actor: { agentId: 'agent_1', name: 'Rita Rep', surface: 'hubspot' },
    });
    // The log line names the conversation, never the phone or the text.
    const logged = JSON.stringify((logger.info as jest.Mock).mock.calls);
    expect(logged).toContain(view.id);
    expect(logged).not.toContain('555');
    expect(logged).not.toContain('Hi Ana');
  });

  it('a known lead starts by its id; an open one comes back with 200', async () => {
    const view = buildConversationView();
    const { app, engine } = setup();
    engine.conversations.start.mockResolvedValue({ conversation: view, created: false, leadCreated: false, consentRecorded: false });
    const res = await signedPost(app, `/hubspot/card/start?${identity}`, { contactId: '901', leadId: 'lead_1' });
    expect(res.status).toBe(200);
    expect(engine.conversations.start).toHaveBeenCalledWith('t1', { lead: { leadId: 'lead_1' }, crm: { provider: 'hubspot', externalId: '901' }, actor: expect.any(Object) });
  });

  it.each([
    ['no lead and no contact', { contactId: '901' }],
    ['a non-numeric contact id', { contactId: 'abc', leadId: 'lead_1' }],
    ['a too-short consent statement', { contactId: '901', leadId: 'lead_1', consentStatement: 'yes' }],
    ['an unknown field', { contactId: '901', leadId: 'lead_1', optedIn: true }],
  ])('400 for %s, and no engine call', async (_n, body) => {
    const { app, engine } = setup();
    const res = await signedPost(app, `/hubspot/card/start?${identity}`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request.invalid');
    expect(engine.conversations.start).not.toHaveBeenCalled();
  });

  it("passes the engine's refusals on as they are (consent required, opted out)", async () => {
    const { app, engine } = setup();
    engine.conversations.start.mockRejectedValueOnce(new TandemError('consent.required', 'There is no SMS consent on record for this person.', 422, { fields: { 'consent.statement': 'required' } }));
    const res = await signedPost(app, `/hubspot/card/start?${identity}`, { contactId: '901', leadId: 'lead_1' });
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual({ code: 'consent.required', message: 'There is no SMS consent on record for this person.', details: { fields: { 'consent.statement': 'required' } } });
    engine.conversations.start.mockRejectedValueOnce(new TandemError('lead.opted_out', 'This person opted out of texts.', 409));
    expect((await signedPost(app, `/hubspot/card/start?${identity}`, { contactId: '901', leadId: 'lead_1' })).status).toBe(409);
  });
});
