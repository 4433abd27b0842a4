import { Router } from 'express';
import { z } from 'zod';
import { TAGS, type Engine } from '../../core/index';
import type { RouteModule } from '../app';
import { requireApiKey } from '../http/auth';
import { parseQuery } from './conversations.routes';

const listQuery = z.object({
  tag: z.enum(TAGS).optional(),
  optedOut: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

/** Leads: newest first, and one lead with consent, score signals and CRM links. */
export function leadRoutes(engine: Engine): Router {
  const r = Router();
  r.get('/leads', requireApiKey(engine, 'viewer'), async (req, res) => {
    res.json(await engine.leads.list(req.principal!.tenantId, parseQuery(listQuery, req.query)));
  });
  r.get('/leads/:id', requireApiKey(engine, 'viewer'), async (req, res) => {
    res.json({ lead: await engine.leads.get(req.principal!.tenantId, String(req.params.id)) });
  });
  return r;
}

export const leadsRouteModule: RouteModule = ({ api, engine }) => {
  api.use(leadRoutes(engine));
};
