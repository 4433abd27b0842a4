import express from 'express';
import request from 'supertest';
import type { ActionCommand, EngineCommon, IntegrationRecord, LeadRef } from '../../../core/index';
import { buildAgent, buildConversationView } from './conversation-view.fixture';
import { hashOrgKey } from './salesforce-org-auth';
import { createSalesforceRouter, type SalesforceLogger } from './salesforce.routes';

const ORG_ID = '00D5g000004XyZ1EAK';
const OTHER_ORG_ID = '00D5g000009QqQ2EAK';
const ORG_KEY = 'k3y-for-acme-org-0123456789abcdef';
const USER_ID = '0055g00000XyZabAAB';
const LEAD_ID = '00Q5g00000AbCdEEAV';

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
      start: notUsed,
    },
    leads: { find: notUsed },
    agents: {
      resolve: async (tenantId, identity) => {
        calls.resolve.push({ tenantId, identity });
        return tenantId === 'tenant_a' && identity.salesforceUserId === USER_ID ? agent : null;
      },
    },
    integrations: {
      get: async (tenantId) => integrations.get(tenantId) ?? null,
      put: notUsed,
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
    expect(calls.viewForLead).toEqual([{ tenantId: 'tenant_a', ref: { crm: { provider: 'salesforce', externalId: LEAD_ID } } }]);
    expect(calls.resolve).toEqual([{ tenantId: 'tenant_a', identity: { salesforceUserId: USER_ID, email: 'sam@acme.example' } }]);
  });

  it('answers { conversation: null } for a lead Tandem has no conversation with', async () => {
    const { app } = setup();
    const res = await signed(request(app).get('/salesforce/v1/leads/00Q5g00000ZzZzZEAV/conversation'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ conversation: null });
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
