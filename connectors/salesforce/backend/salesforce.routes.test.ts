import express from 'express';
import request from 'supertest';
import { TandemError, type ActionCommand, type EngineCommon, type IntegrationRecord, type LeadRef, type LeadSummary, type StartConversationInput, type StartConversationResult } from '../../../core/index';
import { buildAgent, buildConversationView } from './conversation-view.fixture';
import { hashOrgKey } from './salesforce-org-auth';
import { createSalesforceRouter, type SalesforceLogger } from './salesforce.routes';

const ORG_ID = '00D5g000004XyZ1EAK';
const OTHER_ORG_ID = '00D5g000009QqQ2EAK';
const ORG_KEY = 'k3y-for-acme-org-0123456789abcdef';
const USER_ID = '0055g00000XyZabAAB';
const LEAD_ID = '00Q5g00000AbCdEEAV';
/** A Lead Tandem has no conversation with, as Salesforce often hands it out (15 characters), and its 18-character form. */
const NEW_LEAD_15 = '00Q5g00000ZzZzZ';
const NEW_LEAD_18 = '00Q5g00000ZzZzZEAV';

class EngineError extends Error {
  constructor(readonly code: string, readonly status: number, message: string, readonly details: Record<string, unknown> | null = null) {
    super(message);
  }
}

/** Only what the routes touch; every other member throws so an unexpected call is loud. */
function fakeEngine() {
  const integrations = new Map<string, IntegrationRecord>([
    ['tenant_a', { kind: 'salesforce', externalId: ORG_ID, enabled: true, config: { orgKeySha256: hashOrgKey(ORG_KEY) } }],
    ['tenant_b', { kind: 'salesforce', externalId: OTHER_ORG_ID, enabled: true, config: { orgKeySha256: hashOrgKey('another-orgs-key') } }],
  ]);
  const agent = buildAgent();
  const calls = {
    viewForLead: [] as Array<{ tenantId: string; ref: LeadRef }>,
    act: [] as Array<{ tenantId: string; conversationId: string; command: ActionCommand }>,
    resolve: [] as unknown[],
  };
  let actImpl: (command: ActionCommand) => Promise<ReturnType<typeof buildConversationView>> = async (command) =>
    buildConversationView({ version: command.version + 1, draft: null });
  const notUsed = () => {
    throw new Error('not used by the Salesforce routes');
  };
  const engine: EngineCommon = {
    conversations: {
      list: notUsed,
      view: notUsed,
      viewForLead: async (tenantId, ref) => {
        calls.viewForLead.push({ tenantId, ref });
        return ref.crm?.externalId === LEAD_ID ? buildConversationView() : null;
      },
      act: async (tenantId, conversationId, command) => {
        calls.act.push({ tenantId, conversationId, command });
        return actImpl(command);
      },
      start: jest.fn<Promise<StartConversationResult>, [string, StartConversationInput]>(async () => {
        throw new Error('start: no answer set up for this test');
      }),
    },
    // Tandem knows no lead unless a test says otherwise.
    leads: { find: jest.fn<Promise<LeadSummary | null>, [string, LeadRef]>(async () => null) },
    agents: {
      resolve: async (tenantId, identity) => {
        calls.resolve.push({ tenantId, identity });
        return tenantId === 'tenant_a' && identity.salesforceUserId === USER_ID ? agent : null;
      },
    },
    integrations: {
      get: async (tenantId) => integrations.get(tenantId) ?? null,
      put: notUsed,
      disconnect: notUsed,
      claimedBy: notUsed,
      findTenant: async (kind, externalId) => {
        for (const [tenantId, record] of integrations) {
          if (record.kind === kind && record.externalId === externalId) return tenantId;
        }
        return null;
      },
    },
    live: { subscribe: notUsed },
    registerCrmAdapter: notUsed,
    registerNotifier: notUsed,
  };
  return {
    engine,
    calls,
    integrations,
    start: engine.conversations.start as jest.MockedFunction<EngineCommon['conversations']['start']>,
    find: engine.leads.find as jest.MockedFunction<EngineCommon['leads']['find']>,
    setAct: (impl: typeof actImpl) => {
      actImpl = impl;
    },
  };
}

