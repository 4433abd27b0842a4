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
  afterAll(() => t.close());

  const put = (body: unknown, key = admin) => request(t.app).put('/api/v1/integrations/twilio').set('Authorization', `Bearer ${key}`).send(body as object);

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
      twilio: { connected: true, enabled: true, accountSid: SID, messagingServiceSid: null, fromNumber: '+14155550100', numbers: ['+14155550100'] },
      webhooks: { incomingMessageUrl: 'https://tandem.test/webhooks/twilio/sms', statusCallbackUrl: 'https://tandem.test/webhooks/twilio/status', method: 'POST' },
    });
    const shown = await request(t.app).get('/api/v1/integrations/twilio').set('Authorization', `Bearer ${viewer}`);
    expect(shown.body.twilio.numbers).toEqual(['+14155550100']);
    expect(JSON.stringify(shown.body)).not.toContain(TOKEN);
    const raw = await t.engine.store.system((m) => m.query(`SELECT config_ciphertext FROM integrations WHERE kind = 'twilio'`));
    expect(JSON.stringify(raw)).not.toContain(TOKEN);
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

  it('will not let another tenant claim a routed number', async () => {
    const other = await t.engine.tenants.create({ name: 'Rival Realty' });
    const res = await put({ ...valid, accountSid: `AC${'b2'.repeat(16)}` }, other.apiKey);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'twilio.number_in_use', details: { numbers: ['+14155550100'] } });
  });
});
