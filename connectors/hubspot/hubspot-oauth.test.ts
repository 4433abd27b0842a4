/*
 * HubSpot's OAuth API 2026-03 (the v1 endpoints are retired on 2027-02-16), as its documentation says:
 * - https://developers.hubspot.com/changelog/v1-oauth-api-deprecation (what replaces each v1 call)
 * - https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/migration-guide
 * - https://developers.hubspot.com/docs/api-reference/2026-03/authentication/manage-oauth-tokens (parameters in the body)
 * - https://developers.hubspot.com/docs/api-reference/2026-03/authentication/oauth-tokens/refresh-oauth-token
 *   (POST /oauth/2026-03/token, form body: grant_type, client_id, client_secret, code + redirect_uri or refresh_token)
 * - https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/refresh-oauth-token and
 *   https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens
 *   (the token answer: token_use, token_type, access_token, refresh_token, expires_in, id_token, hub_id, scopes, user_id)
 * - https://developers.hubspot.com/docs/api-reference/latest/authentication/oauth-tokens/token-introspect
 *   (POST /oauth/2026-03/token/introspect, form body: client_id, client_secret, token, token_type_hint; answer:
 *   token_use, active, token, hub_id, user_id, client_id, app_id, scopes, signed_access_token, expires_in,
 *   is_private_distribution, token_type, and optionally user (the email) and hub_domain)
 * - https://developers.hubspot.com/docs/api-reference/latest/authentication/oauth-tokens/revoke-token
 *   (POST /oauth/2026-03/token/revoke, form body: client_id, client_secret, token, token_type_hint; the page shows
 *   only the error answer, so any 2xx counts as revoked)
 * - https://developers.hubspot.com/changelog/new-oauth-v3-api-endpoints-and-standardized-error-responses
 *   (errors: RFC 6749 error + error_description, with the older status + message still present)
 * - https://developers.hubspot.com/docs/api-reference/latest/app-management/app-uninstalls/guide and
 *   https://developers.hubspot.com/docs/api-reference/2026-03/app-management/app-uninstalls/uninstall-app
 *   (DELETE /appinstalls/2026-03/external-install, `Authorization: Bearer <access token with the oauth scope>`, no
 *   body; 204 with no body. No error answer is documented for it: the tests use HubSpot's common error body from
 *   https://developers.hubspot.com/docs/api-reference/error-handling)
 */
