import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { createEngine, type Engine, type ProcessRole } from '../core/index';
import { createApp, type Connector, type RouteModule } from './app';
import type { TandemConfig } from './config';
import { keepConnectionsAlive } from './http/keep-alive';
import { Metrics } from './http/metrics';
import { RateLimitStores } from './http/rate-limit-stores';
import { lowerProcessPriority } from './process-priority';
import { describeDatabaseError } from './startup-errors';

export interface RunningServer {
  engine: Engine;
  server: Server;
  url: string;
  demo: { tenantId: string; apiKey: string } | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  config: TandemConfig;
  logger: PinoLogger;
  role?: ProcessRole;
  connectors?: Connector[];
  routes?: RouteModule[];
  /** Extra wiring after the engine exists and before it starts (SMS providers, AI, handlers). */
  compose?: (engine: Engine) => void | Promise<void>;
  /** Fills a freshly created demo tenant (demo form, simulated number ...). */
  seedDemo?: (engine: Engine, tenantId: string) => Promise<void>;
  /**
   * Tests only: the engine's clock for quiet hours and follow-ups (createEngine's `clock`), so a test of the
   * whole server can pin the time of day. The CLI never passes it: a real server decides on the real time.
   */
  clock?: () => Date;
}

/** Opens the engine, migrates, serves HTTP, starts background work. Throws one clear error on failure. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config, logger } = options;
  const role = options.role ?? 'all';
  let metrics: Metrics | null = null;
  let engine: Engine;
  try {
    engine = await createEngine({
      store: config.databaseUrl ? { databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize } : { dataDir: join(config.dataDir, 'pgdata') },
      redisUrl: config.redisUrl,
      secretKey: config.secretKey,
      publicUrl: config.publicUrl,
      clock: options.clock,
      logger,
      onJobOutcome: (job, outcome, ms) => metrics?.recordJob(job, outcome, ms),
      jobs: { concurrency: config.workerConcurrency, outboxRetentionMs: config.outboxRetentionDays * 24 * 3600_000 },
    });
  } catch (err) {
    throw new Error(describeDatabaseError(err, config));
  }
  await engine.migrate();
  await options.compose?.(engine);
  metrics = new Metrics({ queue: () => engine.jobs.queue.depth(), outbox: () => engine.jobs.backlog() });
  const demo = config.demo && role !== 'worker' ? await ensureDemoTenant(engine, config, options.seedDemo) : null;
  // With Redis, API processes share their rate-limit counts; a worker mounts no limiter and opens no connection.
  const rateLimits = new RateLimitStores({ redisUrl: config.redisUrl, logger });
  const app = await createApp({
    engine,
    config,
    logger,
    metrics,
    connectors: options.connectors,
    routes: options.routes,
    healthOnly: role === 'worker',
    rateLimits,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = keepConnectionsAlive(app.listen(config.port, config.host, () => resolve(s)));
    s.once('error', reject);
  });
  if (role === 'worker') lowerProcessPriority(config.workerNice);
  await engine.start(role);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.env.PUBLIC_URL ? config.publicUrl : `http://localhost:${port}`;

  let stopping: Promise<void> | null = null;
  return {
    engine,
    server,
    url,
    demo,
    stop() {
      stopping ??= (async () => {
        // Stop taking requests, let jobs in flight finish, then close connections.
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections?.();
        await Promise.all([engine.stop(), rateLimits.close()]);
      })();
      return stopping;
    },
  };
}

/**
 * The embedded default creates one demo tenant on first run and remembers its key in the data
 * directory, so every start can print it. Production tenants are made with `tandem tenant create`.
 */
async function ensureDemoTenant(
  engine: Engine,
  config: TandemConfig,
  seed?: (engine: Engine, tenantId: string) => Promise<void>,
): Promise<{ tenantId: string; apiKey: string }> {
  const file = join(config.dataDir, 'demo-tenant.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { tenantId: string; apiKey: string };
    if (await engine.apiKeys.authenticate(saved.apiKey)) return saved;
  }
  const { tenant, apiKey } = await engine.tenants.create({ name: 'Tandem Demo Realty', adminName: 'Demo Admin', adminEmail: 'admin@demo.tandem.local' });
  const saved = { tenantId: tenant.id, apiKey };
  writeFileSync(file, JSON.stringify(saved, null, 2), { mode: 0o600 });
  await seed?.(engine, tenant.id);
  return saved;
}
