/**
 * Outbox-to-handler throughput and latency, on the embedded default and on PostgreSQL + Redis.
 *   npm run bench:jobs            (PostgreSQL/Redis from DATABASE_URL/REDIS_URL, else 127.0.0.1 defaults)
 * Phase 1 publishes a burst as fast as transactions allow and measures completions/s.
 * Phase 2 publishes at a steady rate (one transaction per 10 ms tick) and measures the latency from
 * commit to the handler starting (p50/p99): the outbox-to-handler path, not the cost of the writes.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BullMqJobQueue } from '../core/jobs/bullmq.job-queue';
import { InProcessJobQueue } from '../core/jobs/in-process.job-queue';
import { JobSystem } from '../core/jobs/job-system';
import { openStore, type Store } from '../core/store/data-source';
import { one } from '../core/store/sql';
import { fmt, percentile, scratchDatabase, sleep } from './bench-support';

const BURST = Number(process.env.BENCH_BURST ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 2_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

async function bench(label: string, store: Store, queue: BullMqJobQueue | InProcessJobQueue) {
  await store.migrate();
  const tenantId = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('bench') RETURNING id`)))!.id;
  const jobs = new JobSystem({ store, queue, concurrency: 64, relay: { pollMs: 100, batchSize: 1000 } });
  let done = 0;
  const latencies: number[] = [];
  let record = false;
  const committedAt = new Map<number, number>();
  jobs.registry.register({
    name: 'bench.noop',
    queue: 'bench',
    events: ['bench.tick'],
    async handle(event) {
      if (record) latencies.push(Date.now() - (committedAt.get(event.payload.batch as number) ?? Date.now()));
      done++;
    },
  });
  await jobs.start({ relay: true, worker: true });

  const publish = async (n: number) => {
    const at = Date.now();
    await store.tenant(tenantId, (m) => jobs.outbox.publish(m, Array.from({ length: n }, () => ({ type: 'bench.tick', tenantId, payload: { at } }))));
    jobs.outbox.notifyCommitted();
  };

  // Phase 1: burst throughput (batches of 100 events per transaction, 4 writers).
  const t0 = performance.now();
  const per = 100;
  const writers = 4;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = w; i < BURST / per; i += writers) await publish(per);
    }),
  );
  while (done < BURST) await sleep(5);
  const burstSecs = (performance.now() - t0) / 1000;

  // Phase 2: steady rate, latency from commit to handler start.
  done = 0;
  record = true;
  const tick = 10; // ms
  const perTick = Math.max(1, Math.round((RATE * tick) / 1000));
  const total = perTick * Math.round((SECONDS * 1000) / tick);
  const start = performance.now();
  let sent = 0;
  let batch = 0;
  while (sent < total) {
    const due = Math.floor((performance.now() - start) / tick + 1) * perTick;
    if (sent < due) {
      const n = Math.min(due - sent, total - sent);
      const id = batch++;
      await store.tenant(tenantId, (m) => jobs.outbox.publish(m, Array.from({ length: n }, () => ({ type: 'bench.tick', tenantId, payload: { batch: id } }))));
      committedAt.set(id, Date.now());
      jobs.outbox.notifyCommitted();
      sent += n;
    } else await sleep(1);
  }
  const deadline = Date.now() + 30_000;
  while (done < total && Date.now() < deadline) await sleep(5);
  const steadySecs = (performance.now() - start) / 1000;
  await jobs.stop();
  await store.close();
  console.log(
    `${label.padEnd(26)} burst ${BURST} jobs: ${fmt(BURST / burstSecs, 0)} jobs/s | steady ${RATE}/s for ${SECONDS}s: ` +
      `${fmt(done / steadySecs, 0)} jobs/s, latency p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms` +
      (done < total ? ` (INCOMPLETE: ${done}/${total})` : ''),
  );
}

async function main() {
  console.log(`bench:jobs on ${process.version}, ${require('node:os').cpus().length} cores`);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
  try {
    await bench('embedded (PGlite, in-proc)', await openStore({ dataDir: dir }), new InProcessJobQueue());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pg = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const db = await scratchDatabase(pg, 'jobs');
  try {
    await bench('PostgreSQL + Redis (BullMQ)', await openStore({ databaseUrl: db.url, poolSize: 20 }), new BullMqJobQueue({ redisUrl: redis, prefix: `tandem-bench-${process.pid}` }));
  } finally {
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
