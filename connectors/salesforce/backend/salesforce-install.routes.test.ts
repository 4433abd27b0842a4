import nock from 'nock';
import request from 'supertest';
import type { Engine } from '../../../core/index';
import { createTestApp, type TestApp } from '../../../test/helpers/test-app';
import { salesforceConnector, SALESFORCE_DISCONNECT_NOTES, SALESFORCE_HEADERS, SALESFORCE_INTEGRATION_PATH, toSalesforceId18 } from '../index';

/**
 * The connect route on the real engine (both tiers), with the org's OAuth token endpoint mocked at its
 * My Domain as Salesforce answers it: the credentials are checked before anything is stored, one org
 * belongs to one workspace even while paused, and a disconnect stops the org key at once, then revokes the
 * stored access token at the org's OAuth revoke endpoint (mocked as Salesforce's "Revoke OAuth Tokens" shows
 * it: a form-encoded POST of `token=...`, 200 when revoked, 400 with `invalid_token` or
 * `unsupported_token_type` otherwise). Connects and disconnects are audited without a secret, and no secret
 * reaches the logs.
 */

const INSTANCE = 'https://acme.my.salesforce.com';
const TOKEN_PATH = '/services/oauth2/token';
const REVOKE_PATH = '/services/oauth2/revoke';
const CLIENT_ID = '3MVG9-install-consumer-key';
const CLIENT_SECRET = 'install-consumer-secret-1';
const USER_ID = '0055g00000XyZabAAB';
const ISSUED_AT = '1780416000000';

let orgSerial = 0;
/** A fresh organization id per test (15 characters, as admins often paste it) and its 18-character form. */
function newOrg(): { org15: string; org18: string } {
  const org15 = `00D5g00000${String(++orgSerial).padStart(5, '0')}`;
  return { org15, org18: toSalesforceId18(org15)! };
}

/** The client credentials grant as the adapter sends it. */
const grantBody = (clientId = CLIENT_ID, clientSecret = CLIENT_SECRET) =>
  new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString();

/** Salesforce's answer to a client credentials grant. */
function tokenAnswer(org18: string, accessToken: string) {
  return {
    access_token: accessToken,
    signature: 'nUFHwtfIGLKDTHcLWmDBG8frv0t+HQGl/iCZFIQUarE=',
    instance_url: INSTANCE,
    id: `https://login.salesforce.com/id/${org18}/${USER_ID}`,
    token_type: 'Bearer',
    issued_at: ISSUED_AT,
  };
}