import nock from 'nock';
import { CrmRetryableError, type CrmContext } from '../../core/index';
import { HubSpotRequestError } from './hubspot-client';
import { createInstallState, HUBSPOT_APP_UNINSTALL_PATH, HUBSPOT_OAUTH_PATHS, HubSpotOAuth, verifyInstallState } from './hubspot-oauth';
import { BAD_REFRESH_TOKEN, introspectAnswer, tokenAnswer } from './hubspot-oauth.fixture';

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

  const FORM = /^application\/x-www-form-urlencoded/;

  it('exchanges a code at POST /oauth/2026-03/token, then learns the portal and who installed from /token/introspect', async () => {
    const scope = nock(API)
      .post('/oauth/2026-03/token', {
        grant_type: 'authorization_code',
        code: 'code-abc',
        redirect_uri: 'https://tandem.example.com/hubspot/oauth/callback',
        client_id: 'cid-123',
        client_secret: 'csecret-456',
      })
      .matchHeader('content-type', FORM)
      .matchHeader('authorization', (v: string | undefined) => v === undefined)
      .reply(200, tokenAnswer({ access_token: 'at-1', refresh_token: 'rt-1' }))
      .post('/oauth/2026-03/token/introspect', { client_id: 'cid-123', client_secret: 'csecret-456', token: 'at-1', token_type_hint: 'access_token' })
      .matchHeader('content-type', FORM)
      .matchHeader('authorization', (v: string | undefined) => v === undefined)
      .reply(200, introspectAnswer({ token: 'at-1', hub_id: 62515, user_id: 7, user: 'ada@acme.test' }));

    await expect(new HubSpotOAuth(app).exchangeCode('code-abc')).resolves.toEqual({
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      expiresAt: NOW + 1_800_000,
      portalId: '62515',
      installer: { hubspotUserId: '7', email: 'ada@acme.test' },
    });
    expect(scope.isDone()).toBe(true);
  });

  it('an introspection without the optional user (email) still names the installer by id; an inactive token is refused', async () => {
    const { user: _omitted, ...noEmail } = introspectAnswer({ token: 'at-1', user_id: 9 });
    nock(API)
      .post('/oauth/2026-03/token')
      .reply(200, tokenAnswer({ access_token: 'at-1', refresh_token: 'rt-1' }))
      .post('/oauth/2026-03/token/introspect')
      .reply(200, noEmail);
    await expect(new HubSpotOAuth(app).exchangeCode('code-abc')).resolves.toMatchObject({ portalId: '62515', installer: { hubspotUserId: '9', email: null } });

    nock(API).post('/oauth/2026-03/token').reply(200, tokenAnswer({ access_token: 'at-1', refresh_token: 'rt-1' })).post('/oauth/2026-03/token/introspect').reply(200, { active: false });
    await expect(new HubSpotOAuth(app).exchangeCode('code-abc')).rejects.toMatchObject({ name: 'HubSpotRequestError', message: expect.stringMatching(/not active/) });

    // A refused code: HubSpot's RFC 6749 error, named in the message (not retryable).
    nock(API)
      .post('/oauth/2026-03/token')
      .reply(400, { error: 'invalid_grant', error_description: 'auth code not found', status: 'BAD_AUTH_CODE', message: 'auth code not found', correlationId: 'c0ffee' });
    const err = await new HubSpotOAuth(app).exchangeCode('code-old').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubSpotRequestError);
    expect((err as HubSpotRequestError).status).toBe(400);
    expect((err as Error).message).toBe('HubSpot 400 while exchanging the OAuth code: invalid_grant: auth code not found');
  });

  it('revokes a refresh token with POST /oauth/2026-03/token/revoke, the token in the form body (2xx = revoked)', async () => {
    const revoked = (status: number) =>
      nock(API)
        .post('/oauth/2026-03/token/revoke', { client_id: 'cid-123', client_secret: 'csecret-456', token: 'rt-1', token_type_hint: 'refresh_token' })
        .matchHeader('content-type', FORM)
        .reply(status);
    for (const status of [200, 204]) {
      const scope = revoked(status);
      await expect(new HubSpotOAuth(app).revokeRefreshToken('rt-1')).resolves.toBeUndefined();
      expect(scope.isDone()).toBe(true);
    }

    nock(API).post('/oauth/2026-03/token/revoke').reply(400, { ...BAD_REFRESH_TOKEN, correlationId: 'c0ffee', category: 'VALIDATION_ERROR' });
    const refused = await new HubSpotOAuth(app).revokeRefreshToken('rt-gone').catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'HubSpotRequestError', status: 400 });
    expect((refused as Error).message).not.toContain('rt-gone');
    nock(API).post('/oauth/2026-03/token/revoke').reply(503, { status: 'error', message: 'unavailable' });
    await expect(new HubSpotOAuth(app).revokeRefreshToken('rt-1')).rejects.toBeInstanceOf(CrmRetryableError);
    nock(API).post('/oauth/2026-03/token/revoke').reply(429, { status: 'error', message: 'rate limited' }, { 'Retry-After': '3' });
    await expect(new HubSpotOAuth(app).revokeRefreshToken('rt-1')).rejects.toMatchObject({ name: 'CrmRetryableError', retryAfterMs: 3000 });
    // Without the app's credentials there is nothing to authenticate the revoke with: refused before any call.
    await expect(new HubSpotOAuth({}).revokeRefreshToken('rt-1')).rejects.toThrow(/needs hubspot.clientId/);
  });

  it('uninstalls the app with DELETE /appinstalls/2026-03/external-install, the access token as a Bearer token (204 = uninstalled)', async () => {
    expect(HUBSPOT_APP_UNINSTALL_PATH).toBe('/appinstalls/2026-03/external-install');
    const seen: Array<{ path: string; body: string }> = [];
    const scope = nock(API, { reqheaders: { authorization: 'Bearer at-1' } })
      .delete('/appinstalls/2026-03/external-install')
      .reply(function (uri, body) {
        seen.push({ path: uri, body: String(body) });
        return [204];
      });
    await expect(new HubSpotOAuth(app).uninstallApp('at-1')).resolves.toBeUndefined();
    expect(scope.isDone()).toBe(true);
    expect(seen).toEqual([{ path: '/appinstalls/2026-03/external-install', body: '' }]);
    // The app's credentials are not needed: the account's token says which install to remove.
    nock(API, { reqheaders: { authorization: 'Bearer at-1' } }).delete('/appinstalls/2026-03/external-install').reply(204);
    await expect(new HubSpotOAuth({}).uninstallApp('at-1')).resolves.toBeUndefined();

    const common = { status: 'error', message: 'Authentication credentials not found.', correlationId: 'a43683b0-5717-4ceb-80b4-104d02915d8c', category: 'INVALID_AUTHENTICATION' };
    nock(API).delete('/appinstalls/2026-03/external-install').reply(401, common);
    const refused = await new HubSpotOAuth(app).uninstallApp('at-gone').catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'HubSpotRequestError', status: 401 });
    expect((refused as Error).message).toBe('HubSpot 401 while uninstalling the app: Authentication credentials not found.');
    nock(API).delete('/appinstalls/2026-03/external-install').reply(502, '<html>Bad gateway</html>', { 'Content-Type': 'text/html' });
    await expect(new HubSpotOAuth(app).uninstallApp('at-1')).rejects.toBeInstanceOf(CrmRetryableError);
  });

  it('gives the disconnect tokens for its last call without saving: the stored access token while it works for over a minute, else a refreshed one', async () => {
    const oauth = new HubSpotOAuth(app);
    const stored = { accessToken: 'at-1', refreshToken: 'rt-1' };
    // Two minutes left is enough here (a sync would already refresh at five).
    await expect(oauth.tokensWithoutSaving({ ...stored, expiresAt: NOW + 2 * 60_000 })).resolves.toEqual({ accessToken: 'at-1', refreshToken: 'rt-1', refreshed: false });
    for (const expiresAt of [NOW + 60_000, NOW - 1, undefined]) {
      const scope = nock(API)
        .post('/oauth/2026-03/token', { client_id: 'cid-123', client_secret: 'csecret-456', grant_type: 'refresh_token', refresh_token: 'rt-1' })
        .matchHeader('content-type', FORM)
        .reply(200, tokenAnswer({ access_token: 'at-2', refresh_token: 'rt-1' }));
      await expect(oauth.tokensWithoutSaving({ ...stored, expiresAt })).resolves.toEqual({ accessToken: 'at-2', refreshToken: 'rt-1', refreshed: true });
      expect(scope.isDone()).toBe(true);
    }
    nock(API).post('/oauth/2026-03/token').reply(400, BAD_REFRESH_TOKEN);
    await expect(oauth.tokensWithoutSaving({ ...stored, expiresAt: NOW })).rejects.toThrow(/refused the refresh token/);
    await expect(oauth.tokensWithoutSaving({ accessToken: 'at-1', expiresAt: NOW })).rejects.toThrow(/no refresh token/);
  });

  it('returns a token that is still fresh without calling HubSpot', async () => {
    const { ctx, saved } = ctxWith({ accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: NOW + 6 * 60_000 });
    await expect(new HubSpotOAuth(app).getAccessToken(ctx)).resolves.toBe('at-1');
    expect(saved).toEqual([]);
  });

  it('refreshes a token expiring within 5 minutes and persists the new one', async () => {
    const scope = nock(API)
      .post('/oauth/2026-03/token', { grant_type: 'refresh_token', client_id: 'cid-123', client_secret: 'csecret-456', refresh_token: 'rt-1' })
      .matchHeader('content-type', FORM)
      .reply(200, tokenAnswer({ access_token: 'at-2', refresh_token: 'rt-1' }));
    const { ctx, saved } = ctxWith({ accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: NOW + 4 * 60_000, portalId: '62515' });

    const oauth = new HubSpotOAuth(app);
    // Two concurrent syncs share one refresh.
    const [a, b] = await Promise.all([oauth.getAccessToken(ctx), oauth.getAccessToken(ctx)]);
    expect([a, b]).toEqual(['at-2', 'at-2']);
    expect(saved).toEqual([{ accessToken: 'at-2', refreshToken: 'rt-1', expiresAt: NOW + 1_800_000, portalId: '62515' }]);
    expect(scope.isDone()).toBe(true);
  });

  it('a revoked refresh token is a non-retryable error that says to reconnect', async () => {
    nock(API).post('/oauth/2026-03/token').reply(400, BAD_REFRESH_TOKEN);
    const { ctx, saved } = ctxWith({ refreshToken: 'rt-gone', expiresAt: 0 });
    const err = await new HubSpotOAuth(app).getAccessToken(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubSpotRequestError);
    expect((err as HubSpotRequestError).status).toBe(400);
    expect((err as Error).message).toBe("HubSpot refused the refresh token: reconnect HubSpot on Tandem's Integrations page.");
    expect(saved).toEqual([]);
  });

  it('keeps the refresh token when HubSpot answers a refresh without a new one', async () => {
    const { refresh_token: _none, ...answer } = tokenAnswer({ access_token: 'at-3', refresh_token: 'unused' });
    nock(API).post('/oauth/2026-03/token').reply(200, answer);
    await expect(new HubSpotOAuth(app).refresh('rt-keep')).resolves.toEqual({ accessToken: 'at-3', refreshToken: 'rt-keep', expiresAt: NOW + 1_800_000 });
  });

  it('a HubSpot outage while refreshing is retryable', async () => {
    nock(API).post('/oauth/2026-03/token').reply(503, { message: 'unavailable' });
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

    // fetch refuses port 9 outright ("bad port"): unreachable, like a refused connection.
    await expect(new HubSpotOAuth({ basePath: 'http://127.0.0.1:9' }).portalForToken('pat-x')).rejects.toBeInstanceOf(CrmRetryableError);
  });
});

