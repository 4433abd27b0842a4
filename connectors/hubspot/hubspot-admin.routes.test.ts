import express from 'express';
import nock from 'nock';
import request from 'supertest';
import type { ApiPrincipal } from '../../core/index';
import { createHubSpotAdminRouter, type HubSpotAdminRouterDeps } from './hubspot-admin.routes';
import { HubSpotOAuth } from './hubspot-oauth';
import { HubSpotCrmAdapter, TANDEM_CONTACT_PROPERTIES } from './hubspot.crm-adapter';

afterAll(() => nock.restore());

const API = 'https://api.hubapi.com';
const PATH = '/api/v1/integrations/hubspot';
const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
const ADMIN = 'tdm_admin00001_' + 'a'.repeat(40);
const AGENT = 'tdm_agent00001_' + 'b'.repeat(40);

const principals: Record<string, ApiPrincipal> = {
  [ADMIN]: { tenantId: 't1', keyId: 'k1', role: 'admin', agentId: null, name: 'Admin' },
  [AGENT]: { tenantId: 't1', keyId: 'k2', role: 'agent', agentId: 'a1', name: 'Sam' },
};

function setup(owner: string | null = null) {
  const puts: unknown[][] = [];
  const engine = {
    apiKeys: { authenticate: jest.fn(async (key: string) => principals[key] ?? null) },
    integrations: {
      findTenant: jest.fn(async () => owner),
      get: jest.fn(async () => null as { externalId: string | null; enabled: boolean; config: Record<string, unknown>; kind: 'hubspot' } | null),
      put: jest.fn(async (...args: unknown[]) => void puts.push(args)),
    },
  };
  const oauth = new HubSpotOAuth({});
  const deps: HubSpotAdminRouterDeps = {
    engine: engine as unknown as HubSpotAdminRouterDeps['engine'],
    oauth,
    adapter: new HubSpotCrmAdapter({ tokens: oauth }),
    logger: { info: jest.fn(), warn: jest.fn(), error: jest.fn() },
    installUrl: (tenantId) => (tenantId === 't1' ? 'https://app.hubspot.com/oauth/authorize?client_id=cid&state=s' : null),
  };
  const app = express();
  app.use(createHubSpotAdminRouter(deps));
  return { app, engine, puts, deps };
}

