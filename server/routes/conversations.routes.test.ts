import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import type { Engine } from '../../core/index';
import { createTenant, openTestEngine } from '../../core/conversations/test-support/engine-harness';
import { one } from '../../core/store/sql';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { Metrics } from '../http/metrics';
import { conversationsRouteModule } from './conversations.routes';

const STATEMENT = 'Asked us to text about listings at the open house on 2026-05-30.';

describe(`POST /api/v1/conversations (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let app: Express;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let viewerKey: string;

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine());
    const config = loadConfig({ TANDEM_SECRET_KEY: 'a'.repeat(64), LOG_LEVEL: 'silent', DATABASE_URL: 'postgres://unused/x' } as NodeJS.ProcessEnv);
    app = await createApp({ engine, config, logger: pino({ level: 'silent' }), metrics: new Metrics({ queue: async () => 0, outbox: async () => 0 }), routes: [conversationsRouteModule] });
    tenant = await createTenant(engine);
    ({ key: viewerKey } = await engine.apiKeys.create(tenant.tenantId, { name: 'Viewer', role: 'viewer' }));
  });
  afterAll(async () => {
    await close();
  });

  const post = (body: unknown, key: string | null = tenant.agentKey) => {
    const r = request(app).post('/api/v1/conversations').send(body as object);
    return key ? r.set('Authorization', `Bearer ${key}`) : r;
  };
  const leadsWith = async (phone: string) =>
    Number((await engine.store.tenant(tenant.tenantId, (m) => one<{ n: string }>(m, `SELECT count(*)::text AS n FROM leads WHERE phone = $1`, [phone])))!.n);

  it('starts a conversation for the key’s agent (201), then answers the same open one (200)', async () => {
    const body = { lead: { phone: '+1 (212) 555-0401', firstName: 'Ola' }, consent: { statement: STATEMENT } };
    const res = await post(body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created: true, leadCreated: true, consentRecorded: true });
    expect(res.body.conversation).toMatchObject({ mode: 'human', assignee: { agentId: tenant.agentId }, lead: { name: 'Ola', consent: { state: 'granted', source: 'agent' } } });
    const audit = await engine.store.tenant(tenant.tenantId, (m) =>
      one<{ surface: string }>(m, `SELECT surface FROM audit_log WHERE action = 'conversation.start' AND entity_id = $1`, [res.body.conversation.id]),
    );
    expect(audit?.surface).toBe('api');

    const again = await post({ lead: { leadId: res.body.conversation.lead.id } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, conversation: { id: res.body.conversation.id } });
  });

  it('says what is missing and writes nothing: bad fields, no consent, a viewer key, no key', async () => {
    const bad = await post({ lead: { phone: '+12125550402', email: 'not-an-email' }, text: '' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('request.invalid');
    const noConsent = await post({ lead: { phone: '+12125550402' } });
    expect(noConsent.status).toBe(422);
    expect(noConsent.body.error).toMatchObject({ code: 'consent.required', details: { fields: { 'consent.statement': expect.any(String) } } });
    expect((await post({ lead: { phone: '+12125550402' }, consent: { statement: STATEMENT } }, viewerKey)).status).toBe(403);
    expect((await post({ lead: { phone: '+12125550402' }, consent: { statement: STATEMENT } }, null)).status).toBe(401);
    expect(await leadsWith('+12125550402')).toBe(0);
    expect((await post({ lead: { leadId: '00000000-0000-4000-8000-000000000000' } })).status).toBe(404);
  });

  it('is in the OpenAPI description with the body the server validates', async () => {
    const { openApiDocument } = await import('../openapi/openapi');
    const doc = openApiDocument('https://tandem.test') as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, { properties?: object }> } };
    expect(Object.keys(doc.paths['/conversations']!.post!.responses)).toEqual(expect.arrayContaining(['200', '201', '404', '409', '422']));
    expect(doc.components.schemas.StartConversationRequest!.properties).toEqual(expect.objectContaining({ lead: expect.any(Object), consent: expect.any(Object), crm: expect.any(Object), text: expect.any(Object) }));
  });
});
