import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger as PinoLogger } from 'pino';
import type { Engine } from '../core/index';
import type { TandemConfig } from './config';
import { errorHandler, notFoundHandler } from './http/errors';
import { Metrics } from './http/metrics';
import { RateLimitStores } from './http/rate-limit-stores';
import { requestContext } from './http/request-context';
import { adminRoutes } from './routes/admin.routes';
import { healthRoutes } from './routes/health.routes';

/** What a connector gets to plug itself in. Connectors mount their own routes and body parsers. */
export interface ConnectorContext {
  app: Express;
  engine: Engine;
  config: TandemConfig;
  logger: PinoLogger;
}

export interface Connector {
  id: string;
  register(ctx: ConnectorContext): void | Promise<void>;
}

/** Extra route groups (capture, conversations, webhooks ...) contributed by server modules. */
export type RouteModule = (ctx: ConnectorContext & { api: express.Router; metrics: Metrics; rateLimits: RateLimitStores }) => void;

export interface AppOptions {
  engine: Engine;
  config: TandemConfig;
  logger: PinoLogger;
  metrics: Metrics;
  connectors?: Connector[];
  routes?: RouteModule[];
  /** Worker processes serve health and metrics only. */
  healthOnly?: boolean;
  /** Where rate limiters count (shared through Redis by startServer); default: each limiter in memory. */
  rateLimits?: RateLimitStores;
}

/** Composes the HTTP server: security headers, request ids and logs, metrics, routes, one error shape. */
export async function createApp(options: AppOptions): Promise<Express> {
  const { engine, config, logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.env.TANDEM_TRUST_PROXY === 'true' ? true : config.env.TANDEM_TRUST_PROXY);
  app.use(requestContext(logger));
  app.use(metrics.middleware());
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          'frame-ancestors': ["'self'", 'https://*.hubspot.com', 'https://*.force.com', 'https://*.salesforce.com'],
        },
      },
      crossOriginResourcePolicy: false,
    }),
  );
  app.use(healthRoutes(engine, metrics));
  const ctx: ConnectorContext = { app, engine, config, logger };
  if (options.healthOnly) {
    // A worker runs the connectors' jobs (CRM sync, agent notifications), which they hand the engine in
    // `register`: register them here too, with their HTTP routes on an app that is never served.
    const unserved = express();
    for (const connector of options.connectors ?? []) await connector.register({ ...ctx, app: unserved });
    app.use(notFoundHandler);
    app.use(errorHandler);
    return app;
  }

  // Connectors first: some (Slack) must read the raw body before any JSON parser touches it.
  for (const connector of options.connectors ?? []) await connector.register(ctx);

  const api = express.Router();
  const rateLimits = options.rateLimits ?? new RateLimitStores();
  for (const mount of options.routes ?? []) mount({ ...ctx, api, metrics, rateLimits });
  api.use(express.json({ limit: '64kb' }), adminRoutes(engine, config.env.TANDEM_ADMIN_TOKEN));
  app.use('/api/v1', api);
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