describe('HubSpot OAuth API version', () => {
  it('calls only the 2026-03 endpoints, with every secret in a POST body and none in a URL', async () => {
    expect(HUBSPOT_OAUTH_PATHS).toEqual({ token: '/oauth/2026-03/token', introspect: '/oauth/2026-03/token/introspect', revoke: '/oauth/2026-03/token/revoke' });
    // The suite disallows the network (test/setup-after-env.ts); anything no interceptor below answers is recorded.
    const unmatched: string[] = [];
    const onNoMatch = (req: { method?: string; hostname?: string; path?: string }) => void unmatched.push(`${req.method} ${req.hostname}${req.path}`);
    nock.emitter.on('no match', onNoMatch);
    const seen: Array<{ method: string; path: string; body: string }> = [];
    try {
      const scope = nock(API)
        .post('/oauth/2026-03/token')
        .reply(200, tokenAnswer({ access_token: 'at-1', refresh_token: 'rt-1' }))
        .post('/oauth/2026-03/token/introspect')
        .reply(200, introspectAnswer({ token: 'at-1' }))
        .post('/oauth/2026-03/token')
        .reply(200, tokenAnswer({ access_token: 'at-2', refresh_token: 'rt-1' }))
        .post('/oauth/2026-03/token/revoke')
        .reply(200);
      scope.on('request', (req: { method: string; path: string }, _interceptor: unknown, body: string) => void seen.push({ method: req.method, path: req.path, body }));

      const oauth = new HubSpotOAuth(app);
      const installed = await oauth.exchangeCode('code-abc');
      await oauth.refresh(installed.refreshToken);
      await oauth.revokeRefreshToken(installed.refreshToken);

      expect(scope.isDone()).toBe(true);
      expect(unmatched).toEqual([]);
      expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /oauth/2026-03/token', 'POST /oauth/2026-03/token/introspect', 'POST /oauth/2026-03/token', 'POST /oauth/2026-03/token/revoke']);
      for (const r of seen) {
        expect(r.path).not.toMatch(/\/v1\/|\?/);
        for (const secret of ['csecret-456', 'code-abc', 'at-1', 'rt-1']) expect(r.path).not.toContain(secret);
      }
      // Form-encoded bodies (not JSON), each with exactly the documented parameters.
      const credentials = { client_id: 'cid-123', client_secret: 'csecret-456' };
      expect(seen.map((r) => Object.fromEntries(new URLSearchParams(r.body)))).toEqual([
        { ...credentials, grant_type: 'authorization_code', code: 'code-abc', redirect_uri: 'https://tandem.example.com/hubspot/oauth/callback' },
        { ...credentials, token: 'at-1', token_type_hint: 'access_token' },
        { ...credentials, grant_type: 'refresh_token', refresh_token: 'rt-1' },
        { ...credentials, token: 'rt-1', token_type_hint: 'refresh_token' },
      ]);
    } finally {
      nock.emitter.removeListener('no match', onNoMatch);
    }
  });

  it('a v1 endpoint is never reached: with interceptors for every v1 path only, each OAuth call misses them', async () => {
    const hits: string[] = [];
    const v1 = nock(API);
    for (const method of ['POST', 'GET', 'DELETE']) {
      v1.intercept(/^\/oauth\/v1\//, method)
        .query(true)
        .reply(function () {
          hits.push(`${method} ${this.req.path}`);
          return [200, { access_token: 'at-v1', refresh_token: 'rt-v1', expires_in: 1800, hub_id: 1, user_id: 1, user: 'x@y.test' }];
        })
        .persist();
    }
    const oauth = new HubSpotOAuth(app);
    // Net connect is off, so a request no interceptor answers fails as unreachable (retryable).
    await expect(oauth.exchangeCode('code-abc')).rejects.toBeInstanceOf(CrmRetryableError);
    await expect(oauth.refresh('rt-1')).rejects.toBeInstanceOf(CrmRetryableError);
    await expect(oauth.revokeRefreshToken('rt-1')).rejects.toBeInstanceOf(CrmRetryableError);
    expect(hits).toEqual([]);
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
