import * as net from 'node:net';
import express from 'express';
import nock from 'nock';
import request from 'supertest';
import type { ApiPrincipal, IntegrationRecord } from '../../core/index';
import { createTestApp, type TestApp } from '../../test/helpers/test-app';
import { ADMIN_BODY_LIMIT, createHubSpotAdminRouter, DISCONNECT_NOTES, type HubSpotAdminRouterDeps } from './hubspot-admin.routes';
import { HubSpotOAuth } from './hubspot-oauth';
import { BAD_REFRESH_TOKEN, introspectAnswer, tokenAnswer } from './hubspot-oauth.fixture';
import { HubSpotCrmAdapter, TANDEM_CONTACT_PROPERTIES } from './hubspot.crm-adapter';
import { hubspotConnector, hubspotInstallUrl } from './index';

afterAll(() => nock.restore());

const API = 'https://api.hubapi.com';
const PATH = '/api/v1/integrations/hubspot';
const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
const ADMIN = 'tdm_admin00001_' + 'a'.repeat(40);
const AGENT = 'tdm_agent00001_' + 'b'.repeat(40);

/** The public app's credentials, as the connector hands them to HubSpotOAuth. */
const APP = { clientId: 'cid-123', clientSecret: 'csecret-456', redirectUri: 'https://tandem.example.com/hubspot/oauth/callback' };

const principals: Record<string, ApiPrincipal> = {
  [ADMIN]: { tenantId: 't1', keyId: 'k1', role: 'admin', agentId: null, name: 'Admin' },
  [AGENT]: { tenantId: 't1', keyId: 'k2', role: 'agent', agentId: 'a1', name: 'Sam' },
};

