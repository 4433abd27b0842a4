/**
 * The widget against the real server in a real browser (Debian's Chromium via playwright-core): a customer
 * page on one origin embeds `<script src="http://127.0.0.1:API/widget.js" data-tandem-form="ID" async>`;
 * the Tandem app (createApp with the forms and widget-asset routes, on this tier's database and queue)
 * serves the script, the public form and the submission endpoint on another origin. The lead must land
 * in the database with its consent proof and the `lead.captured` outbox row.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoFormDefinition, type Engine } from '../../core/index';
import { createTenant, openTestEngine } from '../../core/conversations/test-support/engine-harness';
import { one, rows } from '../../core/store/sql';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { Metrics } from '../http/metrics';
import { formsRouteModule } from './forms.routes';
import { widgetAssetsRouteModuleWith } from './widget-assets.routes';

jest.setTimeout(120_000);

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SEED = { agentId: null, name: 'test', surface: 'system' as const };

let engine: Engine;
let closeEngine: () => Promise<void>;
let tenantId: string;
let distDir: string;
let api: http.Server;
let site: http.Server;
let other: http.Server;
let apiUrl: string;
let siteUrl: string;
let otherUrl: string;
let browser: Browser;
/** A form that lets a person in after 1 s, and one whose 30 s bot timer no scripted fill can beat. */
let formId: string;
let strictFormId: string;

