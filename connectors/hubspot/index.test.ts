import express from 'express';
import nock from 'nock';
import request from 'supertest';
import type { EngineCommon } from '../../core/index';
import { hubspotConnector, HubSpotCrmAdapter, hubspotInstallUrl, resolveHubSpotConfig } from './index';

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
      findTenant: jest.fn(async () => null as string | null),
      put: jest.fn(async (...args: unknown[]) => void puts.push(args)),
    },
  };
  return { engine, puts };
}

const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

describe('resolveHubSpotConfig', () => {
  it('takes explicit settings over the environment', () => {
    expect(
      resolveHubSpotConfig({ publicUrl: 'https://x.io', hubspot: { clientId: 'explicit' }, env: { HUBSPOT_CLIENT_ID: 'env', HUBSPOT_CLIENT_SECRET: 's', HUBSPOT_BASE_PATH: 'http://127.0.0.1:9' } }),
    ).toEqual({ clientId: 'explicit', clientSecret: 's', privateAppToken: undefined, basePath: 'http://127.0.0.1:9' });
  });
});

describe('hubspotConnector.register', () => {
  it('registers the CRM adapter and mounts the signed card routes', async () => {
    const { engine } = fakeEngine();
    const app = express();
    hubspotConnector.register({
      app,
      engine: engine as unknown as EngineCommon,
      config: { publicUrl: 'https://tandem.example.com', env: { HUBSPOT_CLIENT_ID: 'cid', HUBSPOT_CLIENT_SECRET: 'cs' } },
      logger,
    });
    expect(hubspotConnector.id).toBe('hubspot');
    expect(engine.registerCrmAdapter).toHaveBeenCalledWith(expect.any(HubSpotCrmAdapter));
    // Mounted: an unsigned card request is refused by our router, not 404.
    const res = await request(app).get('/hubspot/card/conversation?portalId=1');
    expect(res.status).toBe(401);
  });

  it('with only a private-app token: adapter yes, card routes and install off', async () => {
    const { engine } = fakeEngine();
    const app = express();
    const config = { publicUrl: 'https://t.example.com', hubspot: { privateAppToken: 'pat' } };
    hubspotConnector.register({ app, engine: engine as unknown as EngineCommon, config, logger });
    expect(engine.registerCrmAdapter).toHaveBeenCalled();
    expect(hubspotInstallUrl(config, 't1')).toBeNull();
    expect((await request(app).get('/hubspot/card/conversation')).status).toBe(404);
  });

  it('completes an install: state → tenant, code → tokens stored by portal id, properties ensured', async () => {
    const { engine, puts } = fakeEngine();
    const app = express();
    const config = { publicUrl: 'https://tandem.example.com/', hubspot: { clientId: 'cid', clientSecret: 'cs' } };
    hubspotConnector.register({ app, engine: engine as unknown as EngineCommon, config, logger });
    const url = new URL(hubspotInstallUrl(config, 'tenant-1')!);
    expect(url.searchParams.get('redirect_uri')).toBe('https://tandem.example.com/hubspot/oauth/callback');
    const state = url.searchParams.get('state')!;

    const scope = nock(API)
      .post('/oauth/v1/token', (b: Record<string, string>) => b.grant_type === 'authorization_code' && b.code === 'the-code')
      .reply(200, { token_type: 'bearer', access_token: 'at-1', refresh_token: 'rt-1', expires_in: 1800 })
      .get('/oauth/v1/access-tokens/at-1')
      .reply(200, { token: 'at-1', hub_id: 62515, app_id: 1, user_id: 2, scopes: [], token_type: 'access', expires_in: 1800 })
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
    expect(puts[0]).toEqual([
      'tenant-1',
      'hubspot',
      { externalId: '62515', enabled: true, config: { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: expect.any(Number), portalId: '62515' } },
    ]);
  });

  it('refuses a forged state without calling HubSpot', async () => {
    const { engine } = fakeEngine();
    const app = express();
    hubspotConnector.register({ app, engine: engine as unknown as EngineCommon, config: { publicUrl: 'https://t.example.com', hubspot: { clientId: 'cid', clientSecret: 'cs' } }, logger });
    const res = await request(app).get('/hubspot/oauth/callback?code=c&state=a.1.b.c');
    expect(res.status).toBe(400);
    expect(engine.integrations.put).not.toHaveBeenCalled();
  });
});
