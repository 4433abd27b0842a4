/**
 * The console in a real browser (Debian's Chromium via playwright-core) against the real server, started the
 * way `npm start` starts it: startServer with the composition root's routes, compose and demo seed, on the
 * embedded default (PGlite in a temp TANDEM_DATA_DIR, in-process queue, console SMS, offline AI), with its
 * clock pinned to mid-day so quiet hours never hold the texts the journey waits for.
 *
 * The journey: sign in with the demo key → submit the demo form → the first text reaches the simulated
 * phone within 2 s → the lead asks the price → a draft waits in the inbox (copilot) → approve → the phone
 * gets it → the lead replies STOP → the lead shows as opted out and nothing more is sent.
 * Every page passes axe-core and is photographed at 1280 and 375 px into docs/screenshots/console-*.png.
 */
import nock from 'nock';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { compose, connectors, routes, seedDemo } from '../server/compose';
import { loadConfig } from '../server/config';
import { startServer, type RunningServer } from '../server/main';
import { twilioReply } from '../test/helpers/twilio-fixtures';
import { buildConsole } from './build';
import { createSlackServerConnector } from '../connectors/slack/index';
import { composeWith } from '../server/compose';

jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..');
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const ENV_KEYS = ['TANDEM_DATA_DIR', 'PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'PUBLIC_URL', 'TANDEM_DEMO', 'TANDEM_SECRET_KEY', 'OPENAI_API_KEY'] as const;

let tmp: string;
let server: RunningServer;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
const savedEnv: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};

/** A free TCP port: the demo form allows the console's own origin, which must be known before start. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The server's clock: today at 16:00 UTC (11:00 or noon in New York) when the server starts, then ticking
 * with real time. The journey waits for texts that quiet hours rightly hold at night (08:00–21:00 in the
 * lead's time), so the server decides on a pinned time of day, not on when this test happens to run.
 */
function middayClock(): () => Date {
  const pinned = new Date();
  pinned.setUTCHours(16, 0, 0, 0);
  const offset = pinned.getTime() - Date.now();
  return () => new Date(Date.now() + offset);
}

/** A New York number: its texts may go out at the pinned time (no state rule narrows the federal window). */
const lead = { display: '(212) 555-0142', e164: '+12125550142' };

async function axeViolations(p: Page): Promise<Array<{ id: string; help: string; nodes: string[] }>> {
  // Evaluated over the DevTools protocol: the console's CSP (script-src 'self') stays on and untouched.
  if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(AXE);
  return p.evaluate(async () => {
    type AxeResult = { passes: Array<{ id: string }>; violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown }> }> };
    const axe = (window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<AxeResult> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    const looked = new Set(r.passes.map((x) => x.id));
    for (const rule of ['color-contrast', 'landmark-one-main', 'page-has-heading-one']) if (!looked.has(rule)) throw new Error(`axe did not check ${rule}`);
    return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
}

/** axe, then screenshots at 1280 and 375 px (`mask` greys out secrets), and no sideways scrolling at 375 px. */
/** Whether an element is in the window and on top there (not under a sticky bar), as a person would see it. */
function inView(l: Locator): Promise<boolean> {
  return l.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + Math.min(r.width / 2, 20), r.top + r.height / 2);
    // Within a pixel: scrolling to an edge can leave a fraction of one outside.
    return r.top >= -1 && r.bottom <= window.innerHeight + 1 && (hit === el || el.contains(hit));
  });
}

/** Opens a platform's panel the way an admin does: Integrations in the navigation, then the platform's row. */
async function openIntegration(p: Page, name: string): Promise<void> {
  await p.getByRole('link', { name: 'Integrations', exact: true }).click();
  await p.getByRole('region', { name: 'Integration status table' }).getByRole('link', { name: new RegExp(`^(Set up|Manage) ${name}$`) }).click();
  await p.getByRole('heading', { name, level: 2 }).waitFor();
}

async function checkPage(p: Page, name: string, mask: Locator[] = []): Promise<void> {
  await p.setViewportSize({ width: 1280, height: 900 });
  expect({ page: name, violations: await axeViolations(p) }).toEqual({ page: name, violations: [] });
  await p.screenshot({ path: path.join(SCREENSHOTS, `console-${name}-1280.png`), fullPage: true, mask });
  await p.setViewportSize({ width: 375, height: 812 });
  await p.waitForTimeout(100);
  expect({ page: name, violations: await axeViolations(p) }).toEqual({ page: name, violations: [] });
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect({ page: name, overflow }).toEqual({ page: name, overflow: 0 });
  await p.screenshot({ path: path.join(SCREENSHOTS, `console-${name}-375.png`), fullPage: true, mask });
  await p.setViewportSize({ width: 1280, height: 900 });
}

const phoneSend = (p: Page) => p.locator('.phone').getByRole('button', { name: 'Send' });
const phoneTexts = (p: Page) => p.getByRole('log', { name: 'Texts on the lead’s phone' }).locator('li.sms.received .body');

beforeAll(async () => {
  await buildConsole();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tandem-console-e2e-'));
  for (const k of ENV_KEYS) {
    savedEnv[k] = process.env[k];
    delete process.env[k];
  }
  // The embedded default, as `npm start` runs with no settings (compose reads the same environment).
  Object.assign(process.env, { TANDEM_DATA_DIR: tmp, PORT: String(await freePort()), HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  const config = loadConfig();
  expect(config.embedded && config.demo).toBe(true);
  server = await startServer({ config, logger: pino({ level: 'silent' }), connectors, routes, compose, seedDemo, clock: middayClock() });
  expect(server.engine.clock().getUTCHours()).toBe(16);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  const cspErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/.test(m.text())) cspErrors.push(m.text());
  });
  pageErrors = cspErrors;
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  rmSync(tmp, { recursive: true, force: true });
});

