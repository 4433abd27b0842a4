import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { ACTION_TYPES, AUTONOMY_LEVELS, type ConversationView, type ConsentState, type Tag, type AgentRecord, type EngineCommon, type LeadRef, type LeadSummary } from '../../core/index';
import { verifyHubSpotSignatureV3 } from './hubspot-signature';

/** The structured logger the server hands connectors (pino-compatible subset). */
export interface HubSpotLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the card shows about a lead when there is no conversation yet (or alongside one). */
export interface CardLead {
  id: string;
  name: string;
  tag: Tag;
  score: number;
  consent: { state: ConsentState; at: string | null };
  optedOut: boolean;
}

/** Why the card may not offer "Start conversation". */
export type StartBlockedReason = 'opted_out' | 'no_phone';

/** Body of `GET /hubspot/card/conversation`. */
export interface CardConversationResponse {
  conversation: ConversationView | null;
  lead: CardLead | null;
  canStart: boolean;
  startBlockedReason: StartBlockedReason | null;
  /** No SMS consent on record: starting needs the agent to confirm the contact agreed to texts. */
  consentRequired: boolean;
}

export interface HubSpotRouterDeps {
  engine: EngineCommon;
  /** The app's client secret: the HMAC key of `X-HubSpot-Signature-v3`. */
  clientSecret: string;
  /** The deployment's public base URL as HubSpot calls it, e.g. `https://tandem.example.com`. */
  publicUrl: string;
  logger: HubSpotLogger;
  /** Injectable clock for signature freshness. */
  now?: () => number;
}

/** A failure the card can show: `{ error: { code, message, details } }`. */
export class HubSpotRouteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HubSpotRouteError';
  }
}

const identitySchema = z.object({
  portalId: z.string().regex(/^\d+$/, 'portalId must be numeric'),
  userId: z.string().regex(/^\d+$/, 'userId must be numeric').optional(),
  userEmail: z.string().email().optional(),
});

const conversationQuerySchema = z
  .object({
    contactId: z.string().regex(/^\d+$/, 'contactId must be the numeric hs_object_id').optional(),
    email: z.string().email().optional(),
    phone: z.string().min(3).max(32).optional(),
  })
  .refine((q) => q.contactId || q.email || q.phone, { message: 'Pass contactId, email or phone to find the lead' });

const TEXT_ACTIONS = new Set(['edit', 'send', 'note']);
const actionBodySchema = z
  .object({
    conversationId: z.string().min(1).max(100),
    type: z.enum(ACTION_TYPES),
    version: z.number().int().nonnegative(),
    text: z.string().trim().min(1).max(1600).optional(),
    draftId: z.string().min(1).max(100).optional(),
    /** For `set_autonomy`: this conversation's level, or null to follow the tenant's setting again. */
    autonomy: z.enum(AUTONOMY_LEVELS).nullable().optional(),
  })
  .strict()
  .refine((b) => !TEXT_ACTIONS.has(b.type) || b.text !== undefined, { message: 'text is required for edit, send and note', path: ['text'] })
  .refine((b) => b.type !== 'set_autonomy' || b.autonomy !== undefined, { message: 'autonomy is required for set_autonomy: autopilot, copilot, off, or null', path: ['autonomy'] });

const optionalName = z.string().trim().max(100).nullable().optional();
const startBodySchema = z
  .object({
    contactId: z.string().regex(/^\d+$/, 'contactId must be the numeric hs_object_id'),
    /** The lead the card showed, when Tandem knows the contact. */
    leadId: z.string().min(1).max(100).optional(),
    /** The contact's own fields, for a contact Tandem does not know yet. */
    contact: z
      .object({ phone: z.string().trim().min(3).max(40), firstName: optionalName, lastName: optionalName, email: z.string().trim().email().max(254).nullable().optional() })
      .strict()
      .optional(),
    /** What the agent confirmed, word for word: required when there is no consent on record. */
    consentStatement: z.string().trim().min(10).max(500).optional(),
    text: z.string().trim().min(1).max(1600).optional(),
  })
  .strict()
  .refine((b) => b.leadId || b.contact, { message: 'Pass leadId, or contact with at least a phone', path: ['contact'] });

interface CardRequestContext {
  tenantId: string;
  agent: AgentRecord;
}

