import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs lowerProcessPriority in a child process (the test runner's own priority must not change) and
 * reports the niceness of every thread the child has, read from /proc, before and after.
 */
function niceness(calls: number[]): { before: number[]; after: number[]; returned: number[] } {
  const script = `
    const { readdirSync, readFileSync } = require('node:fs');
    const { Worker } = require('node:worker_threads');
    const { lowerProcessPriority } = require(${JSON.stringify(join(__dirname, 'process-priority.ts'))});
    const threads = () => readdirSync('/proc/self/task').map((t) => Number(readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ')[16]));
    // A thread started before the call, like V8's and libuv's helpers.
    const w = new Worker('setInterval(() => {}, 1000)', { eval: true });
    w.once('online', () => {
      const before = threads();
      const returned = ${JSON.stringify(calls)}.map((n) => lowerProcessPriority(n));
      const after = threads();
      process.stdout.write(JSON.stringify({ before, after, returned }));
      process.exit(0);
    });`;
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' }));
}

// Linux only (/proc), like the deployments it serves.
describe('lowerProcessPriority', () => {
  it('lowers every thread of the process, including those already started', () => {
    const r = niceness([10]);
    expect(r.before.length).toBeGreaterThan(2);
    expect(new Set(r.before)).toEqual(new Set([0]));
    expect(r.returned).toEqual([10]);
    expect(new Set(r.after)).toEqual(new Set([10]));
  });

  it('never raises a priority already lowered, and clamps to 0..19', () => {
    const r = niceness([12, 5, 40]);
    expect(r.returned).toEqual([12, 12, 19]);
    expect(new Set(r.after)).toEqual(new Set([19]));
  });
});

/** Starts `tandem start --role ROLE` on the embedded default and reads each thread's niceness once it runs. */
async function startedNiceness(role: string, env: Record<string, string> = {}): Promise<number[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-priority-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'bin/tandem.ts'), 'start', '--role', role], {
    env: { PATH: process.env.PATH, TANDEM_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', TANDEM_DEMO: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Tandem is running')) resolve();
      });
      child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', (code) => reject(new Error(`tandem exited with ${code}: ${out}`)));
    });
    const task = `/proc/${child.pid}/task`;
    return readdirSync(task).map((t) => Number(readFileSync(`${task}/${t}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('tandem start', () => {
  it('runs a worker process at WORKER_NICE, and an API process at normal priority', async () => {
    expect(new Set(await startedNiceness('worker', { WORKER_NICE: '7' }))).toEqual(new Set([7]));
    expect(new Set(await startedNiceness('api'))).toEqual(new Set([0]));
  }, 60_000);
});
