/**
 * Capture endpoint benchmark on PostgreSQL + Redis: `POST /api/v1/forms/:formId/submissions` through the
 * real Express app (CORS gate, rate limiters, JSON parser, validation, one tenant transaction, outbox).
 * A scratch database is created and dropped; the queue uses its own Redis key prefix, removed at the end.
 * Loopback only, bounded in time. Rate limits are raised for the bench, and count in Redis as `tandem start`
 * with REDIS_URL does. The load generator runs in a worker thread, so it does not share the server's event
 * loop. Three runs, each on a fresh database:
 *  - `api`: what the endpoint itself costs. Outbox relay on, no job worker: workers run elsewhere when API
 *    and workers are scaled apart. Every 250 ms the bench marks dispatched rows done, as those workers would
 *    (otherwise pending rows pile up and the relay's scan over them grows, which no real deployment sees).
 *  - `all`: the embedded default and small deployments: API, relay and the job worker share the cores; each
 *    capture's `lead.captured` runs the AI opener (under the default copilot autonomy it drafts the first
 *    text for approval) while the next submissions arrive.
 *  - `api`, phone-only form: the demo form without its email field, so no lookup by email. Under RLS that
 *    lookup cannot use its index (see core/capture/README.md) and grows with the tenant's leads; this run
 *    shows the endpoint without it.
 *
 *   npm run bench:capture        (DATABASE_URL / REDIS_URL, else 127.0.0.1 defaults;
 *                                 env: CAPTURE_BENCH_RATE, CAPTURE_BENCH_SECONDS, CAPTURE_BENCH_CONCURRENCY,
 *                                 CAPTURE_BENCH_SAT_SECONDS, CAPTURE_BENCH_RUNS=api,all,api-phone-only)
 *
 * A. Open loop at a steady rate (default 200/s for 20 s): latency from each request's scheduled start
 *    (so a stall also delays the requests queued behind it: no coordinated omission).
 * B. Saturation: a closed loop of N concurrent clients (default 32) for 10 s: submissions/s and latency.
 * Every request is a new lead (a distinct phone and email), the heavier path.
 */
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import IORedis from 'ioredis';
import pino from 'pino';
import { createEngine, demoFormDefinition } from '../core/index';
import { one } from '../core/store/sql';
import { createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { Metrics } from '../server/http/metrics';
import { RateLimitStores } from '../server/http/rate-limit-stores';
import { formsRouteModuleWith } from '../server/routes/forms.routes';
import { fmt, percentile, scratchDatabase } from './bench-support';

const RATE = Number(process.env.CAPTURE_BENCH_RATE ?? 200);
const SECONDS = Number(process.env.CAPTURE_BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.CAPTURE_BENCH_CONCURRENCY ?? 32);
const SAT_SECONDS = Number(process.env.CAPTURE_BENCH_SAT_SECONDS ?? 10);
const RUNS = (process.env.CAPTURE_BENCH_RUNS ?? 'api,all,api-phone-only').split(',').map((r) => r.trim());
const ORIGIN = 'https://www.bench-homes.example';
const UNLIMITED = { limit: 1_000_000_000, windowMs: 60_000 };

/**
 * The load generator, as plain JavaScript for a worker thread. Messages in: { kind: 'warmup' | 'open' |
 * 'closed', ... }; out: { ms: number[], errors: Record<string, number>, seconds }.
 */
const CLIENT = `
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const { parentPort, workerData } = require('node:worker_threads');
const { port, formId, origin, consentText, withEmail } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let seq = 0;
function post() {
  const i = seq++;
  const now = Date.now();
  const payload = JSON.stringify({
    values: {
      first_name: 'Bench', last_name: 'Lead ' + i, ...(withEmail ? { email: 'lead' + i + '@bench.example' } : {}),
      phone: '+1415' + String(2000000 + i).padStart(7, '0'), interest: 'pricing', timeline: 'asap',
      message: 'How much would a three bedroom house cost? We would like to move this month.', sms_consent: true,
    },
    consent: { checked: true, text: consentText },
    meta: { pageUrl: origin + '/contact?utm_source=bench', referrer: '', utm: { source: 'bench' }, startedAt: now - 15000, submittedAt: now, honeypot: '', formVersion: 1 },
  });
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/api/v1/forms/' + formId + '/submissions', method: 'POST', agent,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Origin: origin, 'Idempotency-Key': randomUUID(),
        'User-Agent': 'tandem-bench', 'Content-Length': Buffer.byteLength(payload) } },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode === 201 ? null : 'HTTP ' + res.statusCode)); });
    req.on('error', (e) => resolve(e.message));
    req.end(payload);
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
parentPort.on('message', async (task) => {
  const ms = [];
  const errors = {};
  const note = (e) => { errors[e] = (errors[e] || 0) + 1; };
  const t0 = performance.now();
  if (task.kind === 'warmup') {
    for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 20 }, post));
  } else if (task.kind === 'open') {
    const total = task.rate * task.seconds;
    const inflight = [];
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / task.rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      inflight.push(post().then((err) => (err ? note(err) : ms.push(performance.now() - due))));
    }
    await Promise.all(inflight);
  } else {
    const until = t0 + task.seconds * 1000;
    await Promise.all(Array.from({ length: task.concurrency }, async () => {
      while (performance.now() < until) {
        const a = performance.now();
        const err = await post();
        if (err) note(err); else ms.push(performance.now() - a);
      }
    }));
  }
  parentPort.postMessage({ ms, errors, seconds: (performance.now() - t0) / 1000, sent: seq });
});
`;

interface ClientResult {
  ms: number[];
  errors: Record<string, number>;
  seconds: number;
  sent: number;
}

const load = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');

async function main() {
  console.log(`bench:capture on ${process.version}, ${os.cpus().length} cores, PostgreSQL + Redis (BullMQ)`);
  for (const r of RUNS) {
    if (!['api', 'all', 'api-phone-only'].includes(r)) throw new Error(`unknown run "${r}"`);
    await run(r === 'all' ? 'all' : 'api', r !== 'api-phone-only');
  }
}

async function run(role: 'api' | 'all', withEmail: boolean) {
  const pgUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `tandem-bench-capture-${process.pid}-${role}-${withEmail ? 'email' : 'phone'}`;
  const loadBefore = load();
  const db = await scratchDatabase(pgUrl, `capture_${role}_${withEmail ? 'email' : 'phone'}`);
  const config = loadConfig({ DATABASE_URL: db.url, DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE, REDIS_URL: redisUrl, TANDEM_SECRET_KEY: randomBytes(32).toString('hex'), TANDEM_DEMO: 'off', LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
  const engine = await createEngine({ store: { databaseUrl: db.url, poolSize: config.databasePoolSize }, redisUrl, secretKey: config.secretKey, publicUrl: config.publicUrl, jobs: { queuePrefix: prefix } });
  let server: http.Server | null = null;
  let client: Worker | null = null;
  // As `tandem start` with REDIS_URL: the limiters count in Redis (limits raised, the round trips kept).
  const rateLimits = new RateLimitStores({ redisUrl, prefix: `${prefix}:rl:` });
  try {
    await engine.migrate();
    const { tenant } = await engine.tenants.create({ name: 'Bench Homes' });
    const demo = demoFormDefinition('Bench Homes');
    const def = demoFormDefinition('Bench Homes', { allowedOrigins: [ORIGIN], fields: withEmail ? demo.fields : demo.fields.filter((f) => f.type !== 'email') });
    const formId = (await engine.forms.create(tenant.id, def, { agentId: null, name: 'bench', surface: 'system' })).id;
    const app = await createApp({
      engine,
      config,
      logger: pino({ level: 'silent' }),
      metrics: new Metrics({ queue: async () => 0, outbox: async () => 0 }),
      routes: [formsRouteModuleWith({ perIp: UNLIMITED, perForm: UNLIMITED })],
      rateLimits,
    });
    server = await new Promise<http.Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    await engine.start(role);
    let draining = role === 'api';
    const drainer = (async () => {
      while (draining) {
        await engine.store
          .system((m) => m.query(`UPDATE outbox SET status = 'done', processed_at = now() WHERE status = 'pending' AND dispatched_at IS NOT NULL`))
          .catch(() => (draining = false)); // the store closed under us: the run is over
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const port = (server.address() as AddressInfo).port;
    const worker = new Worker(CLIENT, { eval: true, workerData: { port, formId, origin: ORIGIN, consentText: def.consent.text, withEmail } });
    client = worker;
    const task = (t: Record<string, unknown>) =>
      new Promise<ClientResult>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage(t);
      });

    await task({ kind: 'warmup' }); // JIT, connection pools, plans
    // A database in service has planner statistics; this one was created a moment ago and PostgreSQL's
    // autovacuum visits it at most once a minute. Without them the generic plans of prepared statements are
    // made as if every table were tiny (see core/store/prepared-statements.ts). ANALYZE needs the owner.
    await engine.store.dataSource.query(`ANALYZE`);
    // How long the API's event loop was late to run what was ready: separates time spent queued behind the
    // API thread's own work from time spent waiting on PostgreSQL and the kernel.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const a = await task({ kind: 'open', rate: RATE, seconds: SECONDS });
    loopDelay.disable();
    const b = await task({ kind: 'closed', concurrency: CONCURRENCY, seconds: SAT_SECONDS });
    draining = false;
    await drainer;

    const count = async (sql: string) => Number((await engine.store.system((m) => one<{ n: string }>(m, sql)))!.n);
    const stored = await count(`SELECT count(*)::text AS n FROM submissions`);
    const events = await count(`SELECT count(DISTINCT payload->>'submissionId')::text AS n FROM outbox WHERE event_type = 'lead.captured'`);
    const drafts = await count(`SELECT count(*)::text AS n FROM drafts`);
    const errors = (r: ClientResult) => Object.values(r.errors).reduce((s, n) => s + n, 0);
    const kinds = { ...a.errors, ...b.errors };
    const lines = [
      `role ${role === 'api' ? 'api (API + outbox relay)' : 'all (API + relay + job worker)'}, ${withEmail ? 'demo form' : 'phone-only form (no email lookup)'}; load average before ${loadBefore}, after ${load()}`,
      `A. open loop ${RATE}/s for ${SECONDS}s: ${fmt(a.ms.length / a.seconds, 0)} submissions/s, p50 ${fmt(percentile(a.ms, 50))} ms, p99 ${fmt(percentile(a.ms, 99))} ms, max ${fmt(Math.max(...a.ms))} ms, errors ${errors(a)}`,
      `   API event-loop delay during A: p50 ${fmt(loopDelay.percentile(50) / 1e6)} ms, p99 ${fmt(loopDelay.percentile(99) / 1e6)} ms, max ${fmt(loopDelay.max / 1e6)} ms`,
      `B. saturation, ${CONCURRENCY} concurrent for ${SAT_SECONDS}s: ${fmt(b.ms.length / b.seconds, 0)} submissions/s, p50 ${fmt(percentile(b.ms, 50))} ms, p99 ${fmt(percentile(b.ms, 99))} ms, errors ${errors(b)}`,
      `check: ${stored} submissions stored of ${b.sent} sent, ${events} with a lead.captured event` + (role === 'all' ? `; ${drafts} openers drafted by the worker so far` : ''),
      ...(Object.keys(kinds).length ? [`errors by kind: ${Object.entries(kinds).map(([k, n]) => `${k} ×${n}`).join(', ')}`] : []),
    ];
    for (const l of lines) console.log(`  ${l}`);
  } finally {
    await client?.terminate();
    if (server) await new Promise((r) => server!.close(r));
    server?.closeAllConnections();
    await Promise.all([engine.stop(), rateLimits.close()]);
    await db.drop();
    // This run's queue keys only.
    const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1 });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