/**
 * Routes the HubSpot card calls through `hubspot.fetch`:
 * - `GET  /hubspot/card/conversation?contactId&email&phone` → {@link CardConversationResponse}
 * - `POST /hubspot/card/actions` `{ conversationId, type, version, text?, draftId?, autonomy? }` → `{ conversation }`
 * - `POST /hubspot/card/start` `{ contactId, leadId? | contact?, consentStatement?, text? }` → `{ conversation, created }`
 *
 * Every request must carry a valid v3 signature over the raw body and the public URI; HubSpot appends
 * `portalId`, `userId`, `userEmail` and `appId` to the query string, so they are covered by it. The portal
 * maps to a tenant, the HubSpot user to a Tandem agent (unmapped → 403), and commands carry the agent as actor.
 */
export function createHubSpotRouter(deps: HubSpotRouterDeps): Router {
  const router = express.Router();
  const publicBase = deps.publicUrl.replace(/\/+$/, '');
  const now = deps.now ?? Date.now;

  // Raw bytes first: the signature covers the body exactly as sent. hubspot.fetch caps bodies at 1 MB.
  router.use('/hubspot/card', express.raw({ type: () => true, limit: '1mb' }));

  router.use('/hubspot/card', (req: Request, _res: Response, next: NextFunction) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const ok = verifyHubSpotSignatureV3({
      clientSecret: deps.clientSecret,
      method: req.method,
      uri: publicBase + req.originalUrl,
      body: raw,
      timestamp: req.get('x-hubspot-request-timestamp'),
      signature: req.get('x-hubspot-signature-v3'),
      nowMs: now(),
    });
    if (!ok) {
      deps.logger.warn({ path: req.path, method: req.method }, 'hubspot card request with a bad or stale signature');
      next(new HubSpotRouteError(401, 'hubspot.signature_invalid', 'The request signature is missing, invalid or expired.'));
      return;
    }
    next();
  });

  router.get('/hubspot/card/conversation', async (req, res, next) => {
    try {
      const { tenantId } = await resolveCaller(deps, req);
      const q = parse(conversationQuerySchema, req.query);
      const ref: LeadRef = { crm: q.contactId ? { provider: 'hubspot', externalId: q.contactId } : undefined, email: q.email, phone: q.phone };
      const conversation = await deps.engine.conversations.viewForLead(tenantId, ref);
      if (conversation) {
        const body: CardConversationResponse = { conversation, lead: cardLead(conversation.lead), canStart: false, startBlockedReason: null, consentRequired: false };
        res.json(body);
        return;
      }
      const found = await deps.engine.leads.find(tenantId, ref);
      const lead = found ? cardLead(found) : null;
      const startBlockedReason: StartBlockedReason | null = lead?.optedOut ? 'opted_out' : !lead && !q.phone ? 'no_phone' : null;
      const body: CardConversationResponse = {
        conversation: null,
        lead,
        canStart: startBlockedReason === null,
        startBlockedReason,
        consentRequired: lead?.consent.state !== 'granted',
      };
      res.json(body);
    } catch (err) {
      next(err);
    }
  });

  router.post('/hubspot/card/actions', async (req, res, next) => {
    try {
      const { tenantId, agent } = await resolveCaller(deps, req);
      const body = parse(actionBodySchema, parseJson(req.body));
      const conversation = await deps.engine.conversations.act(tenantId, body.conversationId, {
        type: body.type,
        version: body.version,
        text: body.text,
        draftId: body.draftId,
        ...(body.autonomy !== undefined ? { autonomy: body.autonomy } : {}),
        actor: { agentId: agent.id, name: agent.name, surface: 'hubspot' },
      });
      deps.logger.info({ tenantId, conversationId: body.conversationId, action: body.type, agentId: agent.id }, 'hubspot card action');
      res.json({ conversation });
    } catch (err) {
      next(err);
    }
  });

  router.post('/hubspot/card/start', async (req, res, next) => {
    try {
      const { tenantId, agent } = await resolveCaller(deps, req);
      const body = parse(startBodySchema, parseJson(req.body));
      const result = await deps.engine.conversations.start(tenantId, {
        lead: body.leadId ? { leadId: body.leadId } : { ...body.contact! },
        crm: { provider: 'hubspot', externalId: body.contactId },
        ...(body.consentStatement ? { consent: { statement: body.consentStatement } } : {}),
        ...(body.text ? { text: body.text } : {}),
        actor: { agentId: agent.id, name: agent.name, surface: 'hubspot' },
      });
      deps.logger.info({ tenantId, conversationId: result.conversation.id, created: result.created, consentRecorded: result.consentRecorded, agentId: agent.id }, 'hubspot card start');
      res.status(result.created ? 201 : 200).json({ conversation: result.conversation, created: result.created });
    } catch (err) {
      next(err);
    }
  });

  router.use('/hubspot/card', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const mapped = toErrorBody(err);
    if (mapped.status >= 500) deps.logger.error({ err: errorSummary(err) }, 'hubspot card request failed');
    res.status(mapped.status).json({ error: mapped.error });
  });

  return router;
}