/** A loopback port that was just free: connecting to it is refused (ECONNREFUSED). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function setup(owner: string | null = null) {
  const puts: unknown[][] = [];
  const engine = {
    apiKeys: { authenticate: jest.fn(async (key: string) => principals[key] ?? null) },
    integrations: {
      // The claim check, not the routing lookup (findTenant): a portal paused in another workspace is held.
      claimedBy: jest.fn(async () => owner),
      get: jest.fn(async () => null as { externalId: string | null; enabled: boolean; config: Record<string, unknown>; kind: 'hubspot' } | null),
      put: jest.fn(async (...args: unknown[]) => void puts.push(args)),
      disconnect: jest.fn(async (..._args: unknown[]) => null as IntegrationRecord | null),
    },
  };
  const oauth = new HubSpotOAuth(APP);
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
    expect(puts).toEqual([['t1', 'hubspot', { externalId: '62515', config: { privateAppToken: TOKEN }, enabled: true }, { agentId: null, name: 'Admin', surface: 'api' }]]);
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
    expect(res.body.error.message).toContain('Disconnect it there first');
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

  it('answers 413 naming the real limit (16 KB) for a larger body, without calling HubSpot', async () => {
    const { app, puts } = setup();
    expect(ADMIN_BODY_LIMIT).toEqual({ parser: '16kb', words: '16 KB' });
    const justUnder = JSON.stringify({ privateAppToken: TOKEN, pad: 'x'.repeat(16 * 1024 - 80) });
    const under = await request(app).put(PATH).set('Authorization', `Bearer ${ADMIN}`).set('Content-Type', 'application/json').send(justUnder);
    expect([under.status, under.body.error.code]).toEqual([422, 'request.invalid']); // parsed: the limit is not lower than 16 KB
    const res = await request(app)
      .put(PATH)
      .set('Authorization', `Bearer ${ADMIN}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ privateAppToken: TOKEN, pad: 'x'.repeat(16 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body.error).toEqual({ code: 'request.too_large', message: 'The request body is larger than 16 KB.', details: {} });
    expect(puts).toEqual([]);
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

describe('DELETE /api/v1/integrations/hubspot', () => {
  const REFRESH = 'rt-na1-5f1c2e3d-aaaa-bbbb-cccc-0123456789ab';
  const oauthRecord: IntegrationRecord = {
    kind: 'hubspot',
    externalId: '62515',
    enabled: true,
    config: { accessToken: 'at-secret-1', refreshToken: REFRESH, expiresAt: Date.now() + 1_800_000, portalId: '62515' },
  };
  const disconnected = { connected: false, enabled: false, portalId: null, mode: null };
  /** Every request that reached no interceptor: a call to HubSpot the test did not expect. */
  const unexpected: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string; hostname?: string }) => {
    if (req.hostname !== '127.0.0.1') unexpected.push(`${req.method} ${req.hostname}${req.path}`); // supertest's own requests pass through
  };
  beforeAll(() => nock.emitter.on('no match', onNoMatch));
  afterAll(() => nock.emitter.removeListener('no match', onNoMatch));
  beforeEach(() => {
    unexpected.length = 0;
  });
  const del = (app: express.Express, key = ADMIN) => request(app).delete(PATH).set('Authorization', `Bearer ${key}`);

  const UNINSTALL = '/appinstalls/2026-03/external-install';
  const CREDENTIALS = { client_id: 'cid-123', client_secret: 'csecret-456' };
  /** Every secret a disconnect handles: none may reach a log line. */
  const SECRETS = [REFRESH, 'at-secret-1', 'at-refreshed-2', 'csecret-456'];
  /** Everything the route handed its logger, as one string. */
  const loggedBy = (deps: HubSpotAdminRouterDeps) =>
    JSON.stringify([deps.logger.info, deps.logger.warn, deps.logger.error].map((fn) => (fn as jest.Mock).mock.calls));
  /** HubSpot's common error body (developers.hubspot.com/docs/api-reference/error-handling: every field optional). */
  const hubspotError = (message: string, category: string) => ({ status: 'error', message, correlationId: 'a43683b0-5717-4ceb-80b4-104d02915d8c', category });

  it('disconnects an OAuth install, then uninstalls Tandem from HubSpot with the stored access token (204), without revoking', async () => {
    const { app, engine, deps } = setup();
    const order: string[] = [];
    // Two minutes left: more than the one-minute margin (not the five minutes a sync refreshes at), so no refresh.
    const record = { ...oauthRecord, config: { ...oauthRecord.config, expiresAt: Date.now() + 2 * 60_000 } };
    engine.integrations.disconnect.mockImplementation(async () => {
      order.push('disconnect');
      return record;
    });
    const seen: Array<{ body: string; headers: Record<string, unknown> }> = [];
    const scope = nock(API, { reqheaders: { authorization: 'Bearer at-secret-1' } })
      .delete(UNINSTALL)
      .reply(function (_uri, body) {
        order.push('uninstall');
        seen.push({ body: String(body), headers: this.req.headers });
        return [204];
      });
    const revoke = jest.spyOn(deps.oauth, 'revokeRefreshToken');
    const refresh = nock(API).post('/oauth/2026-03/token').reply(200, tokenAnswer({ access_token: 'at-refreshed-2', refresh_token: REFRESH }));
    const res = await del(app).set('X-Tandem-Surface', 'console');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ hubspot: disconnected, uninstalled: true, revoked: true, note: DISCONNECT_NOTES.oauthUninstalled });
    expect(res.body.note).toMatch(/uninstalled from this HubSpot account.*card is gone.*super admins get an email.*stay in HubSpot/);
    expect(scope.isDone()).toBe(true);
    expect(order).toEqual(['disconnect', 'uninstall']);
    expect(seen).toEqual([{ body: '', headers: expect.not.objectContaining({ 'content-type': expect.anything() }) }]);
    expect(revoke).not.toHaveBeenCalled();
    expect(refresh.isDone()).toBe(false);
    expect(engine.integrations.put).not.toHaveBeenCalled();
    expect(engine.integrations.disconnect).toHaveBeenCalledWith('t1', 'hubspot', { agentId: null, name: 'Admin', surface: 'console' });
    expect(deps.logger.info).toHaveBeenCalledWith(expect.objectContaining({ tenantId: 't1', portalId: '62515', mode: 'oauth', uninstalled: true, revoked: true }), 'hubspot disconnected');
    expect(deps.logger.warn).not.toHaveBeenCalled();
    for (const secret of SECRETS) {
      expect(JSON.stringify(res.body)).not.toContain(secret);
      expect(loggedBy(deps)).not.toContain(secret);
    }
    expect(unexpected).toEqual([]);
  });

  it('refreshes an access token that lapses within a minute (saving nothing), then uninstalls with the new one', async () => {
    for (const expiresAt of [Date.now() + 30_000, Date.now() - 3_600_000]) {
      const { app, engine, deps } = setup();
      engine.integrations.disconnect.mockResolvedValue({ ...oauthRecord, config: { ...oauthRecord.config, expiresAt } });
      // Exactly the documented refresh grant, form-encoded (nock matches an object body against the parsed form, key for key).
      const scope = nock(API)
        .post('/oauth/2026-03/token', { ...CREDENTIALS, grant_type: 'refresh_token', refresh_token: REFRESH })
        .matchHeader('content-type', /^application\/x-www-form-urlencoded/)
        .reply(200, tokenAnswer({ access_token: 'at-refreshed-2', refresh_token: REFRESH }));
      const uninstall = nock(API, { reqheaders: { authorization: 'Bearer at-refreshed-2' } }).delete(UNINSTALL).reply(204);
      const revoke = jest.spyOn(deps.oauth, 'revokeRefreshToken');
      const res = await del(app);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ hubspot: disconnected, uninstalled: true, revoked: true, note: DISCONNECT_NOTES.oauthUninstalled });
      expect(scope.isDone()).toBe(true);
      expect(uninstall.isDone()).toBe(true);
      expect(revoke).not.toHaveBeenCalled();
      // The integration is gone: the refreshed tokens are stored nowhere.
      expect(engine.integrations.put).not.toHaveBeenCalled();
      for (const secret of SECRETS) expect(loggedBy(deps)).not.toContain(secret);
      expect(unexpected).toEqual([]);
    }
  });

  it('falls back to revoking the refresh token when HubSpot will not uninstall (5xx, 401, unreachable)', async () => {
    const failures: Array<[string, (i: nock.Interceptor) => nock.Scope, RegExp]> = [
      ['outage', (i) => i.reply(503, '<html>Service unavailable</html>', { 'Content-Type': 'text/html' }), /HubSpot 503 while uninstalling the app/],
      ['refused', (i) => i.reply(401, hubspotError('Authentication credentials not found.', 'INVALID_AUTHENTICATION')), /HubSpot 401 while uninstalling the app/],
      ['unreachable', (i) => i.replyWithError({ code: 'ECONNRESET', message: 'socket hang up' }), /HubSpot unreachable while uninstalling the app/],
    ];
    for (const [, fail, reason] of failures) {
      const { app, engine, deps } = setup();
      const order: string[] = [];
      engine.integrations.disconnect.mockImplementation(async () => {
        order.push('disconnect');
        return oauthRecord;
      });
      const uninstallScope = nock(API, { reqheaders: { authorization: 'Bearer at-secret-1' } });
      uninstallScope.on('request', () => void order.push('uninstall'));
      const uninstall = fail(uninstallScope.delete(UNINSTALL));
      const revoke = nock(API)
        .post('/oauth/2026-03/token/revoke', { ...CREDENTIALS, token: REFRESH, token_type_hint: 'refresh_token' })
        .matchHeader('content-type', /^application\/x-www-form-urlencoded/)
        .reply(() => {
          order.push('revoke');
          return [200, ''];
        });
      const res = await del(app);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ hubspot: disconnected, uninstalled: false, revoked: true, note: DISCONNECT_NOTES.oauthRevoked });
      expect(uninstall.isDone()).toBe(true);
      expect(revoke.isDone()).toBe(true);
      expect(order).toEqual(['disconnect', 'uninstall', 'revoke']);
      expect(deps.logger.warn).toHaveBeenCalledTimes(1);
      expect(deps.logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ tenantId: 't1', portalId: '62515', step: 'uninstall', err: expect.objectContaining({ message: expect.stringMatching(reason) }) }),
        expect.stringContaining('could not be uninstalled'),
      );
      for (const secret of SECRETS) expect(loggedBy(deps)).not.toContain(secret);
      expect(unexpected).toEqual([]);
    }
  });

  it('still disconnects when HubSpot can neither uninstall nor revoke: both false, the note says so, the reasons logged without a token', async () => {
    const expired = { ...oauthRecord, config: { ...oauthRecord.config, expiresAt: Date.now() - 60_000 } };
    type Case = { name: string; record: IntegrationRecord; arrange(s: ReturnType<typeof setup>): Promise<nock.Scope[]>; reasons: [RegExp, RegExp]; step: 'token' | 'uninstall' };
    const cases: Case[] = [
      {
        name: 'outage',
        record: oauthRecord,
        arrange: async () => [
          nock(API).delete(UNINSTALL).reply(503, '<html>Service unavailable</html>', { 'Content-Type': 'text/html' }),
          nock(API).post('/oauth/2026-03/token/revoke').reply(503, '<html>Service unavailable</html>', { 'Content-Type': 'text/html' }),
        ],
        reasons: [/HubSpot 503 while uninstalling/, /HubSpot 503/],
        step: 'uninstall',
      },
      {
        // A refresh token HubSpot no longer knows: no access token to uninstall with, and nothing left to revoke.
        name: 'refresh refused',
        record: expired,
        arrange: async () => [
          nock(API).post('/oauth/2026-03/token', { ...CREDENTIALS, grant_type: 'refresh_token', refresh_token: REFRESH }).reply(400, BAD_REFRESH_TOKEN),
          nock(API).post('/oauth/2026-03/token/revoke', { ...CREDENTIALS, token: REFRESH, token_type_hint: 'refresh_token' }).reply(400, BAD_REFRESH_TOKEN),
        ],
        reasons: [/HubSpot refused the refresh token/, /HubSpot 400 .*invalid_grant/],
        step: 'token',
      },
      {
        // Unreachable: a loopback port nothing listens on any more refuses the connection.
        name: 'unreachable',
        record: oauthRecord,
        arrange: async (s) => {
          s.deps.oauth = new HubSpotOAuth({ ...APP, basePath: `http://127.0.0.1:${await closedPort()}` });
          return [];
        },
        reasons: [/unreachable while uninstalling the app.*ECONNREFUSED/, /unreachable.*ECONNREFUSED/],
        step: 'uninstall',
      },
      {
        // A server that lost its app credentials can neither refresh nor revoke: nothing is sent.
        name: 'no app credentials',
        record: expired,
        arrange: async (s) => {
          s.deps.oauth = new HubSpotOAuth({});
          return [];
        },
        reasons: [/needs hubspot.clientId/, /needs hubspot.clientId/],
        step: 'token',
      },
    ];
    for (const c of cases) {
      const s = setup();
      const scopes = await c.arrange(s);
      s.engine.integrations.disconnect.mockResolvedValue(c.record);
      const res = await del(express().use(createHubSpotAdminRouter(s.deps)));
      expect([c.name, res.status]).toEqual([c.name, 200]);
      expect(res.body).toEqual({ hubspot: disconnected, uninstalled: false, revoked: false, note: DISCONNECT_NOTES.oauthNotRevoked });
      // The local disconnect ran once and HubSpot's refusals did not undo it (no put, no second call).
      expect(s.engine.integrations.disconnect).toHaveBeenCalledTimes(1);
      expect(s.engine.integrations.put).not.toHaveBeenCalled();
      for (const scope of scopes) expect(scope.isDone()).toBe(true);
      const warn = s.deps.logger.warn as jest.Mock;
      expect(warn.mock.calls).toEqual([
        [expect.objectContaining({ tenantId: 't1', portalId: '62515', step: c.step, err: expect.objectContaining({ message: expect.stringMatching(c.reasons[0]) }) }), expect.stringContaining('could not be uninstalled')],
        [expect.objectContaining({ tenantId: 't1', portalId: '62515', err: expect.objectContaining({ message: expect.stringMatching(c.reasons[1]) }) }), expect.stringContaining('could not be revoked')],
      ]);
      expect(s.deps.logger.info).toHaveBeenCalledWith(expect.objectContaining({ uninstalled: false, revoked: false }), 'hubspot disconnected');
      for (const secret of SECRETS) expect(loggedBy(s.deps)).not.toContain(secret);
      expect(unexpected).toEqual([]);
    }
  });

  it('disconnects a private app without calling HubSpot, and says to delete the private app there', async () => {
    const { app, engine, deps } = setup();
    engine.integrations.disconnect.mockResolvedValue({ kind: 'hubspot', externalId: '62515', enabled: false, config: { privateAppToken: TOKEN } });
    const revoke = jest.spyOn(deps.oauth, 'revokeRefreshToken');
    const uninstall = jest.spyOn(deps.oauth, 'uninstallApp');
    const res = await del(app);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ hubspot: disconnected, uninstalled: false, revoked: false, note: DISCONNECT_NOTES.privateApp });
    expect(res.body.note).toMatch(/delete the private app in HubSpot/);
    expect(revoke).not.toHaveBeenCalled();
    expect(uninstall).not.toHaveBeenCalled();
    expect(unexpected).toEqual([]);
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });

  it('says how to stop the single-portal token from reconnecting', async () => {
    const { app, engine } = setup();
    engine.integrations.disconnect.mockResolvedValue({ kind: 'hubspot', externalId: '62515', enabled: true, config: { source: 'env' } });
    const res = await del(app);
    expect(res.body).toEqual({ hubspot: disconnected, uninstalled: false, revoked: false, note: DISCONNECT_NOTES.env });
    expect(unexpected).toEqual([]);
  });

  it('answers 404 integration.not_connected when nothing is connected, without calling HubSpot', async () => {
    const { app, engine } = setup();
    const res = await del(app);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('integration.not_connected');
    expect(engine.integrations.disconnect).toHaveBeenCalledTimes(1);
    expect(unexpected).toEqual([]);
  });

  it('needs an admin key (401 without, 403 for an agent) and a known surface, and changes nothing otherwise', async () => {
    const { app, engine } = setup();
    expect((await request(app).delete(PATH)).status).toBe(401);
    const agent = await del(app, AGENT);
    expect([agent.status, agent.body.error.code]).toEqual([403, 'auth.forbidden']);
    const cookie = await request(app).delete(PATH).set('Cookie', `tandem_session=${AGENT}`);
    expect(cookie.status).toBe(403);
    const surface = await del(app).set('X-Tandem-Surface', 'slack');
    expect([surface.status, surface.body.error.code]).toEqual([422, 'request.invalid']);
    expect(engine.integrations.disconnect).not.toHaveBeenCalled();
  });
});