const listen = (server: http.Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

/** A customer site: any path embeds the form named by ?form=. */
function customerSite(): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const id = url.searchParams.get('form') ?? formId;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme Homes</title></head>
<body><main><h1>Acme Homes</h1><p>Leave your details.</p>
<script src="${apiUrl}/widget.js" data-tandem-form="${id}" async></script></main></body></html>`);
  });
}

beforeAll(async () => {
  ({ engine, close: closeEngine } = await openTestEngine());
  ({ tenantId } = await createTenant(engine, { name: 'Acme Homes' }));
  distDir = mkdtempSync(path.join(os.tmpdir(), 'tandem-widget-dist-'));
  site = customerSite();
  other = customerSite();
  siteUrl = await listen(site);
  otherUrl = await listen(other);
  const config = loadConfig({ PUBLIC_URL: 'http://127.0.0.1', TANDEM_SECRET_KEY: 'a'.repeat(64), LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
  // The widget is built on the first request for it (the dist directory starts empty).
  const app = await createApp({
    engine,
    config,
    logger: pino({ level: 'silent' }),
    metrics: new Metrics({ queue: async () => 0, outbox: async () => 0 }),
    routes: [formsRouteModule, widgetAssetsRouteModuleWith({ distDir })],
  });
  api = http.createServer(app);
  apiUrl = await listen(api);
  const def = (minFillTimeMs?: number) =>
    demoFormDefinition('Acme Homes', { allowedOrigins: [siteUrl], ...(minFillTimeMs !== undefined ? { spam: { minFillTimeMs } } : {}) });
  formId = (await engine.forms.create(tenantId, def(1000), SEED)).id;
  strictFormId = (await engine.forms.create(tenantId, def(30_000), SEED)).id;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  for (const s of [api, site, other]) await new Promise((r) => s?.close(r));
  await closeEngine?.();
  rmSync(distDir, { recursive: true, force: true });
});

const counts = () =>
  engine.store.system(async (m) => {
    const r = await one<Record<string, string>>(
      m,
      `SELECT (SELECT count(*) FROM leads)::text AS leads, (SELECT count(*) FROM submissions)::text AS submissions,
              (SELECT count(*) FROM outbox)::text AS outbox`,
    );
    return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)]));
  });

async function open(url: string): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await p.goto(url);
  await p.locator('input[name="first_name"]').waitFor();
  return p;
}

async function fill(p: Page, v: { phone: string; email: string; first?: string }): Promise<void> {
  await p.locator('[name="first_name"]').fill(v.first ?? 'Grace');
  await p.locator('[name="last_name"]').fill('Hopper');
  await p.locator('[name="email"]').fill(v.email);
  await p.locator('[name="phone"]').fill(v.phone);
  await p.locator('select[name="interest"]').selectOption('pricing');
  await p.locator('input[name="timeline"][value="asap"]').check();
  await p.locator('[name="message"]').fill('What would a three bedroom house cost?');
  await p.locator('input[name="sms_consent"]').check();
}

async function axeViolations(p: Page): Promise<Array<{ id: string; nodes: number }>> {
  await p.addScriptTag({ content: AXE });
  return p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<{ passes: Array<{ id: string }>; violations: Array<{ id: string; nodes: unknown[] }> }> } }).axe;
    const r = await axe.run(
      { include: { fromShadowDom: ['[data-tandem-host]', '.tandem-form'] } },
      { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } },
    );
    // A context that matched nothing would pass vacuously: these rules must have looked at the form.
    const looked = new Set(r.passes.map((x) => x.id));
    for (const rule of ['label', 'color-contrast']) if (!looked.has(rule)) throw new Error(`axe did not check ${rule}`);
    return r.violations.map((v) => ({ id: v.id, nodes: v.nodes.length }));
  });
}

describe(`widget → real server (${process.env.DATABASE_URL ? 'PostgreSQL + Redis' : 'PGlite + in-process queue'})`, () => {
  it('a visitor on another origin fills in the embedded form; the lead, its consent proof and lead.captured are stored', async () => {
    const p = await open(`${siteUrl}/contact?utm_source=newsletter&utm_campaign=june`);
    expect(await axeViolations(p)).toEqual([]);
    await fill(p, { phone: '(415) 555-0123', email: 'grace@navy.example' });
    await p.waitForTimeout(1100); // a person takes longer than the form's 1 s bot timer
    await p.getByRole('button', { name: 'Send' }).click();
    await p.getByRole('status').filter({ hasText: 'Thanks! Acme Homes will text you shortly.' }).waitFor();

    const lead = await engine.store.tenant(tenantId, (m) => one<Record<string, any>>(m, `SELECT * FROM leads WHERE phone = '+14155550123'`));
    expect(lead).toMatchObject({ first_name: 'Grace', last_name: 'Hopper', email: 'grace@navy.example', consent_state: 'granted', source: 'Demo form', timezone: 'America/Los_Angeles' });
    expect(lead!.score).toBeGreaterThan(0);
    const sub = await engine.store.tenant(tenantId, (m) => one<Record<string, any>>(m, `SELECT * FROM submissions WHERE lead_id = $1`, [lead!.id]));
    expect(sub!.idempotency_key).toMatch(/^[0-9a-f-]{36}$/);
    expect(sub!.utm).toEqual({ source: 'newsletter', campaign: 'june' });
    expect(sub!.consent).toMatchObject({
      checked: true,
      text: expect.stringContaining('Acme Homes'),
      pageUrl: `${siteUrl}/contact?utm_source=newsletter&utm_campaign=june`,
      userAgent: expect.stringContaining('Chrome'),
      ip: expect.stringContaining('127.0.0.1'),
      formVersion: 1,
    });
    const outbox = await engine.store.system((m) => rows<{ event_type: string; payload: Record<string, unknown> }>(m, `SELECT event_type, payload FROM outbox WHERE payload->>'leadId' = $1`, [lead!.id]));
    expect(outbox.length).toBeGreaterThan(0);
    expect(outbox[0]).toMatchObject({ event_type: 'lead.captured', payload: { leadId: lead!.id, submissionId: sub!.id, isNewLead: true } });
    await p.close();
  });

  it('the real server’s 422 shows on the field (a landline the widget leaves to the server)', async () => {
    const before = await counts();
    const p = await open(siteUrl);
    await fill(p, { phone: '+44 20 7946 0958', email: 'ada@example.com' });
    await p.waitForTimeout(1100);
    await p.getByRole('button', { name: 'Send' }).click();
    await p.getByRole('alert').filter({ hasText: 'Please check 1 answer: Mobile phone.' }).waitFor();
    expect(await p.locator('input[name="phone"]').getAttribute('aria-invalid')).toBe('true');
    expect(await counts()).toEqual(before);
    await p.close();
  });

  it('a double click makes one submission', async () => {
    const p = await open(siteUrl);
    await fill(p, { phone: '(415) 555-0124', email: 'double@example.com' });
    await p.waitForTimeout(1100);
    await p.getByRole('button', { name: 'Send' }).dblclick();
    await p.getByText('Thanks! Acme Homes will text you shortly.').waitFor();
    const subs = await engine.store.tenant(tenantId, (m) => rows(m, `SELECT s.id FROM submissions s JOIN leads l ON l.id = s.lead_id WHERE l.phone = '+14155550124'`));
    expect(subs).toHaveLength(1);
    await p.close();
  });

  it('a bot-fast fill looks like a success to the bot and stores nothing', async () => {
    const before = await counts();
    const p = await open(`${siteUrl}/?form=${strictFormId}`);
    await fill(p, { phone: '(415) 555-0125', email: 'fast@example.com' });
    await p.getByRole('button', { name: 'Send' }).click();
    await p.getByText('Thanks! Acme Homes will text you shortly.').waitFor();
    expect(await counts()).toEqual(before);
    await p.close();
  });

  it('a page on an origin the form does not allow can show the form but not submit it; nothing is stored', async () => {
    const before = await counts();
    const p = await open(otherUrl);
    await fill(p, { phone: '(415) 555-0126', email: 'elsewhere@example.com' });
    await p.waitForTimeout(1100);
    await p.getByRole('button', { name: 'Send' }).click();
    await p.getByRole('alert').filter({ hasText: 'We could not send your details just now.' }).waitFor();
    expect(await counts()).toEqual(before);
    await p.close();
  });

  it('serves widget.js as cross-origin-loadable JavaScript through the whole app (helmet included)', async () => {
    const res = await fetch(`${apiUrl}/widget.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
  });
});
