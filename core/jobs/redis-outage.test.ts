import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { eventually } from '../../test/helpers/test-queue';
import { openTestStore } from '../../test/helpers/test-store';
import type { Store } from '../store/data-source';
import { one } from '../store/sql';
import { BullMqJobQueue } from './bullmq.job-queue';
import { JobSystem } from './job-system';

/** A private redis-server on a free port, so the test can stop and restart it without disturbing others. */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

describe('an outbox event written while Redis is down', () => {
  jest.setTimeout(60_000);
  let store: Store;
  let redis: ChildProcess | null = null;
  let jobs: JobSystem;

  afterAll(async () => {
    await jobs?.stop();
    redis?.kill('SIGKILL');
    await store?.close();
  });

  it('is delivered once Redis is back', async () => {
    store = await openTestStore();
    const tenantId = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('outage') RETURNING id`)))!.id;
    const port = await freePort();
    redis = startRedis(port);
    const queue = new BullMqJobQueue({ redisUrl: `redis://127.0.0.1:${port}`, prefix: 'outage' });
    await eventually(() => queue.ping(), 10_000, 50);
    jobs = new JobSystem({ store, queue, relay: { pollMs: 100 } });
    const delivered: string[] = [];
    jobs.registry.register({ name: 'outage.test', queue: 'outage', events: ['outage.test'], handle: async (e) => void delivered.push(String(e.payload.n)) });
    await jobs.start({ relay: true, worker: true });

    redis.kill('SIGTERM');
    await new Promise((r) => redis!.once('exit', r));
    await eventually(async () => !(await queue.ping()), 10_000, 50);

    await store.tenant(tenantId, (m) => jobs.outbox.publish(m, [{ type: 'outage.test', tenantId, payload: { n: 1 } }]));
    jobs.outbox.notifyCommitted();
    await new Promise((r) => setTimeout(r, 700));
    // Accepted and recorded, not yet delivered: the relay could not reach Redis and left the row pending.
    expect(delivered).toEqual([]);
    const pending = await store.system((m) => one<{ status: string; dispatched_at: Date | null }>(m, `SELECT status, dispatched_at FROM outbox WHERE topic = 'outage.test'`));
    expect(pending).toEqual({ status: 'pending', dispatched_at: null });

    redis = startRedis(port);
    await eventually(() => delivered.length > 0, 30_000, 50);
    expect(delivered).toEqual(['1']);
    // The runner marks the row done just after the handler returns.
    await eventually(async () => (await store.system((m) => one<{ status: string }>(m, `SELECT status FROM outbox WHERE topic = 'outage.test'`)))?.status === 'done');
  });
});
