import type { Express } from 'express';
import pino from 'pino';
import { createEngine, type Engine } from '../../core/index';
import { createApp, type Connector, type RouteModule } from '../../server/app';
import { loadConfig, type TandemConfig } from '../../server/config';
import { Metrics } from '../../server/http/metrics';
import { provisionTestDatabase } from './test-store';
import { createTestQueue } from './test-queue';

export interface TestApp {
  app: Express;
  engine: Engine;
  config: TandemConfig;
  close(): Promise<void>;
}

/**
 * The real engine and Express app on the test tier's services (PGlite or PostgreSQL + Redis), for
 * supertest. `env` overrides configuration as the environment would.
 */
export async function createTestApp(options: {
  env?: Record<string, string>;
  routes?: RouteModule[];
  connectors?: Connector[];
  clock?: () => Date;
  compose?: (engine: Engine) => void | Promise<void>;
  /** A worker process's app: health and metrics only. */
  healthOnly?: boolean;
} = {}): Promise<TestApp> {
  const db = await provisionTestDatabase();
  const config = loadConfig({
    TANDEM_SECRET_KEY: '11'.repeat(32),
    TANDEM_DATA_DIR: db.options.dataDir ?? '/tmp/tandem-test-unused',
    PUBLIC_URL: 'https://tandem.test',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const engine = await createEngine({
    store: db.options,
    secretKey: config.secretKey,
    publicUrl: config.publicUrl,
    clock: options.clock,
    jobs: { queue: createTestQueue(), pollMs: 50, backoffMs: () => 50 },
  });
  await engine.migrate();
  await options.compose?.(engine);
  const metrics = new Metrics({ queue: () => engine.jobs.queue.depth(), outbox: () => engine.jobs.backlog() });
  const app = await createApp({ engine, config, logger: pino({ level: 'silent' }), metrics, routes: options.routes, connectors: options.connectors, healthOnly: options.healthOnly });
  await engine.start(options.healthOnly ? 'worker' : 'all');
  return {
    app,
    engine,
    config,
    async close() {
      await engine.stop();
      await db.cleanup();
    },
  };
}
