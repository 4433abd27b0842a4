import { Router } from 'express';
import type { Engine } from '../../core/index';
import type { Metrics } from '../http/metrics';

/** Liveness, readiness (database and queue reachable) and Prometheus metrics. */
export function healthRoutes(engine: Engine, metrics: Metrics): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const checks = await engine.ready();
    const ok = checks.database && checks.queue;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', checks });
  });
  r.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return r;
}
