/**
 * Renders the HubSpot project config for one deployment:
 *   tsx manifests/hubspot/render.ts https://tandem.example.com [--static]
 * writes connectors/hubspot/project/src/app/app-hsmeta.json (scopes, permittedUrls.fetch, redirect URL)
 * and the card's tandem-config.ts (where hubspot.fetch calls go). `--static` renders a private app for
 * one portal (static auth, no OAuth redirect).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUBSPOT_SCOPES } from '../../connectors/hubspot/hubspot-oauth';

export const PROJECT_DIR = join(__dirname, '..', '..', 'connectors', 'hubspot', 'project');
const TEMPLATE = join(__dirname, 'app-hsmeta.template.json');

export interface RenderOptions {
  /** Private app for a single portal (static token) instead of a public OAuth app. */
  static?: boolean;
}

/** Checks and normalises the public URL: HTTPS (HubSpot refuses anything else), no localhost, no trailing slash. */
export function normalisePublicUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new Error(`PUBLIC_URL is not a URL: ${JSON.stringify(input)}`);
  }
  if (url.protocol !== 'https:') throw new Error(`HubSpot only calls HTTPS URLs; got ${url.protocol}//. Use a tunnel or HubSpot's local proxy for development.`);
  if (/^(localhost|127\.|\[::1\])/.test(url.hostname)) throw new Error('HubSpot cannot reach localhost: use a public HTTPS URL (or local.json proxy with `hs project dev`).');
  if (url.search || url.hash) throw new Error('PUBLIC_URL must not carry a query string or fragment.');
  return url.toString().replace(/\/+$/, '');
}

/** The app-hsmeta.json object for this public URL. Scopes come from the connector's code. */
export function renderAppConfig(publicUrl: string, opts: RenderOptions = {}): Record<string, unknown> {
  const base = normalisePublicUrl(publicUrl);
  const text = readFileSync(TEMPLATE, 'utf8').split('{{PUBLIC_URL}}').join(base);
  const app = JSON.parse(text) as { config: { distribution: string; auth: Record<string, unknown> } };
  app.config.auth.requiredScopes = [...HUBSPOT_SCOPES];
  if (opts.static) {
    app.config.distribution = 'private';
    app.config.auth.type = 'static';
    delete app.config.auth.redirectUrls;
  }
  return app;
}

/** The card's tandem-config.ts for this public URL. */
export function renderCardConfig(publicUrl: string): string {
  const base = normalisePublicUrl(publicUrl);
  return [
    '/**',
    " * Where the card's `hubspot.fetch` calls go. Written by `tsx manifests/hubspot/render.ts <PUBLIC_URL>`;",
    ' * it must also be listed in app-hsmeta.json `permittedUrls.fetch` (the same script writes both).',
    ' */',
    `export const TANDEM_BASE_URL = ${JSON.stringify(base)};`,
    '',
  ].join('\n');
}

/** Writes both files into the HubSpot project; returns the paths written. */
export function writeProjectConfig(publicUrl: string, opts: RenderOptions = {}, projectDir = PROJECT_DIR): string[] {
  const appPath = join(projectDir, 'src', 'app', 'app-hsmeta.json');
  const cardConfigPath = join(projectDir, 'src', 'app', 'cards', 'tandem-config.ts');
  writeFileSync(appPath, `${JSON.stringify(renderAppConfig(publicUrl, opts), null, 2)}\n`);
  writeFileSync(cardConfigPath, renderCardConfig(publicUrl));
  return [appPath, cardConfigPath];
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const url = args.find((a) => !a.startsWith('--')) ?? process.env.PUBLIC_URL;
  if (!url) {
    process.stderr.write('usage: tsx manifests/hubspot/render.ts <PUBLIC_URL> [--static]\n');
    process.exit(2);
  }
  try {
    for (const path of writeProjectConfig(url, { static: args.includes('--static') })) process.stdout.write(`wrote ${path}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
