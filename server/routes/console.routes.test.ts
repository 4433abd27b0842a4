import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import type { Engine } from '../../core/index';
import { createTenant, openTestEngine } from '../../core/conversations/test-support/engine-harness';
import { createApp } from '../app';
import { loadConfig, type TandemConfig } from '../config';
import { Metrics } from '../http/metrics';
import { analyticsRouteModule } from './analytics.routes';
import { consoleRouteModuleWith } from './console.routes';

describe(`console routes: sign-in session and the built console (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let dataDir: string;
  let dist: string;

  const appFor = async (env: Record<string, string>, opts: { distDir?: string; signInLimit?: number } = {}): Promise<{ app: Express; config: TandemConfig }> => {
    const config = loadConfig({ TANDEM_SECRET_KEY: 'a'.repeat(64), LOG_LEVEL: 'silent', TANDEM_DATA_DIR: dataDir, ...env } as NodeJS.ProcessEnv);
    const app = await createApp({
      engine,
      config,
      logger: pino({ level: 'silent' }),
      metrics: new Metrics({ queue: async () => 0, outbox: async () => 0 }),
      routes: [consoleRouteModuleWith({ distDir: opts.distDir ?? dist, signInLimit: opts.signInLimit }), analyticsRouteModule],
    });
    return { app, config };
  };

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine());
    tenant = await createTenant(engine, { name: 'Acme Homes' });
    dataDir = mkdtempSync(path.join(tmpdir(), 'tandem-console-'));
    dist = path.join(dataDir, 'dist');
    mkdirSync(path.join(dist, 'chunks'), { recursive: true });
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Tandem</title><div id="root"></div>');
    writeFileSync(path.join(dist, 'console.js'), 'console.log(1)');
    writeFileSync(path.join(dist, 'console.css'), 'body{}');
    writeFileSync(path.join(dist, 'chunks', 'forms-page-ABC.js'), 'export{}');
  });
  afterAll(async () => {
    await close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cookieOf = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('tandem_session='));

  it('signs in with a valid key: httpOnly, SameSite=Strict cookie that the API accepts, then signs out', async () => {
    const { app } = await appFor({ DATABASE_URL: 'postgres://unused/x' });
    const res = await request(app).post('/api/v1/session').send({ apiKey: tenant.agentKey });
    expect(res.status).toBe(200);
    // keyId names the key (never its secret), so the Team page can mark the one this console uses.
    const { keyId } = (await engine.apiKeys.authenticate(tenant.agentKey))!;
    expect(res.body.session).toEqual({ tenantId: tenant.tenantId, tenantName: 'Acme Homes', name: 'Sam', role: 'agent', agentId: tenant.agentId, keyId });
    const cookie = cookieOf(res)!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/); // http://localhost
    const pair = cookie.split(';')[0]!;

    const me = await request(app).get('/api/v1/session').set('Cookie', pair);
    expect(me.body).toEqual({ session: expect.objectContaining({ tenantId: tenant.tenantId, role: 'agent' }), demoAvailable: false });
    // The cookie authenticates the real API.
    const overview = await request(app).get('/api/v1/analytics/overview?from=2026-01-01&to=2026-01-02').set('Cookie', pair);
    expect(overview.status).toBe(200);

    const out = await request(app).delete('/api/v1/session').set('Cookie', pair);
    expect(out.status).toBe(204);
    expect(cookieOf(out)).toMatch(/tandem_session=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('marks the cookie Secure when PUBLIC_URL is https', async () => {
    const { app } = await appFor({ DATABASE_URL: 'postgres://unused/x', PUBLIC_URL: 'https://tandem.example.com' });
    const res = await request(app).post('/api/v1/session').send({ apiKey: tenant.adminKey });
    expect(cookieOf(res)).toMatch(/; Secure/);
  });

  it('refuses a bad key (401, no cookie) and a malformed body (422)', async () => {
    const { app } = await appFor({ DATABASE_URL: 'postgres://unused/x' });
    const bad = await request(app).post('/api/v1/session').send({ apiKey: 'tdm_not_a_key' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('auth.invalid_api_key');
    expect(cookieOf(bad)).toBeUndefined();
    const empty = await request(app).post('/api/v1/session').send({});
    expect(empty.status).toBe(422);
    expect(empty.body.error.details.fields).toEqual({ apiKey: expect.any(String) });
    // A form post from another site cannot sign anyone in: only JSON is read.
    const form = await request(app).post('/api/v1/session').type('form').send({ apiKey: tenant.agentKey });
    expect(form.status).toBe(422);
    expect(cookieOf(form)).toBeUndefined();
  });

  it('GET /session without a cookie, or with a stale one, answers no session and drops the stale cookie', async () => {
    const { app } = await appFor({ DATABASE_URL: 'postgres://unused/x' });
    expect((await request(app).get('/api/v1/session')).body).toEqual({ session: null, demoAvailable: false });
    const stale = await request(app).get('/api/v1/session').set('Cookie', 'tandem_session=tdm_revoked');
    expect(stale.body.session).toBeNull();
    expect(cookieOf(stale)).toMatch(/Expires=Thu, 01 Jan 1970/);
  });

  it('rate limits sign-in attempts', async () => {
    const { app } = await appFor({ DATABASE_URL: 'postgres://unused/x' }, { signInLimit: 3 });
    for (let i = 0; i < 3; i++) expect((await request(app).post('/api/v1/session').send({ apiKey: `tdm_guess_${i}` })).status).toBe(401);
    const limited = await request(app).post('/api/v1/session').send({ apiKey: tenant.agentKey });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('auth.too_many_attempts');
  });

  it('the demo key is offered only in demo mode', async () => {
    writeFileSync(path.join(dataDir, 'demo-tenant.json'), JSON.stringify({ tenantId: tenant.tenantId, apiKey: tenant.adminKey }));
    const off = await appFor({ DATABASE_URL: 'postgres://unused/x' });
    expect((await request(off.app).post('/api/v1/demo/session')).status).toBe(404);

    const on = await appFor({ TANDEM_DEMO: 'on', DATABASE_URL: 'postgres://unused/x' });
    expect((await request(on.app).get('/api/v1/session')).body.demoAvailable).toBe(true);
    const res = await request(on.app).post('/api/v1/demo/session');
    expect(res.status).toBe(200);
    expect(res.body.session).toMatchObject({ tenantId: tenant.tenantId, role: 'admin' });
    expect(cookieOf(res)).toMatch(/HttpOnly/);
    // Never readable as data: the key is in the httpOnly cookie only.
    expect(JSON.stringify(res.body)).not.toContain(tenant.adminKey);
    // GET cannot do it (a link or image on another site must not sign anyone in).
    expect((await request(on.app).get('/api/v1/demo/session')).status).toBe(404);
  });

  it('serves the built console at / and its files, and says how to build it when missing', async () => {
    const { app } = await appFor({ DATABASE_URL: 'postgres://unused/x' });
    const index = await request(app).get('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.text).toContain('<div id="root">');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await request(app).get('/console.js')).headers['content-type']).toMatch(/text\/javascript/);
    expect((await request(app).get('/console.css')).headers['content-type']).toMatch(/text\/css/);
    const chunk = await request(app).get('/chunks/forms-page-ABC.js');
    expect(chunk.status).toBe(200);
    expect(chunk.headers['cache-control']).toContain('immutable');
    expect((await request(app).get('/chunks/../index.html')).status).not.toBe(500);

    const missing = await appFor({ DATABASE_URL: 'postgres://unused/x' }, { distDir: path.join(dataDir, 'nowhere') });
    const res = await request(missing.app).get('/');
    expect(res.status).toBe(503);
    expect(res.text).toContain('npm run build:console');
  });
});