describe('the local console, end to end in Chromium', () => {
  let conversationId = '';

  it('offers sign-in, refuses a wrong key, and signs in with the demo key', async () => {
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Tandem console' }).waitFor();
    await checkPage(page, 'signin');

    await page.getByLabel('API key').fill('tdm_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'This API key is not valid or has been revoked' }).waitFor();
    expect(await page.getByLabel('API key').evaluate((el) => el === document.activeElement)).toBe(true);

    await page.getByRole('button', { name: 'Use the demo key' }).click();
    await page.getByRole('heading', { name: 'Demo', level: 1 }).waitFor();
    // The key lives in an httpOnly cookie: nothing in the page can read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('tandem_session');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'tandem_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', value: server.demo!.apiKey });
  });

  it('demo: the form’s first text reaches the simulated phone within 2 s; a question gets a draft; approve sends it', async () => {
    await page.locator('input[name="first_name"]').waitFor();
    await checkPage(page, 'demo');
    const startedAt = Date.now();
    await page.locator('input[name="first_name"]').fill('Grace');
    await page.locator('input[name="last_name"]').fill('Hopper');
    await page.locator('input[name="email"]').fill('grace@example.com');
    await page.locator('input[name="phone"]').fill(lead.display);
    await page.locator('select[name="interest"]').selectOption('pricing');
    await page.locator('input[name="timeline"][value="asap"]').check();
    await page.locator('input[name="sms_consent"]').check();
    // A person takes a few seconds; the form's bot check quietly drops faster fills.
    await page.waitForTimeout(Math.max(0, 3000 - (Date.now() - startedAt)));

    const submittedAt = Date.now();
    await page.getByRole('button', { name: 'Send' }).first().click();
    await page.locator('.phone-number').filter({ hasText: lead.e164 }).waitFor({ timeout: 2000 });
    await phoneTexts(page).first().waitFor({ timeout: Math.max(1, 2000 - (Date.now() - submittedAt)) });
    expect(Date.now() - submittedAt).toBeLessThan(2000);
    const opener = await phoneTexts(page).first().textContent();
    expect(opener).toMatch(/STOP/);

    // The lead asks the price from the simulated phone.
    await page.getByLabel('Reply as the lead').fill('how much does it cost?');
    await phoneSend(page).click();
    await page.getByRole('log', { name: 'Texts on the lead’s phone' }).locator('li.sms.sent').filter({ hasText: 'how much does it cost?' }).waitFor();

    // Copilot: the AI's answer waits in the inbox as a draft.
    const item = page.getByRole('navigation', { name: 'Conversations' }).getByRole('button').filter({ hasText: 'Draft to approve' });
    await item.waitFor({ timeout: 10_000 });
    await item.click();
    const draft = page.getByTestId('draft-body');
    await draft.waitFor();
    const draftText = (await draft.textContent())!.trim();
    expect(draftText.length).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Approve & send' }).click();
    await phoneTexts(page).filter({ hasText: draftText }).waitFor({ timeout: 5000 });
    expect(await page.getByTestId('draft-body').count()).toBe(0);

    conversationId = await page.evaluate(async () => {
      const r = await fetch('/api/v1/conversations?limit=5', { credentials: 'same-origin' });
      return ((await r.json()) as { items: Array<{ id: string }> }).items[0]!.id;
    });
  });

  it('STOP: the lead shows as opted out, nothing more is sent, and sending is refused', async () => {
    // The conversation is open beside the phone (the previous step opened it; open it if that step stopped early).
    if ((await page.getByRole('log', { name: /^Messages with / }).count()) === 0) {
      await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button').first().click();
    }
    const before = await phoneTexts(page).count();
    await page.getByLabel('Reply as the lead').fill('STOP');
    await phoneSend(page).click();
    await page.getByTestId('opted-out').first().waitFor({ timeout: 5000 });
    // At most the one opt-out confirmation the law allows, and it says so.
    await page.waitForTimeout(1500);
    const after = await phoneTexts(page).allTextContents();
    expect(after.length - before).toBeLessThanOrEqual(1);
    if (after.length > before) expect(after.at(-1)).toMatch(/unsubscribed|opted out|no more/i);
    // No button offers to text the lead, and the API refuses if asked anyway.
    expect(await page.locator('form.composer').getByRole('button', { name: 'Send', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Approve & send' }).count()).toBe(0);
    conversationId ||= await page.evaluate(async () => ((await (await fetch('/api/v1/conversations?limit=5')).json()) as { items: Array<{ id: string }> }).items[0]!.id);
    const refused = await page.evaluate(async (id) => {
      const view = await (await fetch(`/api/v1/conversations/${id}`)).json();
      const r = await fetch(`/api/v1/conversations/${id}/actions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Tandem-Surface': 'console' },
        body: JSON.stringify({ type: 'send', version: view.conversation.version, text: 'Still there?' }),
      });
      return { status: r.status, optedOut: view.conversation.lead.optedOut, allowed: view.conversation.allowedActions };
    }, conversationId);
    expect(refused).toEqual({ status: 409, optedOut: true, allowed: expect.not.arrayContaining(['send', 'approve']) });
    await page.waitForTimeout(1000);
    expect(await phoneTexts(page).count()).toBe(after.length);
  });

  it('inbox: filters, the conversation view, keyboard use with visible focus', async () => {
    await page.goto(`${server.url}/#/inbox`);
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button').first().click();
    await page.getByRole('log', { name: /^Messages with / }).waitFor();
    await checkPage(page, 'inbox');

    // The conversation's own autonomy: set it over the demo tenant's copilot, then follow the tenant again.
    const autonomy = page.getByLabel('How the AI answers in this conversation');
    await autonomy.selectOption('autopilot');
    await page.getByTestId('autonomy').filter({ hasText: 'autopilot (this conversation)' }).waitFor();
    await autonomy.selectOption('');
    await page.getByTestId('autonomy').filter({ hasText: /^copilot$/ }).waitFor();
    expect(await autonomy.inputValue()).toBe('');

    // Filters narrow the list: no agent has taken this conversation over, so "Agent" mode shows nothing.
    await page.getByLabel('Mode').selectOption('human');
    await page.getByText('No conversations match.').waitFor();
    await page.getByLabel('Mode').selectOption('');
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button').first().waitFor();

    // Keyboard, from the top: the skip link comes first and shows when focused; links show a 3 px focus ring.
    await page.reload();
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    expect(await page.locator('.skip').evaluate((el) => el.getBoundingClientRect().top >= 0)).toBe(true);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const cs = getComputedStyle(el);
      return { text: el.textContent, outline: `${cs.outlineStyle} ${cs.outlineWidth}` };
    });
    expect(focused).toEqual({ text: 'Demo', outline: 'solid 3px' });
    await page.keyboard.press('Tab'); // Inbox
    await page.keyboard.press('Tab'); // Forms
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Forms', level: 1 }).waitFor();
    // Focus moves to the new page's heading for screen-reader and keyboard users.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
  });

  it('forms: the editor adds, reorders and configures fields with a live preview and the embed snippet; saves', async () => {
    await page.getByRole('heading', { name: 'Live preview' }).waitFor();
    await checkPage(page, 'forms');
    const preview = page.locator('.preview');
    await page.getByLabel('Title').fill('Book a viewing');
    await preview.getByText('Book a viewing').waitFor();

    await page.getByLabel('New field type').selectOption('text');
    await page.getByRole('button', { name: 'Add field' }).click();
    const added = page.locator('.field-editor').last();
    await added.getByLabel('Label').fill('Budget');
    // The shared schema refuses a bad state before the server sees it.
    await added.getByLabel('Name').fill('Bad Name');
    await page.getByRole('alert').filter({ hasText: 'Fix these before saving' }).waitFor();
    expect(await page.getByRole('button', { name: 'Save form' }).isDisabled()).toBe(true);
    await added.getByLabel('Name').fill('budget');
    await preview.getByLabel('Budget').waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'Fix these before saving' }).count()).toBe(0);
    // Reorder: Budget moves above Message, in the preview too.
    await page.getByRole('button', { name: 'Move Budget up' }).click();
    await page.getByRole('status').filter({ hasText: 'Moved “Budget” up' }).waitFor();
    const order = await preview.locator('label').allTextContents();
    expect(order.findIndex((l) => l.startsWith('Budget'))).toBeLessThan(order.findIndex((l) => l.startsWith('Message')));

    const snippet = await page.getByLabel('Paste this where the form should appear').inputValue();
    expect(snippet).toMatch(new RegExp(`^<script src="${server.url.replace(/[.]/g, '\\.')}/widget\\.js" data-tandem-form="[^"]+" async></script>$`));
    await page.getByRole('button', { name: 'Save form' }).click();
    await page.getByRole('status').filter({ hasText: /Saved “.+” \(version 2\)/ }).waitFor();
    // Save and its outcome stay in view at the bottom of the window, wherever the editor is scrolled.
    expect(await inView(page.getByRole('status').filter({ hasText: /Saved “.+” \(version 2\)/ }))).toBe(true);
    const saved = await page.evaluate(async () => (await (await fetch('/api/v1/forms')).json()) as { forms: Array<{ definition: { title: string; fields: Array<{ name: string }> } }> });
    expect(saved.forms[0]!.definition.title).toBe('Book a viewing');
    expect(saved.forms[0]!.definition.fields.map((f) => f.name)).toContain('budget');
  });

  it('settings: autonomy, voice, knowledge, quiet hours and cadence save; failed jobs show', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Failed jobs' }).waitFor();
    await checkPage(page, 'settings');
    // The form is several screens long: Save and its outcome stay in view at the bottom of the window.
    await page.evaluate(() => window.scrollTo(0, 0));
    expect(await inView(page.getByRole('button', { name: 'Save settings' }))).toBe(true);

    await page.getByLabel('Business name').fill('Hopper Homes');
    // The demo tenant ships with knowledge entries: add one after them.
    const entries = await page.getByLabel(/^Entry \d+ title$/).count();
    await page.getByRole('button', { name: 'Add an entry' }).click();
    await page.getByLabel(`Entry ${entries + 1} title`).fill('Viewing fees');
    await page.getByLabel(`Entry ${entries + 1} text`).fill('Viewings are free; our fee is 1.5% of the sale price.');
    await page.getByLabel('Follow-up cadence (days)').fill('2, 5');
    await page.getByLabel('Texts allowed until').fill('20:00');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    expect(await inView(page.getByRole('status').filter({ hasText: 'Settings saved.' }))).toBe(true);
    const s = await page.evaluate(async () => ((await (await fetch('/api/v1/settings')).json()) as { settings: Record<string, unknown> }).settings);
    expect(s).toMatchObject({ businessName: 'Hopper Homes', followUpCadenceDays: [2, 5], quietHours: { start: '08:00', end: '20:00' }, knowledge: expect.arrayContaining([expect.objectContaining({ title: 'Viewing fees', body: 'Viewings are free; our fee is 1.5% of the sale price.' })]) });

    await page.getByLabel('Follow-up cadence (days)').fill('0, 500');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Whole days from 1 to 90').waitFor();
  });

  it('settings: texting rules (days, cap, holidays, zone, country, segments, links, escalation) refuse bad values at the field and save good ones', async () => {
    const stored = () => page.evaluate(async () => ((await (await fetch('/api/v1/settings')).json()) as { settings: Record<string, unknown> }).settings);
    const save = () => page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByLabel('Follow-up cadence (days)').fill('2, 5');

    await page.getByLabel('Time zone for numbers we cannot place').fill('Mars/Olympus_Mons');
    await page.getByLabel('Holidays: no texts on these dates').fill('2026-12-25\n2027-02-30');
    await page.getByLabel('Country of numbers typed without +code').fill('ZZ');
    await save();
    await page.getByRole('status').filter({ hasText: /^Not saved/ }).waitFor();
    // Each message sits under its own field, and the field points at it for screen readers.
    for (const [label, message] of [
      ['Time zone for numbers we cannot place', 'an IANA time zone, e.g. America/New_York'],
      ['Holidays: no texts on these dates', 'a date as YYYY-MM-DD'],
      ['Country of numbers typed without +code', 'an ISO 3166 country code, e.g. US or GB'],
    ]) {
      const description = await page.getByLabel(label!).evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent).join(' '));
      expect({ label, description }).toEqual({ label, description: expect.stringContaining(message!) });
    }
    expect(await stored()).toMatchObject({ defaultTimezone: 'America/New_York', holidays: [], defaultPhoneCountry: 'US' });

    await page.getByLabel('Time zone for numbers we cannot place').fill('America/Chicago');
    await page.getByLabel('Holidays: no texts on these dates').fill('2026-12-25\n2027-01-01');
    await page.getByLabel('Country of numbers typed without +code').fill('gb');
    await page.getByText('United Kingdom').waitFor();
    await page.getByRole('group', { name: 'Days texts may go out' }).getByLabel('Sunday').uncheck();
    await page.getByLabel('Most texts to one lead in a day').fill('4');
    await page.getByLabel('Longest text, in SMS segments').fill('2');
    await page.getByLabel('Websites the AI may link to').fill('acmehomes.com\nhopperhomes.co.uk');
    await page.getByLabel('Words that always bring in a person').fill('mortgage broker, escrow');
    await page.getByLabel('Ask a person when the AI is less sure than (%)').fill('55');
    await page.getByLabel('The first reply to a form may go out at night').check();
    await save();
    await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    expect(await stored()).toMatchObject({
      defaultTimezone: 'America/Chicago',
      holidays: ['2026-12-25', '2027-01-01'],
      defaultPhoneCountry: 'GB',
      quietHours: { start: '08:00', end: '20:00', days: [1, 2, 3, 4, 5, 6], dailyCap: 4 },
      segmentCap: 2,
      linkAllowList: ['acmehomes.com', 'hopperhomes.co.uk'],
      extraEscalationWords: ['mortgage broker', 'escrow'],
      confidenceThreshold: 0.55,
      firstReplyMaySkipQuietHours: true,
    });
    await checkPage(page, 'settings-texting');

    // Back to what the journeys after this one text under: every day, no cap of our own, US numbers.
    await page.getByRole('group', { name: 'Days texts may go out' }).getByLabel('Sunday').check();
    await page.getByLabel('Most texts to one lead in a day').fill('');
    await page.getByLabel('Country of numbers typed without +code').fill('US');
    await page.getByLabel('Longest text, in SMS segments').fill('3');
    await page.getByLabel('The first reply to a form may go out at night').uncheck();
    await save();
    await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    expect(await stored()).toMatchObject({ quietHours: { days: [1, 2, 3, 4, 5, 6, 7], dailyCap: null }, defaultPhoneCountry: 'US', segmentCap: 3, firstReplyMaySkipQuietHours: false });
  });

  it('analytics: the overview for the range, with the journey’s figures', async () => {
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Speed to lead' }).waitFor();
    await checkPage(page, 'analytics');
    // One form lead, texted within 2 s; it replied; one approval.
    const card = (name: string) => page.locator('section.card').filter({ has: page.getByRole('heading', { name }) });
    expect(await card('Speed to lead').textContent()).toMatch(/1 of 1 form leads texted/);
    expect(await card('Lead response rate').textContent()).toMatch(/100%/);
    expect(await card('Decisions on AI drafts').locator('svg').getAttribute('aria-label')).toBe('Decisions on AI drafts: Approved 1, Edited 0, Discarded 0');
    // A bad range is explained, not crashed on.
    await page.getByLabel('From').fill('2026-12-31');
    await page.getByLabel('To', { exact: true }).fill('2026-01-01');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('alert').filter({ hasText: 'to: must be after from' }).waitFor();
  });

  it('new conversation: an agent texts a caller who never filled a form, once they confirm consent', async () => {
    const caller = { display: '(212) 555-0177', e164: '+12125550177' };
    await page.goto(`${server.url}/#/inbox`);
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New conversation' }).click();
    const form = page.getByRole('form', { name: 'New conversation' });
    await form.getByLabel('Mobile number').fill(caller.display);
    await form.getByLabel('First name').fill('Rae');
    await form.getByLabel('First text (optional)').fill('Hi Rae, Sam here about your call this morning.');

    // No consent on record and none confirmed: refused, the checkbox says why, and nothing reaches the phone.
    await form.getByRole('button', { name: 'Start and send' }).click();
    await form.getByRole('alert').filter({ hasText: 'no SMS consent on record' }).waitFor();
    await form.getByText('Tick this only if they agreed.').waitFor();
    await checkPage(page, 'new-conversation');
    const onPhone = () =>
      page.evaluate(async (phone) => ((await (await fetch(`/api/v1/demo/phone/messages?phone=${encodeURIComponent(phone)}`)).json()) as { messages: Array<{ body: string }> }).messages, caller.e164);
    expect(await onPhone()).toEqual([]);

    await form.getByLabel('This person agreed to receive text messages from us at this number.').check();
    await form.getByLabel('How did they agree? (optional, kept as proof)').fill('asked for texts when she called');
    await form.getByRole('button', { name: 'Start and send' }).click();
    // The new conversation opens beside the list, the agent holds it, and the text carries the notice.
    await page.getByRole('log', { name: /^Messages with Rae/ }).waitFor();
    expect(await form.count()).toBe(0);
    expect(await page.getByTestId('consent').textContent()).toMatch(/^SMS consent via agent confirmation, /);
    const texts = await (async () => {
      for (let i = 0; i < 50; i += 1) {
        const m = await onPhone();
        if (m.length > 0) return m;
        await page.waitForTimeout(100);
      }
      return [];
    })();
    expect(texts.map((m) => m.body)).toEqual([expect.stringMatching(/^.+: Hi Rae, Sam here about your call this morning\. Reply STOP to opt out\.$/)]);
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button').filter({ hasText: 'Rae' }).waitFor();

    // In the demo, the text can be read on Rae's simulated phone, one click away.
    await page.getByRole('link', { name: 'See this lead’s simulated phone' }).click();
    await page.locator('.phone-number').filter({ hasText: caller.e164 }).waitFor();
    await phoneTexts(page).filter({ hasText: 'Hi Rae, Sam here about your call this morning.' }).waitFor();
  });

  it('integrations: an admin connects Twilio; a bad SID and refused credentials show at their fields and store nothing; paused, then disconnected', async () => {
    const sid = `AC${'5e'.repeat(16)}`;
    const token = '7c'.repeat(16);
    const wrongToken = '0d'.repeat(16);
    // Twilio's "Fetch an Account resource" answer, and its 401 for a wrong SID/token pair (error 20003).
    const account = {
      auth_token: token,
      date_created: 'Tue, 02 Jun 2026 16:00:00 +0000',
      date_updated: 'Tue, 02 Jun 2026 16:00:00 +0000',
      friendly_name: 'Hopper Homes',
      owner_account_sid: sid,
      sid,
      status: 'active',
      subresource_uris: { messages: `/2010-04-01/Accounts/${sid}/Messages.json` },
      type: 'Full',
      uri: `/2010-04-01/Accounts/${sid}.json`,
    };
    const twilioAccount = (pass: string) => nock('https://api.twilio.com').get(`/2010-04-01/Accounts/${sid}.json`).basicAuth({ user: sid, pass });
    const stored = () => page.evaluate(async () => ((await (await fetch('/api/v1/integrations/twilio')).json()) as { twilio: Record<string, unknown> }).twilio);
    /** The text the field's aria-describedby points at: its hint and its error. */
    const described = (label: string) =>
      form.getByLabel(label, { exact: true }).evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' | '));
    const twilioRow = page.getByRole('region', { name: 'Integration status table' }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Twilio' }) });
    const form = page.getByRole('form', { name: /Twilio/ });
    try {
      // The Integrations page: every platform's state in one table, and no panel until one is chosen.
      await page.getByRole('link', { name: 'Integrations', exact: true }).click();
      await page.getByText('Choose a platform above to connect it or change its connection.').waitFor();
      for (const name of ['Twilio', 'Slack', 'HubSpot', 'Salesforce']) await page.getByRole('rowheader', { name }).waitFor();
      expect(await form.count()).toBe(0);
      await checkPage(page, 'integrations');
      await twilioRow.getByRole('link', { name: 'Set up Twilio' }).click();
      await form.waitFor();
      expect(page.url()).toMatch(/#\/integrations\/twilio$/);
      // Keyboard and screen-reader users land on the panel's heading.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Twilio');
      await twilioRow.getByText('Not connected').waitFor();
      expect(await page.getByLabel('A message comes in (HTTP POST)').inputValue()).toBe(`${server.engine.config.publicUrl}/webhooks/twilio/sms`);
      expect(await page.getByLabel('Status callback URL').inputValue()).toBe(`${server.engine.config.publicUrl}/webhooks/twilio/status`);

      // A malformed SID is refused at its field before Twilio is asked, and nothing is stored.
      await form.getByLabel('Account SID').fill('AC123');
      await form.getByLabel('Auth token').fill(token);
      await form.getByLabel('One Twilio number').check();
      await form.getByLabel('From number').fill('(415) 555-0100');
      await form.getByLabel('Numbers leads text').fill('(415) 555-0100\n+1 415 555 0101');
      await form.getByRole('button', { name: 'Connect Twilio' }).click();
      await form.getByRole('alert').filter({ hasText: 'Not connected' }).waitFor();
      expect(await described('Account SID')).toContain('An Account SID starts with AC followed by 32 hex characters');
      expect(await form.getByLabel('Account SID').getAttribute('aria-invalid')).toBe('true');
      expect({ page: 'integrations-twilio (errors)', violations: await axeViolations(page) }).toEqual({ page: 'integrations-twilio (errors)', violations: [] });
      expect(await stored()).toEqual({ connected: false });
      await twilioRow.getByText('Not connected').waitFor();

      // Twilio refuses the SID/token pair: said at the auth token field; nothing stored.
      const refused = twilioAccount(wrongToken).reply(() => twilioReply(401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 }));
      await form.getByLabel('Account SID').fill(sid);
      await form.getByLabel('Auth token').fill(wrongToken);
      await form.getByRole('button', { name: 'Connect Twilio' }).click();
      await form.getByRole('alert').filter({ hasText: 'Twilio refused this Account SID and auth token' }).waitFor();
      expect(refused.isDone()).toBe(true);
      expect(await described('Auth token')).toContain('Twilio refused this Account SID and auth token');
      expect(await described('Account SID')).not.toContain('An Account SID starts with AC');
      expect(await stored()).toEqual({ connected: false });

      // Credentials Twilio accepts: stored, and the table and the connection show it.
      const checked = twilioAccount(token).reply(() => twilioReply(200, account));
      await form.getByLabel('Auth token').fill(token);
      await form.getByRole('button', { name: 'Connect Twilio' }).click();
      await page.getByRole('status').filter({ hasText: 'Twilio connected.' }).waitFor();
      expect(checked.isDone()).toBe(true);
      await twilioRow.getByText('Connected', { exact: true }).waitFor();
      expect(await twilioRow.getByRole('cell').nth(1).textContent()).toBe(sid);
      expect(await stored()).toEqual({
        connected: true,
        enabled: true,
        accountSid: sid,
        messagingServiceSid: null,
        fromNumber: '+14155550100',
        numbers: ['+14155550100', '+14155550101'],
        webhookSigningKeys: [],
      });
      await page.getByRole('heading', { name: 'Change the Twilio connection' }).waitFor();
      expect(await page.locator('.connect-facts').textContent()).toContain(sid);
      // The token is never shown again: the field is empty and says it must be typed again to change anything.
      expect(await form.getByLabel('Auth token').inputValue()).toBe('');
      expect(await described('Auth token')).toContain('Re-enter the auth token to change the connection');
      expect(await page.content()).not.toContain(token);
      expect(await page.getByLabel('A message comes in (HTTP POST)').inputValue()).toBe(`${server.engine.config.publicUrl}/webhooks/twilio/sms`);
      await checkPage(page, 'integrations-twilio');

      // A webhook signing key (a Twilio SharedKey): a bad secret is refused at its own field, before Twilio is asked.
      const keyId = 'webhooks_sharedkey_01J0CONSOLEKEY00000000000';
      const keySecret = 'console-shared-key-secret-0123456789';
      await form.getByLabel('Auth token').fill(token);
      // Folded away while no key is held: most accounts sign with the auth token.
      expect(await form.getByLabel('Signing key 1 id').isVisible()).toBe(false);
      await form.getByText('Webhook signing keys (optional)').click();
      await form.getByLabel('Signing key 1 id').fill(keyId);
      await form.getByLabel('Signing key 1 secret').fill(keySecret);
      await form.getByLabel('Signing key 2 id').fill('webhooks_sharedkey_01J0NEXTKEY0000000000000');
      await form.getByLabel('Signing key 2 secret').fill('short');
      await form.getByRole('button', { name: 'Save Twilio connection' }).click();
      await form.getByRole('alert').filter({ hasText: 'Not connected' }).waitFor();
      expect(await described('Signing key 2 secret')).toContain('16 to 512 characters');
      expect(await form.getByLabel('Signing key 2 secret').getAttribute('aria-invalid')).toBe('true');
      expect(await described('Signing key 1 secret')).not.toContain('16 to 512 characters');
      expect(await stored()).toMatchObject({ webhookSigningKeys: [] });
      // Saved without the second one: listed by its id; its secret is never shown again.
      const withKey = twilioAccount(token).reply(() => twilioReply(200, account));
      await form.getByLabel('Signing key 2 id').fill('');
      await form.getByLabel('Signing key 2 secret').fill('');
      await form.getByRole('button', { name: 'Save Twilio connection' }).click();
      await page.locator('.connect-facts').getByText(keyId).waitFor();
      expect(withKey.isDone()).toBe(true);
      expect(await stored()).toMatchObject({ webhookSigningKeys: [{ id: keyId }] });
      expect(await form.getByLabel('Signing key 1 id').inputValue()).toBe(keyId);
      expect(await form.getByLabel('Signing key 1 secret').inputValue()).toBe('');
      expect(await described('Signing key 1 secret')).toContain('Leave empty to keep the stored secret');
      expect(await page.content()).not.toContain(keySecret);
      expect({ page: 'integrations-twilio (signing key)', violations: await axeViolations(page) }).toEqual({ page: 'integrations-twilio (signing key)', violations: [] });

      // Paused again, so the demo tenant's texts go back to the simulated phone for whatever runs next
      // (an enabled Twilio integration takes over the tenant's sending: server/compose.ts, tenantSmsProviders).
      const again = twilioAccount(token).reply(() => twilioReply(200, account));
      await form.getByLabel('Auth token').fill(token);
      await form.getByLabel('Enabled', { exact: true }).uncheck();
      await form.getByRole('button', { name: 'Save Twilio connection' }).click();
      await page.getByRole('status').filter({ hasText: 'Twilio connected, paused' }).waitFor();
      expect(again.isDone()).toBe(true);
      await twilioRow.getByText('Paused').waitFor();
      // The held key stays: its row went with its id alone, which keeps the stored secret.
      expect(await stored()).toMatchObject({ connected: true, enabled: false, webhookSigningKeys: [{ id: keyId }] });

      // Disconnected after the confirm step: the auth token is deleted and the numbers freed, audited.
      await page.getByRole('button', { name: 'Disconnect Twilio' }).click();
      await page.getByRole('group', { name: /^Disconnect Twilio\? Tandem stops texting through this account/ }).getByRole('button', { name: 'Yes, disconnect' }).click();
      await page.getByRole('status').filter({ hasText: 'Twilio disconnected' }).waitFor();
      await twilioRow.getByText('Not connected').waitFor();
      await page.getByRole('heading', { name: 'Connect Twilio' }).waitFor();
      expect(await stored()).toEqual({ connected: false });
      expect(await page.getByRole('button', { name: 'Disconnect Twilio' }).count()).toBe(0);
    } finally {
      nock.cleanAll();
    }
  });

  it('team: an admin adds a person and gives them a key, shown once; it signs in as them until revoked', async () => {
    await page.goto(`${server.url}/#/team`);
    await page.getByRole('heading', { name: 'Team', level: 1 }).waitFor();
    expect(await page.title()).toBe('Team · Tandem');
    const people = page.getByRole('region', { name: 'People table' });
    const adminRow = people.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Demo Admin' }) });
    // The demo key is the demo admin's (a tenant's first key is its first admin's): marked as you, and you cannot remove yourself.
    expect(await adminRow.getByRole('rowheader').textContent()).toBe('Demo Admin (you)');
    expect(await adminRow.getByRole('cell').allTextContents()).toEqual(['admin@demo.tandem.local', 'Admin', '—', '—', '—', 'Edit Demo Admin']);
    const peopleCount = () => page.evaluate(async () => ((await (await fetch('/api/v1/agents')).json()) as { agents: unknown[] }).agents.length);
    expect(await peopleCount()).toBe(1);

    // A bad email: the error sits at the field, and no one is added.
    const add = page.getByRole('form', { name: 'Add a person' });
    await add.getByLabel('Name').fill('Dana Agent');
    await add.getByLabel('Email (optional)').fill('dana@');
    await add.getByLabel('Role').selectOption('agent');
    await add.getByRole('button', { name: 'Add person' }).click();
    await add.getByRole('status').filter({ hasText: /^Not added: / }).waitFor();
    const email = add.getByLabel('Email (optional)');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    const emailError = await email.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '');
    expect(emailError).toMatch(/email/i);
    expect(await peopleCount()).toBe(1);
    expect(await people.getByRole('rowheader', { name: /Dana/ }).count()).toBe(0);

    await email.fill('dana@example.com');
    await add.getByLabel('Slack member id (optional)').fill('U0DANA01');
    await add.getByRole('button', { name: 'Add person' }).click();
    await add.getByRole('status').filter({ hasText: 'Added Dana Agent (Agent).' }).waitFor();
    const danaRow = people.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Dana Agent' }) });
    expect(await danaRow.getByRole('cell').allTextContents()).toEqual(['dana@example.com', 'Agent', 'U0DANA01', '—', '—', 'Edit Dana AgentRemove Dana Agent']);
    expect(await peopleCount()).toBe(2);
    expect(await email.inputValue()).toBe('');

    // Dana's HubSpot user id, added later. Taking the admin's email is refused at the field and changes nothing.
    await danaRow.getByRole('button', { name: 'Edit Dana Agent' }).click();
    const change = page.getByRole('form', { name: 'Change Dana Agent' });
    expect(await change.getByLabel('Name').evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await change.getByLabel('Slack member id (optional)').inputValue()).toBe('U0DANA01');
    await change.getByLabel('Email (optional)').fill('Admin@demo.tandem.local');
    await change.getByRole('button', { name: 'Save changes' }).click();
    await change.getByRole('status').filter({ hasText: /^Not saved: / }).waitFor();
    expect(await change.getByLabel('Email (optional)').getAttribute('aria-invalid')).toBe('true');
    expect(await change.getByLabel('Email (optional)').evaluate((el) => document.getElementById(`${el.id}-error`)?.textContent)).toBe('Another person on this team already has this email');
    await change.getByLabel('Email (optional)').fill('dana@example.com');
    await change.getByLabel('HubSpot user id (optional)').fill('7001');
    await change.getByRole('button', { name: 'Save changes' }).click();
    await add.getByRole('status').filter({ hasText: 'Saved Dana Agent (Agent).' }).waitFor();
    expect(await danaRow.getByRole('cell').allTextContents()).toEqual(['dana@example.com', 'Agent', 'U0DANA01', '7001', '—', 'Edit Dana AgentRemove Dana Agent']);
    expect(await peopleCount()).toBe(2);

    // An agent-role key for Dana: shown once, in its own box.
    const create = page.getByRole('form', { name: 'Create a key' });
    await create.getByLabel('Key name').fill('Dana laptop');
    await create.getByLabel('Person (optional)').selectOption({ label: 'Dana Agent' });
    await create.getByLabel('Role').selectOption('agent');
    await create.getByRole('button', { name: 'Create key' }).click();
    const box = page.getByRole('region', { name: 'New key: Dana laptop' });
    await box.getByText('Shown once. Store it now — it cannot be shown again.').waitFor();
    const keyField = box.getByLabel('API key Dana laptop');
    const key = await keyField.inputValue();
    expect(key).toMatch(/^tdm_[a-z0-9]{10}_[A-Za-z0-9_-]{32,64}$/);
    expect(await keyField.getAttribute('readonly')).not.toBeNull();
    await box.getByRole('button', { name: 'Copy' }).click();
    await box.getByText(/^(Copied\.|Copying is not available here)/).waitFor();
    const keys = page.getByRole('region', { name: 'API keys table' });
    // The key this console signed in with is marked, and is the only one marked.
    expect(await keys.getByRole('rowheader').filter({ hasText: '(this session)' }).allTextContents()).toEqual([expect.stringMatching(/^First admin key tdm_/)]);
    const keyRow = keys.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^Dana laptop / }) });
    const cells = await keyRow.getByRole('cell').allTextContents();
    expect([cells[0], cells[1], cells[3], cells[4]]).toEqual(['Agent', 'Dana Agent', 'Never', 'Active']);
    // The listing never carries the secret.
    const listed = await page.evaluate(async () => (await fetch('/api/v1/api-keys')).text());
    // `tdm_<10-character prefix>_<secret>`: the secret may itself hold or start with `_`.
    expect(listed).not.toContain(key.slice('tdm_'.length + 10 + 1));
    await checkPage(page, 'team', [keyField]);

    // The key signs in, in a browser of its own, as Dana with the agent role: no key management there.
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const danaPage = await other.newPage();
      danaPage.setDefaultTimeout(15_000);
      await danaPage.goto(`${server.url}/#/team`);
      await danaPage.getByLabel('API key').fill(key);
      await danaPage.getByRole('button', { name: 'Sign in' }).click();
      await danaPage.getByRole('heading', { name: 'Team', level: 1 }).waitFor();
      expect(await danaPage.locator('header .who').textContent()).toContain('Dana laptop (agent)');
      await danaPage.getByRole('region', { name: 'People table' }).getByRole('rowheader', { name: 'Dana Agent (you)' }).waitFor();
      await danaPage.getByText('Only admins manage API keys.').waitFor();
      expect(await danaPage.getByRole('form', { name: 'Create a key' }).count()).toBe(0);
      expect(await danaPage.getByRole('form', { name: 'Add a person' }).count()).toBe(0);
      expect(await danaPage.getByRole('region', { name: 'API keys table' }).count()).toBe(0);
      expect(await danaPage.evaluate(async () => (await fetch('/api/v1/api-keys')).status)).toBe(403);

      // Hidden once dismissed: the key is nowhere in the admin's page any more.
      await box.getByRole('button', { name: 'I have stored it, hide the key' }).click();
      expect(await box.count()).toBe(0);
      expect(await page.content()).not.toContain(key);

      // Revoke, with a confirm step that can be cancelled.
      await keyRow.getByRole('button', { name: 'Revoke key Dana laptop' }).click();
      const confirm = keyRow.getByRole('group', { name: 'Revoke key Dana laptop?' });
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      expect(await confirm.count()).toBe(0);
      expect(await keyRow.getByRole('button', { name: 'Revoke key Dana laptop' }).evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await danaPage.evaluate(async () => (await fetch('/api/v1/agents')).status)).toBe(200);
      await keyRow.getByRole('button', { name: 'Revoke key Dana laptop' }).click();
      await confirm.getByRole('button', { name: 'Yes, revoke' }).click();
      await page.getByRole('status').filter({ hasText: 'Revoked key Dana laptop.' }).waitFor();
      await keyRow.getByText(/^Revoked /).waitFor();
      expect(await keyRow.getByRole('button', { name: /Revoke/ }).count()).toBe(0);

      // Dana's browser is out: its next call fails, and the key no longer signs in.
      expect(await danaPage.evaluate(async () => (await fetch('/api/v1/agents')).status)).toBe(401);
      await danaPage.reload();
      await danaPage.getByLabel('API key').fill(key);
      await danaPage.getByRole('button', { name: 'Sign in' }).click();
      await danaPage.getByRole('alert').filter({ hasText: 'This API key is not valid or has been revoked' }).waitFor();
    } finally {
      await other.close();
    }
    // The admin's own session is untouched.
    expect(await page.evaluate(async () => (await fetch('/api/v1/agents')).status)).toBe(200);
  });

  it('team: removing a person takes them off the list and revokes their keys, after a confirm step', async () => {
    const people = page.getByRole('region', { name: 'People table' });
    const keys = page.getByRole('region', { name: 'API keys table' });
    const create = page.getByRole('form', { name: 'Create a key' });
    await create.getByLabel('Key name').fill('Dana phone');
    await create.getByLabel('Person (optional)').selectOption({ label: 'Dana Agent' });
    await create.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByRole('region', { name: 'New key: Dana phone' }).getByLabel('API key Dana phone').inputValue();
    await page.getByRole('button', { name: 'I have stored it, hide the key' }).click();

    const danaRow = people.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Dana Agent' }) });
    await danaRow.getByRole('button', { name: 'Remove Dana Agent' }).click();
    await danaRow.getByRole('group', { name: 'Remove Dana Agent? Their API keys stop working.' }).getByRole('button', { name: 'Yes, remove' }).click();
    await page.getByRole('status').filter({ hasText: 'Removed Dana Agent from the team; 1 API key revoked.' }).waitFor();
    expect(await people.getByRole('rowheader', { name: /Dana/ }).count()).toBe(0);
    await keys.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^Dana phone / }) }).getByText(/^Revoked /).waitFor();
    expect(await create.getByLabel('Person (optional)').locator('option', { hasText: 'Dana Agent' }).count()).toBe(0);
    // Her new key is refused like any revoked key.
    const status = await page.evaluate(async (k) => (await fetch('/api/v1/agents', { headers: { authorization: `Bearer ${k}` }, credentials: 'omit' })).status, key);
    expect(status).toBe(401);
  });

  it('integrations: Slack says how to set it up on a server without it; with Slack OAuth, an admin adds a workspace, sets channel and thread replies (errors at the field); others only read; then paused, then disconnected after a confirm step (uninstalled in Slack)', async () => {
    const slackPanel = (p: Page) => p.locator('.connect').filter({ has: p.getByRole('heading', { name: 'Slack connection', level: 3 }) });
    const slackRow = (p: Page) => p.getByRole('region', { name: 'Integration status table' }).getByRole('row').filter({ has: p.getByRole('rowheader', { name: 'Slack' }) });

    // This server runs with no SLACK_* settings: the route answers 503 and the panel says how to set Slack up.
    const leftAt = page.url();
    await openIntegration(page, 'Slack');
    const off = slackPanel(page);
    await off.getByText('Slack is not set up on this server').waitFor();
    expect(await off.textContent()).toContain(
      'set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (one workspace), or SLACK_SIGNING_SECRET with SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET (each team adds Tandem to its own workspace), then restart Tandem. See connectors/slack/README.md.',
    );
    expect(await page.getByRole('form', { name: 'Slack settings' }).count()).toBe(0);
    expect(await off.getByRole('alert').count()).toBe(0);
    const answer = await page.evaluate(async () => {
      const r = await fetch('/api/v1/integrations/slack');
      return { status: r.status, code: ((await r.json()) as { error: { code: string } }).error.code };
    });
    expect(answer).toEqual({ status: 503, code: 'slack.not_configured' });
    await checkPage(page, 'integrations-slack-off');
    // The shared page goes back where the test before left it, so the next one's panel loads afresh.
    if (page.url() !== leftAt) {
      await page.goto(leftAt);
      await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor({ state: 'detached' });
    }

    // A second server, the same way but with Slack OAuth configured (this file's shared server stays as `npm start` runs
    // it), and a browser of its own. Slack's Web API is nock: oauth.v2.access and auth.test, shaped as Slack documents them.
    const slackTmp = mkdtempSync(path.join(os.tmpdir(), 'tandem-console-slack-'));
    const slackConfig = loadConfig({
      TANDEM_DATA_DIR: slackTmp,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      SLACK_SIGNING_SECRET: 'console-slack-signing-secret-0123456789',
      SLACK_CLIENT_ID: '1111.2222',
      SLACK_CLIENT_SECRET: 'console-slack-client-secret',
      SLACK_STATE_SECRET: 'console-slack-state-secret-0123456789',
    } as NodeJS.ProcessEnv);
    let slackServer: RunningServer | null = null;
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      slackServer = await startServer({
        config: slackConfig,
        logger: pino({ level: 'silent' }),
        connectors: connectors.map((c) => (c.id === 'slack' ? createSlackServerConnector() : c)),
        routes,
        compose: (e) => composeWith(slackConfig)(e),
        seedDemo,
        clock: middayClock(),
      });
      const url = slackServer.url;
      const p = await adminContext.newPage();
      p.setDefaultTimeout(15_000);
      p.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/.test(m.text())) pageErrors.push(m.text());
      });
      await p.goto(url);
      await p.getByRole('button', { name: 'Use the demo key' }).click();
      await openIntegration(p, 'Slack');
      const panel = slackPanel(p);
      await panel.getByText('Not connected to a Slack workspace yet.').waitFor();
      expect(await panel.locator('.pill').textContent()).toBe('Not connected');

      // "Add to Slack" is a plain link to Tandem's install page, which sends the admin on to Slack's authorize page.
      const add = panel.getByRole('link', { name: 'Add to Slack' });
      expect(await add.getAttribute('href')).toMatch(new RegExp(`^${url.replace(/[.]/g, '\\.')}/slack/install\\?tenant=[^&]+$`));
      expect(await add.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent)).toContain('Opens Slack to connect a workspace to Tandem; once Slack says it is installed, come back here');
      await add.click();
      await p.getByRole('heading', { name: 'Connect Tandem to Slack' }).waitFor();
      const authorize = new URL((await p.getByRole('link', { name: 'Add to Slack' }).getAttribute('href'))!);
      expect(`${authorize.origin}${authorize.pathname}`).toBe('https://slack.com/oauth/v2/authorize');
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${url}/slack/oauth_redirect`);
      // The admin approves at Slack, which sends this browser back with a code; Tandem exchanges it with Slack.
      const exchanged = nock('https://slack.com')
        .post('/api/oauth.v2.access', (body: Record<string, string>) => body.code === 'console-code-1' && body.client_id === '1111.2222')
        .reply(200, {
          ok: true,
          access_token: 'xoxb-console-installed',
          token_type: 'bot',
          scope: 'chat:write,commands',
          bot_user_id: 'U0TANDEM1',
          app_id: 'A0TANDEM1',
          team: { id: 'T0HOPPER1', name: 'Hopper Homes' },
          enterprise: null,
          is_enterprise_install: false,
          authed_user: { id: 'U0ADMIN01' },
        });
      const identified = nock('https://slack.com')
        .post('/api/auth.test')
        .reply(200, { ok: true, url: 'https://hopper.slack.com/', team: 'Hopper Homes', user: 'tandem', team_id: 'T0HOPPER1', user_id: 'U0TANDEM1', bot_id: 'B0TANDEM1', is_enterprise_install: false });
      await p.goto(`${url}/slack/oauth_redirect?code=console-code-1&state=${encodeURIComponent(authorize.searchParams.get('state')!)}`);
      await p.getByRole('heading', { name: 'Tandem is installed in Slack' }).waitFor();
      expect([exchanged.isDone(), identified.isDone()]).toEqual([true, true]);

      // Slack's page leads back to the Slack panel: connected to that workspace, no channel yet; the status table agrees.
      await p.getByRole('link', { name: 'Back to Tandem' }).click();
      await p.getByRole('heading', { name: 'Slack', level: 2 }).waitFor();
      expect(p.url()).toBe(`${url}/#/integrations/slack`);
      await panel.locator('.pill').filter({ hasText: /^Connected$/ }).waitFor();
      const facts = () => panel.locator('.connect-facts').textContent();
      expect(await facts()).toContain('T0HOPPER1');
      expect(await facts()).toContain('None chosen yet');
      expect(await facts()).toContain('Internal notes only');
      await slackRow(p).getByText('Connected', { exact: true }).waitFor();
      const stored = () => p.evaluate(async () => ((await (await fetch('/api/v1/integrations/slack')).json()) as { slack: Record<string, unknown> }).slack);
      const form = p.getByRole('form', { name: 'Slack settings' });
      const described = (label: string) =>
        form.getByLabel(label, { exact: true }).evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' | '));
      expect(await described('Text the lead the agent’s thread replies')).toContain('a reply in a conversation’s Slack thread by the agent who took the conversation over is texted to the lead');

      // A channel name instead of its id: refused at the field, nothing stored.
      await form.getByLabel('Channel id').fill('#leads');
      await form.getByLabel('Text the lead the agent’s thread replies').check();
      await form.getByRole('button', { name: 'Save Slack settings' }).click();
      await form.getByRole('alert').filter({ hasText: /^Not saved: The Slack settings are not valid/ }).waitFor();
      expect(await described('Channel id')).toContain('a Slack channel id such as C0123ABCD');
      expect(await form.getByLabel('Channel id').getAttribute('aria-invalid')).toBe('true');
      expect({ page: 'integrations-slack (errors)', violations: await axeViolations(p) }).toEqual({ page: 'integrations-slack (errors)', violations: [] });
      expect(await stored()).toMatchObject({ channelId: null, threadRepliesSendToLead: false, escalationMention: 'here' });

      // Good values: saved, shown, and the workspace binding is kept.
      await form.getByLabel('Channel id').fill(' C0LEADS01 ');
      await form.getByLabel('Who an escalation pings').selectOption('none');
      await form.getByRole('button', { name: 'Save Slack settings' }).click();
      await panel.getByRole('status').filter({ hasText: 'Slack settings saved.' }).waitFor();
      expect(await form.getByRole('alert').count()).toBe(0);
      expect(await form.getByLabel('Channel id').getAttribute('aria-invalid')).toBeNull();
      expect(await stored()).toEqual({
        mode: 'oauth',
        connected: true,
        enabled: true,
        teamId: 'T0HOPPER1',
        channelId: 'C0LEADS01',
        threadRepliesSendToLead: true,
        escalationMention: 'none',
        installUrl: expect.stringMatching(/\/slack\/install\?tenant=/),
      });
      expect(await facts()).toContain('C0LEADS01');
      expect(await facts()).toContain('Texted to the lead');
      expect(await facts()).toContain('No one: post without a ping');
      await checkPage(p, 'integrations-slack');

      // Someone without the admin role sees the same connection and cannot change it or add a workspace.
      const viewerKey = (await slackServer.engine.apiKeys.create(slackServer.demo!.tenantId, { name: 'Viewer laptop', role: 'viewer' })).key;
      const v = await viewerContext.newPage();
      v.setDefaultTimeout(15_000);
      await v.goto(url);
      await v.getByLabel('API key').fill(viewerKey);
      await v.getByRole('button', { name: 'Sign in' }).click();
      await openIntegration(v, 'Slack');
      const read = slackPanel(v);
      await read.getByText('Only admins can change the Slack settings.').waitFor();
      expect(await read.locator('.connect-facts').textContent()).toContain('C0LEADS01');
      expect(await v.getByRole('form', { name: 'Slack settings' }).count()).toBe(0);
      expect(await read.getByRole('link', { name: 'Add to Slack' }).count()).toBe(0);
      expect({ page: 'integrations-slack (viewer)', violations: await axeViolations(v) }).toEqual({ page: 'integrations-slack (viewer)', violations: [] });

      // Paused: said in the status line, and the status table above follows (onChange).
      await form.getByLabel('Enabled', { exact: true }).uncheck();
      await form.getByRole('button', { name: 'Save Slack settings' }).click();
      await panel.getByRole('status').filter({ hasText: 'Slack is paused' }).waitFor();
      await slackRow(p).getByText('Paused').waitFor();
      expect(await panel.locator('.pill').textContent()).toBe('Paused');
      expect(await stored()).toMatchObject({ enabled: false, channelId: 'C0LEADS01', teamId: 'T0HOPPER1' });

      // Disconnected after a confirm step: the settings go, and Tandem uninstalls itself from the workspace with Slack's
      // apps.uninstall (the installation's bot token, the app's client id and secret; answered as Slack documents it).
      expect(await read.getByRole('button', { name: 'Disconnect Slack' }).count()).toBe(0);
      const uninstalled = nock('https://slack.com', { reqheaders: { authorization: 'Bearer xoxb-console-installed' } })
        .post('/api/apps.uninstall', (body: Record<string, string>) => body.client_id === '1111.2222' && body.client_secret === 'console-slack-client-secret')
        .reply(200, { ok: true });
      await panel.getByRole('button', { name: 'Disconnect Slack' }).click();
      const confirm = p.getByRole('group', { name: /^Disconnect Slack\? Tandem stops posting to Slack, the channel and other Slack settings are deleted/ });
      expect({ page: 'integrations-slack (disconnect)', violations: await axeViolations(p) }).toEqual({ page: 'integrations-slack (disconnect)', violations: [] });
      await confirm.getByRole('button', { name: 'Yes, disconnect' }).click();
      await panel.getByRole('status').filter({ hasText: 'Slack disconnected. Tandem was uninstalled from the Slack workspace: its bot token no longer works' }).waitFor();
      expect(uninstalled.isDone()).toBe(true);
      await slackRow(p).getByText('Not connected').waitFor();
      expect(await panel.locator('.pill').textContent()).toBe('Not connected');
      expect(await facts()).toContain('None chosen yet');
      await panel.getByRole('link', { name: 'Add to Slack' }).waitFor();
      expect(await panel.getByRole('button', { name: 'Disconnect Slack' }).count()).toBe(0);
      expect(await stored()).toEqual({
        mode: 'oauth',
        connected: false,
        enabled: true,
        teamId: null,
        channelId: null,
        threadRepliesSendToLead: false,
        escalationMention: 'here',
        installUrl: expect.stringMatching(/\/slack\/install\?tenant=/),
      });
    } finally {
      nock.cleanAll();
      await adminContext.close();
      await viewerContext.close();
      await slackServer?.stop();
      rmSync(slackTmp, { recursive: true, force: true });
    }
  });

  it('integrations: Salesforce: an admin connects an org; bad values, a secret Salesforce refuses and a taken org are refused, storing nothing; then paused, then disconnected after a confirm step', async () => {
    // The connector's own fixtures (connectors/salesforce/salesforce.e2e.test.ts, backend/salesforce.crm-adapter.test.ts).
    const ORG_ID = '00D5g000004XyZ1EAK';
    const INSTANCE = 'https://acme.my.salesforce.com';
    const CLIENT_ID = '3MVG9-consumer-key';
    const CLIENT_SECRET = 'consumer-secret-1';
    const tenantId = server.demo!.tenantId;
    const stored = () => page.evaluate(async () => ((await (await fetch('/api/v1/integrations/salesforce')).json()) as { integration: Record<string, unknown> | null }).integration);
    const form = page.getByRole('form', { name: /Salesforce/ });
    /** The text the field's aria-describedby points at: its hint and its error. */
    const described = (label: string) =>
      form.getByLabel(label, { exact: true }).evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' | '));
    const sfRow = page.getByRole('region', { name: 'Integration status table' }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Salesforce' }) });
    const route = '**/api/v1/integrations/salesforce';
    const other = await server.engine.tenants.create({ name: 'Other Realty', adminName: 'Olly' });
    const viewer = await server.engine.apiKeys.create(tenantId, { name: 'Salesforce viewer', role: 'viewer' });
    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      // A server without the Salesforce connector answers 404: the panel says what to configure.
      await page.route(route, (r) => r.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'route.not_found', message: 'No route for GET /api/v1/integrations/salesforce', details: {} } }) }));
      // A fresh load: a panel fetches only when it mounts.
      await page.goto(`${server.url}/#/integrations/salesforce`);
      await page.reload();
      await page.getByText('This Tandem server has no Salesforce connector').waitFor();
      expect(await page.locator('.connect').filter({ hasText: 'no Salesforce connector' }).textContent()).toContain('salesforceConnector');
      expect(await form.count()).toBe(0);
      await page.unroute(route);
      await page.reload();
      await form.waitFor();
      await sfRow.getByText('Not connected').waitFor();
      expect(await page.getByLabel('Tandem URL (Named Credential and Remote Site)').inputValue()).toBe(server.url);

      // Bad values are refused at their fields, and nothing is stored.
      await form.getByLabel('Organization ID').fill('00Q5g00000AbCdE'); // a Lead id, not an org id
      await form.getByLabel('My Domain URL').fill('http://acme.my.salesforce.com/x');
      await form.getByLabel('Consumer key').fill(CLIENT_ID);
      await form.getByRole('button', { name: 'Connect Salesforce' }).click();
      await form.getByRole('alert').filter({ hasText: 'Not connected: Some fields are missing or not valid' }).waitFor();
      expect(await described('Organization ID')).toContain('Organization ID must be a Salesforce organization id (00D..., 15 or 18 characters)');
      expect(await described('My Domain URL')).toContain('My Domain URL must be your https My Domain URL with no path');
      expect(await described('Consumer secret')).toContain('Consumer secret is required');
      expect(await form.getByLabel('Organization ID').getAttribute('aria-invalid')).toBe('true');
      expect(await form.getByLabel('Consumer key').getAttribute('aria-invalid')).toBeNull();
      expect({ page: 'integrations-salesforce (errors)', violations: await axeViolations(page) }).toEqual({ page: 'integrations-salesforce (errors)', violations: [] });
      expect(await stored()).toBeNull();
      await sfRow.getByText('Not connected').waitFor();

      // An org another workspace connected (and has enabled: the route ignores paused ones) is refused in the
      // alert line; nothing is stored. That workspace has no leads, so nothing syncs for it meanwhile.
      await server.engine.integrations.put(other.tenant.id, 'salesforce', { externalId: ORG_ID, enabled: true, config: { instanceUrl: INSTANCE, clientId: 'x', clientSecret: 'y' } });
      await form.getByLabel('Organization ID').fill(ORG_ID.slice(0, 15));
      await form.getByLabel('My Domain URL').fill('acme.my.salesforce.com/');
      await form.getByLabel('Consumer secret').fill(CLIENT_SECRET);
      await form.getByRole('button', { name: 'Connect Salesforce' }).click();
      await form.getByRole('alert').filter({ hasText: 'This Salesforce org is connected to another Tandem workspace. Disconnect it there first.' }).waitFor();
      expect(await form.getByLabel('Organization ID').getAttribute('aria-invalid')).toBeNull();
      expect(await stored()).toBeNull();
      await sfRow.getByText('Not connected').waitFor();
      await server.engine.integrations.remove(other.tenant.id, 'salesforce');

      // Tandem asks the org for a token with these credentials before storing them. A secret Salesforce refuses
      // (its token endpoint's answer) shows at its field, and nothing is stored.
      const refusedSecret = nock(INSTANCE).post('/services/oauth2/token').reply(400, { error: 'invalid_client', error_description: 'invalid client credentials' });
      await form.getByRole('button', { name: 'Connect Salesforce' }).click();
      await form.getByRole('alert').filter({ hasText: 'Salesforce refused the consumer secret' }).waitFor();
      expect(refusedSecret.isDone()).toBe(true);
      expect(await described('Consumer secret')).toContain("Consumer secret is not this app's consumer secret");
      expect(await form.getByLabel('Consumer secret').getAttribute('aria-invalid')).toBe('true');
      expect(await stored()).toBeNull();

      // The flow not switched on yet in Salesforce (no run-as user): connected, so the admin gets the org key to
      // paste, with a warning that syncing waits for the flow.
      const tokenRequest = nock(INSTANCE).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'no client credentials user enabled' });
      await form.getByRole('button', { name: 'Connect Salesforce' }).click();
      await page.getByRole('status').filter({ hasText: 'Salesforce connected. Copy the new org key into Salesforce now: it is shown once.' }).waitFor();
      expect(tokenRequest.isDone()).toBe(true);
      expect(await page.locator('#sf-warning').textContent()).toContain('the client credentials flow is not enabled for this app or has no run-as user');
      await sfRow.getByText('Connected', { exact: true }).waitFor();
      expect(await sfRow.getByRole('cell').nth(1).textContent()).toBe(ORG_ID);
      expect(await stored()).toEqual({ kind: 'salesforce', orgId: ORG_ID, enabled: true, instanceUrl: INSTANCE, clientId: CLIENT_ID, smsOptOutField: null, hasOrgKey: true, tokenIssuedAt: null });
      await page.getByRole('heading', { name: 'Change the Salesforce connection' }).waitFor();
      expect(await page.locator('.connect-facts').filter({ hasText: 'My Domain URL' }).textContent()).toContain(ORG_ID);
      // The org key, shown once in its own box; Tandem keeps only its hash.
      const keyBox = page.getByRole('region', { name: 'New org key: shown once' });
      const orgKeyField = keyBox.getByLabel('OrgKey');
      const orgKey = await orgKeyField.inputValue();
      expect(orgKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await keyBox.textContent()).toContain('Principals → TandemOrg → Authentication Parameters → OrgKey');
      const record = (await server.engine.integrations.get(tenantId, 'salesforce'))!;
      expect(JSON.stringify(record.config)).not.toContain(orgKey);
      // The consumer secret is never shown again.
      expect(await form.getByLabel('Consumer secret').inputValue()).toBe('');
      expect(await described('Consumer secret')).toContain('Re-enter the consumer secret to change the connection');
      expect(await page.content()).not.toContain(CLIENT_SECRET);
      await checkPage(page, 'integrations-salesforce', [orgKeyField]);
      await keyBox.getByRole('button', { name: 'I have put it in Salesforce, hide the key' }).click();
      expect(await keyBox.count()).toBe(0);
      expect(await page.content()).not.toContain(orgKey);

      // A viewer sees the connection, read-only.
      const viewerPage = await viewerContext.newPage();
      viewerPage.setDefaultTimeout(15_000);
      await viewerPage.goto(`${server.url}/#/integrations/salesforce`);
      await viewerPage.getByLabel('API key').fill(viewer.key);
      await viewerPage.getByRole('button', { name: 'Sign in' }).click();
      await viewerPage.getByText('Only admins can connect or change Salesforce.').waitFor();
      expect(await viewerPage.locator('.connect-facts').filter({ hasText: 'My Domain URL' }).textContent()).toContain(INSTANCE);
      expect(await viewerPage.getByRole('form', { name: /Salesforce/ }).count()).toBe(0);

      // Paused, keeping the org key, so no CRM sync runs for the demo tenant's leads in whatever runs next
      // (the outbox writes crm.sync.salesforce jobs only for tenants whose Salesforce integration is enabled).
      expect(await form.getByLabel('Keep the org key Salesforce has').isChecked()).toBe(true);
      await form.getByLabel('Consumer secret').fill(CLIENT_SECRET);
      await form.getByLabel('Enabled', { exact: true }).uncheck();
      await form.getByRole('button', { name: 'Save Salesforce connection' }).click();
      await page.getByRole('status').filter({ hasText: 'Salesforce connected, paused' }).waitFor();
      expect(await page.getByRole('status').filter({ hasText: 'Salesforce connected, paused' }).textContent()).not.toContain('org key');
      expect(await keyBox.count()).toBe(0);
      await sfRow.getByText('Paused').waitFor();
      expect(await stored()).toMatchObject({ orgId: ORG_ID, enabled: false, hasOrgKey: true });
      expect((await server.engine.integrations.get(tenantId, 'salesforce'))!.config.orgKeySha256).toBe(record.config.orgKeySha256);

      // Disconnected after a confirm step that says what stops (Cancel first, and focus goes back); the answer
      // says what to remove on Salesforce's side, and the status table follows.
      const disconnectButton = page.getByRole('button', { name: 'Disconnect Salesforce' });
      await disconnectButton.click();
      const confirm = page.getByRole('group', { name: /^Disconnect Salesforce\? The org key stops working at once/ });
      expect(await confirm.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === document.activeElement)).toBe(true);
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      expect(await disconnectButton.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await stored()).toMatchObject({ orgId: ORG_ID });
      await disconnectButton.click();
      await confirm.getByRole('button', { name: 'Yes, disconnect' }).click();
      await page.getByRole('status').filter({ hasText: 'Disconnected: the org key no longer works' }).waitFor();
      // Disconnect sits at the bottom of a panel taller than the window: its outcome is brought into view.
      expect(await inView(page.getByRole('status').filter({ hasText: 'Disconnected: the org key no longer works' }))).toBe(true);
      await sfRow.getByText('Not connected').waitFor();
      await page.getByRole('heading', { name: 'Connect Salesforce' }).waitFor();
      expect(await stored()).toBeNull();
      expect(await server.engine.integrations.get(tenantId, 'salesforce')).toBeNull();
    } finally {
      nock.cleanAll();
      await page.unroute(route);
      await viewerContext.close();
      await server.engine.apiKeys.revoke(tenantId, viewer.info.id);
      await server.engine.integrations.remove(other.tenant.id, 'salesforce');
    }
  });

  it('integrations: HubSpot: the install way says it is not configured; a token HubSpot refuses shows at its field and stores nothing; a good one connects; others only read; then paused, then disconnected', async () => {
    const { HUBSPOT_SCOPES, TANDEM_CONTACT_PROPERTIES } = await import('../connectors/hubspot/index');
    const API = 'https://api.hubapi.com';
    const token = 'pat-na1-11111111-2222-3333-4444-555555555555';
    const wrongToken = 'pat-na1-99999999-8888-7777-6666-000000000000';
    const tenantId = server.demo!.tenantId;
    // HubSpot's answers as connectors/hubspot/hubspot-admin.routes.test.ts has them: `GET /account-info/v3/details`
    // (its account-information docs) and its 401 for a token it does not know.
    const accountDetails = { portalId: 62515, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [], utcOffset: '-05:00', utcOffsetMilliseconds: -18000000, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' };
    const unauthenticated = {
      status: 'error',
      message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      correlationId: '3d2d2b8e-1b9a-4c53-a9b4-0b1f4f4f5a11',
      category: 'INVALID_AUTHENTICATION',
    };
    const hubspotPanel = (p: Page) => p.locator('.connect').filter({ has: p.getByRole('heading', { name: 'HubSpot connection', level: 3 }) });
    const hubspotRow = (p: Page) => p.getByRole('region', { name: 'Integration status table' }).getByRole('row').filter({ has: p.getByRole('rowheader', { name: 'HubSpot' }) });
    const stored = () => page.evaluate(async () => ((await (await fetch('/api/v1/integrations/hubspot')).json()) as { hubspot: Record<string, unknown> }).hubspot);
    const panel = hubspotPanel(page);
    const form = page.getByRole('form', { name: 'Connect with a private app token' });
    const tokenField = form.getByLabel('Private app access token', { exact: true });
    const described = () => tokenField.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' | '));
    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    let viewerKeyId: string | null = null;
    try {
      await openIntegration(page, 'HubSpot');
      await panel.getByText('Not connected.', { exact: false }).waitFor();
      await hubspotRow(page).getByText('Not connected').waitFor();
      expect(await panel.locator('.connect-facts').count()).toBe(0);
      // The token field says where to make one and which scopes it needs: the server's own list, less `oauth`.
      const hint = await described();
      expect(hint).toContain('Settings → Integrations → Private apps');
      for (const scope of HUBSPOT_SCOPES.filter((s) => s !== 'oauth')) expect(hint).toContain(scope);
      expect(await tokenField.getAttribute('type')).toBe('password');
      expect(await tokenField.inputValue()).toBe('');

      // This server has no HubSpot public app (no HUBSPOT_* settings): the install way answers 503, says so, and closes.
      await panel.getByRole('button', { name: 'Install the HubSpot app' }).click();
      await panel.getByRole('alert').filter({ hasText: 'The HubSpot public app is not configured on this server (HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET). Connect a private app token instead.' }).waitFor();
      expect(await panel.getByRole('button', { name: 'Install the HubSpot app' }).count()).toBe(0);
      expect(await tokenField.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(page.url()).toMatch(/#\/integrations\/hubspot$/);

      // A token HubSpot refuses (401): said at the field and in the alert; nothing stored.
      const refused = nock(API, { reqheaders: { authorization: `Bearer ${wrongToken}` } }).get('/account-info/v3/details').reply(401, unauthenticated);
      await tokenField.fill(wrongToken);
      await form.getByRole('button', { name: 'Connect HubSpot' }).click();
      await form.getByRole('alert').filter({ hasText: 'Not connected: HubSpot refused this token: it is wrong, expired or revoked.' }).waitFor();
      expect(refused.isDone()).toBe(true);
      expect(await described()).toContain('HubSpot refused this token');
      expect(await tokenField.getAttribute('aria-invalid')).toBe('true');
      expect({ page: 'integrations-hubspot (errors)', violations: await axeViolations(page) }).toEqual({ page: 'integrations-hubspot (errors)', violations: [] });
      expect(await stored()).toEqual({ connected: false, enabled: false, portalId: null, mode: null });
      await hubspotRow(page).getByText('Not connected').waitFor();

      // A good token: HubSpot names the portal, Tandem's property group and properties are created, then it is stored.
      const accepted = nock(API, { reqheaders: { authorization: `Bearer ${token}` } })
        .get('/account-info/v3/details')
        .reply(200, accountDetails)
        .get('/crm/v3/properties/contacts/groups/tandem')
        .reply(404, { status: 'error', message: 'group not found', category: 'OBJECT_NOT_FOUND' })
        .post('/crm/v3/properties/contacts/groups', { name: 'tandem', label: 'Tandem', displayOrder: -1 })
        .reply(201, { name: 'tandem', label: 'Tandem', displayOrder: -1, archived: false })
        .post('/crm/v3/properties/contacts/batch/read')
        .reply(200, { status: 'COMPLETE', results: [], startedAt: 'x', completedAt: 'x' })
        .post('/crm/v3/properties/contacts/batch/create', (b: { inputs: Array<{ name: string }> }) => b.inputs.map((i) => i.name).join() === TANDEM_CONTACT_PROPERTIES.map((p) => p.name).join())
        .reply(201, { status: 'COMPLETE', results: [], startedAt: 'x', completedAt: 'x' });
      await tokenField.fill(` ${token} `);
      await form.getByRole('button', { name: 'Connect HubSpot' }).click();
      await panel
        .getByRole('status')
        .filter({ hasText: `HubSpot account 62515 connected. Created Tandem’s contact properties: ${TANDEM_CONTACT_PROPERTIES.map((p) => p.name).join(', ')}.` })
        .waitFor();
      expect(accepted.isDone()).toBe(true);
      expect(await form.getByRole('alert').count()).toBe(0);
      expect(await tokenField.getAttribute('aria-invalid')).toBeNull();
      await hubspotRow(page).getByText('Connected', { exact: true }).waitFor();
      expect(await hubspotRow(page).getByRole('cell').nth(1).textContent()).toBe('62515');
      expect(await stored()).toEqual({ connected: true, enabled: true, portalId: '62515', mode: 'private_app' });
      const facts = await panel.locator('.connect-facts').textContent();
      expect(facts).toContain('62515');
      expect(facts).toContain('Private app token');
      expect(facts).toContain('Enabled');
      await form.getByRole('button', { name: 'Save HubSpot connection' }).waitFor();
      // The token is never shown again.
      expect(await tokenField.inputValue()).toBe('');
      expect(await page.content()).not.toContain(token);
      await checkPage(page, 'integrations-hubspot');

      // Someone without the admin role sees the connection, and no way to change it.
      const viewer = await server.engine.apiKeys.create(tenantId, { name: 'HubSpot viewer', role: 'viewer' });
      viewerKeyId = viewer.info.id;
      const v = await viewerContext.newPage();
      v.setDefaultTimeout(15_000);
      await v.goto(server.url);
      await v.getByLabel('API key').fill(viewer.key);
      await v.getByRole('button', { name: 'Sign in' }).click();
      await openIntegration(v, 'HubSpot');
      const read = hubspotPanel(v);
      await read.getByText('Only admins can connect or change HubSpot.').waitFor();
      expect(await read.locator('.connect-facts').textContent()).toContain('62515');
      expect(await v.getByRole('form', { name: 'Connect with a private app token' }).count()).toBe(0);
      expect(await read.getByRole('button').count()).toBe(0);
      expect({ page: 'integrations-hubspot (viewer)', violations: await axeViolations(v) }).toEqual({ page: 'integrations-hubspot (viewer)', violations: [] });
    } finally {
      nock.cleanAll();
      await viewerContext.close();
      if (viewerKeyId) await server.engine.apiKeys.revoke(tenantId, viewerKeyId);
      // Paused for whatever runs next: while the demo tenant's HubSpot is enabled every lead event queues a
      // crm.sync.hubspot job that calls HubSpot (the outbox only writes those rows for an enabled integration,
      // and the relay checks again when it claims one). No HubSpot route pauses, so the engine does it.
      const connection = await server.engine.integrations.get(tenantId, 'hubspot');
      if (connection?.enabled) await server.engine.integrations.put(tenantId, 'hubspot', { externalId: connection.externalId, config: connection.config, enabled: false });
    }
    // The panel and the status table show it paused.
    await page.reload();
    await panel.locator('.pill').filter({ hasText: /^Paused$/ }).waitFor();
    await panel.getByText('Paused: leads and texts are not sent to HubSpot.').waitFor();
    await hubspotRow(page).getByText('Paused').waitFor();
    expect(await stored()).toEqual({ connected: true, enabled: false, portalId: '62515', mode: 'private_app' });

    // Disconnected from the panel. HubSpot has no API to revoke a private app token (no HubSpot call is made),
    // so the answer says where to delete the app.
    await page.getByRole('button', { name: 'Disconnect HubSpot' }).click();
    await page.getByRole('group', { name: /^Disconnect HubSpot\? Leads and texts stop syncing/ }).getByRole('button', { name: 'Yes, disconnect' }).click();
    await panel.getByRole('status').filter({ hasText: 'HubSpot disconnected. HubSpot has no API to revoke a private app token: delete the private app in HubSpot' }).waitFor();
    await hubspotRow(page).getByText('Not connected').waitFor();
    expect(await stored()).toEqual({ connected: false, enabled: false, portalId: null, mode: null });
  });

  it('never trips the Content Security Policy', () => {
    expect(pageErrors).toEqual([]);
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Tandem console' }).waitFor();
    expect((await page.context().cookies()).find((c) => c.name === 'tandem_session')).toBeUndefined();
    const res = await page.evaluate(async () => (await fetch('/api/v1/conversations')).status);
    expect(res).toBe(401);
  });
});
