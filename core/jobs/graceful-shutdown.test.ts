import { createTestQueue, eventually } from '../../test/helpers/test-queue';
import { openTestStore } from '../../test/helpers/test-store';
import { one } from '../store/sql';
import { JobSystem } from './job-system';

describe('graceful shutdown', () => {
  it('lets a job in flight finish before stop() resolves', async () => {
    const store = await openTestStore();
    const tenantId = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('drain') RETURNING id`)))!.id;
    const jobs = new JobSystem({ store, queue: createTestQueue(), relay: { pollMs: 50 } });
    let started = false;
    let finished = false;
    jobs.registry.register({
      name: 'drain.slow',
      queue: 'drain',
      events: ['drain.slow'],
      async handle() {
        started = true;
        await new Promise((r) => setTimeout(r, 800));
        finished = true;
      },
    });
    await jobs.start({ relay: true, worker: true });
    await store.tenant(tenantId, (m) => jobs.outbox.publish(m, [{ type: 'drain.slow', tenantId, payload: {} }]));
    jobs.outbox.notifyCommitted();
    await eventually(() => started, 10_000, 10);

    await jobs.stop();
    expect(finished).toBe(true);
    const row = await store.system((m) => one<{ status: string }>(m, `SELECT status FROM outbox WHERE topic = 'drain.slow'`));
    expect(row).toEqual({ status: 'done' });
    await store.close();
  });
});
