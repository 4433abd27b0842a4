import express from 'express';
import nock from 'nock';
import request from 'supertest';
import { introspectAnswer, tokenAnswer } from './hubspot-oauth.fixture';
import { hubspotConnector, HubSpotCrmAdapter, hubspotInstallUrl, resolveHubSpotConfig, type HubSpotConnectorContext } from './index';

type Engine = HubSpotConnectorContext['engine'];

// nock patches Node's shared http module and jest reuses a worker for several files: an instance left
// active breaks the next file's nock ("Disallowed net connect"). Let go at the end. (Every file needs
// this: test/setup-after-env.ts should do it for all.)
afterAll(() => nock.restore());

const API = 'https://api.hubapi.com';

function fakeEngine() {
  const puts: unknown[][] = [];
  const engine = {
    registerCrmAdapter: jest.fn(),
    integrations: {
      findTenant: jest.fn(async (_kind: string, _id: string) => null as string | null),
      claimedBy: jest.fn(async (_kind: string, _id: string) => null as string | null),
      get: jest.fn(async (_t: string, _kind: string) => null as { externalId: string | null; enabled: boolean; config: Record<string, unknown> } | null),
      put: jest.fn(async (...args: unknown[]) => void puts.push(args)),
    },
    apiKeys: { authenticate: jest.fn(async () => null) },
    agents: { resolve: jest.fn(async (_t: string, _identity: Record<string, string | undefined>) => null as { id: string; name: string } | null) },
  };
  return { engine, puts };
}

const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
beforeEach(() => jest.clearAllMocks());

describe('resolveHubSpotConfig', () => {
  it('takes explicit settings over the environment', () => {
    expect(
      resolveHubSpotConfig({ publicUrl: 'https://x.io', hubspot: { clientId: 'explicit' }, env: { HUBSPOT_CLIENT_ID: 'env', HUBSPOT_CLIENT_SECRET: 's', HUBSPOT_BASE_PATH: 'http://127.0.0.1:9' } }),
    ).toEqual({ clientId: 'explicit', clientSecret: 's', privateAppToken: undefined, portalId: undefined, tenantId: undefined, basePath: 'http://127.0.0.1:9' });
  });
});

