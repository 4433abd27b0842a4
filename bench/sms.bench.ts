/**
 * SMS path benchmark on PostgreSQL + Redis (DATABASE_URL, REDIS_URL; a scratch database is created and
 * dropped). Loopback only, bounded loops. Prints:
 *  A. signed Twilio webhook acknowledgement p50/p99 at a fixed open-loop rate (default 300 req/s for 20 s),
 *     with the worker running in the same process (the embedded-style `all` role);
 *  B. inbound-to-provider-call latency with the offline AI model, autopilot tenant, provider = a local fake
 *     Twilio HTTP server reached through the real TwilioSmsProvider (p50/p95);
 *  C. sustained inbound texts/s: a closed loop of signed webhooks as fast as the server acknowledges, and how
 *     fast the resulting AI turns and sends drain.
 *
 *   npm run bench:sms            (env: SMS_BENCH_RATE, SMS_BENCH_SECONDS, SMS_BENCH_BURST)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import twilio from 'twilio';
import { createEngine } from '../core/index';
import { one } from '../core/store/sql';
import { createApp } from '../server/app';
import { composeWith, routes } from '../server/compose';
import { loadConfig } from '../server/config';
import { Metrics } from '../server/http/metrics';
import { fmt, percentile, scratchDatabase, sleep } from './bench-support';

const RATE = Number(process.env.SMS_BENCH_RATE ?? 300);
const SECONDS = Number(process.env.SMS_BENCH_SECONDS ?? 20);
const BURST = Number(process.env.SMS_BENCH_BURST ?? 3000);
const PUBLIC_URL = 'https://bench.tandem.local';
const ACCOUNT_SID = 'AC' + 'b'.repeat(32);
const AUTH_TOKEN = 'bench-auth-token';
const OUR_NUMBER = '+12125550100';

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
      if (!providerCalls.has(to)) providerCalls.set(to, performance.now());
      const sid = `SM${(++sidSeq).toString(16).padStart(32, '0')}`;
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ sid, status: 'queued', to, from: OUR_NUMBER, body: form.get('Body'), account_sid: ACCOUNT_SID }));
    });
  });
  await new Promise<void>((r) => fakeTwilio.listen(0, '127.0.0.1', r));
  const fakeUrl = `http://127.0.0.1:${(fakeTwilio.address() as AddressInfo).port}`;

  const config = loadConfig({
    PUBLIC_URL,
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    TANDEM_SECRET_KEY: randomBytes(32).toString('hex'),
    TWILIO_API_BASE_URL: fakeUrl,
    TANDEM_DEMO: 'off',
    LOG_LEVEL: 'silent',
  } as NodeJS.ProcessEnv);
  // Noon in New York, moving with real time: never quiet hours, whatever the hour the bench runs.
  const start = Date.now();
  const clock = () => new Date(Date.parse('2026-06-02T16:00:00Z') + (Date.now() - start));
  const engine = await createEngine({
    store: { databaseUrl: db.url, poolSize: 30 },
    redisUrl,
    secretKey: config.secretKey,
    publicUrl: PUBLIC_URL,
    clock,
    jobs: { concurrency: 24, queuePrefix: `tandem-bench-${process.pid}` },
  });
  await engine.migrate();
  composeWith(config, null)(engine);
  const { tenant } = await engine.tenants.create({
    name: 'Bench Realty',
    settings: { autonomy: 'autopilot', knowledge: [{ id: 'hours', title: 'Office hours', body: 'Our office hours are 9am to 6pm, Monday to Saturday.' }] },
  });
  await engine.store.tenant(tenant.id, (m) => m.query(`INSERT INTO phone_numbers (tenant_id, e164) VALUES ($1, $2)`, [tenant.id, OUR_NUMBER]));
  await engine.integrations.put(tenant.id, 'twilio', { externalId: ACCOUNT_SID, enabled: true, config: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: OUR_NUMBER } });
  const metrics = new Metrics({ queue: async () => 0, outbox: async () => 0 });
  const app = await createApp({ engine, config, logger: pino({ level: 'silent' }), metrics, routes });
  const server = await new Promise<http.Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  await engine.start('all');
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

  let msgSeq = 0;
  const post = (from: string, body: string): Promise<{ ms: number; status: number }> => {
    const sid = `SM${(++msgSeq).toString(16).padStart(32, 'a')}`;
    const params = { AccountSid: ACCOUNT_SID, MessageSid: sid, SmsSid: sid, From: from, To: OUR_NUMBER, Body: body, NumMedia: '0' };
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, params);
    const payload = new URLSearchParams(params).toString();
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/webhooks/twilio/sms',
          method: 'POST',
          agent,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(payload), 'X-Twilio-Signature': signature },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0 }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  };
  const phone = (i: number) => `+1212${(5_000_000 + i).toString().padStart(7, '0')}`;
  // Work due now (nurture follow-ups scheduled days ahead stay pending and are not backlog).
  const due = async () =>
    Number((await engine.store.system((m) => one<{ n: string }>(m, `SELECT count(*)::text AS n FROM outbox WHERE status = 'pending' AND available_at <= now()`)))!.n);
  const drain = async (limitMs: number) => {
    const deadline = Date.now() + limitMs;
    while (Date.now() < deadline && (await due()) > 0) await sleep(100);
    return due();
  };

  // Warm-up: JIT, pools, prepared plans.
  await Promise.all(Array.from({ length: 50 }, (_, i) => post(phone(900_000 + i), 'What are your office hours?')));
  await drain(30_000);

  // A. Acknowledgement latency at a fixed open-loop rate.
  const acks: number[] = [];
  let errors = 0;
  const total = RATE * SECONDS;
  const inflight: Array<Promise<void>> = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inflight.push(
      post(phone(i % 2000), i % 5 === 0 ? 'Can I book a viewing on Saturday?' : 'What are your office hours?')
        .then((r) => {
          if (r.status === 200) acks.push(r.ms);
          else errors += 1;
        })
        .catch(() => {
          errors += 1;
        }),
    );
  }
  await Promise.all(inflight);
  const achieved = total / ((performance.now() - t0) / 1000);
  const leftA = await drain(120_000);

  // B. Inbound-to-provider-call latency at a moderate rate, one fresh lead per text.
  const sentAt = new Map<string, number>();
  const bRate = 20;
  const bCount = 200;
  providerCalls.clear();
  const bStart = performance.now();
  const bFlight: Array<Promise<unknown>> = [];
  for (let i = 0; i < bCount; i += 1) {
    const due = bStart + (i * 1000) / bRate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const p = phone(100_000 + i);
    sentAt.set(p, performance.now());
    bFlight.push(post(p, 'What are your office hours?'));
  }
  await Promise.all(bFlight);
  await drain(60_000);
  await sleep(500);
  const e2e = [...sentAt].map(([p, at]) => (providerCalls.get(p) ?? NaN) - at).filter(Number.isFinite);

  // C. Sustained inbound: closed loop, 64 concurrent senders, BURST texts.
  const cStart = performance.now();
  let next = 0;
  let cErrors = 0;
  const workers = Array.from({ length: 64 }, async () => {
    while (next < BURST) {
      const i = next++;
      const r = await post(phone(200_000 + (i % 3000)), 'What are your office hours?').catch(() => ({ status: 0, ms: 0 }));
      if (r.status !== 200) cErrors += 1;
    }
  });
  await Promise.all(workers);
  const acceptSeconds = (performance.now() - cStart) / 1000;
  const leftC = await drain(180_000);
  const processedSeconds = (performance.now() - cStart) / 1000;
  const stored = await engine.store.system((m) => one<{ n: string }>(m, `SELECT count(*)::text AS n FROM messages WHERE direction = 'in'`));

  const lines = [
    `SMS bench (PostgreSQL + Redis, loopback, 1 process role=all, offline AI, fake Twilio over HTTP)`,
    `A. webhook ack @ ${RATE} req/s target (${fmt(achieved, 0)} achieved) for ${SECONDS}s: n=${acks.length} errors=${errors}  p50=${fmt(percentile(acks, 50), 2)} ms  p99=${fmt(percentile(acks, 99), 2)} ms  max=${fmt(Math.max(...acks), 1)} ms  (backlog after drain: ${leftA})`,
    `B. inbound→provider call, autopilot, ${bRate}/s: n=${e2e.length}/${bCount}  p50=${fmt(percentile(e2e, 50), 1)} ms  p95=${fmt(percentile(e2e, 95), 1)} ms`,
    `C. sustained inbound: ${BURST} texts acknowledged in ${fmt(acceptSeconds, 2)} s = ${fmt(BURST / acceptSeconds, 0)} texts/s (errors ${cErrors}); AI turns + sends drained at ${fmt(BURST / processedSeconds, 0)} texts/s end to end (backlog left ${leftC}); inbound rows stored ${stored?.n}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  agent.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  fakeTwilio.close();
  await engine.stop();
  await db.drop();
}

main().catch((err) => {
  process.stderr.write(`bench:sms failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
