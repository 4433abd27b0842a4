import { createTestQueue, eventually } from '../../test/helpers/test-queue';
import { openTestStore } from '../../test/helpers/test-store';
import type { Store } from '../store/data-source';
import { one, rows } from '../store/sql';
import type { DomainEvent } from './job-registry';
import { JobSystem } from './job-system';

describe(`job system (${process.env.REDIS_URL ? 'BullMQ on Redis' : 'in-process'})`, () => {
  let store: Store;
  let jobs: JobSystem;
  let tenantId: string;
  const seen: DomainEvent[] = [];
  let failuresLeft = 0;

  beforeAll(async () => {
    store = await openTestStore();
    tenantId = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('T') RETURNING id`)))!.id;
    jobs = new JobSystem({ store, queue: createTestQueue(), relay: { pollMs: 50, leaseMs: 2000 }, runner: { backoffMs: () => 30 } });
    jobs.registry.register({
      name: 'test.record',
      queue: 'test',
      events: ['thing.happened'],
      maxAttempts: 3,
      async handle(event, ctx) {
        if (event.payload.fail === 'always' || (event.payload.fail === 'twice' && failuresLeft-- > 0)) {
          throw new Error('boom');
        }
        // The effect and the completion commit together: a rerun can never apply it twice.
        await store.tenant(event.tenantId!, async (m) => {
          await m.query(`INSERT INTO notes (tenant_id, conversation_id, author_name, surface, body)
                         SELECT $1, c.id, 'job', 'system', $2 FROM conversations c WHERE c.tenant_id = $1 LIMIT 1`, [event.tenantId, event.id]);
          await ctx.complete(m);
        });
        seen.push(event);
      },
    });
    await store.tenant(tenantId, async (m) => {
      const lead = await one<{ id: string }>(m, `INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550100') RETURNING id`, [tenantId]);
      await m.query(`INSERT INTO conversations (tenant_id, lead_id) VALUES ($1, $2)`, [tenantId, lead!.id]);
    });
    await jobs.start({ relay: true, worker: true });
  });
  afterAll(async () => {
    await jobs.stop();
    await store.close();
  });

  const publish = (payload: Record<string, unknown>, commit = true) =>
    store
      .tenant(tenantId, async (m) => {
        await jobs.outbox.publish(m, [{ type: 'thing.happened', tenantId, payload }]);
        if (!commit) throw new Error('rollback');
      })
      .then(() => jobs.outbox.notifyCommitted())
      .catch((e: Error) => {
        if (e.message !== 'rollback') throw e;
      });

  const statusOf = async (marker: string) =>
    (await store.system((m) => one<{ status: string; attempts: number }>(m, `SELECT status, attempts FROM outbox WHERE payload->>'marker' = $1`, [marker])))!;

  it('delivers a committed event to its handler exactly once', async () => {
    await publish({ marker: 'once' });
    await eventually(async () => (await statusOf('once')).status === 'done');
    expect(seen.filter((e) => e.payload.marker === 'once')).toHaveLength(1);
  });

  it('writes nothing when the transaction rolls back', async () => {
    await publish({ marker: 'rolled-back' }, false);
    const r = await store.system((m) => rows(m, `SELECT id FROM outbox WHERE payload->>'marker' = 'rolled-back'`));
    expect(r).toEqual([]);
  });

  it('retries a failing job with back-off until it succeeds', async () => {
    failuresLeft = 2;
    await publish({ marker: 'flaky', fail: 'twice' });
    await eventually(async () => (await statusOf('flaky')).status === 'done');
    expect(await statusOf('flaky')).toEqual({ status: 'done', attempts: 3 });
  });

  it('dead-letters after max attempts, lists it for the tenant, and runs it again on retry', async () => {
    await publish({ marker: 'doomed', fail: 'always' });
    await eventually(async () => (await statusOf('doomed')).status === 'dead');
    const dead = await jobs.deadLetters(tenantId);
    const entry = dead.find((d) => d.topic === 'test.record')!;
    expect(entry).toMatchObject({ eventType: 'thing.happened', attempts: 3, lastError: 'boom' });
    const other = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('Other') RETURNING id`)))!.id;
    expect(await jobs.deadLetters(other)).toEqual([]);
    expect(await jobs.retryDead(other, entry.id)).toBe(false);
    await store.system((m) => m.query(`UPDATE outbox SET payload = jsonb_set(payload, '{fail}', '"no"') WHERE id = $1`, [entry.id]));
    expect(await jobs.retryDead(tenantId, entry.id)).toBe(true);
    await eventually(async () => (await statusOf('doomed')).status === 'done');
  });

  it('treats a redelivered job as a no-op', async () => {
    await publish({ marker: 'dup' });
    await eventually(async () => (await statusOf('dup')).status === 'done');
    const id = (await store.system((m) => one<{ id: string }>(m, `SELECT id::text AS id FROM outbox WHERE payload->>'marker' = 'dup'`)))!.id;
    expect(await jobs.runner.run({ id, name: 'test.record', queue: 'test' })).toBe('skipped');
    const notes = await store.tenant(tenantId, (m) => rows(m, `SELECT id FROM notes WHERE body = $1`, [id]));
    expect(notes).toHaveLength(1);
  });

  it('lets only one of two concurrent runs of the same job complete', async () => {
    await jobs.relay.stop();
    await publish({ marker: 'race' });
    const id = (await store.system((m) => one<{ id: string }>(m, `SELECT id::text AS id FROM outbox WHERE payload->>'marker' = 'race'`)))!.id;
    const outcomes = await Promise.all([
      jobs.runner.run({ id, name: 'test.record', queue: 'test' }),
      jobs.runner.run({ id, name: 'test.record', queue: 'test' }),
    ]);
    expect(outcomes.filter((o) => o === 'completed').length).toBeLessThanOrEqual(1);
    const notes = await store.tenant(tenantId, (m) => rows(m, `SELECT id FROM notes WHERE body = $1`, [id]));
    expect(notes).toHaveLength(1);
    jobs.relay.start();
  });

  it('holds a delayed event until it is due', async () => {
    const at = new Date(Date.now() + 600);
    await store.tenant(tenantId, (m) => jobs.outbox.publish(m, [{ type: 'thing.happened', tenantId, payload: { marker: 'later' }, availableAt: at }]));
    jobs.outbox.notifyCommitted();
    await new Promise((r) => setTimeout(r, 250));
    expect((await statusOf('later')).status).toBe('pending');
    await eventually(async () => (await statusOf('later')).status === 'done');
    const done = seen.find((e) => e.payload.marker === 'later');
    expect(done).toBeDefined();
  });

  it('runs recurring tasks only in worker processes, one run at a time, until stopped', async () => {
    const api = new JobSystem({ store, queue: createTestQueue(), relay: { pollMs: 50 } });
    const worker = new JobSystem({ store, queue: createTestQueue(), relay: { pollMs: 50 }, runner: { logger: { warn: () => undefined, error: () => undefined } } });
    const runs = { api: 0, worker: 0, overlapping: 0 };
    let inFlight = false;
    api.every('count', 10, async () => {
      runs.api += 1;
    });
    worker.every('count', 10, async () => {
      if (inFlight) runs.overlapping += 1;
      inFlight = true;
      runs.worker += 1;
      await new Promise((r) => setTimeout(r, 25));
      inFlight = false;
      // A failing run must not end the schedule.
      if (runs.worker === 1) throw new Error('boom');
    });
    await api.start({ relay: false, worker: false });
    await worker.start({ relay: false, worker: true });
    await eventually(() => runs.worker >= 3);
    await Promise.all([api.stop(), worker.stop()]);
    const stoppedAt = runs.worker;
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toEqual({ api: 0, worker: stoppedAt, overlapping: 0 });
    expect(inFlight).toBe(false);
  });
  describe('retention', () => {
    /**
     * Outbox rows for this test: `count` of each `status`, finished (done) or created `daysAgo`. Pending rows
     * are not due yet: this suite's relay and worker are running and would otherwise finish them mid-test.
     */
    const rowsOf = (status: 'done' | 'pending' | 'dead', daysAgo: number, count: number, marker: string) =>
      store.system((m) =>
        m.query(
          `INSERT INTO outbox (tenant_id, topic, queue, event_type, payload, status, created_at, processed_at, available_at)
           SELECT $1, 'test.record', 'test', 'thing.happened', jsonb_build_object('marker', $2::text), $3,
                  now() - ($4::int * interval '1 day'), CASE WHEN $3 = 'done' THEN now() - ($4::int * interval '1 day') END,
                  CASE WHEN $3 = 'pending' THEN now() + interval '1 day' ELSE now() END
             FROM generate_series(1, $5::int)`,
          [tenantId, marker, status, daysAgo, count],
        ),
      );
    const left = async (marker: string) =>
      await store.system((m) =>
        rows<{ status: string; days: number; n: number }>(
          m,
          `SELECT status, round(extract(epoch FROM now() - created_at) / 86400)::int AS days, count(*)::int AS n
             FROM outbox WHERE payload->>'marker' = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
          [marker],
        ),
      );

    it('deletes done rows older than the retention in bounded batches, and keeps recent done, pending and dead rows', async () => {
      await rowsOf('done', 8, 7, 'retention');
      await rowsOf('done', 6, 2, 'retention');
      await rowsOf('pending', 30, 2, 'retention');
      await rowsOf('dead', 30, 2, 'retention');

      // Two statements of at most three rows: six of the seven old done rows, and the run stops there.
      expect(await jobs.deleteDone(7 * 86_400_000, { batch: 3, batchesPerRun: 2 })).toBe(6);
      expect(await left('retention')).toEqual([
        { status: 'dead', days: 30, n: 2 },
        { status: 'done', days: 6, n: 2 },
        { status: 'done', days: 8, n: 1 },
        { status: 'pending', days: 30, n: 2 },
      ]);
      // The next run takes the rest and stops at the first short batch.
      expect(await jobs.deleteDone(7 * 86_400_000, { batch: 3, batchesPerRun: 5 })).toBe(1);
      expect(await left('retention')).toEqual([
        { status: 'dead', days: 30, n: 2 },
        { status: 'done', days: 6, n: 2 },
        { status: 'pending', days: 30, n: 2 },
      ]);
      expect(await jobs.deleteDone(7 * 86_400_000)).toBe(0);
    });

    it('runs on its own in worker processes, with the configured age', async () => {
      await rowsOf('done', 3, 2, 'retention-timer');
      await rowsOf('done', 1, 1, 'retention-timer');
      const worker = new JobSystem({ store, queue: createTestQueue(), relay: { pollMs: 50 }, retention: { doneAfterMs: 2 * 86_400_000, everyMs: 10 } });
      await worker.start({ relay: false, worker: true });
      try {
        await eventually(async () => (await left('retention-timer')).length === 1);
      } finally {
        await worker.stop();
      }
      expect(await left('retention-timer')).toEqual([{ status: 'done', days: 1, n: 1 }]);
    });
  });
});