describe('hubspotConnector.register', () => {
  it('registers the CRM adapter and mounts the signed card routes', async () => {
    const { engine } = fakeEngine();
    const app = express();
    await hubspotConnector.register({
      app,
      engine: engine as unknown as Engine,
      config: { publicUrl: 'https://tandem.example.com', env: { HUBSPOT_CLIENT_ID: 'cid', HUBSPOT_CLIENT_SECRET: 'cs' } },
      logger,
    });
    expect(hubspotConnector.id).toBe('hubspot');
    expect(engine.registerCrmAdapter).toHaveBeenCalledWith(expect.any(HubSpotCrmAdapter));
    // Mounted: an unsigned card request is refused by our router, not 404.
    const res = await request(app).get('/hubspot/card/conversation?portalId=1');
    expect(res.status).toBe(401);
  });

  it('with only a private-app token: adapter yes, card routes and install answer 503 not_configured', async () => {
    const { engine } = fakeEngine();
    const app = express();
    const config = { publicUrl: 'https://t.example.com', hubspot: { privateAppToken: 'pat' } };
    await hubspotConnector.register({ app, engine: engine as unknown as Engine, config, logger });
    expect(engine.registerCrmAdapter).toHaveBeenCalled();
    expect(hubspotInstallUrl(config, 't1')).toBeNull();
    const card = await request(app).get('/hubspot/card/conversation');
    expect(card.status).toBe(503);
    expect(card.body.error).toEqual({ code: 'hubspot.not_configured', message: expect.stringContaining('HUBSPOT_CLIENT_SECRET'), details: {} });
    const install = await request(app).get('/hubspot/oauth/callback?code=c&state=s');
    expect(install.status).toBe(503);
    expect(install.body.error.code).toBe('hubspot.not_configured');
    // Token without portal and tenant: nobody uses it, and the log says so.
    expect(engine.integrations.put).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(expect.anything(), expect.stringContaining('HUBSPOT_PORTAL_ID'));
  });

  it('with no HubSpot settings at all: starts, answers 503 on card and OAuth routes, keeps the adapter and the admin route', async () => {
    const { engine } = fakeEngine();
    const app = express();
    await expect(hubspotConnector.register({ app, engine: engine as unknown as Engine, config: { publicUrl: 'http://localhost:3000', env: {} }, logger })).resolves.toBeUndefined();
    expect(engine.registerCrmAdapter).toHaveBeenCalledWith(expect.any(HubSpotCrmAdapter));
    for (const [method, path] of [
      ['get', '/hubspot/card/conversation?portalId=1'],
      ['post', '/hubspot/card/actions'],
      ['get', '/hubspot/oauth/callback'],
    ] as const) {
      const res = await request(app)[method](path);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('hubspot.not_configured');
    }
    // The admin route is there (it needs no server settings): unauthenticated → 401, not 404.
    const admin = await request(app).put('/api/v1/integrations/hubspot').send({ privateAppToken: 'pat-na1-x' });
    expect(admin.status).toBe(401);
    expect(admin.body.error.code).toBe('auth.missing_api_key');
  });

  it('single-portal mode: connects the named tenant to the portal with the token kept in the environment, ensures properties in the background', async () => {
    const { engine, puts } = fakeEngine();
    const app = express();
    const TENANT = '7f6c1c1e-2b9a-4d4e-9a51-0c1f9a3c2b10';
    const scope = nock(API, { reqheaders: { authorization: 'Bearer pat-env' } })
      .get('/crm/v3/properties/contacts/groups/tandem')
      .reply(200, { name: 'tandem', label: 'Tandem', displayOrder: -1, archived: false })
      .post('/crm/v3/properties/contacts/batch/read')
      .reply(200, { status: 'COMPLETE', results: [], startedAt: 'x', completedAt: 'x' })
      .post('/crm/v3/properties/contacts/batch/create')
      .reply(201, { status: 'COMPLETE', results: [], startedAt: 'x', completedAt: 'x' });
    const env = { HUBSPOT_PRIVATE_APP_TOKEN: 'pat-env', HUBSPOT_PORTAL_ID: '62515', HUBSPOT_TENANT_ID: TENANT };
    await hubspotConnector.register({ app, engine: engine as unknown as Engine, config: { publicUrl: 'https://t.example.com', env }, logger });
    expect(puts).toEqual([[TENANT, 'hubspot', { externalId: '62515', config: { source: 'env' }, enabled: true }]]);
    for (let i = 0; i < 100 && !scope.isDone(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(scope.isDone()).toBe(true);

    // A portal another tenant already holds, even paused (claimedBy, not the routing lookup), is not taken over.
    const other = fakeEngine();
    other.engine.integrations.claimedBy.mockResolvedValueOnce('someone-else');
    await hubspotConnector.register({ app: express(), engine: other.engine as unknown as Engine, config: { publicUrl: 'https://t.example.com', env }, logger });
    expect(other.puts).toEqual([]);
    expect(logger.error).toHaveBeenCalledWith({ portalId: '62515', tenantId: TENANT }, expect.stringContaining('another tenant'));
  });

  it('completes an install: state → tenant, code → tokens stored by portal id, properties ensured', async () => {
    const { engine, puts } = fakeEngine();
    const app = express();
    const config = { publicUrl: 'https://tandem.example.com/', hubspot: { clientId: 'cid', clientSecret: 'cs' } };
    await hubspotConnector.register({ app, engine: engine as unknown as Engine, config, logger });
    const url = new URL(hubspotInstallUrl(config, 'tenant-1')!);
    expect(url.searchParams.get('redirect_uri')).toBe('https://tandem.example.com/hubspot/oauth/callback');
    const state = url.searchParams.get('state')!;

    const scope = nock(API)
      .post('/oauth/2026-03/token', { grant_type: 'authorization_code', code: 'the-code', redirect_uri: 'https://tandem.example.com/hubspot/oauth/callback', client_id: 'cid', client_secret: 'cs' })
      .reply(200, tokenAnswer({ access_token: 'at-1', refresh_token: 'rt-1', user_id: 2 }))
      .post('/oauth/2026-03/token/introspect', { client_id: 'cid', client_secret: 'cs', token: 'at-1', token_type_hint: 'access_token' })
      .reply(200, introspectAnswer({ token: 'at-1', user: 'ada@acme.test', hub_id: 62515, user_id: 2, client_id: 'cid' }))
      .get('/crm/v3/properties/contacts/groups/tandem')
      .matchHeader('authorization', 'Bearer at-1')
      .reply(200, { name: 'tandem', label: 'Tandem', displayOrder: -1, archived: false })
      .post('/crm/v3/properties/contacts/batch/read')
      .reply(200, { status: 'COMPLETE', results: [], startedAt: 'x', completedAt: 'x' })
      .post('/crm/v3/properties/contacts/batch/create')
      .reply(201, { status: 'COMPLETE', results: [], startedAt: 'x', completedAt: 'x' });

    const res = await request(app).get(`/hubspot/oauth/callback?code=the-code&state=${encodeURIComponent(state)}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('HubSpot is connected');
    expect(scope.isDone()).toBe(true);
    // Audited as the HubSpot user who granted access: the tenant's agent with that user id or email.
    expect(engine.agents.resolve).toHaveBeenCalledWith('tenant-1', { hubspotUserId: '2', email: 'ada@acme.test' });
    expect(puts[0]).toEqual([
      'tenant-1',
      'hubspot',
      { externalId: '62515', enabled: true, config: { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: expect.any(Number), portalId: '62515' } },
      { agentId: null, name: 'HubSpot user ada@acme.test', surface: 'hubspot' },
    ]);
  });

  it('audits an install as the agent the installing HubSpot user maps to, and refuses a portal another workspace holds', async () => {
    const { engine, puts } = fakeEngine();
    engine.agents.resolve.mockResolvedValue({ id: 'agent-ada', name: 'Ada Admin' });
    const app = express();
    const config = { publicUrl: 'https://tandem.example.com', hubspot: { clientId: 'cid', clientSecret: 'cs' } };
    await hubspotConnector.register({ app, engine: engine as unknown as Engine, config, logger });
    const tokens = () =>
      nock(API)
        .post('/oauth/2026-03/token')
        .reply(200, tokenAnswer({ access_token: 'at-1', refresh_token: 'rt-1', user_id: 2 }))
        .post('/oauth/2026-03/token/introspect')
        .reply(200, introspectAnswer({ token: 'at-1', user: 'ada@acme.test', hub_id: 62515, user_id: 2, client_id: 'cid' }));
    const callback = () => {
      const state = new URL(hubspotInstallUrl(config, 'tenant-1')!).searchParams.get('state')!;
      return request(app).get(`/hubspot/oauth/callback?code=c&state=${encodeURIComponent(state)}`);
    };

    // Held by another workspace (paused there: claimedBy sees it where the routing lookup would not).
    engine.integrations.claimedBy.mockResolvedValueOnce('tenant-2');
    const scope = tokens();
    const taken = await callback();
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('Disconnect it there first');
    expect(scope.isDone()).toBe(true);
    expect(engine.integrations.claimedBy).toHaveBeenCalledWith('hubspot', '62515');
    expect(puts).toEqual([]);

    tokens()
      .get('/crm/v3/properties/contacts/groups/tandem')
      .reply(200, { name: 'tandem', label: 'Tandem', displayOrder: -1, archived: false })
      .post('/crm/v3/properties/contacts/batch/read')
      .reply(200, { status: 'COMPLETE', results: [], startedAt: 'x', completedAt: 'x' })
      .post('/crm/v3/properties/contacts/batch/create')
      .reply(201, { status: 'COMPLETE', results: [], startedAt: 'x', completedAt: 'x' });
    const installed = await callback();
    expect(installed.status).toBe(200);
    // The install ran in the console's own tab: the page leads back to its HubSpot panel.
    expect(installed.type).toBe('text/html');
    expect(installed.text).toContain('<h1>HubSpot is connected to Tandem</h1>');
    expect(installed.text).toContain(`<a href="${config.publicUrl.replace(/\/+$/, '')}/#/integrations/hubspot">Back to Tandem</a>`);
    expect(puts.map((p) => p[3])).toEqual([{ agentId: 'agent-ada', name: 'Ada Admin', surface: 'hubspot' }]);
  });

  it('refuses a forged state without calling HubSpot', async () => {
    const { engine } = fakeEngine();
    const app = express();
    await hubspotConnector.register({ app, engine: engine as unknown as Engine, config: { publicUrl: 'https://t.example.com', hubspot: { clientId: 'cid', clientSecret: 'cs' } }, logger });
    const res = await request(app).get('/hubspot/oauth/callback?code=c&state=a.1.b.c');
    expect(res.status).toBe(400);
    expect(engine.integrations.put).not.toHaveBeenCalled();
  });
});
