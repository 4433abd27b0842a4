/**
 * The widget in a real browser (Debian's Chromium via playwright-core): a "customer site" on one origin
 * embeds the script tag; a fake Tandem API on another origin serves widget.js, widget-phone.js and the
 * public form, and records submissions, so the exact payload and every reply shape can be asserted.
 * The same widget against the real server (real routes, database rows, outbox, CORS refusals) is
 * server/routes/capture.browser.test.ts: it lives under server/ because widget/ may import only core/forms.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoFormDefinition, publicFormDefinition } from '../core/forms/form-definition';
import { parseSubmissionRequest } from '../core/forms/submission-request';
import { serverPhoneParser } from '../core/forms/phone-metadata';
import { buildWidget, WIDGET_BUDGET_GZIP_BYTES, type WidgetBuildResult } from './build';

jest.setTimeout(90_000);

const ROOT = path.join(__dirname, '..');
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const def = demoFormDefinition('Acme Homes');

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}
interface Reply {
  status: number;
  body: unknown;
  delayMs?: number;
}

let tmp: string;
let built: WidgetBuildResult;
let api: http.Server;
let site: http.Server;
let apiUrl: string;
let siteUrl: string;
let browser: Browser;
const requests: Recorded[] = [];
const replies: Reply[] = [];

const submissions = () => requests.filter((r) => r.method === 'POST');
const CREATED: Reply = { status: 201, body: { submission: { id: 'sub_1' }, lead: { id: 'lead_1' } } };

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function startFakeApi(): http.Server {
  return http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const cors = {
        'Access-Control-Allow-Origin': req.headers.origin ?? '*',
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': 'Content-Type, Accept, Idempotency-Key',
        Vary: 'Origin',
      };
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { ...cors, 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'OPTIONS') {
        res.writeHead(204, cors);
        return res.end();
      }
      requests.push({ method: req.method ?? '', url: url.pathname, headers: req.headers, body: raw ? JSON.parse(raw) : null });
      if (url.pathname === '/widget.js' || url.pathname === '/widget-phone.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        return res.end(readFileSync(url.pathname === '/widget.js' ? built.widgetPath : built.phonePath));
      }
      if (url.pathname === '/api/v1/forms/demo/public') return json(200, { form: publicFormDefinition(def) });
      if (url.pathname === '/api/v1/forms/demo/submissions' && req.method === 'POST') {
        const reply = replies.shift() ?? CREATED;
        setTimeout(() => json(reply.status, reply.body), reply.delayMs ?? 0);
        return;
      }
      json(404, { error: { code: 'not_found', message: 'No such form.' } });
    });
  });
}

const HOSTILE_CSS = `* { color: red !important; font-size: 40px !important; font-family: "Comic Sans MS", cursive !important;
  line-height: 3 !important; letter-spacing: 4px !important; text-transform: uppercase !important; }
  div { display: none !important; padding: 30px !important; } main > div { display: none !important; }`;

function page(body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Homes</title>${head}</head><body><main><h1>Acme Homes</h1>${body}</main></body></html>`;
}

function startSite(reactBundle: string): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const tag = `<script src="${apiUrl}/widget.js" data-tandem-form="demo" async></script>`;
    const html = (s: string) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(s);
    };
    if (url.pathname === '/start') return html(page(`<a href="/contact?utm_source=google&utm_medium=cpc&utm_campaign=spring">Contact us</a>`));
    if (url.pathname === '/contact') {
      return html(page(`<p>Questions? Leave your details.</p>${tag}<p class="tf-error" id="outside">Outside text</p><button id="outside-btn">Outside</button>`));
    }
    if (url.pathname === '/missing') return html(page(tag.replace('data-tandem-form="demo"', 'data-tandem-form="missing"')));
    if (url.pathname === '/hostile') return html(page(tag, `<style>${HOSTILE_CSS}</style>`));
    if (url.pathname === '/react') return html(page(`<div id="root" data-base="${apiUrl}"></div><script src="/react-host.js"></script>`));
    if (url.pathname === '/react-host.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      return res.end(reactBundle);
    }
    res.writeHead(404).end();
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tandem-widget-'));
  built = await buildWidget(tmp);
  // The component as a React site ships it: real React 19, no aliasing.
  const react = await build({
    entryPoints: [path.join(__dirname, 'test/react-host.tsx')],
    bundle: true,
    minify: true,
    write: false,
    format: 'iife',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  api = startFakeApi();
  apiUrl = await listen(api);
  site = startSite(react.outputFiles[0]!.text);
  siteUrl = await listen(site);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => api?.close(r));
  await new Promise((r) => site?.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  requests.length = 0;
  replies.length = 0;
});

async function openForm(pathname = '/contact', width = 1280): Promise<Page> {
  const p = await browser.newPage({ viewport: { width, height: 900 } });
  await p.goto(`${siteUrl}${pathname}`);
  await p.locator('input[name="first_name"]').waitFor();
  return p;
}

/** Fills the demo form through the locators (the keyboard-only path has its own test). */
async function fillValid(p: Page, overrides: Record<string, string> = {}): Promise<void> {
  const v = { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com', phone: '415 555 0100', message: '', ...overrides };
  for (const name of ['first_name', 'last_name', 'email', 'phone', 'message'] as const) {
    await p.locator(`[name="${name}"]`).fill(v[name]);
  }
  await p.locator('select[name="interest"]').selectOption('pricing');
  await p.locator('input[name="timeline"][value="asap"]').check();
  await p.locator('input[name="sms_consent"]').check();
}

/** axe-core on the form; `shadowPath` walks from the page into shadow roots (host selector, then inner). */
async function axeViolations(p: Page, shadowPath: string[]): Promise<Array<{ id: string; nodes: number; help: string }>> {
  await p.addScriptTag({ content: AXE });
  return p.evaluate(async (context) => {
    const axe = (window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<{ passes: Array<{ id: string }>; violations: Array<{ id: string; help: string; nodes: unknown[] }> }> } }).axe;
    const r = await axe.run({ include: context.length === 1 ? context : { fromShadowDom: context } }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    // Guard against a context that matched nothing: these rules must have looked at the form.
    const looked = new Set(r.passes.map((x) => x.id));
    for (const rule of ['label', 'color-contrast', 'aria-valid-attr-value']) if (!looked.has(rule)) throw new Error(`axe did not check ${rule}`);
    return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.length }));
  }, shadowPath);
}

