import nock from 'nock';
import request from 'supertest';
import twilio from 'twilio';
import { createTestApp, type TestApp } from '../../test/helpers/test-app';
import { twilioReply } from '../../test/helpers/twilio-fixtures';
import { twilioAdminRouteModule } from './twilio-admin.routes';
import { twilioRouteModule } from './twilio.routes';

const SID = `AC${'a1'.repeat(16)}`;
const TOKEN = 'f0'.repeat(16);
const valid = { accountSid: SID, authToken: TOKEN, fromNumber: '+14155550100', numbers: ['(415) 555-0100'] };

describe('connecting Twilio', () => {
  let t: TestApp;
  let admin: string;
  let viewer: string;
  let tenantId: string;

  beforeAll(async () => {
    t = await createTestApp({ routes: [twilioAdminRouteModule, twilioRouteModule] });
    const created = await t.engine.tenants.create({ name: 'Acme Homes' });
    admin = created.apiKey;
    tenantId = created.tenant.id;
    viewer = (await t.engine.apiKeys.create(tenantId, { name: 'ro', role: 'viewer' })).key;
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t.close();
  });

  const put = (body: unknown, key = admin) => request(t.app).put('/api/v1/integrations/twilio').set('Authorization', `Bearer ${key}`).send(body as object);
  const del = (key = admin) => request(t.app).delete('/api/v1/integrations/twilio').set('Authorization', `Bearer ${key}`);
  const twilioAccepts = (sid = SID, token = TOKEN) =>
    nock('https://api.twilio.com').get(`/2010-04-01/Accounts/${sid}.json`).basicAuth({ user: sid, pass: token }).reply(() => twilioReply(200, { sid, status: 'active' }));
  const auditOf = (tenant: string) =>
    t.engine.store.tenant(tenant, (m) =>
      m.query(`SELECT actor_agent_id, actor_name, surface, action, entity, entity_id, data FROM audit_log WHERE entity = 'integration' ORDER BY created_at, id`),
    ) as Promise<Array<Record<string, unknown>>>;
  /** An inbound text as Twilio posts it, signed with the account's auth token. */
  const inbound = (params: Record<string, string>) =>
    request(t.app).post('/webhooks/twilio/sms').set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(TOKEN, 'https://tandem.test/webhooks/twilio/sms', params)).type('form').send(params);

  it('refuses bad input with field messages and stores nothing', async () => {
    const res = await put({ accountSid: 'nope', authToken: 'x', numbers: [] });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body.error.details.fields).sort()).toEqual(['accountSid', 'authToken', 'fromNumber', 'numbers']);
    expect((await put({ ...valid, numbers: ['12'] })).body.error.details.fields).toHaveProperty(['numbers.0']);
    expect((await put(valid, viewer)).status).toBe(403);
    expect(await t.engine.integrations.get(tenantId, 'twilio')).toBeNull();
  });

  it('refuses credentials Twilio rejects', async () => {
    const scope = nock('https://api.twilio.com').get(`/2010-04-01/Accounts/${SID}.json`).basicAuth({ user: SID, pass: TOKEN }).reply(() => twilioReply(401, { code: 20003, message: 'Authenticate', status: 401 }));
    const res = await put(valid);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('twilio.credentials_invalid');
    expect(scope.isDone()).toBe(true);
    expect(await t.engine.integrations.get(tenantId, 'twilio')).toBeNull();
  });

  it('stores checked credentials sealed, routes the numbers, and names the webhook URLs', async () => {
    nock('https://api.twilio.com').get(`/2010-04-01/Accounts/${SID}.json`).basicAuth({ user: SID, pass: TOKEN }).reply(() => twilioReply(200, { sid: SID, status: 'active' }));
    const res = await put(valid);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      twilio: { connected: true, enabled: true, accountSid: SID, messagingServiceSid: null, fromNumber: '+14155550100', numbers: ['+14155550100'], webhookSigningKeys: [] },
      webhooks: { incomingMessageUrl: 'https://tandem.test/webhooks/twilio/sms', statusCallbackUrl: 'https://tandem.test/webhooks/twilio/status', method: 'POST' },
    });
    const shown = await request(t.app).get('/api/v1/integrations/twilio').set('Authorization', `Bearer ${viewer}`);
    expect(shown.body.twilio.numbers).toEqual(['+14155550100']);
    expect(JSON.stringify(shown.body)).not.toContain(TOKEN);
    const raw = await t.engine.store.system((m) => m.query(`SELECT config_ciphertext FROM integrations WHERE kind = 'twilio'`));
    expect(JSON.stringify(raw)).not.toContain(TOKEN);
    // Audited with the connection: who (the first key is the first admin's), through which surface, the account and
    // whether it sends; never the token.
    const audit = await auditOf(tenantId);
    expect(audit).toEqual([
      { actor_agent_id: (await t.engine.apiKeys.authenticate(admin))!.agentId, actor_name: 'First admin key', surface: 'api', action: 'integration.connect', entity: 'integration', entity_id: 'twilio', data: { externalId: SID, enabled: true, webhookSigningKeyIds: [] } },
    ]);
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it('routes a signed inbound text to the number to this tenant', async () => {
    const params = { MessageSid: `SM${'c3'.repeat(16)}`, AccountSid: SID, From: '+12125550199', To: '+14155550100', Body: 'Hi, is the house still for sale?' };
    const url = 'https://tandem.test/webhooks/twilio/sms';
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, params);
    const res = await request(t.app).post('/webhooks/twilio/sms').set('X-Twilio-Signature', signature).type('form').send(params);
    expect(res.status).toBe(200);
    const stored = await t.engine.store.tenant(tenantId, (m) => m.query(`SELECT body FROM messages WHERE provider_message_id = $1`, [params.MessageSid]));
    expect(stored).toEqual([{ body: 'Hi, is the house still for sale?' }]);
  });

  describe('webhook signing keys (Twilio SharedKeys)', () => {
    const KEY_A = { id: 'webhooks_sharedkey_01J0AAAAAAAAAAAAAAAAAAAAAA', secret: 'secret-of-key-a-0123456789abcdef' };
    const KEY_B = { id: 'webhooks_sharedkey_01J0BBBBBBBBBBBBBBBBBBBBBB', secret: 'secret-of-key-b-fedcba9876543210' };
    const storedKeys = async () => ((await t.engine.integrations.get(tenantId, 'twilio'))?.config as { webhookSigningKeys?: unknown } | undefined)?.webhookSigningKeys;
    const shownKeys = async () => (await request(t.app).get('/api/v1/integrations/twilio').set('Authorization', `Bearer ${viewer}`)).body.twilio.webhookSigningKeys;

    it('refuses bad keys at their fields before asking Twilio, and changes nothing', async () => {
      const before = await storedKeys();
      const fieldsOf = async (keys: unknown) => {
        const res = await put({ ...valid, webhookSigningKeys: keys });
        expect(res.status).toBe(422);
        return res.body.error.details.fields as Record<string, string>;
      };
      expect(Object.keys(await fieldsOf([KEY_A, KEY_B, { id: 'webhooks_sharedkey_third', secret: KEY_A.secret }]))).toEqual(['webhookSigningKeys']);
      expect(await fieldsOf([KEY_A, { ...KEY_A, secret: KEY_B.secret }])).toEqual({ 'webhookSigningKeys.1.id': 'This key id is listed twice' });
      expect(Object.keys(await fieldsOf([{ id: 'key=x,algorithm=HMAC_SHA1', secret: KEY_A.secret }, { id: '', secret: KEY_B.secret }])).sort()).toEqual(['webhookSigningKeys.0.id', 'webhookSigningKeys.1.id']);
      expect(Object.keys(await fieldsOf([{ id: KEY_A.id, secret: 'short' }, { id: KEY_B.id, secret: 'has spaces in it, 0123456789' }])).sort()).toEqual([
        'webhookSigningKeys.0.secret',
        'webhookSigningKeys.1.secret',
      ]);
      expect(Object.keys(await fieldsOf([{ ...KEY_A, algorithm: 'HMAC_SHA256' }]))).toEqual(['webhookSigningKeys.0']);
      // A key without its secret keeps the stored one: Tandem holds none with this id, so its secret is asked for.
      expect(await fieldsOf([{ id: KEY_A.id }])).toEqual({ 'webhookSigningKeys.0.secret': 'Give the secret Twilio returned with this key: Tandem holds no key with this id' });
      expect(await storedKeys()).toEqual(before);
    });

    it('holds keys sealed and shows only their ids; left out they stay, a key without its secret keeps it, [] removes them', async () => {
      twilioAccepts();
      const res = await put({ ...valid, webhookSigningKeys: [KEY_A] });
      expect(res.status).toBe(200);
      expect(res.body.twilio.webhookSigningKeys).toEqual([{ id: KEY_A.id }]);
      expect(await shownKeys()).toEqual([{ id: KEY_A.id }]);
      expect(await storedKeys()).toEqual([KEY_A]);
      const raw = await t.engine.store.system((m) => m.query(`SELECT config_ciphertext FROM integrations WHERE kind = 'twilio'`));
      expect(JSON.stringify(raw)).not.toContain(KEY_A.secret);

      // Saved again without the field (a client that knows nothing of keys): the key stays.
      twilioAccepts();
      expect((await put(valid)).body.twilio.webhookSigningKeys).toEqual([{ id: KEY_A.id }]);
      expect(await storedKeys()).toEqual([KEY_A]);

      // Rotating: the held key by its id alone, the next with its secret.
      twilioAccepts();
      const rotating = await put({ ...valid, webhookSigningKeys: [{ id: KEY_A.id }, KEY_B] });
      expect(rotating.body.twilio.webhookSigningKeys).toEqual([{ id: KEY_A.id }, { id: KEY_B.id }]);
      expect(await storedKeys()).toEqual([KEY_A, KEY_B]);
      const everything = JSON.stringify([await request(t.app).get('/api/v1/integrations/twilio').set('Authorization', `Bearer ${viewer}`).then((r) => r.body), await auditOf(tenantId)]);
      for (const secret of [KEY_A.secret, KEY_B.secret]) expect(everything).not.toContain(secret);
      // The audit log says which keys each save left the connection holding, by id.
      expect((await auditOf(tenantId)).map((a) => (a.data as { webhookSigningKeyIds?: unknown }).webhookSigningKeyIds).slice(-3)).toEqual([[KEY_A.id], [KEY_A.id], [KEY_A.id, KEY_B.id]]);

      // Rotated: the old key dropped.
      twilioAccepts();
      expect((await put({ ...valid, webhookSigningKeys: [{ id: KEY_B.id }] })).body.twilio.webhookSigningKeys).toEqual([{ id: KEY_B.id }]);
      expect(await storedKeys()).toEqual([KEY_B]);

      // Keys belong to a Twilio account: connecting another account drops them unless they are listed again.
      const otherSid = `AC${'9f'.repeat(16)}`;
      twilioAccepts(otherSid);
      expect((await put({ ...valid, accountSid: otherSid })).body.twilio.webhookSigningKeys).toEqual([]);
      twilioAccepts();
      expect((await put({ ...valid, webhookSigningKeys: [KEY_B] })).status).toBe(200);
      expect(await storedKeys()).toEqual([KEY_B]);

      // An empty list removes them.
      twilioAccepts();
      expect((await put({ ...valid, webhookSigningKeys: [] })).body.twilio.webhookSigningKeys).toEqual([]);
      expect(await storedKeys()).toEqual([]);
      expect(await shownKeys()).toEqual([]);
    });
  });

  it('will not let another tenant claim a routed number', async () => {
    const other = await t.engine.tenants.create({ name: 'Rival Realty' });
    const res = await put({ ...valid, accountSid: `AC${'b2'.repeat(16)}` }, other.apiKey);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'twilio.number_in_use', details: { numbers: ['+14155550100'] } });
  });

  it('refuses a number another tenant claims between the check and the write, rather than answering with it', async () => {
    const racer = await t.engine.tenants.create({ name: 'Racing Realty' });
    const sid = `AC${'c3'.repeat(16)}`;
    const contested = '+14155550188';
    const fresh = await t.engine.tenants.create({ name: 'Late Lettings' });
    // The other workspace's claim lands while this connect is storing its credentials.
    const put_ = t.engine.integrations.put.bind(t.engine.integrations);
    const spy = jest.spyOn(t.engine.integrations, 'put').mockImplementationOnce(async (...args) => {
      await t.engine.store.tenant(racer.tenant.id, (m) => m.query(`INSERT INTO phone_numbers (tenant_id, e164, provider) VALUES ($1, $2, 'twilio')`, [racer.tenant.id, contested]));
      return put_(...args);
    });
    twilioAccepts(sid);
    const res = await put({ ...valid, accountSid: sid, fromNumber: contested, numbers: [contested] }, fresh.apiKey);
    spy.mockRestore();
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'twilio.number_in_use', details: { numbers: [contested] } });
    expect(await t.engine.store.tenant(fresh.tenant.id, (m) => m.query(`SELECT e164 FROM phone_numbers`))).toEqual([]);
    expect(await t.engine.messaging.tenantForNumber(contested)).toBe(racer.tenant.id);
  });

  it('will not let another tenant take the account while it is paused here', async () => {
    twilioAccepts();
    expect((await put({ ...valid, enabled: false })).status).toBe(200);
    expect(await t.engine.integrations.findTenant('twilio', SID)).toBeNull();
    const other = await t.engine.tenants.create({ name: 'Paused Poachers' });
    const res = await put({ ...valid, numbers: ['+14155550177'] }, other.apiKey);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('twilio.account_in_use');
    expect(res.body.error.message).toContain('Disconnect it there first');
    expect(await t.engine.integrations.get(other.tenant.id, 'twilio')).toBeNull();
    twilioAccepts();
    expect((await put(valid)).status).toBe(200);
  });

  it('lets only an admin disconnect: a viewer or agent key changes nothing', async () => {
    const agent = (await t.engine.apiKeys.create(tenantId, { name: 'rep', role: 'agent' })).key;
    const before = await auditOf(tenantId);
    for (const key of [viewer, agent]) {
      const res = await del(key);
      expect([res.status, res.body.error.code]).toEqual([403, 'auth.forbidden']);
    }
    expect(await t.engine.integrations.get(tenantId, 'twilio')).toMatchObject({ externalId: SID, enabled: true });
    expect(await auditOf(tenantId)).toEqual(before);
  });

  it('disconnects: credentials deleted, numbers freed, audited with the person and surface', async () => {
    const ada = await t.engine.agents.create(tenantId, { name: 'Ada Admin', email: 'ada@acme.test', role: 'admin' });
    const adaKey = (await t.engine.apiKeys.create(tenantId, { name: 'Ada console', role: 'admin', agentId: ada.id })).key;
    const before = await auditOf(tenantId);
    const res = await del(adaKey).set('X-Tandem-Surface', 'console');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      twilio: { connected: false },
      webhooks: { incomingMessageUrl: 'https://tandem.test/webhooks/twilio/sms', statusCallbackUrl: 'https://tandem.test/webhooks/twilio/status', method: 'POST' },
    });
    const shown = await request(t.app).get('/api/v1/integrations/twilio').set('Authorization', `Bearer ${viewer}`);
    expect(shown.body).toEqual(res.body);
    expect(await t.engine.integrations.get(tenantId, 'twilio')).toBeNull();
    expect(await t.engine.store.system((m) => m.query(`SELECT e164 FROM phone_numbers WHERE tenant_id = $1 AND provider = 'twilio'`, [tenantId]))).toEqual([]);
    const audit = await auditOf(tenantId);
    expect(audit.slice(before.length)).toEqual([
      { actor_agent_id: ada.id, actor_name: 'Ada console', surface: 'console', action: 'integration.disconnect', entity: 'integration', entity_id: 'twilio', data: { externalId: SID } },
    ]);
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  // Each text below was routed moments ago: the process that made the change forgets its cached routes at once.
  it('no longer routes texts to the freed numbers to the tenant', async () => {
    const res = await inbound({ MessageSid: `SM${'d4'.repeat(16)}`, AccountSid: SID, From: '+12125550199', To: '+14155550100', Body: 'Still there?' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('webhook.invalid_signature');
    const stored = await t.engine.store.system((m) => m.query(`SELECT id FROM messages WHERE provider_message_id = $1`, [`SM${'d4'.repeat(16)}`]));
    expect(stored).toEqual([]);
  });

  it('answers 404 integration.not_connected to a second disconnect, and writes nothing', async () => {
    const before = await auditOf(tenantId);
    const res = await del();
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('integration.not_connected');
    expect(await auditOf(tenantId)).toEqual(before);
  });

  it('lets another tenant connect the account and its numbers once they are let go', async () => {
    const other = await t.engine.tenants.create({ name: 'Next Owner' });
    twilioAccepts();
    const res = await put(valid, other.apiKey);
    expect(res.status).toBe(200);
    expect(res.body.twilio).toMatchObject({ connected: true, accountSid: SID, numbers: ['+14155550100'] });
    expect(await t.engine.integrations.claimedBy('twilio', SID)).toBe(other.tenant.id);
    // A signed text to the number now reaches the new owner.
    const params = { MessageSid: `SM${'e5'.repeat(16)}`, AccountSid: SID, From: '+12125550199', To: '+14155550100', Body: 'Hello new owner' };
    expect((await inbound(params)).status).toBe(200);
    const stored = await t.engine.store.tenant(other.tenant.id, (m) => m.query(`SELECT body FROM messages WHERE provider_message_id = $1`, [params.MessageSid]));
    expect(stored).toEqual([{ body: 'Hello new owner' }]);
  });
});
