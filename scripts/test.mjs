#!/usr/bin/env node
// `npm test`: the root suite (core, server, connectors' server side, widget, browser tests), then the
// platform-native sub-projects, each with the test runner its platform prescribes. Installs a
// sub-project's dependencies on first use. Ends with one line: "tandem: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const subProjects = [
  { name: 'HubSpot card', dir: 'connectors/hubspot/project/src/app/cards' },
  { name: 'Salesforce LWC', dir: 'connectors/salesforce' },
];
const args = process.argv.slice(2);
const onlyJest = args.includes('--root-only');
const jestArgs = args.filter((a) => a !== '--root-only');

let passed = 0;
let failed = 0;
let failedRuns = 0;

function run(name, cmd, cmdArgs, cwd, env = {}) {
  process.stdout.write(`\n== ${name} ==\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 512 * 1024 * 1024 });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  const text = `${r.stdout}\n${r.stderr}`;
  const m = /Tests:\s+(?:(\d+) failed, )?(?:(\d+) skipped, )?(?:(\d+) todo, )?(?:(\d+) passed, )?(\d+) total/.exec(text);
  if (m) {
    failed += Number(m[1] ?? 0);
    passed += Number(m[4] ?? 0);
  }
  if (r.status !== 0) {
    failedRuns++;
    if (!m || Number(m[1] ?? 0) === 0) failed++; // a runner that crashed counts as a failure
  }
}

run('Tandem (jest)', 'npx', ['jest', ...jestArgs], root, { NODE_OPTIONS: '--experimental-vm-modules' });

if (!onlyJest) {
  for (const p of subProjects) {
    const dir = join(root, p.dir);
    if (!existsSync(join(dir, 'package.json'))) continue;
    if (!existsSync(join(dir, 'node_modules'))) {
      const install = spawnSync('npm', [existsSync(join(dir, 'package-lock.json')) ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
      if (install.status !== 0) {
        failed++;
        failedRuns++;
        continue;
      }
    }
    run(p.name, 'npm', ['test', '--silent'], dir);
  }
}

process.stdout.write(`\ntandem: ${passed} passed, ${failed} failed\n`);
process.exit(failedRuns > 0 || failed > 0 ? 1 : 0);
