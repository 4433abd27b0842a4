import nock from 'nock';
import { CrmRetryableError, type CrmContext } from '../../core/index';
import { HubSpotRequestError } from './hubspot-client';
import { createInstallState, HubSpotOAuth, verifyInstallState } from './hubspot-oauth';

// nock patches Node's shared http module and jest reuses a worker for several files: an instance left
// active breaks the next file's nock ("Disallowed net connect"). Let go at the end. (Every file needs
// this: test/setup-after-env.ts should do it for all.)
afterAll(() => nock.restore());

const API = 'https://api.hubapi.com';
const NOW = 1_764_000_000_000;
const app = { clientId: 'cid-123', clientSecret: 'csecret-456', redirectUri: 'https://tandem.example.com/hubspot/oauth/callback', now: () => NOW };

function ctxWith(config: Record<string, unknown>) {
  const saved: Record<string, unknown>[] = [];
  const ctx: CrmContext = {
    tenantId: 't1',
    config,
    saveConfig: async (next) => {
      saved.push(next);
    },
  };
  return { ctx, saved };
}

describe('HubSpotOAuth', () => {
  it('builds the authorize URL with client id, redirect URI, scopes and state', () => {
    const url = new URL(new HubSpotOAuth(app).authorizeUrl('st8'));
    expect(url.origin + url.pathname).toBe('https://app.hubspot.com/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'cid-123',
      redirect_uri: 'https://tandem.example.com/hubspot/oauth/callback',
      scope: 'oauth crm.objects.contacts.read crm.objects.contacts.write crm.schemas.contacts.read crm.schemas.contacts.write',
      state: 'st8',
    });
  });

  it('exchanges a code at /oauth/v1/token and learns the portal id and who installed', async () => {
    const scope = nock(API)
      .post('/oauth/v1/token', {
        grant_type: 'authorization_code',
        code: 'code-abc',
        redirect_uri: 'https://tandem.example.com/hubspot/oauth/callback',
        client_id: 'cid-123',
        client_secret: 'csecret-456',
      })
      .matchHeader('content-type', /application\/x-www-form-urlencoded/)
      .reply(200, { token_type: 'bearer', access_token: 'at-1', refresh_token: 'rt-1', expires_in: 1800 })
      .get('/oauth/v1/access-tokens/at-1')
      .reply(200, { token: 'at-1', user: 'ada@acme.test', hub_domain: 'acme.hubspot.com', hub_id: 62515, app_id: 42, user_id: 7, scopes: ['oauth'], token_type: 'access', expires_in: 1799 });

    await expect(new HubSpotOAuth(app).exchangeCode('code-abc')).resolves.toEqual({
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      expiresAt: NOW + 1_800_000,
      portalId: '62515',
      installer: { hubspotUserId: '7', email: 'ada@acme.test' },
    });
    expect(scope.isDone()).toBe(true);
  });

  it('revokes a refresh token with DELETE /oauth/v1/refresh-tokens/{token} (204, no body), without app credentials', async () => {
    const scope = nock(API).delete('/oauth/v1/refresh-tokens/rt-1').reply(204);
    await expect(new HubSpotOAuth({}).revokeRefreshToken('rt-1')).resolves.toBeUndefined();
    expect(scope.isDone()).toBe(true);

    nock(API).delete('/oauth/v1/refresh-tokens/rt-gone').reply(400, { status: 'error', message: 'missing or unknown refresh token', correlationId: 'c0ffee', category: 'VALIDATION_ERROR' });
    await expect(new HubSpotOAuth({}).revokeRefreshToken('rt-gone')).rejects.toMatchObject({ name: 'HubSpotRequestError', status: 400 });
    nock(API).delete('/oauth/v1/refresh-tokens/rt-1').reply(503, { status: 'error', message: 'unavailable' });
    await expect(new HubSpotOAuth({}).revokeRefreshToken('rt-1')).rejects.toBeInstanceOf(CrmRetryableError);
  });

  it('returns a token that is still fresh without calling HubSpot', async () => {
    const { ctx, saved } = ctxWith({ accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: NOW + 6 * 60_000 });
    await expect(new HubSpotOAuth(app).getAccessToken(ctx)).resolves.toBe('at-1');
    expect(saved).toEqual([]);
  });

  it('refreshes a token expiring within 5 minutes and persists the new one', async () => {
    const scope = nock(API)
      .post('/oauth/v1/token', { grant_type: 'refresh_token', client_id: 'cid-123', client_secret: 'csecret-456', refresh_token: 'rt-1' })
      .reply(200, { token_type: 'bearer', access_token: 'at-2', refresh_token: 'rt-1', expires_in: 1800 });
    const { ctx, saved } = ctxWith({ accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: NOW + 4 * 60_000, portalId: '62515' });

    const oauth = new HubSpotOAuth(app);
    // Two concurrent syncs share one refresh.
    const [a, b] = await Promise.all([oauth.getAccessToken(ctx), oauth.getAccessToken(ctx)]);
    expect([a, b]).toEqual(['at-2', 'at-2']);
    expect(saved).toEqual([{ accessToken: 'at-2', refreshToken: 'rt-1', expiresAt: NOW + 1_800_000, portalId: '62515' }]);
    expect(scope.isDone()).toBe(true);
  });

  it('a revoked refresh token is a non-retryable error that says to reconnect', async () => {
    nock(API).post('/oauth/v1/token').reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token' });
    const { ctx } = ctxWith({ refreshToken: 'rt-gone', expiresAt: 0 });
    const err = await new HubSpotOAuth(app).getAccessToken(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubSpotRequestError);
    expect((err as Error).message).toMatch(/reconnect HubSpot/);
  });

  it('a HubSpot outage while refreshing is retryable', async () => {
    nock(API).post('/oauth/v1/token').reply(503, { message: 'unavailable' });
    const { ctx } = ctxWith({ refreshToken: 'rt-1', expiresAt: 0 });
    await expect(new HubSpotOAuth(app).getAccessToken(ctx)).rejects.toBeInstanceOf(CrmRetryableError);
  });

  it('uses a private-app token (tenant config first, then the app-level fallback) without refreshing', async () => {
    await expect(new HubSpotOAuth(app).getAccessToken(ctxWith({ privateAppToken: 'pat-tenant' }).ctx)).resolves.toBe('pat-tenant');
    await expect(new HubSpotOAuth({ privateAppToken: 'pat-global' }).getAccessToken(ctxWith({}).ctx)).resolves.toBe('pat-global');
    await expect(new HubSpotOAuth({}).getAccessToken(ctxWith({}).ctx)).rejects.toThrow(/not connected/);
  });

  it('learns the portal of a token from /account-info/v3/details; refused → 401, unreachable → retryable', async () => {
    const scope = nock(API, { reqheaders: { authorization: 'Bearer pat-x' } })
      .get('/account-info/v3/details')
      .reply(200, { portalId: 62515, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', utcOffset: '-05:00' });
    await expect(new HubSpotOAuth({}).portalForToken('pat-x')).resolves.toEqual({ portalId: '62515' });
    expect(scope.isDone()).toBe(true);

    nock(API).get('/account-info/v3/details').reply(401, { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION' });
    await expect(new HubSpotOAuth({}).portalForToken('pat-bad')).rejects.toMatchObject({ name: 'HubSpotRequestError', status: 401 });

    nock(API).get('/account-info/v3/details').reply(200, { accountType: 'STANDARD' });
    await expect(new HubSpotOAuth({}).portalForToken('pat-x')).rejects.toThrow('without a portalId');

    // Port 9 on loopback refuses connections (nock lets loopback through).
    await expect(new HubSpotOAuth({ basePath: 'http://127.0.0.1:9' }).portalForToken('pat-x')).rejects.toBeInstanceOf(CrmRetryableError);
  });
});

describe('install state', () => {
  it('round-trips the tenant and refuses forged, tampered or expired states', () => {
    const state = createInstallState('secret', 'tenant-ä1', NOW);
    expect(verifyInstallState('secret', state, NOW + 1000)).toBe('tenant-ä1');
    expect(verifyInstallState('other', state, NOW)).toBeNull();
    expect(verifyInstallState('secret', state.replace(/^[^.]+/, Buffer.from('t2').toString('base64url')), NOW)).toBeNull();
    expect(verifyInstallState('secret', state, NOW + 16 * 60_000)).toBeNull();
    expect(verifyInstallState('secret', 'garbage', NOW)).toBeNull();
  });
});
