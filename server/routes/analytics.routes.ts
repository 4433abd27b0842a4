import { Router } from 'express';
import { parseAnalyticsRange, type Engine } from '../../core/index';
import type { RouteModule } from '../app';
import { requireApiKey } from '../http/auth';

/**
 * `GET /api/v1/analytics/overview?from=ISO&to=ISO`: the console's analytics figures for the caller's tenant.
 * Bad or missing dates, `to` not after `from`, or more than 366 days: 422 naming the parameter.
 */
export function analyticsRoutes(engine: Engine): Router {
  const r = Router();
  r.get('/analytics/overview', requireApiKey(engine, 'viewer'), async (req, res) => {
    const range = parseAnalyticsRange({ from: req.query.from, to: req.query.to });
    res.setHeader('Cache-Control', 'no-store');
    res.json({ overview: await engine.analytics.overview(req.principal!.tenantId, range) });
  });
  return r;
}

export const analyticsRouteModule: RouteModule = ({ api, engine }) => {
  api.use(analyticsRoutes(engine));
};