/** The element focused inside the widget's shadow root, if any. */
const focusedName = (p: Page) =>
  p.evaluate(() => {
    const host = document.querySelector('[data-tandem-host]');
    const el = (host?.shadowRoot?.activeElement ?? document.activeElement) as HTMLInputElement | null;
    return el?.getAttribute('name') ?? el?.tagName ?? null;
  });

/**
 * The focused element once focus has settled on `expected` (or after 2 s, whatever it is then): the widget
 * moves focus in an effect that runs after the render that showed the element, not in the same frame.
 */
async function focusedNameOnceMoved(p: Page, expected: string): Promise<string | null> {
  await p
    .waitForFunction(
      (name) => {
        const host = document.querySelector('[data-tandem-host]');
        const el = (host?.shadowRoot?.activeElement ?? document.activeElement) as HTMLElement | null;
        return (el?.getAttribute('name') ?? el?.tagName ?? null) === name;
      },
      expected,
      { timeout: 2000 },
    )
    .catch(() => undefined);
  return focusedName(p);
}

describe('widget.js build', () => {
  it(`stays within the ${WIDGET_BUDGET_GZIP_BYTES / 1024} KB gzipped budget`, () => {
    expect(built.widgetGzip).toBeLessThanOrEqual(WIDGET_BUDGET_GZIP_BYTES);
    // The phone parser must not leak into the first script (that is what keeps it small).
    expect(readFileSync(built.widgetPath, 'utf8')).not.toContain('INVALID_COUNTRY');
    expect(readFileSync(built.phonePath, 'utf8')).toContain('INVALID_COUNTRY');
  });
});

