/**
 * Builds the script embed: widget/dist/widget.js (the form, preact/compat standing in for React) and
 * widget/dist/widget-phone.js (the shared phone parser, loaded after the form shows). Prints gzipped
 * sizes and fails when widget.js is over its 15 KB gzipped budget.
 *
 *   npm run build:widget            # build, check the budget
 *   npm run bench:widget-size       # same, plus a JSON line of sizes for tracking
 */
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const WIDGET_BUDGET_GZIP_BYTES = 15 * 1024;

export interface WidgetBuildResult {
  widgetPath: string;
  phonePath: string;
  /** gzip -9 sizes in bytes. */
  widgetGzip: number;
  phoneGzip: number;
  widgetRaw: number;
  phoneRaw: number;
}

const here = __dirname;
const gzipSize = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

/** Bundles both scripts into `outdir` (default widget/dist) and measures them. */
export async function buildWidget(outdir = path.join(here, 'dist')): Promise<WidgetBuildResult> {
  const common = {
    bundle: true,
    minify: true,
    format: 'iife' as const,
    target: ['es2019', 'chrome80', 'firefox78', 'safari13'],
    legalComments: 'none' as const,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning' as const,
  };
  const widgetPath = path.join(outdir, 'widget.js');
  const phonePath = path.join(outdir, 'widget-phone.js');
  await build({
    ...common,
    entryPoints: [path.join(here, 'src/embed.tsx')],
    outfile: widgetPath,
    jsx: 'automatic',
    // One component source for React sites and for the embed: here React is preact/compat (~7 KB, not ~68 KB).
    alias: { react: 'preact/compat', 'react-dom': 'preact/compat' },
  });
  await build({ ...common, entryPoints: [path.join(here, 'src/phone-entry.ts')], outfile: phonePath });
  return {
    widgetPath,
    phonePath,
    widgetGzip: gzipSize(widgetPath),
    phoneGzip: gzipSize(phonePath),
    widgetRaw: readFileSync(widgetPath).length,
    phoneRaw: readFileSync(phonePath).length,
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;

async function main(): Promise<void> {
  const r = await buildWidget();
  console.log(`widget.js        ${kb(r.widgetRaw)} minified, ${kb(r.widgetGzip)} gzipped (budget ${kb(WIDGET_BUDGET_GZIP_BYTES)})`);
  console.log(`widget-phone.js  ${kb(r.phoneRaw)} minified, ${kb(r.phoneGzip)} gzipped (loaded after the form shows)`);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ widgetGzip: r.widgetGzip, phoneGzip: r.phoneGzip, budget: WIDGET_BUDGET_GZIP_BYTES }));
  }
  if (r.widgetGzip > WIDGET_BUDGET_GZIP_BYTES) {
    console.error(`widget.js is ${kb(r.widgetGzip)} gzipped: over the ${kb(WIDGET_BUDGET_GZIP_BYTES)} budget.`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
