/**
 * Renders the Salesforce metadata that depends on PUBLIC_URL into the SFDX project's `tandem-config`
 * package directory:
 *
 *   tsx manifests/salesforce/render.ts https://tandem.example.com [--run-as integration@acme.com]
 *                                      [--contact-email admin@acme.com] [--out <dir>]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeSalesforceManifests } from './salesforce-manifest';

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'run-as': { type: 'string' },
      'contact-email': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const publicUrl = positionals[0] ?? process.env.PUBLIC_URL;
  if (!publicUrl) {
    throw new Error('Usage: tsx manifests/salesforce/render.ts <PUBLIC_URL> [--run-as <username>] [--contact-email <email>] [--out <dir>]');
  }
  const outDir = path.resolve(values.out ?? path.join(__dirname, '../../connectors/salesforce/tandem-config'));
  const files = writeSalesforceManifests(
    { publicUrl, runAsUsername: values['run-as'], contactEmail: values['contact-email'] },
    outDir,
  );
  process.stdout.write(`Rendered ${files.length} Salesforce metadata files for ${publicUrl} into ${outDir}\n`);
  for (const file of files) process.stdout.write(`  ${file.path}\n`);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
