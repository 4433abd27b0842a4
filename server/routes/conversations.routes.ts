import express, { Router } from 'express';
import { z } from 'zod';
import { ACTION_TYPES, AUTONOMY_LEVELS, TAGS, TandemError, type Actor, type Engine, surfaceOf } from '../../core/index';
import type { RouteModule } from '../app';
import { requireApiKey } from '../http/auth';
import { parseBody } from '../http/validate';

const listQuery = z.object({
  status: z.enum(['open', 'needs_human', 'closed']).optional(),
  mode: z.enum(['ai', 'human']).optional(),
  tag: z.enum(TAGS).optional(),
  needsHuman: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

export const actionBody = z
  .object({
    type: z.enum(ACTION_TYPES),
    version: z.number().int().min(1),
    text: z.string().max(1600).optional(),
    draftId: z.string().uuid().optional(),
    /** For `set_autonomy`: the conversation's override; null follows the tenant setting again. */
    autonomy: z.enum(AUTONOMY_LEVELS).nullable().optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.type === 'edit' || b.type === 'send' || b.type === 'note') && !b.text?.trim()) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: `required for "${b.type}"` });
    }
    if (b.type === 'set_autonomy' && b.autonomy === undefined) {
      ctx.addIssue({ code: 'custom', path: ['autonomy'], message: 'required for "set_autonomy": autopilot, copilot, off, or null for the tenant setting' });
    }
    if (b.type !== 'set_autonomy' && b.autonomy !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['autonomy'], message: 'only for "set_autonomy"' });
    }
  });

const name = z.string().max(100).nullable().optional();
/** `POST /conversations`: an agent opens a conversation (see `startConversation` in core for the rules). */
export const startBody = z
  .object({
    lead: z.union([
      z.object({ leadId: z.string().uuid() }).strict(),
      z
        .object({
          phone: z.string().min(1).max(40).describe('E.164, or a national number of `country` (default: the tenant setting defaultPhoneCountry, US unless set)'),
          country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 country code, e.g. US').optional(),
          firstName: name,
          lastName: name,
          email: z.string().email().max(254).nullable().optional(),
          company: z.string().max(200).nullable().optional(),
        })
        .strict(),
    ]),
    crm: z.object({ provider: z.enum(['hubspot', 'salesforce']), externalId: z.string().min(1).max(100) }).strict().optional(),
    consent: z
      .object({ statement: z.string().trim().min(10).max(500).describe('What the person agreed to, as the agent attests it; kept in the consent ledger') })
      .strict()
      .optional(),
    text: z.string().trim().min(1).max(1600).optional(),
  })
  .strict();

/** Validates a query string; a failure is a 422 naming each bad parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const r = schema.safeParse(query ?? {});
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const issue of r.error.issues) fields[issue.path.join('.') || '_'] = issue.message;
  throw new TandemError('request.invalid', 'Some query parameters are not valid', 422, { fields });
}

/** Conversations: list, one view, and agent actions with optimistic concurrency. */
export function conversationRoutes(engine: Engine): Router {
  const r = Router();
  r.get('/conversations', requireApiKey(engine, 'viewer'), async (req, res) => {
    const q = parseQuery(listQuery, req.query);
    res.json(await engine.conversations.list(req.principal!.tenantId, q));
  });
  r.get('/conversations/:id', requireApiKey(engine, 'viewer'), async (req, res) => {
    res.json({ conversation: await engine.conversations.view(req.principal!.tenantId, String(req.params.id)) });
  });
  r.post('/conversations', requireApiKey(engine, 'agent'), express.json({ limit: '16kb' }), async (req, res) => {
    const surface = surfaceOf(req.header('x-tandem-surface'));
    const body = parseBody(startBody, req.body);
    const p = req.principal!;
    const result = await engine.conversations.start(p.tenantId, { ...body, actor: { agentId: p.agentId, name: p.name, surface } });
    res.status(result.created ? 201 : 200).json(result);
  });
  r.post('/conversations/:id/actions', requireApiKey(engine, 'agent'), express.json({ limit: '16kb' }), async (req, res) => {
    const surface = surfaceOf(req.header('x-tandem-surface'));
    const body = parseBody(actionBody, req.body);
    const p = req.principal!;
    const actor: Actor = { agentId: p.agentId, name: p.name, surface };
    const conversation = await engine.conversations.act(p.tenantId, String(req.params.id), { ...body, actor });
    res.json({ conversation });
  });
  return r;
}

export const conversationsRouteModule: RouteModule = ({ api, engine }) => {
  api.use(conversationRoutes(engine));
};