describe(`HubSpot connect and disconnect on the real engine (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  const CLIENT = { HUBSPOT_CLIENT_ID: 'hubspot-app-client-id', HUBSPOT_CLIENT_SECRET: 'hubspot-app-client-secret' };
  const OTHER_TOKEN = 'pat-na1-99999999-8888-7777-6666-555555555555';
  const REFRESH = 'rt-na1-0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e';
  let t: TestApp;
  let a: { id: string; key: string };
  let b: { id: string; key: string };

  beforeAll(async () => {
    t = await createTestApp({ env: CLIENT, connectors: [hubspotConnector] });
    const tenant = async (name: string) => {
      const created = await t.engine.tenants.create({ name });
      return { id: created.tenant.id, key: created.apiKey };
    };
    a = await tenant('Acme Homes');
    b = await tenant('Rival Realty');
  });
  afterAll(async () => {
    await t?.close();
  });

  const auditOf = (tenantId: string) =>
    t.engine.store.tenant(tenantId, (m) =>
      m.query(`SELECT actor_agent_id, actor_name, surface, action, entity_id, data FROM audit_log WHERE entity = 'integration' ORDER BY created_at, id`),
    ) as Promise<Array<Record<string, unknown>>>;
  /** HubSpot's answers to a private-app connect whose portal already has Tandem's properties. */
  const hubspotAccepts = (token: string, portalId = 62515) =>
    nock(API, { reqheaders: { authorization: `Bearer ${token}` } })
      .get('/account-info/v3/details')
      .reply(200, { ...accountDetails, portalId })
      .get('/crm/v3/properties/contacts/groups/tandem')
      .reply(200, { name: 'tandem', label: 'Tandem', displayOrder: -1, archived: false })
      .post('/crm/v3/properties/contacts/batch/read')
      .reply(200, existingProperties);
  const put = (key: string, token: string) => request(t.app).put(PATH).set('Authorization', `Bearer ${key}`).set('X-Tandem-Surface', 'console').send({ privateAppToken: token });

  it('audits a private-app connect with the key and surface, never the token', async () => {
    const scope = hubspotAccepts(TOKEN);
    const res = await put(a.key, TOKEN);
    expect(res.status).toBe(200);
    expect(scope.isDone()).toBe(true);
    const audit = await auditOf(a.id);
    expect(audit).toEqual([{ actor_agent_id: (await t.engine.apiKeys.authenticate(a.key))!.agentId, actor_name: 'First admin key', surface: 'console', action: 'integration.connect', entity_id: 'hubspot', data: { externalId: '62515', enabled: true } }]);
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it('will not let another workspace take a portal that is paused here; once disconnected, it can', async () => {
    const held = (await t.engine.integrations.get(a.id, 'hubspot'))!;
    await t.engine.integrations.put(a.id, 'hubspot', { externalId: held.externalId, config: held.config, enabled: false });
    expect(await t.engine.integrations.findTenant('hubspot', '62515')).toBeNull();

    const scope = nock(API, { reqheaders: { authorization: `Bearer ${OTHER_TOKEN}` } }).get('/account-info/v3/details').reply(200, accountDetails);
    const taken = await put(b.key, OTHER_TOKEN);
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'hubspot.portal_taken', details: { portalId: '62515' } });
    expect(scope.isDone()).toBe(true);
    expect(await t.engine.integrations.get(b.id, 'hubspot')).toBeNull();

    const gone = await request(t.app).delete(PATH).set('Authorization', `Bearer ${a.key}`);
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ hubspot: { connected: false }, uninstalled: false, revoked: false, note: DISCONNECT_NOTES.privateApp });
    expect(await t.engine.integrations.get(a.id, 'hubspot')).toBeNull();
    expect((await auditOf(a.id)).at(-1)).toEqual({ actor_agent_id: (await t.engine.apiKeys.authenticate(a.key))!.agentId, actor_name: 'First admin key', surface: 'api', action: 'integration.disconnect', entity_id: 'hubspot', data: { externalId: '62515' } });
    const again = await request(t.app).delete(PATH).set('Authorization', `Bearer ${a.key}`);
    expect([again.status, again.body.error.code]).toEqual([404, 'integration.not_connected']);
    expect(await auditOf(a.id)).toHaveLength(2);

    const scope2 = hubspotAccepts(OTHER_TOKEN);
    const connected = await put(b.key, OTHER_TOKEN);
    expect(connected.status).toBe(200);
    expect(scope2.isDone()).toBe(true);
    expect(await t.engine.integrations.claimedBy('hubspot', '62515')).toBe(b.id);
  });

  const app = { client_id: CLIENT.HUBSPOT_CLIENT_ID, client_secret: CLIENT.HUBSPOT_CLIENT_SECRET };
  /** A new workspace that installs the public app through the OAuth callback (HubSpot's answers nocked). */
  const installWithOAuth = async (name: string, hubId: number, accessToken: string) => {
    const c = await t.engine.tenants.create({ name });
    const ada = await t.engine.agents.create(c.tenant.id, { name: 'Ada Admin', email: `ada@${hubId}.test`, role: 'admin' });
    const state = new URL(hubspotInstallUrl({ publicUrl: 'https://tandem.test', env: CLIENT }, c.tenant.id)!).searchParams.get('state')!;
    const install = nock(API)
      .post('/oauth/2026-03/token', { ...app, grant_type: 'authorization_code', code: 'the-code', redirect_uri: `${t.config.publicUrl.replace(/\/+$/, '')}/hubspot/oauth/callback` })
      .reply(200, tokenAnswer({ access_token: accessToken, refresh_token: REFRESH, hub_id: hubId, user_id: 4242 }))
      .post('/oauth/2026-03/token/introspect', { ...app, token: accessToken, token_type_hint: 'access_token' })
      .reply(200, introspectAnswer({ token: accessToken, user: `ada@${hubId}.test`, hub_domain: 'harbor.hubspot.com', hub_id: hubId, user_id: 4242, client_id: CLIENT.HUBSPOT_CLIENT_ID }))
      .get('/crm/v3/properties/contacts/groups/tandem')
      .reply(200, { name: 'tandem', label: 'Tandem', displayOrder: -1, archived: false })
      .post('/crm/v3/properties/contacts/batch/read')
      .reply(200, existingProperties);
    const installed = await request(t.app).get(`/hubspot/oauth/callback?code=the-code&state=${encodeURIComponent(state)}`);
    expect(installed.status).toBe(200);
    expect(install.isDone()).toBe(true);
    return { ...c, ada };
  };

  it('audits an OAuth install as the HubSpot user’s agent, and uninstalls Tandem from HubSpot on disconnect', async () => {
    const c = await installWithOAuth('Harbor Homes', 77001, 'at-harbor');
    expect(await auditOf(c.tenant.id)).toEqual([
      { actor_agent_id: c.ada.id, actor_name: 'Ada Admin', surface: 'hubspot', action: 'integration.connect', entity_id: 'hubspot', data: { externalId: '77001', enabled: true } },
    ]);

    const uninstall = nock(API, { reqheaders: { authorization: 'Bearer at-harbor' } }).delete('/appinstalls/2026-03/external-install').reply(204);
    const revoke = nock(API).post('/oauth/2026-03/token/revoke').reply(200);
    const res = await request(t.app).delete(PATH).set('Authorization', `Bearer ${c.apiKey}`).set('X-Tandem-Surface', 'console');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ hubspot: { connected: false, enabled: false, portalId: null, mode: null }, uninstalled: true, revoked: true, note: DISCONNECT_NOTES.oauthUninstalled });
    expect(uninstall.isDone()).toBe(true);
    expect(revoke.isDone()).toBe(false);
    expect(await t.engine.integrations.get(c.tenant.id, 'hubspot')).toBeNull();
    expect(await t.engine.integrations.claimedBy('hubspot', '77001')).toBeNull();
    const audit = await auditOf(c.tenant.id);
    expect(audit.at(-1)).toEqual({ actor_agent_id: (await t.engine.apiKeys.authenticate(c.apiKey))!.agentId, actor_name: 'First admin key', surface: 'console', action: 'integration.disconnect', entity_id: 'hubspot', data: { externalId: '77001' } });
    expect(JSON.stringify(audit)).not.toContain(REFRESH);
  });

  it('still disconnects, for good, when HubSpot can neither uninstall nor revoke', async () => {
    const c = await installWithOAuth('Quay Homes', 77002, 'at-quay');
    const uninstall = nock(API, { reqheaders: { authorization: 'Bearer at-quay' } }).delete('/appinstalls/2026-03/external-install').reply(503, '<html>Service unavailable</html>', { 'Content-Type': 'text/html' });
    const revoke = nock(API).post('/oauth/2026-03/token/revoke', { ...app, token: REFRESH, token_type_hint: 'refresh_token' }).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const res = await request(t.app).delete(PATH).set('Authorization', `Bearer ${c.apiKey}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ hubspot: { connected: false, enabled: false, portalId: null, mode: null }, uninstalled: false, revoked: false, note: DISCONNECT_NOTES.oauthNotRevoked });
    expect(uninstall.isDone()).toBe(true);
    expect(revoke.isDone()).toBe(true);
    // The local record is gone all the same: no tokens kept, the portal free, the disconnect audited.
    expect(await t.engine.integrations.get(c.tenant.id, 'hubspot')).toBeNull();
    expect(await t.engine.integrations.claimedBy('hubspot', '77002')).toBeNull();
    expect((await auditOf(c.tenant.id)).map((row) => row.action)).toEqual(['integration.connect', 'integration.disconnect']);
    const status = await request(t.app).get(PATH).set('Authorization', `Bearer ${c.apiKey}`);
    expect(status.body).toEqual({ hubspot: { connected: false, enabled: false, portalId: null, mode: null } });
  });
});
