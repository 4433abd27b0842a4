/**
 * One Tandem process for bench:sms, started by bench/sms.bench.ts with `child_process.fork`: the same wiring
 * as `tandem start --role api|worker` (engine, compose, connectors, routes, role, WORKER_CONCURRENCY and
 * WORKER_NICE), plus the bench's clock (noon in New York, moving with real time) so quiet hours never defer the
 * texts being measured, whatever the hour.
 * It tells its parent its port and, when asked, its CPU time; it stops on 'stop'.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createEngine } from '../core/index';
import { createApp } from '../server/app';
import { composeWith, connectors, routes } from '../server/compose';
import { loadConfig } from '../server/config';
import { keepConnectionsAlive } from '../server/http/keep-alive';
import { Metrics } from '../server/http/metrics';
import { lowerProcessPriority } from '../server/process-priority';

type Role = 'api' | 'worker' | 'all';

async function main() {
  const role = (process.env.SMS_BENCH_ROLE ?? 'all') as Role;
  const config = loadConfig(process.env);
  const start = Number(process.env.SMS_BENCH_EPOCH);
  const clock = () => new Date(Date.parse('2026-06-02T16:00:00Z') + (Date.now() - start));
  const engine = await createEngine({
    store: { databaseUrl: config.databaseUrl!, poolSize: config.databasePoolSize },
    redisUrl: config.redisUrl,
    secretKey: config.secretKey,
    publicUrl: config.publicUrl,
    clock,
    jobs: { concurrency: config.workerConcurrency, queuePrefix: process.env.SMS_BENCH_QUEUE_PREFIX },
  });
  composeWith(config, null)(engine);
  const metrics = new Metrics({ queue: async () => 0, outbox: async () => 0 });
  const app = await createApp({ engine, config, logger: pino({ level: process.env.SMS_BENCH_LOG_LEVEL ?? 'silent' }, pino.destination(2)), metrics, connectors, routes, healthOnly: role === 'worker' });
  const server = await new Promise<http.Server>((r) => {
    const s = keepConnectionsAlive(app.listen(0, '127.0.0.1', () => r(s)));
  });
  if (role === 'worker') lowerProcessPriority(config.workerNice);
  await engine.start(role);
  const cpuAtStart = process.cpuUsage();
  let cpuMark = cpuAtStart;
  process.on('message', async (msg: { kind: string }) => {
    if (msg.kind === 'cpu-mark') {
      cpuMark = process.cpuUsage();
      process.send!({ kind: 'cpu-marked' });
    } else if (msg.kind === 'cpu') {
      const used = process.cpuUsage(cpuMark);
      process.send!({ kind: 'cpu', ms: (used.user + used.system) / 1000 });
    } else if (msg.kind === 'stop') {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await engine.stop();
      process.send!({ kind: 'stopped' }, () => process.exit(0));
    }
  });
  process.send!({ kind: 'ready', port: (server.address() as AddressInfo).port });
}

main().catch((err) => {
  process.stderr.write(`bench:sms ${process.env.SMS_BENCH_ROLE} process failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