describe(`Salesforce connect and disconnect (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestApp;
  let engine: Engine;
  const logs: string[] = [];
  const capture = (level: string) => (obj: object, msg?: string) => void logs.push(`${level} ${msg ?? ''} ${JSON.stringify(obj)}`);
  const logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };

  beforeAll(async () => {
    t = await createTestApp({ connectors: [{ id: 'salesforce', register: (ctx) => salesforceConnector.register({ ...ctx, logger }) }] });
    engine = t.engine;
  });
  afterAll(async () => {
    await t.close();
  });

  async function workspace(name: string) {
    const created = await engine.tenants.create({ name, adminName: `${name} Admin` });
    return { tenantId: created.tenant.id, adminKey: created.apiKey };
  }
  const put = (key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    request(t.app).put(SALESFORCE_INTEGRATION_PATH).set('Authorization', `Bearer ${key}`).set(headers).send(body);
  const del = (key: string) => request(t.app).delete(SALESFORCE_INTEGRATION_PATH).set('Authorization', `Bearer ${key}`);
  const connectBody = (orgId: string, extra: Record<string, unknown> = {}) => ({ orgId, instanceUrl: INSTANCE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...extra });
  const audits = (tenantId: string) =>
    engine.store.tenant(
      tenantId,
      (m) =>
        m.query(`SELECT action, entity, entity_id, actor_agent_id, actor_name, surface, data FROM audit_log WHERE entity = 'integration' ORDER BY created_at, id`) as Promise<
          Array<{ action: string; entity: string; entity_id: string; actor_agent_id: string | null; actor_name: string; surface: string; data: Record<string, unknown> }>
        >,
    );
  /** Connects an org with credentials Salesforce accepts; returns the org key. */
  async function connect(adminKey: string, org18: string, token = 'sf-token-connect'): Promise<string> {
    const scope = nock(INSTANCE).post(TOKEN_PATH, grantBody()).reply(200, tokenAnswer(org18, token));
    const res = await put(adminKey, connectBody(org18));
    expect(res.status).toBe(201);
    expect(scope.isDone()).toBe(true);
    return res.body.orgKey.key as string;
  }

  it('refuses a consumer key Salesforce does not know: 422 at clientId, nothing stored or audited', async () => {
    const { tenantId, adminKey } = await workspace('Bad Key Co');
    const { org15 } = newOrg();
    const scope = nock(INSTANCE).post(TOKEN_PATH, grantBody('3MVG9-typo')).reply(400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });

    const res = await put(adminKey, connectBody(org15, { clientId: '3MVG9-typo' }));
    expect(scope.isDone()).toBe(true);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('salesforce.credentials_invalid');
    expect(res.body.error.message).toContain('invalid_client_id');
    expect(Object.keys(res.body.error.details.fields)).toEqual(['clientId']);
    expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();
    expect(await audits(tenantId)).toEqual([]);
  });

  it('refuses a wrong consumer secret: 422 at clientSecret, nothing stored, the secret in no answer or log', async () => {
    const { tenantId, adminKey } = await workspace('Bad Secret Co');
    const { org15 } = newOrg();
    const scope = nock(INSTANCE).post(TOKEN_PATH, grantBody(CLIENT_ID, 'wrong-secret-xyz')).reply(400, { error: 'invalid_client', error_description: 'invalid client credentials' });

    const res = await put(adminKey, connectBody(org15, { clientSecret: 'wrong-secret-xyz' }));
    expect(scope.isDone()).toBe(true);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('salesforce.credentials_invalid');
    expect(Object.keys(res.body.error.details.fields)).toEqual(['clientSecret']);
    expect(JSON.stringify(res.body)).not.toContain('wrong-secret-xyz');
    expect(logs.join('\n')).not.toContain('wrong-secret-xyz');
    expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();
    expect(await audits(tenantId)).toEqual([]);
  });

  it('refuses credentials that belong to another org: 422 at orgId', async () => {
    const { tenantId, adminKey } = await workspace('Wrong Org Co');
    const { org15 } = newOrg();
    const { org18: theirOrg } = newOrg();
    nock(INSTANCE).post(TOKEN_PATH, grantBody()).reply(200, tokenAnswer(theirOrg, 'sf-token-other-org'));

    const res = await put(adminKey, connectBody(org15));
    expect(res.status).toBe(422);
    expect(res.body.error.details.fields).toEqual({ orgId: expect.stringContaining(theirOrg) });
    expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();
  });

  it('an org that cannot be reached, or answers 5xx, is a 502 and nothing is stored', async () => {
    const { tenantId, adminKey } = await workspace('Offline Co');
    const { org15 } = newOrg();
    const down = nock(INSTANCE).post(TOKEN_PATH).replyWithError({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND acme.my.salesforce.com' });
    const unreachable = await put(adminKey, connectBody(org15));
    expect(down.isDone()).toBe(true);
    expect(unreachable.status).toBe(502);
    expect(unreachable.body.error.code).toBe('salesforce.unavailable');
    expect(unreachable.body.error.message).toContain(INSTANCE);

    const busy = nock(INSTANCE).post(TOKEN_PATH).reply(503, 'Service Unavailable');
    const outage = await put(adminKey, connectBody(org15));
    expect(busy.isDone()).toBe(true);
    expect(outage.status).toBe(502);
    expect(outage.body.error.code).toBe('salesforce.unavailable');
    expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();
    expect(await audits(tenantId)).toEqual([]);
  });

  it('a URL that is not a Salesforce My Domain is a 422 at instanceUrl; other refusals are 422s naming Salesforce\'s error', async () => {
    const { tenantId, adminKey } = await workspace('Wrong URL Co');
    const { org15 } = newOrg();
    nock(INSTANCE).post(TOKEN_PATH).reply(404, '<html>Not found</html>', { 'Content-Type': 'text/html' });
    const notSalesforce = await put(adminKey, connectBody(org15));
    expect(notSalesforce.status).toBe(422);
    expect(notSalesforce.body.error.details.fields).toEqual({ instanceUrl: expect.stringContaining('HTTP 404') });

    nock(INSTANCE).post(TOKEN_PATH).reply(400, { error: 'invalid_grant', error_description: 'request not supported on this domain' });
    const wrongDomain = await put(adminKey, connectBody(org15));
    expect(wrongDomain.status).toBe(422);
    expect(Object.keys(wrongDomain.body.error.details.fields)).toEqual(['instanceUrl']);

    nock(INSTANCE).post(TOKEN_PATH).reply(400, { error: 'inactive_org', error_description: 'organization is locked' });
    const locked = await put(adminKey, connectBody(org15));
    expect(locked.status).toBe(422);
    expect(locked.body.error.code).toBe('salesforce.credentials_refused');
    expect(locked.body.error.message).toContain('inactive_org: organization is locked');
    expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();
  });

  it('the client credentials flow not enabled yet: stored with a warning naming where to enable it; saving again once enabled checks again and keeps the token and org key', async () => {
    const { tenantId, adminKey } = await workspace('Early Co');
    const { org15, org18 } = newOrg();
    const off = nock(INSTANCE).post(TOKEN_PATH, grantBody()).reply(400, { error: 'invalid_grant', error_description: 'no client credentials user enabled' });

    const first = await put(adminKey, connectBody(org15));
    expect(off.isDone()).toBe(true);
    expect(first.status).toBe(201);
    expect(first.body.warning).toEqual(expect.stringContaining('sync'));
    expect(first.body.warning).toContain('no client credentials user enabled');
    expect(first.body.warning).toContain('External Client App Manager → Tandem Sync → Policies');
    expect(first.body.warning).toContain('Enable Client Credentials Flow');
    expect(first.body.warning).toContain('Run As');
    expect(first.body.orgKey.key).toEqual(expect.any(String));
    expect(first.body.integration).toMatchObject({ orgId: org18, enabled: true, hasOrgKey: true, tokenIssuedAt: null });
    const stored = (await engine.integrations.get(tenantId, 'salesforce'))!;
    expect(stored.externalId).toBe(org18);
    expect(stored.config).not.toHaveProperty('accessToken');

    // Pausing it asks Salesforce nothing (no interceptor: a call would be a 502).
    const paused = await put(adminKey, connectBody(org18, { enabled: false, keepOrgKey: true }));
    expect(paused.status).toBe(200);
    expect(paused.body.warning).toBeNull();
    expect((await engine.integrations.get(tenantId, 'salesforce'))!).toMatchObject({ enabled: false, config: { orgKeySha256: stored.config.orgKeySha256 } });

    // The admin enables the flow in Salesforce and saves again (enabled), keeping the org key already in the External Credential.
    const on = nock(INSTANCE).post(TOKEN_PATH, grantBody()).reply(200, tokenAnswer(org18, 'sf-token-early'));
    const again = await put(adminKey, connectBody(org18, { keepOrgKey: true }));
    expect(on.isDone()).toBe(true);
    expect(again.status).toBe(200);
    expect(again.body.warning).toBeNull();
    expect(again.body.orgKey).toBeNull();
    const checked = (await engine.integrations.get(tenantId, 'salesforce'))!;
    expect(checked).toMatchObject({ enabled: true, config: { accessToken: 'sf-token-early', orgKeySha256: stored.config.orgKeySha256 } });
  });

  it('valid credentials: stored with the fresh token, audited without a secret; unchanged credentials are not asked about again, changed ones are', async () => {
    const { tenantId, adminKey } = await workspace('Good Co');
    const { org15, org18 } = newOrg();
    const scope = nock(INSTANCE).post(TOKEN_PATH, grantBody()).reply(200, tokenAnswer(org18, 'sf-token-good'));

    const res = await put(adminKey, connectBody(org15), { 'X-Tandem-Surface': 'console' });
    expect(scope.isDone()).toBe(true);
    expect(res.status).toBe(201);
    expect(res.body.warning).toBeNull();
    const issuedAt = new Date(Number(ISSUED_AT)).toISOString();
    expect(res.body.integration).toEqual({ kind: 'salesforce', orgId: org18, enabled: true, instanceUrl: INSTANCE, clientId: CLIENT_ID, smsOptOutField: null, hasOrgKey: true, tokenIssuedAt: issuedAt });
    const orgKey = res.body.orgKey.key as string;
    expect(JSON.stringify(res.body)).not.toContain('sf-token-good');
    expect(JSON.stringify(res.body)).not.toContain(CLIENT_SECRET);

    const stored = (await engine.integrations.get(tenantId, 'salesforce'))!;
    // The token as the adapter stores it: the first sync uses it instead of asking for another.
    expect(stored.config).toMatchObject({ accessToken: 'sf-token-good', tokenIssuedAt: issuedAt, clientSecret: CLIENT_SECRET, instanceUrl: INSTANCE });

    const [entry, ...rest] = await audits(tenantId);
    expect(rest).toEqual([]);
    expect(entry).toEqual({
      action: 'integration.connect',
      entity: 'integration',
      entity_id: 'salesforce',
      actor_agent_id: (await engine.apiKeys.authenticate(adminKey))!.agentId,
      actor_name: 'First admin key',
      surface: 'console',
      data: { externalId: org18, enabled: true },
    });
    for (const secret of [CLIENT_SECRET, 'sf-token-good', orgKey]) {
      expect(JSON.stringify(entry)).not.toContain(secret);
      expect(logs.join('\n')).not.toContain(secret);
    }

    // Pausing with the same credentials asks Salesforce nothing (no interceptor: a call would be a 502).
    const paused = await put(adminKey, connectBody(org18, { enabled: false, keepOrgKey: true }));
    expect(paused.status).toBe(200);
    expect(paused.body.warning).toBeNull();
    expect((await engine.integrations.get(tenantId, 'salesforce'))!.config.accessToken).toBe('sf-token-good');

    // A new secret is checked again; refused, nothing changes.
    const refused = nock(INSTANCE).post(TOKEN_PATH, grantBody(CLIENT_ID, 'install-consumer-secret-2')).reply(400, { error: 'invalid_client', error_description: 'invalid client credentials' });
    const rotated = await put(adminKey, connectBody(org18, { clientSecret: 'install-consumer-secret-2', keepOrgKey: true }));
    expect(refused.isDone()).toBe(true);
    expect(rotated.status).toBe(422);
    expect((await engine.integrations.get(tenantId, 'salesforce'))!).toMatchObject({ enabled: false, config: { clientSecret: CLIENT_SECRET, accessToken: 'sf-token-good' } });
    expect((await audits(tenantId)).map((a) => a.action)).toEqual(['integration.connect', 'integration.connect']);
  });

  it('an org held by a paused workspace cannot be connected by another (18 or 15 characters) until it is disconnected', async () => {
    const a = await workspace('Holder Co');
    const b = await workspace('Taker Co');
    const { org15, org18 } = newOrg();
    await connect(a.adminKey, org18);
    const paused = await put(a.adminKey, connectBody(org18, { enabled: false, keepOrgKey: true }));
    expect(paused.status).toBe(200);
    // Routing no longer finds it; the claim still holds.
    expect(await engine.integrations.findTenant('salesforce', org18)).toBeNull();

    // No interceptor: refused before any call to Salesforce.
    for (const orgId of [org18, org15]) {
      const taken = await put(b.adminKey, connectBody(orgId));
      expect(taken.status).toBe(409);
      expect(taken.body.error.code).toBe('salesforce.org_in_use');
    }
    expect(await engine.integrations.get(b.tenantId, 'salesforce')).toBeNull();

    nock(INSTANCE).post(REVOKE_PATH).reply(200);
    const gone = await del(a.adminKey);
    expect(gone.status).toBe(200);
    await connect(b.adminKey, org15, 'sf-token-taker');
    expect((await engine.integrations.get(b.tenantId, 'salesforce'))!).toMatchObject({ externalId: org18, enabled: true, config: { accessToken: 'sf-token-taker' } });
    nock(INSTANCE).post(REVOKE_PATH).reply(200);
    await del(b.adminKey);
  });

  it('an org stored with its 15-character id is held too', async () => {
    const legacy = await workspace('Legacy Co');
    const b = await workspace('Late Co');
    const { org15, org18 } = newOrg();
    await engine.integrations.put(legacy.tenantId, 'salesforce', { externalId: org15, enabled: false, config: { instanceUrl: INSTANCE, clientId: 'x', clientSecret: 'y' } });
    const taken = await put(b.adminKey, connectBody(org18));
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('salesforce.org_in_use');
    await engine.integrations.remove(legacy.tenantId, 'salesforce');
  });

  it('a workspace that connects the org between the claim check and the write gets 409, not a 500', async () => {
    const a = await workspace('First Co');
    const b = await workspace('Racer Co');
    const { org18 } = newOrg();
    await connect(a.adminKey, org18);
    // The other workspace's connect lands after this one's claim check.
    const claimed = jest.spyOn(engine.integrations, 'claimedBy').mockResolvedValue(null);
    try {
      nock(INSTANCE).post(TOKEN_PATH, grantBody()).reply(200, tokenAnswer(org18, 'sf-token-racer'));
      const raced = await put(b.adminKey, connectBody(org18));
      expect(claimed).toHaveBeenCalled();
      expect(raced.status).toBe(409);
      expect(raced.body.error.code).toBe('salesforce.org_in_use');
    } finally {
      claimed.mockRestore();
    }
    expect(await engine.integrations.get(b.tenantId, 'salesforce')).toBeNull();
    nock(INSTANCE).post(REVOKE_PATH).reply(200);
    await del(a.adminKey);
  });

  it('DELETE: admins only, 404 when not connected, 200 with what to remove in Salesforce; the org key stops working at once', async () => {
    const { tenantId, adminKey } = await workspace('Leaving Co');
    const { org18 } = newOrg();
    const { key: viewerKey } = await engine.apiKeys.create(tenantId, { name: 'viewer', role: 'viewer' });
    const { key: agentKey } = await engine.apiKeys.create(tenantId, { name: 'rep', role: 'agent' });
    await engine.agents.create(tenantId, { name: 'Sam Rep', email: 'sam@leaving.test', salesforceUserId: USER_ID });

    const none = await del(adminKey);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('integration.not_connected');

    const orgKey = await connect(adminKey, org18);
    const tab = (key: string) =>
      request(t.app)
        .get('/salesforce/v1/leads/00Q5g00000AbCdEEAV/conversation')
        .set({ [SALESFORCE_HEADERS.orgId]: org18, [SALESFORCE_HEADERS.orgKey]: key, [SALESFORCE_HEADERS.userId]: USER_ID, [SALESFORCE_HEADERS.userEmail]: 'sam@leaving.test' });
    const act = (key: string) =>
      request(t.app)
        .post('/salesforce/v1/conversations/00000000-0000-4000-8000-000000000000/actions')
        .set({ [SALESFORCE_HEADERS.orgId]: org18, [SALESFORCE_HEADERS.orgKey]: key, [SALESFORCE_HEADERS.userId]: USER_ID })
        .send({ type: 'take_over', version: 0 });
    expect((await tab(orgKey)).status).toBe(200);

    for (const key of [viewerKey, agentKey]) {
      const forbidden = await del(key);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error.code).toBe('auth.forbidden');
    }
    expect((await request(t.app).delete(SALESFORCE_INTEGRATION_PATH)).status).toBe(401);
    expect(await engine.integrations.get(tenantId, 'salesforce')).not.toBeNull();

    const revoke = nock(INSTANCE).post(REVOKE_PATH, new URLSearchParams({ token: 'sf-token-connect' }).toString()).reply(200);
    const res = await del(adminKey);
    expect(revoke.isDone()).toBe(true);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ integration: null, revoked: true, note: expect.any(String) });
    for (const name of ['External Credentials → Tandem', 'TandemOrg', 'OrgKey', 'Tandem Sync', 'package.xml']) expect(res.body.note).toContain(name);

    expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();
    expect((await request(t.app).get(SALESFORCE_INTEGRATION_PATH).set('Authorization', `Bearer ${viewerKey}`)).body).toEqual({ integration: null });
    // The Apex callouts' org key is refused as for an org Tandem never knew.
    for (const refused of [await tab(orgKey), await act(orgKey)]) {
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('salesforce.auth_failed');
    }

    expect((await audits(tenantId)).map(({ action, surface, actor_name, data }) => ({ action, surface, actor_name, data }))).toEqual([
      { action: 'integration.connect', surface: 'api', actor_name: 'First admin key', data: { externalId: org18, enabled: true } },
      { action: 'integration.disconnect', surface: 'api', actor_name: 'First admin key', data: { externalId: org18 } },
    ]);
    const again = await del(adminKey);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('integration.not_connected');
    expect(await audits(tenantId)).toHaveLength(2);
  });

  /** The log lines written since `from` that name this tenant. */
  const logsOf = (tenantId: string, from: number) => logs.slice(from).filter((line) => line.includes(tenantId));

  it('DELETE revokes the stored access token once the disconnect has committed: a form POST to the My Domain revoke endpoint, revoked: true', async () => {
    const { tenantId, adminKey } = await workspace('Revoke Co');
    const { org18 } = newOrg();
    const token = 'sf-token-to-revoke';
    const orgKey = await connect(adminKey, org18, token);
    const seen: Array<{ path: string; contentType: unknown; body: unknown; stored: unknown; auditedDisconnect: boolean }> = [];
    const revoke = nock(INSTANCE)
      .post(REVOKE_PATH)
      .reply(async function (path, body) {
        // Inside Salesforce, as the request arrives: the local disconnect must already be committed.
        const stored = await engine.integrations.get(tenantId, 'salesforce');
        const auditedDisconnect = (await audits(tenantId)).some((a) => a.action === 'integration.disconnect');
        seen.push({ path, contentType: this.req.headers['content-type'], body, stored, auditedDisconnect });
        return [200, ''];
      });
    const from = logs.length;

    const res = await del(adminKey);
    expect(revoke.isDone()).toBe(true);
    expect(seen).toEqual([
      { path: REVOKE_PATH, contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams({ token }).toString(), stored: null, auditedDisconnect: true },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ integration: null, revoked: true, note: SALESFORCE_DISCONNECT_NOTES.revoked });
    expect(res.body.note).toContain("Salesforce has ended Tandem's session");
    for (const name of ['External Credentials → Tandem', 'TandemOrg', 'OrgKey', 'Tandem Sync', 'package.xml']) expect(res.body.note).toContain(name);
    expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();
    expect(logsOf(tenantId, from)).toEqual([expect.stringMatching(/^info salesforce org disconnected .*"revoked":true/)]);
    for (const secret of [token, CLIENT_SECRET, orgKey]) {
      expect(JSON.stringify(res.body)).not.toContain(secret);
      expect(logs.join('\n')).not.toContain(secret);
    }
  });

  it('DELETE: Salesforce answering 400 (a token it no longer knows) leaves revoked: false, 200 and the record gone, without a warning', async () => {
    const { tenantId, adminKey } = await workspace('Expired Co');
    const { org18 } = newOrg();
    const token = 'sf-token-already-expired';
    await connect(adminKey, org18, token);
    const revoke = nock(INSTANCE)
      .post(REVOKE_PATH, new URLSearchParams({ token }).toString())
      .reply(400, { error: 'invalid_token', error_description: 'Token was invalid' });
    const from = logs.length;

    const res = await del(adminKey);
    expect(revoke.isDone()).toBe(true);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ integration: null, revoked: false, note: SALESFORCE_DISCONNECT_NOTES.notRevoked });
    expect(res.body.note).toContain("ends at your org's session timeout");
    expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();
    const lines = logsOf(tenantId, from);
    // Nothing left to revoke is not alarming: info lines only, naming Salesforce's error code.
    expect(lines.filter((line) => !line.startsWith('info '))).toEqual([]);
    expect(lines).toEqual(expect.arrayContaining([expect.stringContaining('"salesforceError":"invalid_token"'), expect.stringMatching(/salesforce org disconnected .*"revoked":false/)]));
    expect(logs.join('\n')).not.toContain(token);
  });

  it('DELETE: Salesforce unreachable, or answering 5xx, leaves revoked: false, 200 and the record gone, with a warning that names no token', async () => {
    for (const [name, answer] of [
      ['Unreachable Co', (scope: nock.Interceptor) => scope.replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })],
      ['Outage Co', (scope: nock.Interceptor) => scope.reply(503, 'Service Unavailable')],
    ] as const) {
      const { tenantId, adminKey } = await workspace(name);
      const { org18 } = newOrg();
      const token = `sf-token-${name.split(' ')[0]!.toLowerCase()}`;
      await connect(adminKey, org18, token);
      const revoke = answer(nock(INSTANCE).post(REVOKE_PATH, new URLSearchParams({ token }).toString()));
      const from = logs.length;

      const res = await del(adminKey);
      expect(revoke.isDone()).toBe(true);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ integration: null, revoked: false, note: SALESFORCE_DISCONNECT_NOTES.notRevoked });
      expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();
      expect(await audits(tenantId)).toHaveLength(2);
      expect(logsOf(tenantId, from)).toEqual(expect.arrayContaining([expect.stringMatching(/^warn salesforce disconnected, but its access token could not be revoked/)]));
      expect(logs.join('\n')).not.toContain(token);
    }
  });

  it('DELETE revokes a user-authorised connection by its refresh token, which takes its access tokens with it', async () => {
    const { tenantId, adminKey } = await workspace('Refresh Co');
    const { org18 } = newOrg();
    const refreshToken = 'sf-refresh-token-long-lived';
    await engine.integrations.put(tenantId, 'salesforce', {
      externalId: org18,
      enabled: true,
      config: { instanceUrl: INSTANCE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, accessToken: 'sf-access-short-lived', refreshToken },
    });
    const revoke = nock(INSTANCE).post(REVOKE_PATH, new URLSearchParams({ token: refreshToken }).toString()).reply(200);

    const res = await del(adminKey);
    expect(revoke.isDone()).toBe(true);
    expect(res.body).toEqual({ integration: null, revoked: true, note: SALESFORCE_DISCONNECT_NOTES.revoked });
    expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();
    expect(logs.join('\n')).not.toContain(refreshToken);
  });

  it('DELETE with no stored access token asks Salesforce nothing: revoked: false', async () => {
    const { tenantId, adminKey } = await workspace('Tokenless Co');
    const { org18 } = newOrg();
    // As stored when the client credentials flow was not enabled yet: no token was ever issued.
    await engine.integrations.put(tenantId, 'salesforce', { externalId: org18, enabled: true, config: { instanceUrl: INSTANCE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } });
    const revoke = nock(INSTANCE).post(REVOKE_PATH).reply(200);

    const res = await del(adminKey);
    expect(revoke.isDone()).toBe(false);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ integration: null, revoked: false, note: SALESFORCE_DISCONNECT_NOTES.notRevoked });
    expect(await engine.integrations.get(tenantId, 'salesforce')).toBeNull();
  });
});
