/**
 * SMS path benchmark on PostgreSQL + Redis (DATABASE_URL, REDIS_URL; a scratch database is created and
 * dropped). Loopback only, bounded loops. The deployment measured is the one the README recommends beyond the
 * embedded default: an API process (`--role api`) and a worker process (`--role worker`), each started here with
 * `child_process.fork` (bench/sms-node.ts: the same wiring as `tandem start`, plus a clock fixed at noon in New York
 * so quiet hours never defer a text). `SMS_BENCH_LAYOUT=all` runs one process with both roles instead;
 * `SMS_BENCH_LAYOUT=api` the API process alone, as when workers run on other machines (the bench then marks
 * dispatched jobs done, as those workers would; B and the end-to-end figures need a worker and are skipped).
 * The signed Twilio webhooks come from a load generator in a worker thread (the official `twilio` library signs
 * them before the clock starts; raw kept-alive sockets send them, as Twilio's own load costs this machine no CPU);
 * a local fake of Twilio's Messages API, reached through the real TwilioSmsProvider, records each reply.
 * Prints:
 *  Floor. a one-row durable commit's latency, alone, before A: no acknowledgement can beat the disk's flush tail;
 *  A. webhook acknowledgement p50/p99 at a fixed open-loop rate (default 300 req/s for 20 s; latency from each
 *     request's scheduled start, so a stall delays those queued behind it), while the worker answers them;
 *  B. inbound-to-provider-call latency, offline AI model, autopilot tenant, 20 texts/s (p50/p95);
 *  C. sustained inbound: a closed loop of 64 senders, SMS_BENCH_BURST texts: acknowledged texts/s, and the rate at
 *     which the AI turns and sends drained, end to end; CPU time per text of each process.
 *
 *   npm run bench:sms            (env: SMS_BENCH_RATE, SMS_BENCH_SECONDS, SMS_BENCH_BURST, SMS_BENCH_LAYOUT,
 *                                 SMS_BENCH_WARMUP (texts before A, default 50: JIT and pools are cold after it),
 *                                 SMS_BENCH_CPU_PROF, SMS_BENCH_TIMELINE=1 (A's worst latency per second),
 *                                 SMS_BENCH_NODE_FLAGS (flags for the forked processes that NODE_OPTIONS refuses),
 *                                 SMS_BENCH_WORKER_POOL_SIZE (the worker's DATABASE_POOL_SIZE),
 *                                 SMS_BENCH_LOG_LEVEL (the processes' log to stderr; silent unless set); and Tandem's own
 *                                 WORKER_NICE, WORKER_CONCURRENCY, DATABASE_POOL_SIZE; NODE_OPTIONS reaches them too)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { createEngine } from '../core/index';
import { one, rows } from '../core/store/sql';
import { dropKeysWithPrefix } from '../test/helpers/redis-keys';
import { fmt, percentile, scratchDatabase, sleep } from './bench-support';

const RATE = Number(process.env.SMS_BENCH_RATE ?? 300);
const SECONDS = Number(process.env.SMS_BENCH_SECONDS ?? 20);
const BURST = Number(process.env.SMS_BENCH_BURST ?? 3000);
const WARMUP = Number(process.env.SMS_BENCH_WARMUP ?? 50);
const LAYOUT = (process.env.SMS_BENCH_LAYOUT ?? 'split') as 'split' | 'all' | 'api';
/** When set, each Tandem process writes a V8 CPU profile there (open in Chrome DevTools). */
const CPU_PROFILE_DIR = process.env.SMS_BENCH_CPU_PROF;
// Node and V8 flags for the forked processes that NODE_OPTIONS refuses (e.g. --single-threaded-gc).
const NODE_FLAGS = (process.env.SMS_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const PUBLIC_URL = 'https://bench.tandem.local';
const ACCOUNT_SID = 'AC' + 'b'.repeat(32);
const AUTH_TOKEN = 'bench-auth-token';
const OUR_NUMBER = '+12125550100';

/** The load generator, plain JavaScript for a worker thread. Times are epoch milliseconds with sub-ms precision. */
const CLIENT = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const twilio = require(workerData.twilioPath);
const { port, publicUrl, accountSid, authToken, ourNumber } = workerData;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const phone = (i) => '+1212' + String(5000000 + i).padStart(7, '0');
let seq = 0;
// Twilio's webhooks come from Twilio's servers, not from the machine under test: this client spends as
// little CPU as it can there. Each request is signed (the official library) and serialised before the
// clock starts, and goes out on a kept-alive socket as one write; a response is read only as far as its
// status line and Content-Length (the server sends one for every answer, TwiML or error).
function signed(from, body) {
  const sid = 'SM' + (++seq).toString(16).padStart(32, '0');
  const params = { AccountSid: accountSid, MessageSid: sid, SmsSid: sid, From: from, To: ourNumber, Body: body, NumMedia: '0' };
  const signature = twilio.getExpectedTwilioSignature(authToken, publicUrl + '/webhooks/twilio/sms', params);
  const payload = new URLSearchParams(params).toString();
  return Buffer.from('POST /webhooks/twilio/sms HTTP/1.1\\r\\nHost: 127.0.0.1:' + port + '\\r\\nContent-Type: application/x-www-form-urlencoded\\r\\n' +
    'Content-Length: ' + Buffer.byteLength(payload) + '\\r\\nX-Twilio-Signature: ' + signature + '\\r\\n\\r\\n' + payload);
}
const idle = [];
function connection() {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const conn = { socket, answer: null };
  let buffered = Buffer.alloc(0);
  const settle = (status) => {
    const answer = conn.answer;
    conn.answer = null;
    if (answer) answer(status);
  };
  socket.on('data', (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    const end = buffered.indexOf('\\r\\n\\r\\n');
    if (end < 0) return;
    const head = buffered.toString('latin1', 0, end);
    const length = Number(/content-length:\\s*(\\d+)/i.exec(head)?.[1] ?? 0);
    if (buffered.length < end + 4 + length) return;
    buffered = buffered.subarray(end + 4 + length);
    idle.push(conn);
    settle(Number(head.slice(9, 12)));
  });
  socket.on('error', (e) => settle('connection ' + (e.code ?? e.message)));
  socket.on('close', () => {
    const at = idle.indexOf(conn);
    if (at >= 0) idle.splice(at, 1);
    settle('connection closed');
  });
  return conn;
}
function post(request) {
  return new Promise((resolve) => {
    const conn = idle.pop() ?? connection();
    conn.answer = resolve;
    conn.socket.write(request);
  });
}
const text = (i) => (i % 5 === 0 ? 'Can I book a viewing on Saturday?' : 'What are your office hours?');
parentPort.on('message', async (t) => {
  const ms = [];
  const sent = [];
  let errors = 0;
  const kinds = {};
  const failed = (status) => { errors++; kinds[status] = (kinds[status] ?? 0) + 1; };
  // Latency by second of the run: [second, worst ms].
  const worst = [];
  const acked = (due) => { const ms_ = now() - due; ms.push(ms_); const sec = Math.floor((due - t0) / 1000); worst[sec] = Math.max(worst[sec] ?? 0, ms_); };
  // Each kind sets t0 once its requests are signed: signing is not part of the run.
  let t0 = now();
  if (t.kind === 'burst') {
    const requests = Array.from({ length: t.count }, (_, i) => signed(phone(t.base + i), text(1)));
    t0 = now();
    await Promise.all(requests.map(post));
  } else if (t.kind === 'open') {
    const total = Math.round(t.rate * t.seconds);
    const phones = Array.from({ length: total }, (_, i) => phone(t.base + (t.mod ? i % t.mod : i)));
    const requests = phones.map((p, i) => signed(p, t.mod ? text(i) : text(1)));
    const inflight = [];
    t0 = now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / t.rate;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      sent.push([phones[i], due]);
      inflight.push(post(requests[i]).then((status) => (status === 200 ? acked(due) : failed(status))));
    }
    await Promise.all(inflight);
  } else if (t.kind === 'closed') {
    const requests = Array.from({ length: t.count }, (_, i) => signed(phone(t.base + (i % t.mod)), text(1)));
    t0 = now();
    let next = 0;
    await Promise.all(Array.from({ length: t.concurrency }, async () => {
      while (next < t.count) {
        const status = await post(requests[next++]);
        if (status !== 200) failed(status);
      }
    }));
  }
  parentPort.postMessage({ ms, sent, errors, kinds, worst, startedAt: t0, seconds: (now() - t0) / 1000 });
});
`;

interface ClientResult {
  ms: number[];
  sent: Array<[string, number]>;
  errors: number;
  /** Failed requests by HTTP status, or the connection error. */
  kinds: Record<string, number>;
  /** Open loop: the worst acknowledgement latency of each second of the run. */
  worst: number[];
  /** When the run's first request was due (epoch ms), to line its seconds up with server logs. */
  startedAt: number;
  seconds: number;
}

/** CPU time (ms) so far of every process whose command name starts with `name` (Linux /proc; 0 elsewhere). */
function processCpuMs(name: string): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (!comm.startsWith(name)) continue;
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      } catch {
        // the process ended between listing and reading
      }
    }
  } catch {
    return 0;
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Every Tandem process this bench forked: killed when the bench exits, however it ends. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function startNode(role: 'api' | 'worker' | 'all', env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number; ask: (kind: string) => Promise<any> }> {
  const execArgv = ['--import', 'tsx', ...NODE_FLAGS, ...(CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [])];
  const child = fork(join(__dirname, 'sms-node.ts'), [], { execArgv, env: { ...env, SMS_BENCH_ROLE: role } });
  const ask = (kind: string) =>
    new Promise<any>((resolve) => {
      child.once('message', resolve);
      child.send({ kind });
    });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${role} process exited with ${code}`)));
    child.once('message', (m: { kind: string; port: number }) => resolve({ child, port: m.port, ask }));
  });
}

