import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Renders the Slack app manifest for a deployment: `tsx manifests/slack/render.ts https://public.url [--write]`
 * prints manifest.json (or writes it beside the template with --write). Paste it in
 * api.slack.com/apps → Create New App → From a manifest.
 */

const TEMPLATE = join(__dirname, 'manifest.template.json');

/** Fills the template with the public URL; refuses anything that is not an absolute http(s) URL. */
export function renderSlackManifest(publicUrl: string, template = readFileSync(TEMPLATE, 'utf8')): Record<string, unknown> {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new Error(`slack manifest: "${publicUrl}" is not a URL; pass the server's public URL, e.g. https://tandem.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('slack manifest: the public URL must be http(s) (Slack requires https in production)');
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  // JSON-escape the URL before it lands inside JSON strings.
  const rendered = template.split('{{PUBLIC_URL}}').join(JSON.stringify(base).slice(1, -1));
  return JSON.parse(rendered) as Record<string, unknown>;
}

if (require.main === module) {
  const [publicUrl, flag] = process.argv.slice(2);
  if (!publicUrl) {
    process.stderr.write('usage: tsx manifests/slack/render.ts https://public.url [--write]\n');
    process.exit(2);
  }
  try {
    const json = `${JSON.stringify(renderSlackManifest(publicUrl), null, 2)}\n`;
    if (flag === '--write') {
      const out = join(__dirname, 'manifest.json');
      writeFileSync(out, json);
      process.stdout.write(`wrote ${out}\n`);
    } else {
      process.stdout.write(json);
    }
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
