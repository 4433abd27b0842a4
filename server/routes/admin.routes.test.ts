import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/helpers/test-app';

describe('tenant administration API', () => {
  let t: TestApp;
  const ADMIN = 'operator-token-0123456789';
  let adminKey: string;
  let tenantId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { TANDEM_ADMIN_TOKEN: ADMIN } });
    const res = await request(t.app).post('/api/v1/tenants').set('Authorization', `Bearer ${ADMIN}`).send({ name: 'Acme Homes' });
    expect(res.status).toBe(201);
    adminKey = res.body.apiKey.key;
    tenantId = res.body.tenant.id;
  });
  afterAll(() => t.close());

  it('creates a tenant with the operator token and shows its first key once', async () => {
    expect(adminKey).toMatch(/^tdm_[a-z0-9]{10}_/);
    const list = await request(t.app).get('/api/v1/api-keys').set('Authorization', `Bearer ${adminKey}`);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(adminKey.split('_')[2]);
    expect(list.body.apiKeys[0]).toMatchObject({ role: 'admin', prefix: adminKey.split('_').slice(0, 2).join('_') });
  });

  it('refuses tenant creation without the right operator token', async () => {
    const before = (await request(t.app).get('/api/v1/tenant').set('Authorization', `Bearer ${adminKey}`)).body;
    for (const auth of [undefined, 'Bearer wrong-token-wrong-token', `Bearer ${adminKey}`]) {
      const req = request(t.app).post('/api/v1/tenants').send({ name: 'Evil' });
      const res = auth ? await req.set('Authorization', auth) : await req;
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('auth.invalid_admin_token');
    }
    expect((await t.engine.tenants.list()).map((x) => x.name)).toEqual(['Acme Homes']);
    expect(before.tenant.id).toBe(tenantId);
  });

  it('answers bad input with 422 naming the field, and creates nothing', async () => {
    const res = await request(t.app).post('/api/v1/tenants').set('Authorization', `Bearer ${ADMIN}`).send({ name: '' });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'request.invalid', details: { fields: { name: expect.any(String) } } });
    const malformed = await request(t.app).post('/api/v1/tenants').set('Authorization', `Bearer ${ADMIN}`).set('Content-Type', 'application/json').send('{"name":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('request.malformed_json');
    expect(await t.engine.tenants.list()).toHaveLength(1);
  });

  it('enforces roles: a viewer reads, cannot write', async () => {
    const created = await request(t.app).post('/api/v1/api-keys').set('Authorization', `Bearer ${adminKey}`).send({ name: 'ro', role: 'viewer' });
    expect(created.status).toBe(201);
    const viewer = created.body.apiKey.key as string;
    expect((await request(t.app).get('/api/v1/settings').set('Authorization', `Bearer ${viewer}`)).status).toBe(200);
    const denied = await request(t.app).patch('/api/v1/settings').set('Authorization', `Bearer ${viewer}`).send({ autonomy: 'autopilot' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('auth.forbidden');
    expect((await t.engine.tenants.get(tenantId)).settings.autonomy).toBe('copilot');
  });

  it('rejects invalid settings and keeps the old ones', async () => {
    const res = await request(t.app).patch('/api/v1/settings').set('Authorization', `Bearer ${adminKey}`).send({ confidenceThreshold: 7 });
    expect(res.status).toBe(422);
    expect(res.body.error.details.fields).toHaveProperty('confidenceThreshold');
    const ok = await request(t.app).patch('/api/v1/settings').set('Authorization', `Bearer ${adminKey}`).send({ autonomy: 'autopilot' });
    expect(ok.body.settings.autonomy).toBe('autopilot');
  });

  it('revokes keys', async () => {
    const created = await request(t.app).post('/api/v1/api-keys').set('Authorization', `Bearer ${adminKey}`).send({ name: 'temp', role: 'agent' });
    const key = created.body.apiKey.key as string;
    expect((await request(t.app).delete(`/api/v1/api-keys/${created.body.apiKey.id}`).set('Authorization', `Bearer ${adminKey}`)).status).toBe(200);
    const res = await request(t.app).get('/api/v1/tenant').set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('auth.invalid_api_key');
  });

  it('gives every response a request id and unknown routes the error shape', async () => {
    const res = await request(t.app).get('/api/v1/nope').set('X-Request-Id', 'req-123456789');
    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toBe('req-123456789');
    expect(res.body).toEqual({ error: { code: 'route.not_found', message: 'No route for GET /api/v1/nope', details: {} } });
  });

  it('reports health, readiness and metrics', async () => {
    expect((await request(t.app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(t.app).get('/readyz')).body).toEqual({ status: 'ready', checks: { database: true, queue: true } });
    const metrics = await request(t.app).get('/metrics');
    expect(metrics.text).toContain('tandem_http_request_duration_seconds_bucket');
    expect(metrics.text).toMatch(/tandem_outbox_pending \d+/);
  });
});
