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
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { compose, connectors, routes, seedDemo } from '../server/compose';
import { loadConfig } from '../server/config';
import { startServer, type RunningServer } from '../server/main';
import { buildConsole } from './build';

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

/** axe, then screenshots at 1280 and 375 px, and no sideways scrolling at 375 px. */
async function checkPage(p: Page, name: string): Promise<void> {
  await p.setViewportSize({ width: 1280, height: 900 });
  expect({ page: name, violations: await axeViolations(p) }).toEqual({ page: name, violations: [] });
  await p.screenshot({ path: path.join(SCREENSHOTS, `console-${name}-1280.png`), fullPage: true });
  await p.setViewportSize({ width: 375, height: 812 });
  await p.waitForTimeout(100);
  expect({ page: name, violations: await axeViolations(p) }).toEqual({ page: name, violations: [] });
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect({ page: name, overflow }).toEqual({ page: name, overflow: 0 });
  await p.screenshot({ path: path.join(SCREENSHOTS, `console-${name}-375.png`), fullPage: true });
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
    const saved = await page.evaluate(async () => (await (await fetch('/api/v1/forms')).json()) as { forms: Array<{ definition: { title: string; fields: Array<{ name: string }> } }> });
    expect(saved.forms[0]!.definition.title).toBe('Book a viewing');
    expect(saved.forms[0]!.definition.fields.map((f) => f.name)).toContain('budget');
  });

  it('settings: autonomy, voice, knowledge, quiet hours and cadence save; integrations and failed jobs show', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Integrations' }).waitFor();
    await checkPage(page, 'settings');
    for (const name of ['Twilio', 'Slack', 'HubSpot', 'Salesforce', 'OpenAI']) await page.getByRole('rowheader', { name }).waitFor();
    await page.getByRole('heading', { name: 'Failed jobs' }).waitFor();

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
    const s = await page.evaluate(async () => ((await (await fetch('/api/v1/settings')).json()) as { settings: Record<string, unknown> }).settings);
    expect(s).toMatchObject({ businessName: 'Hopper Homes', followUpCadenceDays: [2, 5], quietHours: { start: '08:00', end: '20:00' }, knowledge: expect.arrayContaining([expect.objectContaining({ title: 'Viewing fees', body: 'Viewings are free; our fee is 1.5% of the sale price.' })]) });

    await page.getByLabel('Follow-up cadence (days)').fill('0, 500');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Whole days from 1 to 90').waitFor();
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
