import request from 'supertest';
import { rows } from '../../core/store/sql';
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
    // The secret is everything after `tdm_<prefix>_`; it may itself contain `_` (base64url).
    const secret = adminKey.slice(adminKey.indexOf('_', 4) + 1);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(list.body.apiKeys[0]).toMatchObject({ role: 'admin', prefix: adminKey.split('_').slice(0, 2).join('_') });
    // The first key is the first admin's: what it does is theirs (assignments, the audit log, "you" on the Team page).
    const people = await request(t.app).get('/api/v1/agents').set('Authorization', `Bearer ${adminKey}`);
    const admins = people.body.agents.filter((a: { role: string }) => a.role === 'admin');
    expect(admins).toHaveLength(1);
    expect(list.body.apiKeys[0].agentId).toBe(admins[0].id);
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

  it('merges a change to the texting window into the rest of it, and refuses a window that would hold every text', async () => {
    const patch = (body: object) => request(t.app).patch('/api/v1/settings').set('Authorization', `Bearer ${adminKey}`).send(body);
    expect((await patch({ quietHours: { days: [1, 2, 3, 4, 5], dailyCap: 2 } })).status).toBe(200);
    const moved = await patch({ quietHours: { start: '09:30' } });
    expect(moved.body.settings.quietHours).toEqual({ start: '09:30', end: '21:00', days: [1, 2, 3, 4, 5], dailyCap: 2 });

    const backwards = await patch({ quietHours: { start: '20:00', end: '09:00' }, businessName: 'Renamed' });
    expect(backwards.status).toBe(422);
    expect(backwards.body.error.details.fields).toEqual({ 'quietHours.end': 'must be later than the start' });
    const nowhere = await patch({ defaultTimezone: 'Europe/Atlantis', defaultPhoneCountry: 'XX', holidays: ['2026-02-30'] });
    expect(Object.keys(nowhere.body.error.details.fields).sort()).toEqual(['defaultPhoneCountry', 'defaultTimezone', 'holidays.0']);
    // Nothing of either refused request was stored.
    const kept = (await t.engine.tenants.get(tenantId)).settings;
    expect(kept).toMatchObject({ businessName: 'Acme Homes', defaultTimezone: 'America/New_York', defaultPhoneCountry: 'US', holidays: [] });
    expect(kept.quietHours).toEqual({ start: '09:30', end: '21:00', days: [1, 2, 3, 4, 5], dailyCap: 2 });
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

/**
 * An admin names rows by id (an agent for a key, a key to revoke, a dead job to retry). An id of another
 * tenant, of nothing, or malformed is a clear 4xx that stores nothing, and never tells whether another
 * tenant has such a row.
 */
describe('ids an admin passes', () => {
  let t: TestApp;
  const ADMIN = 'operator-token-0123456789';
  let acme: { key: string; tenantId: string };
  let rival: { key: string; tenantId: string };
  let rivalAgentId: string;

  const createTenant = async (name: string) => {
    const res = await request(t.app).post('/api/v1/tenants').set('Authorization', `Bearer ${ADMIN}`).send({ name, adminName: `${name} Admin` });
    expect(res.status).toBe(201);
    return { key: res.body.apiKey.key as string, tenantId: res.body.tenant.id as string };
  };
  const createAgent = async (key: string, name: string) => {
    const res = await request(t.app).post('/api/v1/agents').set('Authorization', `Bearer ${key}`).send({ name, role: 'agent' });
    expect(res.status).toBe(201);
    return res.body.agent.id as string;
  };
  /** Every API key of every tenant, as the system sees them. */
  const allKeys = () => t.engine.store.system((m) => rows<{ id: string; tenant_id: string; agent_id: string | null; revoked_at: Date | null }>(m, `SELECT id, tenant_id, agent_id, revoked_at FROM api_keys ORDER BY id`));

  beforeAll(async () => {
    t = await createTestApp({ env: { TANDEM_ADMIN_TOKEN: ADMIN } });
    acme = await createTenant('Acme Homes');
    rival = await createTenant('Rival Realty');
    rivalAgentId = await createAgent(rival.key, 'Rita Rival');
  });
  afterAll(() => t.close());

  it("refuses a key for another tenant's agent with 422 naming agentId, and stores nothing", async () => {
    const before = await allKeys();
    const res = await request(t.app).post('/api/v1/api-keys').set('Authorization', `Bearer ${acme.key}`).send({ name: 'stolen', role: 'agent', agentId: rivalAgentId });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'request.invalid', details: { fields: { agentId: expect.stringContaining('no agent of this tenant') } } });
    expect(res.body.error.message).toContain('agentId');
    expect(JSON.stringify(res.body)).not.toContain('Rita');
    expect(await allKeys()).toEqual(before);
  });

  it('answers an agentId that matches no agent the same way, and stores nothing', async () => {
    const before = await allKeys();
    const foreign = await request(t.app).post('/api/v1/api-keys').set('Authorization', `Bearer ${acme.key}`).send({ name: 'x', role: 'agent', agentId: rivalAgentId });
    const unknown = await request(t.app).post('/api/v1/api-keys').set('Authorization', `Bearer ${acme.key}`).send({ name: 'x', role: 'agent', agentId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(422);
    // Same code, message and details: the answer does not tell a foreign id from an unknown one.
    expect(unknown.body).toEqual(foreign.body);
    expect(await allKeys()).toEqual(before);
  });

  it("links a key to the tenant's own agent", async () => {
    const agentId = await createAgent(acme.key, 'Ann Acme');
    const res = await request(t.app).post('/api/v1/api-keys').set('Authorization', `Bearer ${acme.key}`).send({ name: 'ann', role: 'agent', agentId });
    expect(res.status).toBe(201);
    expect(res.body.apiKey).toMatchObject({ agentId, role: 'agent' });
    expect((await allKeys()).find((k) => k.id === res.body.apiKey.id)).toMatchObject({ tenant_id: acme.tenantId, agent_id: agentId });
  });

  it('answers a malformed API key id as an unknown one: 404 api_key.not_found, nothing revoked', async () => {
    const before = await allKeys();
    for (const id of ['not-a-uuid', '123', `${rivalAgentId}x`]) {
      const res = await request(t.app).delete(`/api/v1/api-keys/${id}`).set('Authorization', `Bearer ${acme.key}`);
      expect([id, res.status, res.body.error.code]).toEqual([id, 404, 'api_key.not_found']);
    }
    expect(await allKeys()).toEqual(before);
  });

  it("cannot revoke another tenant's key", async () => {
    const before = await allKeys();
    const rivalKeyId = before.find((k) => k.tenant_id === rival.tenantId)!.id;
    const res = await request(t.app).delete(`/api/v1/api-keys/${rivalKeyId}`).set('Authorization', `Bearer ${acme.key}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('api_key.not_found');
    expect(await allKeys()).toEqual(before);
    expect((await request(t.app).get('/api/v1/tenant').set('Authorization', `Bearer ${rival.key}`)).status).toBe(200);
  });

  it('answers a job id past bigint as 404 job.not_dead, changing no job', async () => {
    const dead = () => t.engine.store.system((m) => rows(m, `SELECT id::text AS id, status, attempts FROM outbox WHERE status = 'dead' ORDER BY id`));
    await t.engine.store.system((m) =>
      m.query(`INSERT INTO outbox (tenant_id, topic, queue, event_type, payload, status, attempts) VALUES ($1, 'nobody.listens', 'default', 'test.dead', '{}', 'dead', 8)`, [acme.tenantId]),
    );
    const before = await dead();
    expect(before).toHaveLength(1);
    for (const id of ['99999999999999999999', '9223372036854775808']) {
      const res = await request(t.app).post(`/api/v1/jobs/${id}/retry`).set('Authorization', `Bearer ${acme.key}`);
      expect([id, res.status, res.body.error?.code]).toEqual([id, 404, 'job.not_dead']);
      expect(res.body.error.message).toBe('No dead job with this id');
    }
    // The largest bigint is a well-formed id: looked up, and not dead.
    const max = await request(t.app).post('/api/v1/jobs/9223372036854775807/retry').set('Authorization', `Bearer ${acme.key}`);
    expect([max.status, max.body.error.code]).toEqual([404, 'job.not_dead']);
    expect(await dead()).toEqual(before);
  });

  describe('changing a person', () => {
    /** Every agent of every tenant, as the system sees them. */
    const allAgents = () => t.engine.store.system((m) => rows<Record<string, unknown>>(m, `SELECT id, tenant_id, name, email, role, slack_user_id, hubspot_user_id, salesforce_user_id FROM agents ORDER BY id`));
    const patch = (key: string, id: string, body: unknown) => request(t.app).patch(`/api/v1/agents/${id}`).set('Authorization', `Bearer ${key}`).send(body as object);

    it('adds a Slack member id later, clears it with null, and leaves the other fields as they were', async () => {
      const id = await createAgent(acme.key, 'Bo Acme');
      const added = await patch(acme.key, id, { slackUserId: 'U0BOACME1', email: 'bo@acme.example' });
      expect(added.status).toBe(200);
      expect(added.body.agent).toMatchObject({ id, name: 'Bo Acme', role: 'agent', slackUserId: 'U0BOACME1', email: 'bo@acme.example', hubspotUserId: null });
      // Slack's identity lookup now finds Bo by that id.
      expect((await t.engine.agents.resolve(acme.tenantId, { slackUserId: 'U0BOACME1' }))?.id).toBe(id);
      const cleared = await patch(acme.key, id, { slackUserId: null });
      expect(cleared.body.agent).toMatchObject({ slackUserId: null, email: 'bo@acme.example', name: 'Bo Acme' });
    });

    it("answers a clash with another person's email at that field with 409, and changes nothing", async () => {
      const first = await createAgent(acme.key, 'Cy Acme');
      await patch(acme.key, first, { email: 'cy@acme.example', hubspotUserId: '9001' });
      const second = await createAgent(acme.key, 'Di Acme');
      const before = await allAgents();
      const res = await patch(acme.key, second, { name: 'Di Renamed', email: 'CY@acme.example' });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'agent.duplicate', details: { fields: { email: 'Another person on this team already has this email' } } });
      const hub = await patch(acme.key, second, { hubspotUserId: '9001' });
      expect(hub.body.error.details.fields).toEqual({ hubspotUserId: 'Another person on this team already has this HubSpot user id' });
      expect(await allAgents()).toEqual(before);
    });

    it('refuses bad input with 4xx and changes nothing: empty body, unknown field, bad email, viewer key, unknown, malformed or foreign id', async () => {
      const id = await createAgent(acme.key, 'Ed Acme');
      const viewerKey = (await request(t.app).post('/api/v1/api-keys').set('Authorization', `Bearer ${acme.key}`).send({ name: 'v', role: 'viewer' })).body.apiKey.key as string;
      const before = await allAgents();
      const answers = await Promise.all([
        patch(acme.key, id, {}),
        patch(acme.key, id, { tenantId: rival.tenantId }),
        patch(acme.key, id, { email: 'not-an-email' }),
        patch(viewerKey, id, { name: 'Viewer was here' }),
        patch(acme.key, '00000000-0000-4000-8000-000000000000', { name: 'Nobody' }),
        patch(acme.key, 'not-a-uuid', { name: 'Nobody' }),
        patch(acme.key, rivalAgentId, { name: 'Taken over' }),
      ]);
      expect(answers.map((r) => [r.status, r.body.error?.code])).toEqual([
        [422, 'request.invalid'],
        [422, 'request.invalid'],
        [422, 'request.invalid'],
        [403, 'auth.forbidden'],
        [404, 'agent.not_found'],
        [404, 'agent.not_found'],
        [404, 'agent.not_found'],
      ]);
      expect(answers[2]!.body.error.details.fields).toHaveProperty('email');
      expect(await allAgents()).toEqual(before);
    });
  });

  describe('removing a person', () => {
    const remove = (key: string, id: string) => request(t.app).delete(`/api/v1/agents/${id}`).set('Authorization', `Bearer ${key}`);
    const keyFor = async (agentId: string, role = 'agent') =>
      (await request(t.app).post('/api/v1/api-keys').set('Authorization', `Bearer ${acme.key}`).send({ name: `key ${agentId.slice(0, 4)}`, role, agentId })).body.apiKey.key as string;
    const agentRow = (id: string) => t.engine.store.system((m) => rows<{ removed_at: Date | null }>(m, `SELECT removed_at FROM agents WHERE id = $1`, [id])).then((r) => r[0]!);

    it("revokes their keys, stops Slack mapping to them, frees their email, keeps their name on what they did, and audits it", async () => {
      const id = await createAgent(acme.key, 'Fay Acme');
      await request(t.app).patch(`/api/v1/agents/${id}`).set('Authorization', `Bearer ${acme.key}`).send({ email: 'fay@acme.example', slackUserId: 'U0FAY0001' });
      const fayKey = await keyFor(id);
      expect((await request(t.app).get('/api/v1/agents').set('Authorization', `Bearer ${fayKey}`)).status).toBe(200);

      const res = await remove(acme.key, id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ agent: { id, name: 'Fay Acme' }, revokedKeys: 1 });
      expect((await request(t.app).get('/api/v1/agents').set('Authorization', `Bearer ${fayKey}`)).status).toBe(401);
      expect(await t.engine.agents.resolve(acme.tenantId, { slackUserId: 'U0FAY0001' })).toBeNull();
      expect(await t.engine.agents.resolve(acme.tenantId, { email: 'fay@acme.example' })).toBeNull();
      const listed = await request(t.app).get('/api/v1/agents').set('Authorization', `Bearer ${acme.key}`);
      expect(listed.body.agents.map((a: { id: string }) => a.id)).not.toContain(id);
      expect((await agentRow(id)).removed_at).toBeInstanceOf(Date);
      // A key can no longer be made for her, and changing her is answered as for someone unknown.
      const key = await request(t.app).post('/api/v1/api-keys').set('Authorization', `Bearer ${acme.key}`).send({ name: 'late', role: 'agent', agentId: id });
      expect(key.status).toBe(422);
      expect((await request(t.app).patch(`/api/v1/agents/${id}`).set('Authorization', `Bearer ${acme.key}`).send({ name: 'Back' })).status).toBe(404);
      expect((await remove(acme.key, id)).status).toBe(404);
      // Her email and Slack id are free for whoever joins next (or for her, if she comes back).
      const back = await request(t.app).post('/api/v1/agents').set('Authorization', `Bearer ${acme.key}`).send({ name: 'Fay Acme', email: 'fay@acme.example', slackUserId: 'U0FAY0001' });
      expect(back.status).toBe(201);
      expect((await t.engine.agents.resolve(acme.tenantId, { slackUserId: 'U0FAY0001' }))?.id).toBe(back.body.agent.id);
      const audit = await t.engine.store.system((m) => rows<{ action: string; data: unknown }>(m, `SELECT action, data FROM audit_log WHERE entity = 'agent' AND entity_id = $1 AND action = 'agent.remove'`, [id]));
      expect(audit).toEqual([{ action: 'agent.remove', data: { name: 'Fay Acme', revokedKeys: 1 } }]);
    });

    it('refuses while they hold an open conversation, and once it is closed removes them', async () => {
      const id = await createAgent(acme.key, 'Gus Acme');
      const started = await t.engine.conversations.start(acme.tenantId, {
        lead: { phone: '+12125550177' },
        consent: { statement: 'They asked us to text them at the open house.' },
        actor: { agentId: id, name: 'Gus Acme', surface: 'api' },
      });
      const before = await allKeysOf(id);
      const held = await remove(acme.key, id);
      expect(held.status).toBe(409);
      expect(held.body.error).toMatchObject({ code: 'agent.holds_conversations', message: 'Gus Acme holds 1 open conversation: hand it back to the AI, close it, or reply in it yourself first', details: { openConversations: 1 } });
      expect((await agentRow(id)).removed_at).toBeNull();
      expect(await allKeysOf(id)).toEqual(before);

      const c = started.conversation;
      await t.engine.conversations.act(acme.tenantId, c.id, { type: 'close', version: c.version, actor: { agentId: null, name: 'Acme Admin', surface: 'api' } });
      expect((await remove(acme.key, id)).status).toBe(200);
    });

    it('refuses to remove yourself, a viewer removing anyone, and ids of no one here; nothing changes', async () => {
      const self = await createAgent(acme.key, 'Hal Acme');
      const selfKey = await keyFor(self, 'admin');
      const viewerKey = (await request(t.app).post('/api/v1/api-keys').set('Authorization', `Bearer ${acme.key}`).send({ name: 'v2', role: 'viewer' })).body.apiKey.key as string;
      const answers = await Promise.all([
        remove(selfKey, self),
        remove(viewerKey, self),
        remove(acme.key, '00000000-0000-4000-8000-000000000000'),
        remove(acme.key, 'not-a-uuid'),
        remove(acme.key, rivalAgentId),
      ]);
      expect(answers.map((r) => [r.status, r.body.error?.code])).toEqual([
        [409, 'agent.self'],
        [403, 'auth.forbidden'],
        [404, 'agent.not_found'],
        [404, 'agent.not_found'],
        [404, 'agent.not_found'],
      ]);
      expect((await agentRow(self)).removed_at).toBeNull();
      expect((await agentRow(rivalAgentId)).removed_at).toBeNull();
      expect((await request(t.app).get('/api/v1/agents').set('Authorization', `Bearer ${selfKey}`)).status).toBe(200);
    });

    /** The agent's keys and whether each is revoked, as the system sees them. */
    const allKeysOf = async (agentId: string) => (await allKeys()).filter((k) => k.agent_id === agentId).map((k) => [k.id, k.revoked_at]);
  });

  it('audits what admins change: settings (from and to), keys made and revoked (once), people added and changed', async () => {
    const audit = () =>
      t.engine.store.system((m) =>
        rows<{ id: string; action: string; entity_id: string; actor_name: string; surface: string; data: Record<string, unknown> }>(
          m,
          // One transaction each, one after another: their start times order them.
          `SELECT id, action, entity_id, actor_name, surface, data FROM audit_log WHERE tenant_id = $1 ORDER BY created_at`,
          [acme.tenantId],
        ),
      );
    const before = new Set((await audit()).map((e) => e.id));
    const send = (method: 'patch' | 'post' | 'delete', path: string, body?: object) =>
      request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${acme.key}`).set('X-Tandem-Surface', 'console').send(body);

    await send('patch', '/settings', { autonomy: 'autopilot', firstReplyMaySkipQuietHours: true, businessName: 'Acme Homes' });
    await send('patch', '/settings', { autonomy: 'autopilot' }); // no change: no entry
    const person = (await send('post', '/agents', { name: 'Ida Acme', role: 'viewer' })).body.agent.id as string;
    await send('patch', `/agents/${person}`, { slackUserId: 'U0IDA0001' });
    const key = (await send('post', '/api-keys', { name: 'ida', role: 'viewer', agentId: person })).body.apiKey;
    await send('delete', `/api-keys/${key.id}`);
    await send('delete', `/api-keys/${key.id}`); // already revoked: no second entry
    // A refused change is not audited either.
    expect((await send('patch', '/settings', { quietHours: { start: '22:00', end: '06:00' } })).status).toBe(422);

    const entries = (await audit()).filter((e) => !before.has(e.id));
    // The first admin key has no person: its name stands for the actor.
    expect(entries.map((e) => [e.action, e.surface, e.actor_name])).toEqual([
      ['settings.update', 'console', 'First admin key'],
      ['agent.create', 'console', 'First admin key'],
      ['agent.update', 'console', 'First admin key'],
      ['api_key.create', 'console', 'First admin key'],
      ['api_key.revoke', 'console', 'First admin key'],
    ]);
    expect(entries[0]!.data).toEqual({ changed: { autonomy: { from: 'copilot', to: 'autopilot' }, firstReplyMaySkipQuietHours: { from: false, to: true } } });
    expect(entries[1]).toMatchObject({ entity_id: person, data: { name: 'Ida Acme', role: 'viewer' } });
    expect(entries[2]!.data).toEqual({ changed: { slackUserId: 'U0IDA0001' } });
    expect(entries[3]).toMatchObject({ entity_id: key.id, data: { name: 'ida', prefix: key.prefix, role: 'viewer', agentId: person } });
    expect(entries[4]).toMatchObject({ entity_id: key.id, data: { name: 'ida', prefix: key.prefix } });
    // The key's secret is in no entry.
    // `tdm_<10-character prefix>_<secret>`: the secret may itself hold or start with `_`.
    expect(JSON.stringify(entries)).not.toContain(key.key.slice('tdm_'.length + 10 + 1));
  });
});
