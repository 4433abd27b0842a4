import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'server', 'bin', 'tandem.ts');
const cleanEnv = () => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn' };
  return env;
};

function runCli(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `tandem start`, waits for /healthz, returns the process, its output and how long it took. */
async function start(env: NodeJS.ProcessEnv, port: number) {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], { cwd: ROOT, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tandem exited early: ${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() - t0 > 90_000) throw new Error(`no /healthz after 90 s: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // /healthz answers as soon as the server listens; the banner follows once start-up returns, which on a
  // loaded machine can be seconds later. Wait for the banner's closing blank line, not a fixed pause.
  while (!/Tandem is running[\s\S]*\n\n/.test(out)) {
    if (child.exitCode !== null) throw new Error(`tandem exited early: ${out}`);
    if (Date.now() - t0 > 90_000) throw new Error(`no start-up banner after 90 s: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, ms: Date.now() - t0 };
}

async function stop(child: ReturnType<typeof spawn>) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return child.exitCode;
}

describe('tandem CLI', () => {
  jest.setTimeout(180_000);

  it('fails with one clear line and a non-zero exit when the database is unreachable', () => {
    const r = runCli(['start'], { ...cleanEnv(), DATABASE_URL: 'postgres://tandem@127.0.0.1:1/nowhere', TANDEM_SECRET_KEY: 'a'.repeat(64), PORT: '0' });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tandem: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/nowhere \(ECONNREFUSED\); check DATABASE_URL$/);
  });

  it('fails with one clear line when TANDEM_SECRET_KEY is malformed', () => {
    const r = runCli(['start'], { ...cleanEnv(), TANDEM_SECRET_KEY: 'not-a-key', TANDEM_DATA_DIR: mkdtempSync(join(tmpdir(), 'tandem-cli-')) });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'tandem: invalid configuration: TANDEM_SECRET_KEY: TANDEM_SECRET_KEY must be 32 bytes given as 64 hex characters or base64',
    ]);
  });

  it('refuses an unknown role', () => {
    const r = runCli(['start', '--role', 'boss'], { ...cleanEnv(), TANDEM_DATA_DIR: mkdtempSync(join(tmpdir(), 'tandem-cli-')) });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--role must be all, api or worker/);
  });

  it('starts on the embedded default with nothing configured and keeps the demo tenant across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
    const env = { ...cleanEnv(), TANDEM_DATA_DIR: dataDir };
    try {
      const port = await freePort();
      const first = await start(env, port);
      const key = /Demo API key: (tdm_\S+)/.exec(first.output())?.[1];
      expect(key).toBeDefined();
      expect(first.output()).toContain(`Local URL:    http://localhost:${port}`);
      const tenant1 = await (await fetch(`http://127.0.0.1:${port}/api/v1/tenant`, { headers: { authorization: `Bearer ${key}` } })).json();
      expect(await stop(first.child)).toBe(0);

      const second = await start(env, port);
      expect(second.output()).toContain(`Demo API key: ${key}`);
      const tenant2 = await (await fetch(`http://127.0.0.1:${port}/api/v1/tenant`, { headers: { authorization: `Bearer ${key}` } })).json();
      expect(tenant2.tenant.id).toBe(tenant1.tenant.id);
      expect(await stop(second.child)).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