describe('script embed, cross-origin', () => {
  it('is filled in and sent with the keyboard alone, and the API receives exactly the right payload', async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await p.goto(`${siteUrl}/start`);
    await p.getByText('Contact us').click();
    await p.locator('input[name="first_name"]').waitFor();
    // Tab order: page link? none on /contact before the form, so the first Tab lands in the form.
    await p.keyboard.press('Tab');
    expect(await focusedName(p)).toBe('first_name');
    await p.keyboard.type('Ada');
    await p.keyboard.press('Tab');
    await p.keyboard.type('Lovelace');
    await p.keyboard.press('Tab');
    await p.keyboard.type('ada@example.com');
    await p.keyboard.press('Tab');
    await p.keyboard.type('(415) 555-0100');
    await p.keyboard.press('Tab');
    expect(await focusedName(p)).toBe('interest');
    await p.keyboard.press('ArrowDown'); // first real option: "A quote"
    await p.keyboard.press('Tab');
    expect(await focusedName(p)).toBe('timeline');
    await p.keyboard.press('ArrowDown'); // radios: the arrow moves and selects, ASAP → This month
    await p.keyboard.press('Tab');
    await p.keyboard.type('Roof repair, two storeys.');
    await p.keyboard.press('Tab');
    expect(await focusedName(p)).toBe('sms_consent');
    await p.keyboard.press('Space');
    await p.keyboard.press('Tab'); // the honeypot is not in the tab order
    expect(await focusedName(p)).toBe('BUTTON');
    await p.keyboard.press('Enter');

    await expect(p.getByRole('status').filter({ hasText: 'Thanks! Acme Homes will text you shortly.' }).waitFor()).resolves.toBeUndefined();
    expect(await focusedNameOnceMoved(p, 'DIV')).toBe('DIV'); // focus moves to the success message

    const posts = submissions();
    expect(posts).toHaveLength(1);
    const post = posts[0]!;
    expect(post.url).toBe('/api/v1/forms/demo/submissions');
    expect(post.headers['idempotency-key']).toMatch(UUID_V4);
    expect(post.headers['content-type']).toBe('application/json');
    expect(post.headers.origin).toBe(siteUrl);
    const body = post.body as { meta: { startedAt: number; submittedAt: number } };
    expect(body).toEqual({
      values: {
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.com',
        phone: '(415) 555-0100',
        interest: 'quote',
        timeline: 'this_month',
        message: 'Roof repair, two storeys.',
        sms_consent: true,
      },
      consent: { checked: true, text: def.consent.text },
      meta: {
        pageUrl: `${siteUrl}/contact?utm_source=google&utm_medium=cpc&utm_campaign=spring`,
        referrer: `${siteUrl}/start`,
        utm: { source: 'google', medium: 'cpc', campaign: 'spring', term: null, content: null },
        startedAt: expect.any(Number),
        submittedAt: expect.any(Number),
        honeypot: '',
        formVersion: 1,
      },
    });
    expect(body.meta.submittedAt).toBeGreaterThanOrEqual(body.meta.startedAt);
    expect(Date.now() - body.meta.startedAt).toBeLessThan(60_000);
    // What the widget sends is what the server-side parser accepts.
    const parsed = parseSubmissionRequest(def, body, { phone: serverPhoneParser(), now: Date.now() });
    expect(parsed).toMatchObject({ ok: true, request: { phoneE164: '+14155550100', consent: { granted: true } } });
    // The public form and the lazily loaded phone parser came from the API origin.
    expect(requests.map((r) => r.url)).toEqual(expect.arrayContaining(['/widget.js', '/api/v1/forms/demo/public', '/widget-phone.js']));
    await p.close();
  });

  it('checks a field on blur with the shared sentences, announces it, and ties it to the input', async () => {
    const p = await openForm();
    const first = p.locator('input[name="first_name"]');
    await first.focus();
    await p.keyboard.press('Tab');
    await expect(p.locator('.tf-error').getByText('Enter your first name.').waitFor()).resolves.toBeUndefined();
    expect(await first.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await first.getAttribute('aria-describedby')) ?? '';
    expect(await p.locator(`[id="${describedBy}"]`).textContent()).toBe('Enter your first name.');
    expect(await p.locator('[aria-live="polite"]').textContent()).toBe('Enter your first name.');
    // The error clears as soon as the value is fixed.
    await first.fill('Ada');
    expect(await first.getAttribute('aria-invalid')).toBeNull();
    await expect(p.locator(`[id="${describedBy}"]`).count()).resolves.toBe(0);

    // Phones go through the lazily loaded libphonenumber parser: the same sentence the server writes.
    await p.waitForFunction(() => 'TandemPhone' in window);
    const phone = p.locator('input[name="phone"]');
    await phone.fill('555');
    await phone.blur();
    await expect(
      p.locator('.tf-error').getByText('That mobile number is too short. Enter a valid mobile number, e.g. (201) 555-0123.').waitFor(),
    ).resolves.toBeUndefined();
    // Another calling code is left to the server rather than refused.
    await phone.fill('+44 7911 123456');
    await phone.blur();
    expect(await phone.getAttribute('aria-invalid')).toBeNull();
    await p.close();
  });

  it('submit with missing answers sends nothing, lists the problems in an alert and focuses the first', async () => {
    const p = await openForm();
    await p.getByRole('button', { name: 'Send' }).click();
    const alert = p.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'Please check 7 answers: First name, Last name, Email, Mobile phone, What are you looking for?, When would you like to start?, text message consent.',
    );
    expect(await focusedName(p)).toBe('first_name');
    expect(await p.locator('input[name="sms_consent"]').getAttribute('aria-invalid')).toBe('true');
    await expect(p.locator('.tf-error').getByText('Tick the box to agree to receive text messages.').waitFor()).resolves.toBeUndefined();
    expect(submissions()).toHaveLength(0);
    await p.setViewportSize({ width: 375, height: 812 });
    await p.screenshot({ path: path.join(SCREENSHOTS, 'widget-375-errors.png'), fullPage: true });
    expect(await axeViolations(p, ['[data-tandem-host]', '.tandem-form'])).toEqual([]);
    await p.close();
  });

  it('shows and announces 422 field errors from the server, then resubmits under a new key', async () => {
    const p = await openForm();
    await fillValid(p);
    replies.push({
      status: 422,
      body: { error: { code: 'validation_failed', message: 'Some answers need another look.', details: { fields: { email: 'This address bounced before. Use another email.' } } } },
    });
    await p.getByRole('button', { name: 'Send' }).click();
    await p.getByText('This address bounced before. Use another email.').waitFor();
    const email = p.locator('input[name="email"]');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await p.locator(`[id="${await email.getAttribute('aria-describedby')}"]`).textContent()).toBe('This address bounced before. Use another email.');
    expect(await p.getByRole('alert').textContent()).toBe('Please check 1 answer: Email.');
    expect(await focusedName(p)).toBe('email');
    expect(await p.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true);

    await email.fill('grace@navy.example');
    await p.getByRole('button', { name: 'Send' }).click();
    await p.getByText('Thanks! Acme Homes will text you shortly.').waitFor();
    const [first, second] = submissions();
    expect(second!.headers['idempotency-key']).not.toBe(first!.headers['idempotency-key']);
    expect((second!.body as { values: { email: string } }).values.email).toBe('grace@navy.example');
    await p.close();
  });

  it('on a server failure says so, and the retry carries the same key so it cannot land twice', async () => {
    const p = await openForm();
    await fillValid(p);
    replies.push({ status: 503, body: { error: { code: 'unavailable', message: 'Down for maintenance' } } });
    await p.getByRole('button', { name: 'Send' }).click();
    await p.getByRole('alert').filter({ hasText: 'We could not send your details just now. Please try again in a moment.' }).waitFor();
    await p.getByRole('button', { name: 'Send' }).click();
    await p.getByText('Thanks! Acme Homes will text you shortly.').waitFor();
    const [a, b] = submissions();
    expect(b!.headers['idempotency-key']).toBe(a!.headers['idempotency-key']);
    await p.close();
  });

  it('a double click sends one submission; the button is disabled while sending', async () => {
    const p = await openForm();
    await fillValid(p);
    replies.push({ ...CREATED, delayMs: 600 });
    const button = p.getByRole('button', { name: 'Send' });
    await button.dblclick();
    await p.getByRole('button', { name: 'Sending…' }).waitFor();
    expect(await p.getByRole('button', { name: 'Sending…' }).isDisabled()).toBe(true);
    await p.getByText('Thanks! Acme Homes will text you shortly.').waitFor();
    expect(submissions()).toHaveLength(1);
    await p.close();
  });

  it('has no axe violations, and looks right at 1280 and 375 px; nothing overflows at 320 px', async () => {
    const p = await openForm('/contact', 1280);
    expect(await axeViolations(p, ['[data-tandem-host]', '.tandem-form'])).toEqual([]);
    await p.screenshot({ path: path.join(SCREENSHOTS, 'widget-1280.png'), fullPage: true });
    await p.setViewportSize({ width: 375, height: 812 });
    await p.screenshot({ path: path.join(SCREENSHOTS, 'widget-375.png'), fullPage: true });
    await p.setViewportSize({ width: 320, height: 700 });
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    // Focus is visible: a 3px outline in the focus colour.
    await p.locator('input[name="first_name"]').focus();
    await p.keyboard.press('Tab');
    const outline = await p.locator('input[name="last_name"]').evaluate((el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth);
    expect(outline).toBe('solid 3px');
    await p.close();
  });

  it('keeps page styles out and its own styles in', async () => {
    const styleOf = (p: Page) =>
      p.evaluate(() => {
        const root = document.querySelector('[data-tandem-host]')!.shadowRoot!;
        const pick = (sel: string) => {
          const cs = getComputedStyle(root.querySelector(sel)!);
          return [cs.color, cs.fontSize, cs.fontFamily, cs.lineHeight, cs.letterSpacing, cs.textTransform, cs.display, cs.backgroundColor].join(' | ');
        };
        return { label: pick('label'), input: pick('input[name="email"]'), button: pick('button'), form: pick('.tandem-form'), host: getComputedStyle(document.querySelector('[data-tandem-host]')!).display };
      });
    const clean = await openForm('/contact');
    const expected = await styleOf(clean);
    // Nothing leaks out either: the page's own .tf-error and button keep browser defaults.
    const outside = await clean.evaluate(() => [getComputedStyle(document.getElementById('outside')!).color, getComputedStyle(document.getElementById('outside-btn')!).backgroundColor]);
    expect(outside[0]).toBe('rgb(0, 0, 0)');
    expect(outside[1]).not.toBe('rgb(29, 78, 216)');
    await clean.close();

    const hostile = await openForm('/hostile');
    expect(await styleOf(hostile)).toEqual(expected);
    expect(expected.label.startsWith('rgb(31, 41, 51) | 16px')).toBe(true);
    await hostile.close();
  });

  it('says so, in an alert, when the form cannot be loaded', async () => {
    const p = await browser.newPage();
    await p.goto(`${siteUrl}/missing`);
    await p.getByRole('alert').filter({ hasText: 'This form could not be loaded. Please refresh the page, or contact us another way.' }).waitFor();
    expect(requests.map((r) => r.url)).toContain('/api/v1/forms/missing/public');
    await p.close();
  });
});

describe('<CaptureForm> on a React 19 page', () => {
  it('renders with real React, submits the same payload and reports the ids', async () => {
    const p = await openForm('/react');
    expect(await p.evaluate(() => document.querySelector('[data-tandem-host]'))).toBeNull(); // no shadow root here
    expect(await axeViolations(p, ['#root'])).toEqual([]);
    await fillValid(p, { message: 'Hello' });
    await p.getByRole('button', { name: 'Send' }).click();
    await p.getByText('Thanks! Acme Homes will text you shortly.').waitFor();
    expect(await p.evaluate(() => window.tandemSubmitted)).toEqual({ submissionId: 'sub_1', leadId: 'lead_1' });
    const [post] = submissions();
    expect(post!.headers['idempotency-key']).toMatch(UUID_V4);
    expect(post!.body).toMatchObject({
      values: { first_name: 'Grace', phone: '415 555 0100', interest: 'pricing', timeline: 'asap', message: 'Hello', sms_consent: true },
      consent: { checked: true, text: def.consent.text },
      meta: { pageUrl: `${siteUrl}/react`, honeypot: '', formVersion: 1, utm: { source: null } },
    });
    await p.close();
  });
});