async function main() {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) throw new Error('bench:sms needs DATABASE_URL and REDIS_URL (PostgreSQL + Redis)');
  const db = await scratchDatabase(databaseUrl, 'sms');

  // A local fake of Twilio's Messages API: records when each text arrived, answers like Twilio.
  const providerCalls = new Map<string, number>();
  let sidSeq = 0;
  const fakeTwilio = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const to = form.get('To') ?? '';
      if (!providerCalls.has(to)) providerCalls.set(to, performance.timeOrigin + performance.now());
      // Outbound SIDs start with f, so they never equal an inbound MessageSid of the load generator.
      const sid = `SMf${(++sidSeq).toString(16).padStart(31, '0')}`;
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ sid, status: 'queued', to, from: OUR_NUMBER, body: form.get('Body'), account_sid: ACCOUNT_SID }));
    });
  });
  await new Promise<void>((r) => fakeTwilio.listen(0, '127.0.0.1', r));
  const fakeUrl = `http://127.0.0.1:${(fakeTwilio.address() as AddressInfo).port}`;

  const secretKey = randomBytes(32).toString('hex');
  const queuePrefix = `tandem-bench-sms-${process.pid}`;
  const setup = await createEngine({ store: { databaseUrl: db.url, poolSize: 4 }, redisUrl, secretKey: Buffer.from(secretKey, 'hex'), publicUrl: PUBLIC_URL, jobs: { queuePrefix } });
  await setup.migrate();
  const { tenant } = await setup.tenants.create({
    name: 'Bench Realty',
    settings: { autonomy: 'autopilot', knowledge: [{ id: 'hours', title: 'Office hours', body: 'Our office hours are 9am to 6pm, Monday to Saturday.' }] },
  });
  await setup.store.tenant(tenant.id, (m) => m.query(`INSERT INTO phone_numbers (tenant_id, e164) VALUES ($1, $2)`, [tenant.id, OUR_NUMBER]));
  await setup.integrations.put(tenant.id, 'twilio', { externalId: ACCOUNT_SID, enabled: true, config: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: OUR_NUMBER } });

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_OPTIONS: process.env.NODE_OPTIONS,
    PUBLIC_URL,
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE,
    REDIS_URL: redisUrl,
    TANDEM_SECRET_KEY: secretKey,
    TWILIO_API_BASE_URL: fakeUrl,
    TANDEM_DEMO: 'off',
    LOG_LEVEL: 'silent',
    SMS_BENCH_EPOCH: String(Date.now()),
    SMS_BENCH_QUEUE_PREFIX: queuePrefix,
    WORKER_NICE: process.env.WORKER_NICE,
    WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY,
  };
  // Separate processes take separate settings, as two `tandem start` commands would.
  const workerEnv = { ...env, DATABASE_POOL_SIZE: process.env.SMS_BENCH_WORKER_POOL_SIZE || env.DATABASE_POOL_SIZE };
  const start = async () =>
    LAYOUT === 'split' ? [await startNode('api', env), await startNode('worker', workerEnv)] : LAYOUT === 'api' ? [await startNode('api', env)] : [await startNode('all', env)];
  const nodes = await start().catch(async (err) => {
    // Nothing below ran: undo the scratch database and the fake, then report.
    fakeTwilio.close();
    await setup.stop();
    await db.drop();
    throw err;
  });
  const names = LAYOUT === 'split' ? ['api', 'worker'] : LAYOUT === 'api' ? ['api'] : ['all'];
  const api = nodes[0]!;

  const client = new Worker(CLIENT, {
    eval: true,
    workerData: { port: api.port, publicUrl: PUBLIC_URL, accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, ourNumber: OUR_NUMBER, twilioPath: require.resolve('twilio') },
  });
  const task = (t: Record<string, unknown>) =>
    new Promise<ClientResult>((resolve, reject) => {
      client.once('message', resolve);
      client.once('error', reject);
      client.postMessage(t);
    });
  // Work due now (nurture follow-ups scheduled days ahead stay pending and are not backlog): rows waiting
  // for the relay plus rows handed to a worker, each read on its own partial index. The drain loop only asks
  // whether any is left (EXISTS stops at the first): counting them every 100 ms cost PostgreSQL 5-6 ms a poll
  // on this machine, inside C's figures and on the CPU the workers were draining with.
  const dueSql = (what: 'count' | 'exists') =>
    what === 'count'
      ? `SELECT ((SELECT count(*) FROM outbox WHERE status = 'pending' AND dispatched_at IS NULL AND available_at <= now())
               + (SELECT count(*) FROM outbox WHERE status = 'pending' AND dispatched_at IS NOT NULL))::text AS n`
      : `SELECT (EXISTS (SELECT 1 FROM outbox WHERE status = 'pending' AND dispatched_at IS NULL AND available_at <= now())
              OR EXISTS (SELECT 1 FROM outbox WHERE status = 'pending' AND dispatched_at IS NOT NULL))::int::text AS n`;
  const due = async (what: 'count' | 'exists' = 'count') => Number((await setup.store.system((m) => one<{ n: string }>(m, dueSql(what))))!.n);
  const drain = async (limitMs: number) => {
    const deadline = Date.now() + limitMs;
    while (Date.now() < deadline && (await due('exists')) > 0) await sleep(100);
    return due();
  };
  // API alone: workers elsewhere would take each dispatched job; mark them done as they would.
  let standIn = LAYOUT === 'api';
  const standInWorkers = (async () => {
    while (standIn) {
      await setup.store.system((m) => m.query(`UPDATE outbox SET status = 'done', processed_at = now() WHERE status = 'pending' AND dispatched_at IS NOT NULL`));
      await sleep(250);
    }
  })();
  const loadAvg = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');
  const loadBefore = loadAvg();

  try {
    // Warm-up: JIT, pools, plans.
    await task({ kind: 'burst', count: WARMUP, base: 900_000 });
    await drain(30_000);
    // Planner statistics, as a database in service has (autovacuum visits a new one at most once a minute;
    // see core/store/prepared-statements.ts). ANALYZE needs the owner, not a scoped role.
    await setup.store.dataSource.query(`ANALYZE`);

    // The floor under A: an acknowledgement waits for its text's durable commit, so the disk's flush latency
    // is a tail no code can beat. One client commits a one-row insert every 10 ms for 10 s, nothing else running.
    const floor = await commitFloor(setup.store.dataSource, 10_000);

    // A. Acknowledgement latency at a fixed open-loop rate (2,000 leads texting back and forth).
    const a = await task({ kind: 'open', rate: RATE, seconds: SECONDS, base: 0, mod: 2000 });
    const achieved = a.ms.length / a.seconds;
    const leftA = await drain(120_000);

    // B. Inbound-to-provider-call latency at a moderate rate, one fresh lead per text.
    providerCalls.clear();
    const withWorker = LAYOUT !== 'api';
    const b = withWorker ? await task({ kind: 'open', rate: 20, seconds: 10, base: 100_000, mod: 0 }) : null;
    await drain(60_000);
    await sleep(500);
    const e2e = (b?.sent ?? []).map(([p, at]) => (providerCalls.get(p) ?? NaN) - at).filter(Number.isFinite);

    // C. Sustained inbound: closed loop, 64 concurrent senders.
    await Promise.all(nodes.map((n) => n.ask('cpu-mark')));
    const pgBefore = processCpuMs('postgres');
    const redisBefore = processCpuMs('redis-server');
    const cStart = performance.now();
    const c = await task({ kind: 'closed', concurrency: 64, count: BURST, base: 200_000, mod: 3000 });
    const leftC = await drain(180_000);
    const processedSeconds = (performance.now() - cStart) / 1000;
    const cpu = await Promise.all(nodes.map((n) => n.ask('cpu')));
    const pgMs = processCpuMs('postgres') - pgBefore;
    const redisMs = processCpuMs('redis-server') - redisBefore;
    const stored = await setup.store.system((m) => one<{ n: string }>(m, `SELECT count(*)::text AS n FROM messages WHERE direction = 'in'`));
    // Every reply must have gone out once and been recorded ('sending' with the provider's id: the fake sends
    // no status callbacks): a retried job or a text without its id would make the drain rate flatter the work.
    const outbound = await setup.store.system((m) =>
      rows<{ status: string; n: string }>(
        m,
        `SELECT status || CASE WHEN provider_message_id IS NULL THEN ' without a provider id' ELSE '' END AS status, count(*)::text AS n
           FROM messages WHERE direction = 'out' GROUP BY 1 ORDER BY 1`,
      ),
    );
    const retried = await setup.store.system((m) => one<{ n: string }>(m, `SELECT count(*)::text AS n FROM outbox WHERE attempts > 1 OR status = 'dead'`));
    const perText = (ms: number) => `${fmt(ms / BURST, 2)} ms`;
    const layout = { split: 'API and worker processes', all: 'one process, role all', api: 'the API process alone (workers elsewhere)' }[LAYOUT];
    const sent = WARMUP + a.sent.length + (b?.sent.length ?? 0) + BURST;

    const lines = [
      `SMS bench (PostgreSQL + Redis, loopback, ${layout}, offline AI, fake Twilio over HTTP; ${os.cpus().length} cores; load average before ${loadBefore}, after ${loadAvg()})`,
      `Floor: a one-row durable commit, one client every 10 ms for 10 s before A: n=${floor.ms.length}  p50=${fmt(percentile(floor.ms, 50), 2)} ms  p99=${fmt(percentile(floor.ms, 99), 2)} ms  max=${fmt(Math.max(...floor.ms), 1)} ms  (worst per second: ${floor.worst.map((w) => fmt(w, 0)).join(' ')})`,
      `A. webhook ack @ ${RATE} req/s target (${fmt(achieved, 0)} acknowledged/s) for ${SECONDS}s: n=${a.ms.length} errors=${a.errors}  p50=${fmt(percentile(a.ms, 50), 2)} ms  p99=${fmt(percentile(a.ms, 99), 2)} ms  max=${fmt(Math.max(...a.ms), 1)} ms  (backlog after drain: ${leftA})`,
      ...(process.env.SMS_BENCH_TIMELINE ? [`   A, worst ack per second from ${new Date(a.startedAt).toISOString()}: ${a.worst.map((w) => fmt(w, 0)).join(' ')}`] : []),
      b
        ? `B. inbound→provider call, autopilot, 20/s: n=${e2e.length}/${b.sent.length}  p50=${fmt(percentile(e2e, 50), 1)} ms  p95=${fmt(percentile(e2e, 95), 1)} ms`
        : `B. inbound→provider call: needs a worker, not measured in this layout`,
      `C. sustained inbound: ${BURST} texts acknowledged in ${fmt(c.seconds, 2)} s = ${fmt(BURST / c.seconds, 0)} texts/s (errors ${c.errors}); ` +
        (withWorker ? `AI turns + sends drained at ${fmt(BURST / processedSeconds, 0)} texts/s end to end (backlog left ${leftC}); ` : '') +
        `inbound rows stored ${stored?.n} of ${sent} texts sent`,
      ...([a, b, c].some((r) => r && r.errors > 0) ? [`   failed requests by status or connection error: ${JSON.stringify({ A: a.kinds, B: b?.kinds, C: c.kinds })}`] : []),
      `   check: outbound texts by status ${outbound.map((r) => `${r.status} ${r.n}`).join(', ')}; provider calls ${sidSeq}; jobs retried or dead ${retried?.n}`,
      `   CPU per text during C: ${names.map((n, i) => `${n} ${perText(cpu[i].ms)}`).join(', ')}, PostgreSQL ${perText(pgMs)}, Redis ${perText(redisMs)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    standIn = false;
    await standInWorkers;
    await client.terminate();
    await Promise.all(nodes.map((n) => n.ask('stop').catch(() => undefined)));
    fakeTwilio.close();
    await setup.stop();
    await db.drop();
    await dropKeysWithPrefix(redisUrl, queuePrefix); // a run whose jobs were not all consumed (the API-alone layout) leaves thousands
  }
}

/** Commit latency of a one-row insert (a WAL flush each, as every acknowledged text waits for one), paced every 10 ms. */
async function commitFloor(dataSource: { query: (sql: string) => Promise<unknown> }, durationMs: number): Promise<{ ms: number[]; worst: number[] }> {
  await dataSource.query(`CREATE TABLE bench_commit_probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
  const ms: number[] = [];
  const worst: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < durationMs) {
    const start = performance.now();
    await dataSource.query(`INSERT INTO bench_commit_probe DEFAULT VALUES`);
    const took = performance.now() - start;
    ms.push(took);
    const sec = Math.floor((start - t0) / 1000);
    worst[sec] = Math.max(worst[sec] ?? 0, took);
    await sleep(Math.max(0, 10 - took));
  }
  await dataSource.query(`DROP TABLE bench_commit_probe`);
  return { ms, worst };
}

main().catch((err) => {
  process.stderr.write(`bench:sms failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