/** HubSpot's answer for `GET /account-info/v3/details` (shape from its account-information docs). */
const accountDetails = { portalId: 62515, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [], utcOffset: '-05:00', utcOffsetMilliseconds: -18000000, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' };

const existingProperties = {
  status: 'COMPLETE',
  results: TANDEM_CONTACT_PROPERTIES.map((p) => ({ name: p.name, label: p.label, type: p.type, fieldType: p.fieldType, groupName: 'tandem', description: '', options: [] })),
  startedAt: '2026-06-02T16:00:00.000Z',
  completedAt: '2026-06-02T16:00:00.100Z',
};

describe('PUT /api/v1/integrations/hubspot (private app token)', () => {
  it('checks the token, learns the portal, creates the properties, then stores the token keyed by portal id', async () => {
    const { app, puts } = setup();
    const scope = nock(API, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get('/account-info/v3/details')
      .reply(200, accountDetails)
      .get('/crm/v3/properties/contacts/groups/tandem')
      .reply(404, { status: 'error', message: 'group not found', category: 'OBJECT_NOT_FOUND' })
      .post('/crm/v3/properties/contacts/groups', { name: 'tandem', label: 'Tandem', displayOrder: -1 })
      .reply(201, { name: 'tandem', label: 'Tandem', displayOrder: -1, archived: false })
      .post('/crm/v3/properties/contacts/batch/read')
      .reply(200, { status: 'COMPLETE', results: [], startedAt: 'x', completedAt: 'x' })
      .post('/crm/v3/properties/contacts/batch/create', (b: { inputs: Array<{ name: string }> }) => b.inputs.map((i) => i.name).join() === TANDEM_CONTACT_PROPERTIES.map((p) => p.name).join())
      .reply(201, { status: 'COMPLETE', results: [], startedAt: 'x', completedAt: 'x' });

    const res = await request(app).put(PATH).set('Authorization', `Bearer ${ADMIN}`).send({ privateAppToken: ` ${TOKEN} ` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      hubspot: { connected: true, enabled: true, portalId: '62515', mode: 'private_app' },
      properties: { created: TANDEM_CONTACT_PROPERTIES.map((p) => p.name), unavailable: [] },
    });
    expect(scope.isDone()).toBe(true);
    expect(puts).toEqual([['t1', 'hubspot', { externalId: '62515', config: { privateAppToken: TOKEN }, enabled: true }]]);
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });

  it('answers 422 hubspot.token_invalid when HubSpot refuses the token (401), and stores nothing', async () => {
    const { app, puts } = setup();
    const scope = nock(API)
      .get('/account-info/v3/details')
      .reply(401, {
        status: 'error',
        message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        correlationId: '3d2d2b8e-1b9a-4c53-a9b4-0b1f4f4f5a11',
        category: 'INVALID_AUTHENTICATION',
      });
    const res = await request(app).put(PATH).set('Authorization', `Bearer ${ADMIN}`).send({ privateAppToken: TOKEN });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'hubspot.token_invalid', details: { fields: { privateAppToken: 'HubSpot refused this token' } } });
    expect(scope.isDone()).toBe(true);
    expect(puts).toEqual([]);
  });

  it('answers 422 hubspot.token_missing_scopes when the token cannot create properties (403), and stores nothing', async () => {
    const { app, puts } = setup();
    nock(API)
      .get('/account-info/v3/details')
      .reply(200, accountDetails)
      .get('/crm/v3/properties/contacts/groups/tandem')
      .reply(403, {
        status: 'error',
        message: 'This app hasn\'t been granted all required scopes to make this call.',
        correlationId: 'a1b2',
        errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: ['crm.schemas.contacts.read'] } }],
        category: 'MISSING_SCOPES',
      });
    const res = await request(app).put(PATH).set('Authorization', `Bearer ${ADMIN}`).send({ privateAppToken: TOKEN });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('hubspot.token_missing_scopes');
    expect(res.body.error.details.requiredScopes).toEqual(['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.schemas.contacts.write']);
    expect(puts).toEqual([]);
  });

  it('answers 502 hubspot.unavailable on a HubSpot outage or rate limit, and stores nothing', async () => {
    const { app, puts } = setup();
    nock(API).get('/account-info/v3/details').reply(502, '<html>Bad gateway</html>', { 'Content-Type': 'text/html' });
    const outage = await request(app).put(PATH).set('Authorization', `Bearer ${ADMIN}`).send({ privateAppToken: TOKEN });
    expect(outage.status).toBe(502);
    expect(outage.body.error).toEqual({ code: 'hubspot.unavailable', message: expect.stringContaining('Nothing was changed'), details: {} });
    nock(API).get('/account-info/v3/details').reply(429, { status: 'error', message: 'limit', policyName: 'TEN_SECONDLY_ROLLING' }, { 'Retry-After': '1' });
    expect((await request(app).put(PATH).set('Authorization', `Bearer ${ADMIN}`).send({ privateAppToken: TOKEN })).status).toBe(502);
    expect(puts).toEqual([]);
  });

  it('answers 409 when the portal belongs to another tenant, before touching its properties', async () => {
    const { app, puts } = setup('other-tenant');
    const scope = nock(API).get('/account-info/v3/details').reply(200, accountDetails);
    const res = await request(app).put(PATH).set('Authorization', `Bearer ${ADMIN}`).send({ privateAppToken: TOKEN });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'hubspot.portal_taken', details: { portalId: '62515' } });
    expect(scope.isDone()).toBe(true);
    expect(puts).toEqual([]);
  });

  it('validates the body (422 naming the field, 400 for broken JSON) without calling HubSpot', async () => {
    const { app } = setup();
    for (const body of [{}, { privateAppToken: 'short' }, { privateAppToken: 'pat na1 with spaces inside' }, { privateAppToken: TOKEN, extra: 1 }]) {
      const res = await request(app).put(PATH).set('Authorization', `Bearer ${ADMIN}`).send(body);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('request.invalid');
      expect(Object.keys(res.body.error.details.fields).length).toBeGreaterThan(0);
    }
    const broken = await request(app).put(PATH).set('Authorization', `Bearer ${ADMIN}`).set('Content-Type', 'application/json').send('{"privateAppToken":');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('request.malformed_json');
  });

  it('needs an admin key: 401 without or with a bad key, 403 for an agent key', async () => {
    const { app } = setup();
    const none = await request(app).put(PATH).send({ privateAppToken: TOKEN });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('auth.missing_api_key');
    const bad = await request(app).put(PATH).set('Authorization', 'Bearer tdm_nope').send({ privateAppToken: TOKEN });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('auth.invalid_api_key');
    const agent = await request(app).put(PATH).set('X-Api-Key', AGENT).send({ privateAppToken: TOKEN });
    expect(agent.status).toBe(403);
    expect(agent.body.error.code).toBe('auth.forbidden');
  });

  it('accepts the console’s session cookie like the rest of /api/v1, with the same roles', async () => {
    const { app } = setup();
    const status = await request(app).get(PATH).set('Cookie', `theme=dark; tandem_session=${encodeURIComponent(AGENT)}`);
    expect(status.status).toBe(200);
    expect(status.body.hubspot.connected).toBe(false);
    const agent = await request(app).put(PATH).set('Cookie', `tandem_session=${AGENT}`).send({ privateAppToken: TOKEN });
    expect(agent.status).toBe(403);
    const install = await request(app).get(`${PATH}/install`).set('Cookie', `tandem_session=${ADMIN}`);
    expect(install.status).toBe(200);
    const bad = await request(app).get(PATH).set('Cookie', 'tandem_session=%E0%A4%A');
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('auth.missing_api_key');
  });
});

describe('GET /api/v1/integrations/hubspot and /install', () => {
  it('shows the connection without secrets to any key of the tenant', async () => {
    const { app, engine } = setup();
    const none = await request(app).get(PATH).set('Authorization', `Bearer ${AGENT}`);
    expect(none.body).toEqual({ hubspot: { connected: false, enabled: false, portalId: null, mode: null } });
    engine.integrations.get.mockResolvedValueOnce({ kind: 'hubspot', externalId: '62515', enabled: true, config: { privateAppToken: TOKEN } });
    const res = await request(app).get(PATH).set('Authorization', `Bearer ${AGENT}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ hubspot: { connected: true, enabled: true, portalId: '62515', mode: 'private_app' } });
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });

  it('hands an admin the OAuth install link, or 503 hubspot.not_configured without a public app', async () => {
    const { app, deps } = setup();
    const res = await request(app).get(`${PATH}/install`).set('Authorization', `Bearer ${ADMIN}`);
    expect(res.status).toBe(200);
    expect(res.body.url).toMatch(/^https:\/\/app\.hubspot\.com\/oauth\/authorize\?/);
    deps.installUrl = () => null;
    const app2 = express().use(createHubSpotAdminRouter(deps));
    const off = await request(app2).get(`${PATH}/install`).set('Authorization', `Bearer ${ADMIN}`);
    expect(off.status).toBe(503);
    expect(off.body.error.code).toBe('hubspot.not_configured');
    expect(off.body.error.message).toContain('HUBSPOT_CLIENT_ID');
  });
});