async function resolveCaller(deps: HubSpotRouterDeps, req: Request): Promise<CardRequestContext> {
  const identity = parse(identitySchema, { portalId: str(req.query.portalId), userId: str(req.query.userId), userEmail: str(req.query.userEmail) });
  const tenantId = await deps.engine.integrations.findTenant('hubspot', identity.portalId);
  if (!tenantId) {
    throw new HubSpotRouteError(403, 'hubspot.portal_unknown', 'This HubSpot account is not connected to Tandem. Install the Tandem app from your Tandem admin settings.', {
      portalId: identity.portalId,
    });
  }
  const agent = await deps.engine.agents.resolve(tenantId, { hubspotUserId: identity.userId, email: identity.userEmail });
  if (!agent) {
    throw new HubSpotRouteError(
      403,
      'hubspot.agent_unmapped',
      `Your HubSpot user${identity.userEmail ? ` (${identity.userEmail})` : ''} is not linked to a Tandem agent. Ask a Tandem admin to add you as an agent with this email or HubSpot user id.`,
      { hubspotUserId: identity.userId ?? null },
    );
  }
  return { tenantId, agent };
}

function cardLead(lead: LeadSummary): CardLead {
  return { id: lead.id, name: lead.name, tag: lead.tag, score: lead.score, consent: { state: lead.consent.state, at: lead.consent.at }, optedOut: lead.optedOut };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function parseJson(body: unknown): unknown {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : '';
  if (text.trim() === '') throw new HubSpotRouteError(400, 'request.invalid', 'A JSON body is required.');
  try {
    return JSON.parse(text);
  } catch {
    throw new HubSpotRouteError(400, 'request.invalid', 'The body is not valid JSON.');
  }
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new HubSpotRouteError(400, 'request.invalid', issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), { issues });
  }
  return result.data;
}

/**
 * Maps any thrown value to the wire shape. TandemError-like errors carry `code`, `status`, `details`.
 * `bodyLimit` names the caller's body-parser limit for the 413 message (the card routes take 1 MB).
 */
export function toErrorBody(err: unknown, bodyLimit = '1 MB'): { status: number; error: { code: string; message: string; details: Record<string, unknown> } } {
  if (err && typeof err === 'object') {
    const e = err as { status?: unknown; statusCode?: unknown; code?: unknown; message?: unknown; details?: unknown; type?: unknown };
    const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
    // body-parser errors (too large, bad encoding) carry a numeric status and a `type`.
    if (status === 413) return { status, error: { code: 'request.too_large', message: `The request body is larger than ${bodyLimit}.`, details: {} } };
    if (status !== undefined && status >= 400 && status < 600 && typeof e.code === 'string') {
      return {
        status,
        error: {
          code: e.code,
          message: status >= 500 ? 'Something went wrong on our side. Try again.' : String(e.message ?? e.code),
          details: e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : {},
        },
      };
    }
  }
  return { status: 500, error: { code: 'internal', message: 'Something went wrong on our side. Try again.', details: {} } };
}

function errorSummary(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { name: err.name, message: err.message, code: (err as { code?: unknown }).code };
  return { value: String(err) };
}

/**
 * Stands in for routes this server cannot serve because HubSpot is not configured: a clear 503
 * `hubspot.not_configured` naming what is missing, instead of a 404 that looks like a wrong URL.
 */
export function createHubSpotNotConfiguredRouter(paths: string[], message: string): Router {
  const router = express.Router();
  router.use(paths, (_req: Request, res: Response) => {
    res.status(503).json({ error: { code: 'hubspot.not_configured', message, details: {} } });
  });
  return router;
}
