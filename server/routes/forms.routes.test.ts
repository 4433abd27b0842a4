import { randomUUID } from 'node:crypto';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { demoFormDefinition, type Engine } from '../../core/index';
import { createTenant, openTestEngine } from '../../core/conversations/test-support/engine-harness';
import { one, rows } from '../../core/store/sql';
import { createApp } from '../app';
import { loadConfig, type TandemConfig } from '../config';
import { Metrics } from '../http/metrics';
import { RateLimitStores } from '../http/rate-limit-stores';
import { failingRedis } from '../http/test-support/failing-redis';
import { consoleOrigins, formsRouteModuleWith, seedDemoCapture, type FormsRouteOptions } from './forms.routes';

const PUBLIC_URL = 'https://tandem.example.com';
const SITE = 'https://www.acme-homes.example';
const GENEROUS = { perIp: { limit: 10_000, windowMs: 60_000 }, perForm: { limit: 10_000, windowMs: 60_000 } };

describe(`forms API (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let config: TandemConfig;
  let app: Express;
  let t: Awaited<ReturnType<typeof createTenant>>;
  let other: Awaited<ReturnType<typeof createTenant>>;
  let viewerKey: string;
  let formId: string;
  let consentText: string;

  const appParts = () => ({ engine, config, logger: pino({ level: 'silent' }), metrics: new Metrics({ queue: async () => 0, outbox: async () => 0 }) });
  const appWith = (options: FormsRouteOptions) => createApp({ ...appParts(), routes: [formsRouteModuleWith(options)] });

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine({ publicUrl: PUBLIC_URL }));
    config = loadConfig({ PUBLIC_URL, TANDEM_SECRET_KEY: 'a'.repeat(64), LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
    t = await createTenant(engine, { name: 'Acme Homes' });
    other = await createTenant(engine, { name: 'Other Co' });
    viewerKey = (await engine.apiKeys.create(t.tenantId, { name: 'Reader', role: 'viewer' })).key;
    app = await appWith(GENEROUS);
    const def = demoFormDefinition('Acme Homes', { allowedOrigins: [SITE] });
    consentText = def.consent.text;
    formId = (await engine.forms.create(t.tenantId, def, { agentId: null, name: 'seed', surface: 'system' })).id;
  });
  afterAll(async () => {
    await close();
  });

  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
  /** A minimal valid definition as a tenant would POST it (no id, no version). */
  const newForm = (over: Record<string, unknown> = {}) => ({
    name: 'Landing page',
    fields: [
      { type: 'text', name: 'first_name', label: 'First name', required: true },
      { type: 'phone', name: 'phone', label: 'Mobile', required: true },
    ],
    consent: { text: 'I agree to receive text messages from Acme Homes about my enquiry. Reply STOP to opt out.' },
    allowedOrigins: [SITE],
    ...over,
  });

  let phoneSeq = 200;
  const nextPhone = () => `+1415555${String(phoneSeq++).padStart(4, '0')}`;
  const submission = (values: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => {
    const now = Date.now();
    return {
      values: {
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: `ada${phoneSeq}@example.com`,
        phone: nextPhone(),
        interest: 'quote',
        timeline: 'asap',
        sms_consent: true,
        ...values,
      },
      consent: { checked: true, text: consentText },
      meta: { pageUrl: `${SITE}/contact`, referrer: '', utm: {}, startedAt: now - 8000, submittedAt: now, honeypot: '', formVersion: 1, ...meta },
    };
  };
  const submit = (a: Express, id: string, body: unknown, headers: Record<string, string> = {}) =>
    request(a).post(`/api/v1/forms/${id}/submissions`).set({ Origin: SITE, ...headers }).send(body as object);

  const counts = () =>
    engine.store.system(async (m) => {
      const r = await one<Record<string, string>>(
        m,
        `SELECT (SELECT count(*) FROM leads)::text AS leads, (SELECT count(*) FROM submissions)::text AS submissions,
                (SELECT count(*) FROM consent_events)::text AS consent_events, (SELECT count(*) FROM conversations)::text AS conversations,
                (SELECT count(*) FROM outbox)::text AS outbox, (SELECT count(*) FROM forms)::text AS forms,
                (SELECT count(*) FROM audit_log)::text AS audit_log`,
      );
      return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)]));
    });

  describe('CRUD', () => {
    it('admin creates (id and version assigned), viewer reads, admin edits (version bumps), deletes (deactivates); all audited', async () => {
      const created = await request(app).post('/api/v1/forms').set(auth(t.adminKey)).send(newForm({ id: 'ignored', version: 7 }));
      expect(created.status).toBe(201);
      const form = created.body.form;
      expect(form).toMatchObject({ name: 'Landing page', version: 1, active: true, definition: { id: form.id, version: 1, submitLabel: 'Send', allowedOrigins: [SITE] } });
      expect(form.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.headers.location).toBe(`${PUBLIC_URL}/api/v1/forms/${form.id}`);
      expect(form.embed).toBe(`<script src="${PUBLIC_URL}/widget.js" data-tandem-form="${form.id}" async></script>`);

      const list = await request(app).get('/api/v1/forms').set(auth(viewerKey));
      expect(list.status).toBe(200);
      expect(list.body.forms.map((f: { id: string }) => f.id)).toContain(form.id);
      expect((await request(app).get(`/api/v1/forms/${form.id}`).set(auth(viewerKey))).body.form.definition.consent.defaultChecked).toBe(false);

      const patched = await request(app)
        .patch(`/api/v1/forms/${form.id}`)
        .set(auth(t.adminKey))
        .send({ title: 'Get a quote', styling: { radiusPx: 0 }, id: 'x', version: 99 });
      expect(patched.status).toBe(200);
      expect(patched.body.form).toMatchObject({ version: 2, definition: { version: 2, title: 'Get a quote', styling: { radiusPx: 0, fontSizePx: 16 } } });
      // Sending the same change again changes nothing, so no new version.
      expect((await request(app).patch(`/api/v1/forms/${form.id}`).set(auth(t.adminKey)).send({ title: 'Get a quote' })).body.form.version).toBe(2);
      // merge patch: null removes an optional key.
      expect((await request(app).patch(`/api/v1/forms/${form.id}`).set(auth(t.adminKey)).send({ title: null })).body.form.definition.title).toBeUndefined();

      const deleted = await request(app).delete(`/api/v1/forms/${form.id}`).set(auth(t.adminKey));
      expect(deleted.status).toBe(200);
      expect(deleted.body.form).toMatchObject({ active: false, version: 3 });
      expect((await request(app).get(`/api/v1/forms/${form.id}/public`)).status).toBe(404);

      const audit = await engine.store.tenant(t.tenantId, (m) =>
        rows<{ action: string; actor_name: string; surface: string; data: Record<string, unknown> }>(m, `SELECT action, actor_name, surface, data FROM audit_log WHERE entity = 'form' AND entity_id = $1 ORDER BY created_at`, [form.id]),
      );
      expect(audit.map((a) => a.action)).toEqual(['form.created', 'form.updated', 'form.updated', 'form.deactivated']);
      expect(audit[0]).toMatchObject({ actor_name: 'First admin key', surface: 'api' });
      expect(audit[1]!.data).toEqual({ from: 1, to: 2, changed: ['styling', 'title'] });
    });

    it('refuses without a key (401), a viewer writing (403), and another tenant’s form (404)', async () => {
      const before = await counts();
      expect((await request(app).get('/api/v1/forms')).status).toBe(401);
      const viewerPost = await request(app).post('/api/v1/forms').set(auth(viewerKey)).send(newForm());
      expect(viewerPost.status).toBe(403);
      expect(viewerPost.body.error.code).toBe('auth.forbidden');
      expect((await request(app).patch(`/api/v1/forms/${formId}`).set(auth(viewerKey)).send({ title: 'x' })).status).toBe(403);
      expect((await request(app).get(`/api/v1/forms/${formId}`).set(auth(other.adminKey))).status).toBe(404);
      expect((await request(app).patch(`/api/v1/forms/${formId}`).set(auth(other.adminKey)).send({ title: 'Hijacked' })).status).toBe(404);
      expect((await request(app).delete(`/api/v1/forms/${formId}`).set(auth(other.adminKey))).status).toBe(404);
      expect((await request(app).get(`/api/v1/forms/not-a-uuid`).set(auth(viewerKey))).body.error.code).toBe('form.not_found');
      expect(await counts()).toEqual(before);
    });

    it('a definition that breaks the schema is a 422 naming each field, and nothing is written', async () => {
      const before = await counts();
      const bad = await request(app)
        .post('/api/v1/forms')
        .set(auth(t.adminKey))
        .send(newForm({ consent: { text: 'Too short', defaultChecked: true }, allowedOrigins: ['https://x.example/path'], colour: 'red' }));
      expect(bad.status).toBe(422);
      expect(bad.body.error.code).toBe('form.invalid_definition');
      expect(bad.body.error.details.fields).toMatchObject({
        'consent.text': 'The consent text must say what the lead agrees to (at least 20 characters).',
        'consent.defaultChecked': 'SMS consent must start unticked: the lead ticks it.',
        'allowedOrigins.0': expect.stringContaining('no path'),
        _: expect.stringContaining('colour'),
      });
      const noPhone = await request(app).post('/api/v1/forms').set(auth(t.adminKey)).send(newForm({ fields: [{ type: 'text', name: 'a', label: 'A' }] }));
      expect(noPhone.body.error.details.fields.fields).toContain('exactly one phone field');
      const badPatch = await request(app).patch(`/api/v1/forms/${formId}`).set(auth(t.adminKey)).send({ styling: { colors: { text: '#ffffff' } } });
      expect(badPatch.status).toBe(422);
      expect(badPatch.body.error.details.fields['styling.colors.text']).toContain('contrast');
      const notJson = await request(app).post('/api/v1/forms').set(auth(t.adminKey)).set('Content-Type', 'application/json').send('{"name": ');
      expect(notJson.status).toBe(400);
      expect(notJson.body.error.code).toBe('request.malformed_json');
      expect(await counts()).toEqual(before);
      expect((await engine.forms.get(t.tenantId, formId)).version).toBe(1);
    });
  });

  describe('GET /forms/:id/public', () => {
    it('serves the public projection with a strong ETag, a 60 s public cache and open CORS; If-None-Match → 304', async () => {
      const res = await request(app).get(`/api/v1/forms/${formId}/public`).set('Origin', 'https://anyone.example');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=60');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
      expect(res.body.form).toMatchObject({ id: formId, version: 1, consent: { name: 'sms_consent', text: consentText, required: true }, honeypotField: 'website_url' });
      expect(res.body.form.phone.metadata.country_calling_codes).toEqual({ 1: expect.arrayContaining(['US', 'CA']) });
      // Not for visitors: where the form may be embedded, the bot timer, the active flag.
      expect(res.body.form).not.toHaveProperty('allowedOrigins');
      expect(res.body.form).not.toHaveProperty('spam');
      expect(res.body.form).not.toHaveProperty('active');

      const again = await request(app).get(`/api/v1/forms/${formId}/public`).set('If-None-Match', res.headers.etag!);
      expect(again.status).toBe(304);
      expect(again.headers.etag).toBe(res.headers.etag);
      expect((await request(app).get(`/api/v1/forms/${formId}/public`).set('If-None-Match', '"stale", ' + res.headers.etag)).status).toBe(304);
      expect((await request(app).get(`/api/v1/forms/${formId}/public`).set('If-None-Match', '"stale"')).status).toBe(200);
    });

    it('a changed form gets a new ETag at once in this process', async () => {
      const id = (await engine.forms.create(t.tenantId, demoFormDefinition('Acme Homes'), { agentId: null, name: 'seed', surface: 'system' })).id;
      const a = await request(app).get(`/api/v1/forms/${id}/public`);
      await request(app).patch(`/api/v1/forms/${id}`).set(auth(t.adminKey)).send({ submitLabel: 'Text me' });
      const b = await request(app).get(`/api/v1/forms/${id}/public`).set('If-None-Match', a.headers.etag!);
      expect(b.status).toBe(200);
      expect(b.body.form).toMatchObject({ version: 2, submitLabel: 'Text me' });
    });

    it('unknown and inactive forms are a 404 with a clear message, readable cross-origin', async () => {
      const unknown = await request(app).get('/api/v1/forms/00000000-0000-4000-8000-000000000000/public');
      expect(unknown.status).toBe(404);
      expect(unknown.headers['access-control-allow-origin']).toBe('*');
      expect(unknown.body.error).toMatchObject({ code: 'form.not_found', message: expect.stringContaining('No form has this id') });
      expect((await request(app).get('/api/v1/forms/demo/public')).body.error.code).toBe('form.not_found');
      const id = (await engine.forms.create(t.tenantId, demoFormDefinition('Acme Homes'), { agentId: null, name: 'seed', surface: 'system' })).id;
      await request(app).delete(`/api/v1/forms/${id}`).set(auth(t.adminKey));
      const inactive = await request(app).get(`/api/v1/forms/${id}/public`);
      expect(inactive.status).toBe(404);
      expect(inactive.body.error).toMatchObject({ code: 'form.inactive', message: expect.stringContaining('deactivated') });
    });
  });

  describe('POST /forms/:id/submissions', () => {
    it('preflight: the allowed origin gets exactly the widget’s headers; another origin is refused', async () => {
      const ok = await request(app)
        .options(`/api/v1/forms/${formId}/submissions`)
        .set({ Origin: SITE, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,accept,idempotency-key' });
      expect(ok.status).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe(SITE);
      expect(ok.headers['access-control-allow-methods']).toBe('POST');
      expect(ok.headers['access-control-allow-headers']).toBe('Content-Type, Accept, Idempotency-Key');
      expect(ok.headers.vary).toMatch(/Origin/);
      const evil = await request(app).options(`/api/v1/forms/${formId}/submissions`).set({ Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' });
      expect(evil.status).toBe(403);
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
      expect(evil.body.error.code).toBe('form.origin_not_allowed');
    });

    it('201 with the ids, CORS for the site; the same Idempotency-Key again → 200 with the same ids', async () => {
      const body = submission();
      const first = await submit(app, formId, body, { 'Idempotency-Key': 'http-key-1' });
      expect(first.status).toBe(201);
      expect(first.headers['access-control-allow-origin']).toBe(SITE);
      expect(first.body).toEqual({ submission: { id: expect.any(String) }, lead: { id: expect.any(String) } });
      const before = await counts();
      const second = await submit(app, formId, body, { 'Idempotency-Key': 'http-key-1' });
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);
      expect(await counts()).toEqual(before);
      const lead = await engine.store.tenant(t.tenantId, (m) => one<{ phone: string }>(m, `SELECT phone FROM leads WHERE id = $1`, [first.body.lead.id]));
      expect(lead!.phone).toBe(body.values.phone);
    });

    it('spam answers 201 like a success and stores nothing', async () => {
      const before = await counts();
      const res = await submit(app, formId, submission({}, { honeypot: 'I am a bot' }));
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ submission: { id: expect.any(String) }, lead: { id: expect.any(String) } });
      expect(await counts()).toEqual(before);
    });

    describe('bad input: a 4xx with a clear message and no change', () => {
      const huge = () => submission({ message: 'x'.repeat(20_000) });
      const cases: Array<{ name: string; send: () => request.Test; status: number; code: string; fields?: Record<string, unknown> }> = [
        { name: 'unknown form', send: () => submit(app, '00000000-0000-4000-8000-000000000000', submission()), status: 404, code: 'form.not_found' },
        { name: 'wrong origin', send: () => submit(app, formId, submission(), { Origin: 'https://evil.example' }), status: 403, code: 'form.origin_not_allowed' },
        { name: 'no origin', send: () => request(app).post(`/api/v1/forms/${formId}/submissions`).send(submission()), status: 403, code: 'form.origin_not_allowed' },
        { name: 'missing consent', send: () => submit(app, formId, { ...submission({ sms_consent: false }), consent: { checked: false, text: consentText } }), status: 422, code: 'submission.validation_failed', fields: { sms_consent: 'Tick the box to agree to receive text messages.' } },
        { name: 'invalid phone', send: () => submit(app, formId, submission({ phone: '+1 415 555' })), status: 422, code: 'submission.validation_failed', fields: { phone: expect.stringContaining('Enter a valid mobile number') } },
        { name: 'invalid email', send: () => submit(app, formId, submission({ email: 'ada@localhost' })), status: 422, code: 'submission.validation_failed', fields: { email: 'Enter a valid email address, e.g. name@example.com.' } },
        { name: 'unknown field', send: () => submit(app, formId, submission({ is_admin: true })), status: 422, code: 'submission.validation_failed', fields: { is_admin: '“is_admin” is not a field on this form.' } },
        { name: 'oversized body', send: () => submit(app, formId, huge()), status: 413, code: 'request.too_large' },
        { name: 'malformed JSON', send: () => submit(app, formId, '{"values": {').set('Content-Type', 'application/json'), status: 400, code: 'request.malformed_json' },
        { name: 'not JSON', send: () => submit(app, formId, 'values=1').set('Content-Type', 'text/plain'), status: 415, code: 'request.unsupported_media_type' },
        { name: 'JSON that is not the widget’s shape', send: () => submit(app, formId, { hello: 'world' }), status: 400, code: 'submission.invalid_body' },
        { name: 'bad Idempotency-Key', send: () => submit(app, formId, submission(), { 'Idempotency-Key': 'ä'.repeat(3) }), status: 400, code: 'submission.invalid_idempotency_key' },
      ];
      it.each(cases)('$name → $status $code', async ({ send, status, code, fields }) => {
        const before = await counts();
        const res = await send();
        expect(res.status).toBe(status);
        expect(res.body.error).toMatchObject({ code, message: expect.any(String) });
        expect(res.body.error.message.length).toBeGreaterThan(10);
        if (fields) expect(res.body.error.details.fields).toEqual(fields);
        expect(await counts()).toEqual(before);
      });

      it('inactive form → 404 form.inactive', async () => {
        const id = (await engine.forms.create(t.tenantId, demoFormDefinition('Acme Homes', { allowedOrigins: [SITE] }), { agentId: null, name: 'seed', surface: 'system' })).id;
        await engine.forms.deactivate(t.tenantId, id, { agentId: null, name: 'seed', surface: 'system' });
        const before = await counts();
        const res = await submit(app, id, submission());
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('form.inactive');
        expect(await counts()).toEqual(before);
      });

      it('validation errors are readable by the allowed site (CORS on the 422)', async () => {
        const res = await submit(app, formId, submission({ email: 'nope' }));
        expect(res.status).toBe(422);
        expect(res.headers['access-control-allow-origin']).toBe(SITE);
      });
    });

    it('rate limits per IP and per form: 429 with Retry-After, readable by the site, nothing stored', async () => {
      const limitedApp = await appWith({ perIp: { limit: 2, windowMs: 60_000 }, perForm: { limit: 4, windowMs: 60_000 } });
      const fromIp = (ip: string) => submit(limitedApp, formId, submission(), { 'X-Forwarded-For': ip });
      expect((await fromIp('198.51.100.1')).status).toBe(201);
      expect((await fromIp('198.51.100.1')).status).toBe(201);
      const before = await counts();
      const third = await fromIp('198.51.100.1');
      expect(third.status).toBe(429);
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
      expect(third.headers['access-control-allow-origin']).toBe(SITE);
      expect(third.body.error).toMatchObject({ code: 'rate_limit.exceeded', message: expect.stringContaining('Too many submissions') });
      expect(await counts()).toEqual(before);
      // Another address still gets through until the form's own budget (4) is spent.
      expect((await fromIp('198.51.100.2')).status).toBe(201);
      expect((await fromIp('198.51.100.3')).status).toBe(201);
      const flood = await fromIp('198.51.100.4');
      expect(flood.status).toBe(429);
      expect(flood.body.error.message).toContain('This form is receiving too many submissions');
    });

    it('limits as configured: CAPTURE_RATE_PER_IP_PER_MINUTE and CAPTURE_RATE_PER_FORM_PER_MINUTE', async () => {
      const limitedConfig = loadConfig({ PUBLIC_URL, TANDEM_SECRET_KEY: 'a'.repeat(64), CAPTURE_RATE_PER_IP_PER_MINUTE: '1', CAPTURE_RATE_PER_FORM_PER_MINUTE: '2' } as NodeJS.ProcessEnv);
      const limitedApp = await createApp({ ...appParts(), config: limitedConfig, routes: [formsRouteModuleWith()] });
      const fromIp = (ip: string) => submit(limitedApp, formId, submission(), { 'X-Forwarded-For': ip });
      expect((await fromIp('198.51.100.11')).status).toBe(201);
      expect((await fromIp('198.51.100.11')).body.error.code).toBe('rate_limit.exceeded');
      expect((await fromIp('198.51.100.12')).status).toBe(201);
      const flood = await fromIp('198.51.100.13');
      expect(flood.status).toBe(429);
      expect(flood.body.error.message).toContain('This form is receiving too many submissions');
    });

    it('with Redis failing still limits in each process: submissions are neither refused with a 500 nor let through unlimited', async () => {
      const warned: string[] = [];
      const redis = await failingRedis();
      const rateLimits = new RateLimitStores({ redisUrl: redis.url, logger: { warn: (_o, msg) => warned.push(msg) } });
      try {
        const limitedApp = await appWith({ perIp: { limit: 1, windowMs: 60_000 }, perForm: GENEROUS.perForm, rateLimits });
        expect(await rateLimits.connected()).toBe(true);
        const first = await submit(limitedApp, formId, submission(), { 'X-Forwarded-For': '198.51.100.21' });
        expect(first.status).toBe(201);
        const second = await submit(limitedApp, formId, submission(), { 'X-Forwarded-For': '198.51.100.21' });
        expect(second.status).toBe(429);
        expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
        expect(second.body.error.code).toBe('rate_limit.exceeded');
        expect(redis.commands).toContain('SCRIPT');
        expect(warned).toEqual([expect.stringContaining('limiting per process')]);
      } finally {
        await rateLimits.close();
        await redis.close();
      }
    });

    if (process.env.REDIS_URL) {
      it('two API processes sharing Redis together allow the limit once, with the same 429', async () => {
        const prefix = `test:${randomUUID()}:`;
        const processes = [new RateLimitStores({ redisUrl: process.env.REDIS_URL, prefix }), new RateLimitStores({ redisUrl: process.env.REDIS_URL, prefix })];
        try {
          const [a, b] = await Promise.all(processes.map((rateLimits) => appWith({ perIp: { limit: 3, windowMs: 60_000 }, perForm: { limit: 5, windowMs: 60_000 }, rateLimits })));
          expect(await Promise.all(processes.map((p) => p.connected()))).toEqual([true, true]);
          const from = (app: Express, ip: string) => submit(app, formId, submission(), { 'X-Forwarded-For': ip });
          const ip = '198.51.100.31';
          expect([(await from(a!, ip)).status, (await from(b!, ip)).status, (await from(a!, ip)).status]).toEqual([201, 201, 201]);
          const before = await counts();
          for (const app of [b!, a!]) {
            const limited = await from(app, ip);
            expect(limited.status).toBe(429);
            expect(Number(limited.headers['retry-after'])).toBeGreaterThan(50);
            expect(limited.headers['access-control-allow-origin']).toBe(SITE);
            expect(limited.body.error).toMatchObject({ code: 'rate_limit.exceeded', message: expect.stringContaining('Too many submissions') });
          }
          expect(await counts()).toEqual(before);
          // The form's budget (5) is shared too: two more from elsewhere, then a flood refusal in either process.
          expect([(await from(b!, '198.51.100.32')).status, (await from(a!, '198.51.100.33')).status]).toEqual([201, 201]);
          const flood = await from(b!, '198.51.100.34');
          expect(flood.status).toBe(429);
          expect(flood.body.error.message).toContain('This form is receiving too many submissions');
        } finally {
          await Promise.all(processes.map((p) => p.close()));
        }
      });
    }
  });

  it('seedDemoCapture: the demo form, open to the local console, and a console number', async () => {
    const { tenant } = await engine.tenants.create({ name: 'Demo Realty' });
    const local = { ...engine, config: { ...engine.config, publicUrl: 'http://localhost:3000' } } as Engine;
    const seeded = await seedDemoCapture(local, tenant.id);
    const form = await engine.forms.get(tenant.id, seeded.formId);
    expect(form.definition).toMatchObject({ name: 'Demo form', allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'] });
    expect(form.definition.consent.text).toContain('Demo Realty');
    expect(seeded.number).toMatch(/^\+1202555\d{4}$/);
    expect(await engine.messaging.numberFor(tenant.id)).toBe(seeded.number);
    expect(consoleOrigins('https://tandem.example.com/')).toEqual(['https://tandem.example.com']);
  });
});
