import { Router } from 'express';
import { z } from 'zod';
import { invalid, type Engine } from '../../core/index';
import { requestActor, requireAdminToken, requireApiKey } from '../http/auth';
import { parseBody } from '../http/validate';

/** Exported for the OpenAPI document, which describes the bodies from these schemas. */
export const createTenantBody = z.object({
  name: z.string().trim().min(1).max(120),
  adminName: z.string().trim().min(1).max(120).optional(),
  adminEmail: z.string().email().optional(),
});
export const createKeyBody = z.object({
  name: z.string().trim().min(1).max(120),
  role: z.enum(['admin', 'agent', 'viewer']),
  agentId: z.string().uuid().nullable().optional(),
});
export const createAgentBody = z.object({
  name: z.string().trim().min(1).max(120),
  email: z.string().email().nullable().optional(),
  role: z.enum(['admin', 'agent', 'viewer']).optional(),
  slackUserId: z.string().max(64).nullable().optional(),
  hubspotUserId: z.string().max(64).nullable().optional(),
  salesforceUserId: z.string().max(64).nullable().optional(),
});

/** Any of a person's fields; null clears an optional one. */
export const updateAgentBody = createAgentBody
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'Send at least one field to change' });

/** Tenants (operator token), API keys, agents, settings, integrations status and dead letters (tenant admin). */
export function adminRoutes(engine: Engine, adminToken: string | undefined): Router {
  const r = Router();

  r.post('/tenants', requireAdminToken(adminToken), async (req, res) => {
    const body = parseBody(createTenantBody, req.body);
    const { tenant, apiKey, apiKeyInfo } = await engine.tenants.create(body);
    res.status(201).json({ tenant, apiKey: { ...apiKeyInfo, key: apiKey, note: 'Shown once. Store it now.' } });
  });

  r.get('/tenant', requireApiKey(engine, 'viewer'), async (req, res) => {
    res.json({ tenant: await engine.tenants.get(req.principal!.tenantId) });
  });
  r.get('/settings', requireApiKey(engine, 'viewer'), async (req, res) => {
    res.json({ settings: (await engine.tenants.get(req.principal!.tenantId)).settings });
  });
  r.patch('/settings', requireApiKey(engine, 'admin'), async (req, res) => {
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) throw invalid('Send the settings to change as a JSON object');
    const tenant = await engine.tenants.updateSettings(req.principal!.tenantId, req.body, requestActor(req));
    res.json({ settings: tenant.settings });
  });

  r.get('/api-keys', requireApiKey(engine, 'admin'), async (req, res) => {
    res.json({ apiKeys: await engine.apiKeys.list(req.principal!.tenantId) });
  });
  r.post('/api-keys', requireApiKey(engine, 'admin'), async (req, res) => {
    const body = parseBody(createKeyBody, req.body);
    const { key, info } = await engine.apiKeys.create(req.principal!.tenantId, body, requestActor(req));
    res.status(201).json({ apiKey: { ...info, key, note: 'Shown once. Store it now.' } });
  });
  r.delete('/api-keys/:id', requireApiKey(engine, 'admin'), async (req, res) => {
    res.json({ apiKey: await engine.apiKeys.revoke(req.principal!.tenantId, String(req.params.id), requestActor(req)) });
  });

  r.get('/agents', requireApiKey(engine, 'viewer'), async (req, res) => {
    res.json({ agents: await engine.agents.list(req.principal!.tenantId) });
  });
  r.post('/agents', requireApiKey(engine, 'admin'), async (req, res) => {
    const body = parseBody(createAgentBody, req.body);
    res.status(201).json({ agent: await engine.agents.create(req.principal!.tenantId, body, requestActor(req)) });
  });
  r.delete('/agents/:id', requireApiKey(engine, 'admin'), async (req, res) => {
    res.json(await engine.agents.remove(req.principal!.tenantId, String(req.params.id), requestActor(req)));
  });
  r.patch('/agents/:id', requireApiKey(engine, 'admin'), async (req, res) => {
    const body = parseBody(updateAgentBody, req.body);
    res.json({ agent: await engine.agents.update(req.principal!.tenantId, String(req.params.id), body, requestActor(req)) });
  });

  r.get('/integrations', requireApiKey(engine, 'viewer'), async (req, res) => {
    res.json({ integrations: await engine.integrations.status(req.principal!.tenantId) });
  });

  r.get('/jobs/dead', requireApiKey(engine, 'admin'), async (req, res) => {
    res.json({ jobs: await engine.jobs.deadLetters(req.principal!.tenantId) });
  });
  r.post('/jobs/:id/retry', requireApiKey(engine, 'admin'), async (req, res) => {
    const ok = await engine.jobs.retryDead(req.principal!.tenantId, String(req.params.id));
    if (!ok) return res.status(404).json({ error: { code: 'job.not_dead', message: 'No dead job with this id', details: {} } });
    res.json({ retried: true });
  });
  return r;
}
