import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubspotInstallUrl } from '../../connectors/hubspot';
import { HUBSPOT_SCOPES } from '../../connectors/hubspot/hubspot-oauth';
import { normalisePublicUrl, PROJECT_DIR, renderAppConfig, renderCardConfig, writeProjectConfig } from './render';

interface AppConfig {
  uid: string;
  config: { distribution: string; auth: { type: string; redirectUrls?: string[]; requiredScopes: string[] }; permittedUrls: { fetch: string[] } };
}

function hsmetaFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return hsmetaFiles(path);
    return name.endsWith('-hsmeta.json') ? [path] : [];
  });
}

describe('HubSpot app config rendering', () => {
  it('permittedUrls.fetch holds the public URL, HTTPS only, and the redirect URL is the one the connector uses', () => {
    const app = renderAppConfig('https://crm-sms.acme.io/') as unknown as AppConfig;
    expect(app.config.permittedUrls.fetch).toEqual(['https://crm-sms.acme.io']);
    for (const url of app.config.permittedUrls.fetch) expect(new URL(url).protocol).toBe('https:');

    const installUrl = hubspotInstallUrl({ publicUrl: 'https://crm-sms.acme.io/', hubspot: { clientId: 'cid', clientSecret: 'cs' } }, 't1');
    const redirectUri = new URL(installUrl!).searchParams.get('redirect_uri');
    expect(app.config.auth.redirectUrls).toEqual([redirectUri]);
    expect(app.config.auth.requiredScopes).toEqual([...HUBSPOT_SCOPES]);
  });

  it('renders a private single-portal app with --static', () => {
    const app = renderAppConfig('https://crm-sms.acme.io', { static: true }) as unknown as AppConfig;
    expect(app.config.distribution).toBe('private');
    expect(app.config.auth.type).toBe('static');
    expect(app.config.auth.redirectUrls).toBeUndefined();
  });

  it.each([
    ['http://tandem.example.com', /HTTPS/],
    ['https://localhost:3000', /localhost/],
    ['https://tandem.example.com/?x=1', /query string/],
    ['not a url', /not a URL/],
  ])('refuses %s', (url, message) => {
    expect(() => normalisePublicUrl(url)).toThrow(message);
  });

  it('writes app-hsmeta.json and the card config together', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-hs-'));
    mkdirSync(join(dir, 'src', 'app', 'cards'), { recursive: true });
    writeProjectConfig('https://sms.acme.io', {}, dir);
    const app = JSON.parse(readFileSync(join(dir, 'src', 'app', 'app-hsmeta.json'), 'utf8')) as AppConfig;
    expect(app.config.permittedUrls.fetch).toEqual(['https://sms.acme.io']);
    expect(readFileSync(join(dir, 'src', 'app', 'cards', 'tandem-config.ts'), 'utf8')).toBe(renderCardConfig('https://sms.acme.io'));
    expect(renderCardConfig('https://sms.acme.io')).toContain('export const TANDEM_BASE_URL = "https://sms.acme.io";');
  });
});

describe('the committed HubSpot project', () => {
  const files = hsmetaFiles(join(PROJECT_DIR, 'src'));
  const metas = files.map((f) => ({ file: f, json: JSON.parse(readFileSync(f, 'utf8')) as { uid: string; type: string; config: Record<string, unknown> } }));

  it('is on platform 2025.2', () => {
    expect(JSON.parse(readFileSync(join(PROJECT_DIR, 'hsproject.json'), 'utf8'))).toMatchObject({ srcDir: 'src', platformVersion: '2025.2' });
  });

  it('has unique uids across every *-hsmeta.json', () => {
    const uids = metas.map((m) => m.json.uid);
    expect(uids.length).toBeGreaterThanOrEqual(3);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(uid).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
  });

  it('has the contact card in the sidebar and as a tab, each with an existing entrypoint', () => {
    const cards = metas.filter((m) => m.json.type === 'card');
    expect(cards.map((c) => c.json.config.location).sort()).toEqual(['crm.record.sidebar', 'crm.record.tab']);
    for (const card of cards) {
      expect(card.json.config.objectTypes).toEqual(['contacts']);
      expect(statSync(join(PROJECT_DIR, 'src', String(card.json.config.entrypoint))).isFile()).toBe(true);
    }
  });

  it('permits fetches to the URL the card calls', () => {
    const app = metas.find((m) => m.json.type === 'app')!.json as unknown as AppConfig;
    const cardConfig = readFileSync(join(PROJECT_DIR, 'src', 'app', 'cards', 'tandem-config.ts'), 'utf8');
    const base = /TANDEM_BASE_URL = ["']([^"']+)["']/.exec(cardConfig)?.[1];
    expect(base).toBeDefined();
    expect(app.config.permittedUrls.fetch).toContain(base);
    expect(base!.startsWith('https://')).toBe(true);
  });
});