function silentLogger(): SalesforceLogger & { lines: unknown[] } {
  const lines: unknown[] = [];
  const push = (obj: object, msg?: string) => void lines.push({ obj, msg });
  return { lines, debug: push, info: push, warn: push, error: push };
}

function setup() {
  const fake = fakeEngine();
  const logger = silentLogger();
  const app = express();
  app.use(createSalesforceRouter({ engine: fake.engine, logger }));
  return { ...fake, app, logger };
}

function signed(req: request.Test, headers: Record<string, string> = {}): request.Test {
  const all: Record<string, string> = {
    'X-Tandem-Org-Id': ORG_ID,
    'X-Tandem-Org-Key': ORG_KEY,
    'X-Tandem-User-Id': USER_ID,
    'X-Tandem-User-Email': 'sam@acme.example',
    ...headers,
  };
  for (const [name, value] of Object.entries(all)) {
    if (value !== '') req.set(name, value);
  }
  return req;
}

describe('Salesforce routes: authentication', () => {
  it('answers the lead conversation for the right org key and a mapped user', async () => {
    const { app, calls } = setup();
    const res = await signed(request(app).get(`/salesforce/v1/leads/${LEAD_ID}/conversation`));
    expect(res.status).toBe(200);
    expect(res.body.conversation.id).toBe('conv_01');
    expect(res.body.conversation.allowedActions).toEqual(['approve', 'edit', 'discard', 'takeover', 'note', 'close']);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.start).toBeNull();
    expect(calls.viewForLead).toEqual([{ tenantId: 'tenant_a', ref: { crm: { provider: 'salesforce', externalId: LEAD_ID } } }]);
    expect(calls.resolve).toEqual([{ tenantId: 'tenant_a', identity: { salesforceUserId: USER_ID, email: 'sam@acme.example' } }]);
  });

  it('answers no conversation, and that one may be started, for a Lead Tandem does not know', async () => {
    const { app, find } = setup();
    const res = await signed(request(app).get(`/salesforce/v1/leads/${NEW_LEAD_15}/conversation`));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ conversation: null, start: { canStart: true, blockedReason: null, consentRequired: true, lead: null } });
    expect(find).toHaveBeenCalledWith('tenant_a', { crm: { provider: 'salesforce', externalId: NEW_LEAD_18 } });
  });

  it('accepts a 15-character org id registered as 18 characters', async () => {
    const { app } = setup();
    const res = await signed(request(app).get(`/salesforce/v1/leads/${LEAD_ID}/conversation`), { 'X-Tandem-Org-Id': ORG_ID.slice(0, 15) });
    expect(res.status).toBe(200);
  });

  it('refuses a wrong org key with 401 and touches no data', async () => {
    const { app, calls } = setup();
    const res = await signed(request(app).get(`/salesforce/v1/leads/${LEAD_ID}/conversation`), { 'X-Tandem-Org-Key': 'wrong-key' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('salesforce.auth_failed');
    expect(calls.viewForLead).toHaveLength(0);
    expect(calls.resolve).toHaveLength(0);
  });

  it('refuses another installed org presenting this org key (wrong org)', async () => {
    const { app, calls } = setup();
    const res = await signed(request(app).get(`/salesforce/v1/leads/${LEAD_ID}/conversation`), { 'X-Tandem-Org-Id': OTHER_ORG_ID });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('salesforce.auth_failed');
    expect(calls.viewForLead).toHaveLength(0);
  });

  it('refuses an org that never installed Tandem with the same answer as a wrong key', async () => {
    const { app } = setup();
    const res = await signed(request(app).get(`/salesforce/v1/leads/${LEAD_ID}/conversation`), { 'X-Tandem-Org-Id': '00D000000000062EAA' });
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({ code: 'salesforce.auth_failed', message: 'Unknown Salesforce org or wrong org key.', details: null });
  });

  it('refuses requests without the org headers', async () => {
    const { app } = setup();
    const res = await signed(request(app).get(`/salesforce/v1/leads/${LEAD_ID}/conversation`), { 'X-Tandem-Org-Key': '' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('salesforce.unauthenticated');
    expect(res.body.error.message).toMatch(/Named Credential/);
  });

  it('refuses a disabled integration with 403', async () => {
    const { app, integrations } = setup();
    integrations.set('tenant_a', { ...(integrations.get('tenant_a') as IntegrationRecord), enabled: false });
    const res = await signed(request(app).get(`/salesforce/v1/leads/${LEAD_ID}/conversation`));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('salesforce.integration_disabled');
  });

  it('refuses an unmapped Salesforce user with 403 and a message that says what to do', async () => {
    const { app, calls } = setup();
    const res = await signed(request(app).get(`/salesforce/v1/leads/${LEAD_ID}/conversation`), {
      'X-Tandem-User-Id': '0055g00000NoMapAAA',
      'X-Tandem-User-Email': 'new.rep@acme.example',
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('salesforce.user_not_mapped');
    expect(res.body.error.message).toContain('new.rep@acme.example');
    expect(res.body.error.message).toMatch(/Ask a Tandem admin/);
    expect(calls.viewForLead).toHaveLength(0);
  });

  it('asks for the acting user when X-Tandem-User-Id is missing', async () => {
    const { app } = setup();
    const res = await signed(request(app).get(`/salesforce/v1/leads/${LEAD_ID}/conversation`), { 'X-Tandem-User-Id': '' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('salesforce.user_required');
  });

  it('refuses a lead id that is not a Salesforce Lead id', async () => {
    const { app, calls } = setup();
    const res = await signed(request(app).get('/salesforce/v1/leads/0015g00000AbCdE/conversation'));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('salesforce.invalid_lead_id');
    expect(calls.viewForLead).toHaveLength(0);
  });
});

describe('Salesforce routes: actions', () => {
  it('runs the action as the mapped agent on the salesforce surface', async () => {
    const { app, calls } = setup();
    const res = await signed(request(app).post('/salesforce/v1/conversations/conv_01/actions')).send({ type: 'edit', version: 7, text: ' See you Thursday! ' });
    expect(res.status).toBe(200);
    expect(res.body.conversation.version).toBe(8);
    expect(calls.act).toEqual([
      {
        tenantId: 'tenant_a',
        conversationId: 'conv_01',
        command: { type: 'edit', version: 7, text: 'See you Thursday!', actor: { agentId: 'agent_01', name: 'Sam Carter', surface: 'salesforce' } },
      },
    ]);
  });

  it('passes an approve without text', async () => {
    const { app, calls } = setup();
    const res = await signed(request(app).post('/salesforce/v1/conversations/conv_01/actions')).send({ type: 'approve', version: 7, text: null });
    expect(res.status).toBe(200);
    expect(calls.act[0].command).toEqual({ type: 'approve', version: 7, actor: { agentId: 'agent_01', name: 'Sam Carter', surface: 'salesforce' } });
  });

  it.each([
    ['copilot', 'copilot'],
    [null, null],
  ])('sets the conversation autonomy to %j (null follows the team setting)', async (autonomy, expected) => {
    const { app, calls } = setup();
    const res = await signed(request(app).post('/salesforce/v1/conversations/conv_01/actions')).send({ type: 'set_autonomy', version: 7, autonomy });
    expect(res.status).toBe(200);
    expect(calls.act[0].command).toEqual({ type: 'set_autonomy', version: 7, autonomy: expected, actor: { agentId: 'agent_01', name: 'Sam Carter', surface: 'salesforce' } });
  });

  it('passes a 409 version conflict through with the fresh view', async () => {
    const { app, setAct } = setup();
    const fresh = buildConversationView({ version: 9, draft: null, mode: 'human' });
    setAct(async () => {
      throw new EngineError('conversation.version_conflict', 409, 'Someone acted on this conversation first.', { conversation: fresh });
    });
    const res = await signed(request(app).post('/salesforce/v1/conversations/conv_01/actions')).send({ type: 'approve', version: 7 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conversation.version_conflict');
    expect(res.body.error.message).toBe('Someone acted on this conversation first.');
    expect(res.body.error.details.conversation).toEqual(fresh);
  });

  it('passes other engine errors through with their status and code', async () => {
    const { app, setAct } = setup();
    setAct(async () => {
      throw new EngineError('conversation.not_found', 404, 'No such conversation.');
    });
    const res = await signed(request(app).post('/salesforce/v1/conversations/conv_zz/actions')).send({ type: 'takeover', version: 1 });
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: 'conversation.not_found', message: 'No such conversation.', details: null });
  });

  it('hides unexpected failures behind a 500 and logs them', async () => {
    const { app, setAct, logger } = setup();
    setAct(async () => {
      throw new Error('database exploded');
    });
    const res = await signed(request(app).post('/salesforce/v1/conversations/conv_01/actions')).send({ type: 'takeover', version: 1 });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('internal');
    expect(JSON.stringify(res.body)).not.toContain('database exploded');
    expect(JSON.stringify(logger.lines)).toContain('database exploded');
  });

  it.each([
    [{ type: 'send', version: 3 }, 'text'],
    [{ type: 'note', version: 3, text: '   ' }, 'text'],
    [{ type: 'fly', version: 3 }, 'type'],
    [{ type: 'approve', version: -1 }, 'version'],
    [{ type: 'approve', version: '3' }, 'version'],
    [{ type: 'send', version: 3, text: 'x'.repeat(1601) }, 'text'],
    [{ type: 'set_autonomy', version: 3 }, 'autonomy'],
    [{ type: 'set_autonomy', version: 3, autonomy: 'yolo' }, 'autonomy'],
    [{ type: 'approve', version: 3, autonomy: 'off' }, 'autonomy'],
  ])('refuses the bad action %j with 400 naming %s', async (body, field) => {
    const { app, calls } = setup();
    const res = await signed(request(app).post('/salesforce/v1/conversations/conv_01/actions')).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request.invalid');
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    expect(calls.act).toHaveLength(0);
  });

  it('refuses malformed JSON with a clear 400', async () => {
    const { app } = setup();
    const res = await signed(request(app).post('/salesforce/v1/conversations/conv_01/actions'))
      .set('Content-Type', 'application/json')
      .send('{"type":');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request.invalid_json');
  });

  it('refuses an action with a wrong org key and runs nothing', async () => {
    const { app, calls } = setup();
    const res = await signed(request(app).post('/salesforce/v1/conversations/conv_01/actions'), { 'X-Tandem-Org-Key': ORG_KEY + 'x' }).send({ type: 'approve', version: 7 });
    expect(res.status).toBe(401);
    expect(calls.act).toHaveLength(0);
  });

  it('lets a viewer read but not act', async () => {
    const { app, engine } = setup();
    engine.agents.resolve = async () => buildAgent({ role: 'viewer' });
    const read = await signed(request(app).get(`/salesforce/v1/leads/${LEAD_ID}/conversation`));
    expect(read.status).toBe(200);
    const act = await signed(request(app).post('/salesforce/v1/conversations/conv_01/actions')).send({ type: 'approve', version: 7 });
    expect(act.status).toBe(403);
    expect(act.body.error.code).toBe('agent.forbidden');
  });
});

/** A lead Tandem knows, as `engine.leads.find` answers it. */
function knownLead(overrides: Partial<LeadSummary> = {}): LeadSummary {
  return { ...buildConversationView().lead, id: 'lead_09', name: 'Bo Tran', tag: 'COLD', score: 5, ...overrides };
}

describe('Salesforce routes: whether the tab may start a conversation', () => {
  it.each([
    ['consent on record: starts without asking again', { state: 'granted' as const, source: 'form' as const, at: '2025-05-01T16:00:00.000Z' }, false, true, null, false],
    ['no consent on record: the rep must confirm it', { state: 'none' as const, source: null, at: null }, false, true, null, true],
    ['opted out: cannot be started', { state: 'revoked' as const, source: 'keyword' as const, at: '2025-05-02T09:00:00.000Z' }, true, false, 'opted_out', true],
    ['consent revoked without the opt-out flag: cannot be started either', { state: 'revoked' as const, source: 'agent' as const, at: null }, false, false, 'opted_out', true],
  ])('a Lead Tandem knows without a conversation: %s', async (_name, consent, optedOut, canStart, blockedReason, consentRequired) => {
    const { app, find } = setup();
    find.mockResolvedValue(knownLead({ consent, optedOut }));
    const res = await signed(request(app).get(`/salesforce/v1/leads/${NEW_LEAD_18}/conversation`));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      conversation: null,
      start: { canStart, blockedReason, consentRequired, lead: { id: 'lead_09', name: 'Bo Tran', tag: 'COLD', score: 5, optedOut, consent: { state: consent.state, at: consent.at } } },
    });
  });

  it('does not look the lead up when there is a conversation', async () => {
    const { app, find } = setup();
    const res = await signed(request(app).get(`/salesforce/v1/leads/${LEAD_ID}/conversation`));
    expect(res.body.start).toBeNull();
    expect(find).not.toHaveBeenCalled();
  });
});

describe('Salesforce routes: start a conversation from the Lead', () => {
  const path = `/salesforce/v1/leads/${NEW_LEAD_15}/conversation`;
  const STATEMENT = 'This contact agreed to receive text messages from us at this number. How: asked for texts on the phone.';
  const contact = { phone: '(415) 555-0142', firstName: 'Dana', lastName: 'Reyes', email: 'dana@example.com', company: 'Reyes Roofing' };
  const actor = { agentId: 'agent_01', name: 'Sam Carter', surface: 'salesforce' };

  it('starts with the Lead\'s own fields when Tandem does not know it: 18-character id linked, statement and first text passed, rep as actor', async () => {
    const { app, start, find, logger } = setup();
    const view = buildConversationView({ mode: 'human', draft: null });
    start.mockResolvedValue({ conversation: view, created: true, leadCreated: true, consentRecorded: true });
    const res = await signed(request(app).post(path)).send({ contact, consentStatement: `  ${STATEMENT}  `, text: ' Hi Dana, Sam from Acme here. ' });

    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ conversation: view, created: true });
    expect(find).toHaveBeenCalledWith('tenant_a', { crm: { provider: 'salesforce', externalId: NEW_LEAD_18 } });
    expect(start.mock.calls).toEqual([
      [
        'tenant_a',
        {
          lead: { phone: '(415) 555-0142', firstName: 'Dana', lastName: 'Reyes', email: 'dana@example.com', company: 'Reyes Roofing' },
          crm: { provider: 'salesforce', externalId: NEW_LEAD_18 },
          consent: { statement: STATEMENT },
          text: 'Hi Dana, Sam from Acme here.',
          actor,
        },
      ],
    ]);
    // One line with ids and outcomes; never the phone, the text or the statement.
    const logged = logger.lines.filter((l) => (l as { msg?: string }).msg === 'salesforce start conversation');
    expect(logged).toEqual([{ obj: { tenantId: 'tenant_a', conversationId: 'conv_01', created: true, consentRecorded: true, agentId: 'agent_01' }, msg: 'salesforce start conversation' }]);
    const all = JSON.stringify(logger.lines);
    expect(all).not.toContain('555');
    expect(all).not.toContain('Hi Dana');
    expect(all).not.toContain('agreed to receive');
  });

  it('starts a Lead Tandem already knows by its link with the lead id, and answers 200 with an open conversation', async () => {
    const { app, start, find } = setup();
    find.mockResolvedValue(knownLead());
    const open = buildConversationView();
    start.mockResolvedValue({ conversation: open, created: false, leadCreated: false, consentRecorded: false });
    const res = await signed(request(app).post(path)).send({ contact });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ conversation: open, created: false });
    expect(start).toHaveBeenCalledWith('tenant_a', { lead: { leadId: 'lead_09' }, crm: { provider: 'salesforce', externalId: NEW_LEAD_18 }, actor });
  });

  it('leaves out the Lead fields Salesforce left blank', async () => {
    const { app, start } = setup();
    start.mockResolvedValue({ conversation: buildConversationView(), created: true, leadCreated: true, consentRecorded: true });
    const res = await signed(request(app).post(path)).send({ contact: { phone: '+14155550142', firstName: ' ', lastName: 'Reyes', email: null }, consentStatement: STATEMENT });
    expect(res.status).toBe(201);
    expect(start.mock.calls[0]![1].lead).toEqual({ phone: '+14155550142', firstName: null, lastName: 'Reyes', email: null, company: null });
  });

  it.each([
    ['no contact', {}],
    ['a contact without a phone', { contact: { firstName: 'Dana', lastName: 'Reyes' } }],
    ['a blank phone', { contact: { phone: '   ', lastName: 'Reyes' } }],
  ])('refuses a Lead Tandem does not know with %s: 400 salesforce.lead_has_no_phone, nothing started', async (_name, body) => {
    const { app, start } = setup();
    const res = await signed(request(app).post(path)).send({ ...body, consentStatement: STATEMENT });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('salesforce.lead_has_no_phone');
    expect(res.body.error.message).toMatch(/Add a Mobile or Phone number to the Lead/);
    expect(start).not.toHaveBeenCalled();
  });

  it.each([
    ['a consent statement under 10 characters', { contact, consentStatement: 'yes ok' }, 'consentStatement'],
    ['a consent statement over 500 characters', { contact, consentStatement: 'x'.repeat(501) }, 'consentStatement'],
    ['a blank first text', { contact, text: '   ' }, 'text'],
    ['a first text over 1600 characters', { contact, text: 'x'.repeat(1601) }, 'text'],
    ['an unknown field', { contact, optedIn: true }, ''],
    ['an unknown contact field', { contact: { ...contact, title: 'CEO' } }, 'contact'],
    ['a phone that is not a string', { contact: { ...contact, phone: 4155550142 } }, 'contact.phone'],
    ['a company over 200 characters', { contact: { ...contact, company: 'x'.repeat(201) } }, 'contact.company'],
  ])('refuses %s with 400 request.invalid naming the field, and looks nothing up', async (_name, body, field) => {
    const { app, start, find } = setup();
    const res = await signed(request(app).post(path)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request.invalid');
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    expect(find).not.toHaveBeenCalled();
    expect(start).not.toHaveBeenCalled();
  });

  it('refuses a path id that is not a Lead id', async () => {
    const { app, start } = setup();
    const res = await signed(request(app).post('/salesforce/v1/leads/0015g00000AbCdE/conversation')).send({ contact });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('salesforce.invalid_lead_id');
    expect(start).not.toHaveBeenCalled();
  });

  it('refuses a viewer with 403 and a wrong org key with 401, starting nothing', async () => {
    const { app, engine, start, find } = setup();
    const wrongKey = await signed(request(app).post(path), { 'X-Tandem-Org-Key': 'wrong-key' }).send({ contact });
    expect(wrongKey.status).toBe(401);
    engine.agents.resolve = async () => buildAgent({ role: 'viewer' });
    const viewer = await signed(request(app).post(path)).send({ contact, consentStatement: STATEMENT });
    expect(viewer.status).toBe(403);
    expect(viewer.body.error.code).toBe('agent.forbidden');
    expect(find).not.toHaveBeenCalled();
    expect(start).not.toHaveBeenCalled();
  });

  it("passes the engine's refusals through with their status, code, message and details", async () => {
    const { app, start } = setup();
    const open = buildConversationView({ mode: 'human', draft: null });
    const refusals = [
      new TandemError('consent.required', 'There is no SMS consent on record for this person.', 422, { fields: { 'consent.statement': 'required' } }),
      new TandemError('request.invalid', 'Some fields need another look', 422, { fields: { 'lead.phone': 'not a mobile number that can receive texts' } }),
      new TandemError('lead.opted_out', 'This person opted out of texts.', 409, { leadId: 'lead_09' }),
      new TandemError('conversation.already_open', 'This person already has an open conversation.', 409, { conversation: open }),
    ];
    for (const refusal of refusals) {
      start.mockRejectedValueOnce(refusal);
      const res = await signed(request(app).post(path)).send({ contact, text: 'Hi Dana' });
      expect(res.status).toBe(refusal.status);
      expect(res.body.error).toEqual({ code: refusal.code, message: refusal.message, details: JSON.parse(JSON.stringify(refusal.details)) });
    }
    expect(start).toHaveBeenCalledTimes(refusals.length);
  });
});
