/**
 * Builds the local console into console/dist: index.html, console.css and console.js (React 19, bundled
 * with esbuild). The server serves that folder at / (server/routes/console.routes.ts).
 *
 *   npm run build:console
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const CONSOLE_DIST = path.join(__dirname, 'dist');

/** Bundles the console into `outdir` (default console/dist); returns the gzipped size of console.js. */
export async function buildConsole(outdir = CONSOLE_DIST): Promise<{ outdir: string; jsGzip: number }> {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [path.join(__dirname, 'src/main.tsx')],
    outdir,
    entryNames: 'console',
    chunkNames: 'chunks/[name]-[hash]',
    // ES modules so the form editor (zod, phone metadata) splits into a chunk loaded on demand.
    splitting: true,
    bundle: true,
    minify: true,
    format: 'esm',
    jsx: 'automatic',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  copyFileSync(path.join(__dirname, 'src/index.html'), path.join(outdir, 'index.html'));
  copyFileSync(path.join(__dirname, 'src/console.css'), path.join(outdir, 'console.css'));
  const js = path.join(outdir, 'console.js');
  statSync(js);
  return { outdir, jsGzip: gzipSync(readFileSync(js), { level: 9 }).length };
}

if (require.main === module) {
  buildConsole().then(
    (r) => console.log(`console built in ${path.relative(process.cwd(), r.outdir) || '.'}: console.js ${(r.jsGzip / 1024).toFixed(1)} KB gzipped`),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
