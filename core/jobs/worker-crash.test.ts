import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, testRunKeyPrefix } from '../../test/helpers/test-queue';
import { openTestStore } from '../../test/helpers/test-store';
import { openStore } from '../store/data-source';
import { one } from '../store/sql';
import { JobRegistry } from './job-registry';
import { Outbox } from './outbox';

const WORKER = join(__dirname, '..', '..', 'test', 'fixtures', 'crash-worker.ts');

/** A worker killed with SIGKILL mid-job: after a restart the job completes, once. */
describe('a worker killed mid-job', () => {
  jest.setTimeout(120_000);
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

  it('completes the job exactly once after restart', async () => {
    const seeded = await openTestStore();
    const tenantId = (await seeded.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('crash') RETURNING id`)))!.id;
    const registry = new JobRegistry();
    registry.register({ name: 'crash.test', queue: 'crash', events: ['crash.test'], handle: async () => undefined });
    await seeded.tenant(tenantId, (m) => new Outbox(registry).publish(m, [{ type: 'crash.test', tenantId, payload: {} }]));
    // Embedded PGlite is single-process: hand the data directory over to the worker.
    const { databaseUrl, dataDir } = seeded;
    if (!databaseUrl) await seeded.dataSource.destroy();

    const marks = mkdtempSync(join(tmpdir(), 'tandem-crash-'));
    const env = {
      ...process.env,
      NODE_OPTIONS: '',
      DATABASE_URL: databaseUrl ?? '',
      DATA_DIR: dataDir ?? '',
      REDIS_URL: process.env.REDIS_URL ?? '',
      QUEUE_PREFIX: `${testRunKeyPrefix()}crash-${process.pid}`,
      MARK_DIR: marks,
    };
    const startWorker = () => {
      // node itself (not the tsx wrapper), so SIGKILL reaches the worker and not a launcher.
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      return child;
    };

    const first = startWorker();
    await eventually(() => existsSync(join(marks, 'started')), 60_000, 50);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(existsSync(join(marks, 'completed'))).toBe(false);

    const second = startWorker();
    // Wait for the marker's content, not its existence: writeFileSync creates the file before writing it.
    const completedBy = await eventually(() => existsSync(join(marks, 'completed')) && readFileSync(join(marks, 'completed'), 'utf8'), 60_000, 50);
    expect(completedBy).toBe(String(second.pid));
    // Give any stray redelivery (stalled job, expired lease) time to show up before counting.
    await new Promise((r) => setTimeout(r, 2500));
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));

    const check = databaseUrl ? seeded : await openStore({ dataDir });
    const effect = await check.tenant(tenantId, (m) => one<{ quantity: string }>(m, `SELECT quantity::text FROM usage WHERE metric = 'crash-effect'`));
    const row = await check.system((m) => one<{ status: string }>(m, `SELECT status FROM outbox WHERE topic = 'crash.test'`));
    expect(effect).toEqual({ quantity: '1' });
    expect(row).toEqual({ status: 'done' });
    if (check !== seeded) await check.close();
    await seeded.close().catch(() => undefined);
  });
});
