import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import {
  ACTION_TYPES,
  AUTONOMY_LEVELS,
  type Actor,
  type AgentRecord,
  type ConsentState,
  type ConversationView,
  type EngineCommon,
  type LeadSummary,
  type StartConversationInput,
  type Tag,
} from '../../../core/index';
import { isSalesforceId, orgKeyMatches, toSalesforceId18 } from './salesforce-org-auth';

/** The few logger methods the connector uses (pino-compatible). */
export interface SalesforceLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SalesforceRouterDeps {
  engine: EngineCommon;
  logger: SalesforceLogger;
}

/** Header names shared with the Apex controller and the External Credential (keep in step with them). */
export const SALESFORCE_HEADERS = {
  orgId: 'x-tandem-org-id',
  orgKey: 'x-tandem-org-key',
  userId: 'x-tandem-user-id',
  userEmail: 'x-tandem-user-email',
} as const;

/** An error the routes answer with its own status and `{ error: { code, message, details } }`. */
export class SalesforceRouteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = 'SalesforceRouteError';
  }
}

const TEXT_ACTIONS = new Set(['edit', 'send', 'note']);

const actionBodySchema = z
  .object({
    type: z.enum(ACTION_TYPES),
    version: z.number().int().min(0),
    text: z.string().trim().min(1).max(1600).optional().nullable(),
    draftId: z.string().min(1).max(64).optional().nullable(),
    /** For `set_autonomy`: this conversation's level, or null to follow the team's setting again. */
    autonomy: z.enum(AUTONOMY_LEVELS).nullable().optional(),
  })
  .superRefine((body, ctx) => {
    if (TEXT_ACTIONS.has(body.type) && !body.text) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: `"${body.type}" needs a non-empty text` });
    }
    if (body.type === 'set_autonomy' && body.autonomy === undefined) {
      ctx.addIssue({ code: 'custom', path: ['autonomy'], message: '"set_autonomy" needs an autonomy: autopilot, copilot, off, or null for the team setting' });
    }
    if (body.type !== 'set_autonomy' && body.autonomy !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['autonomy'], message: `"${body.type}" takes no autonomy` });
    }
  });

const optionalField = (max: number) => z.string().trim().max(max).nullable().optional();

/**
 * What the Apex controller sends to start a conversation. `contact` is the Lead's own fields (read with the
 * rep's access); Tandem uses them only when it does not know the Lead yet.
 */
const startBodySchema = z
  .object({
    contact: z
      .object({
        /** MobilePhone, else Phone. Checked for "required" below, so a Lead without one gets a clear code. */
        phone: optionalField(40),
        firstName: optionalField(100),
        lastName: optionalField(100),
        // The engine checks the format; Salesforce already validated it as an email.
        email: optionalField(254),
        company: optionalField(200),
      })
      .strict()
      .optional(),
    /** What the rep confirmed, word for word: required when there is no consent on record. */
    consentStatement: z.string().trim().min(10).max(500).optional(),
    text: z.string().trim().min(1).max(1600).optional(),
  })
  .strict();

/** The lead as the tab shows it before a conversation exists. */
export interface SalesforceStartLead {
  id: string;
  name: string;
  tag: Tag;
  score: number;
  optedOut: boolean;
  consent: { state: ConsentState; at: string | null };
}

/** Whether the tab may offer "Start conversation" (null while a conversation exists). */
export interface SalesforceStartInfo {
  canStart: boolean;
  blockedReason: 'opted_out' | null;
  /** No SMS consent on record: starting needs the rep to confirm the person agreed to texts. */
  consentRequired: boolean;
  lead: SalesforceStartLead | null;
}

/** Body of `GET /salesforce/v1/leads/:sfLeadId/conversation`. */
export interface SalesforceLeadConversationResponse {
  conversation: ConversationView | null;
  start: SalesforceStartInfo | null;
}

interface SalesforceCaller {
  tenantId: string;
  orgId: string;
  agent: AgentRecord;
}

/**
 * Routes the Salesforce tab's Apex controller calls (through the `Tandem` Named Credential):
 * - `GET  /salesforce/v1/leads/:sfLeadId/conversation` → {@link SalesforceLeadConversationResponse}:
 *   the conversation, or (when there is none) whether the rep may start one
 * - `POST /salesforce/v1/leads/:sfLeadId/conversation` with `{ contact?, consentStatement?, text? }` →
 *   201 `{ conversation, created: true }`, or 200 `{ conversation, created: false }` for an open one
 * - `POST /salesforce/v1/conversations/:id/actions` with `{ type, version, text?, draftId?, autonomy? }` →
 *   `{ conversation: ConversationView }`; a stale version answers 409 with the fresh view in
 *   `error.details.conversation`.
 * Every request is authenticated by org id + org key and acts as the Tandem agent mapped to the
 * Salesforce user.
 */
export function createSalesforceRouter(deps: SalesforceRouterDeps): Router {
  const { engine, logger } = deps;
  const router = express.Router();
  router.use('/salesforce/v1', express.json({ limit: '32kb' }));

  router.get('/salesforce/v1/leads/:sfLeadId/conversation', async (req: Request, res: Response) => {
    const caller = await authenticate(engine, req);
    const crm = leadCrmRef(req);
    const conversation = await engine.conversations.viewForLead(caller.tenantId, { crm });
    let start: SalesforceStartInfo | null = null;
    if (!conversation) {
      const found = await engine.leads.find(caller.tenantId, { crm });
      const lead = found ? startLead(found) : null;
      // The engine refuses both: only the person can opt back in, by texting START.
      const blockedReason = found && (found.optedOut || found.consent.state === 'revoked') ? 'opted_out' : null;
      start = { canStart: blockedReason === null, blockedReason, consentRequired: found?.consent.state !== 'granted', lead };
    }
    const body: SalesforceLeadConversationResponse = { conversation, start };
    res.set('Cache-Control', 'no-store').json(body);
  });

  router.post('/salesforce/v1/leads/:sfLeadId/conversation', async (req: Request, res: Response) => {
    const caller = await authenticate(engine, req);
    const crm = leadCrmRef(req);
    const parsed = startBodySchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new SalesforceRouteError(400, 'request.invalid', 'The start request is not valid.', {
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      });
    }
    const body = parsed.data;
    // A Lead Tandem already knows (by this link) starts by its id; the Lead's own fields only matter for a new one.
    const known = await engine.leads.find(caller.tenantId, { crm });
    let lead: StartConversationInput['lead'];
    if (known) {
      lead = { leadId: known.id };
    } else {
      const contact = body.contact ?? {};
      if (!contact.phone) {
        throw new SalesforceRouteError(
          400,
          'salesforce.lead_has_no_phone',
          'This Lead has no phone number. Add a Mobile or Phone number to the Lead in Salesforce, then start the conversation.',
        );
      }
      lead = {
        phone: contact.phone,
        firstName: contact.firstName || null,
        lastName: contact.lastName || null,
        email: contact.email || null,
        company: contact.company || null,
      };
    }
    const actor: Actor = { agentId: caller.agent.id, name: caller.agent.name, surface: 'salesforce' };
    const result = await engine.conversations.start(caller.tenantId, {
      lead,
      crm,
      ...(body.consentStatement ? { consent: { statement: body.consentStatement } } : {}),
      ...(body.text ? { text: body.text } : {}),
      actor,
    });
    // Never the phone or the text: ids and outcomes only.
    logger.info(
      { tenantId: caller.tenantId, conversationId: result.conversation.id, created: result.created, consentRecorded: result.consentRecorded, agentId: caller.agent.id },
      'salesforce start conversation',
    );
    res
      .status(result.created ? 201 : 200)
      .set('Cache-Control', 'no-store')
      .json({ conversation: result.conversation, created: result.created });
  });

  router.post('/salesforce/v1/conversations/:id/actions', async (req: Request, res: Response) => {
    const caller = await authenticate(engine, req);
    const conversationId = String(req.params.id);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(conversationId)) {
      throw new SalesforceRouteError(400, 'request.invalid', 'The conversation id is not valid.');
    }
    const parsed = actionBodySchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new SalesforceRouteError(400, 'request.invalid', 'The action is not valid.', {
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      });
    }
    const body = parsed.data;
    const actor: Actor = { agentId: caller.agent.id, name: caller.agent.name, surface: 'salesforce' };
    const conversation = await engine.conversations.act(caller.tenantId, conversationId, {
      type: body.type,
      version: body.version,
      ...(body.text ? { text: body.text } : {}),
      ...(body.draftId ? { draftId: body.draftId } : {}),
      ...(body.autonomy !== undefined ? { autonomy: body.autonomy } : {}),
      actor,
    });
    logger.info({ tenantId: caller.tenantId, conversationId, action: body.type, agentId: caller.agent.id }, 'salesforce action');
    res.set('Cache-Control', 'no-store').json({ conversation });
  });

  router.use('/salesforce/v1', (_req: Request, _res: Response, next: NextFunction) => {
    next(new SalesforceRouteError(404, 'route.not_found', 'No such Salesforce route.'));
  });

  // Express 5 forwards rejected async handlers here.
  router.use('/salesforce/v1', (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const answer = toErrorAnswer(err);
    if (answer.status >= 500) {
      logger.error({ err: errorForLog(err), path: req.path }, 'salesforce route failed');
    } else {
      logger.debug({ code: answer.code, status: answer.status, path: req.path }, 'salesforce route refused');
    }
    res.status(answer.status).json({ error: { code: answer.code, message: answer.message, details: answer.details } });
  });

  return router;
}

/** The Lead in the path as Tandem links it: always the 18-character id, whatever Salesforce handed out. */
function leadCrmRef(req: Request): { provider: 'salesforce'; externalId: string } {
  const sfLeadId = toSalesforceId18(String(req.params.sfLeadId));
  if (!sfLeadId || !sfLeadId.startsWith('00Q')) {
    throw new SalesforceRouteError(400, 'salesforce.invalid_lead_id', 'The lead id must be a 15- or 18-character Salesforce Lead id (00Q...).');
  }
  return { provider: 'salesforce', externalId: sfLeadId };
}

function startLead(lead: LeadSummary): SalesforceStartLead {
  return { id: lead.id, name: lead.name, tag: lead.tag, score: lead.score, optedOut: lead.optedOut, consent: { state: lead.consent.state, at: lead.consent.at } };
}

async function authenticate(engine: EngineCommon, req: Request): Promise<SalesforceCaller> {
  const orgIdHeader = req.get(SALESFORCE_HEADERS.orgId)?.trim() ?? '';
  const orgKey = req.get(SALESFORCE_HEADERS.orgKey) ?? '';
  if (!orgIdHeader || !orgKey) {
    throw new SalesforceRouteError(401, 'salesforce.unauthenticated', 'X-Tandem-Org-Id and X-Tandem-Org-Key are required. Check the Tandem Named Credential and its External Credential.');
  }
  const orgId = toSalesforceId18(orgIdHeader);
  if (!orgId || !orgId.startsWith('00D')) {
    throw new SalesforceRouteError(401, 'salesforce.unauthenticated', 'X-Tandem-Org-Id is not a Salesforce organization id.');
  }
  // Admins may have registered the org with its 15- or 18-character id.
  const tenantId =
    (await engine.integrations.findTenant('salesforce', orgId)) ??
    (await engine.integrations.findTenant('salesforce', orgId.slice(0, 15)));
  const integration = tenantId ? await engine.integrations.get(tenantId, 'salesforce') : null;
  // Unknown org and wrong key answer the same, so the key check cannot be used to find installed orgs.
  if (!tenantId || !integration || !orgKeyMatches(orgKey, integration.config)) {
    throw new SalesforceRouteError(401, 'salesforce.auth_failed', 'Unknown Salesforce org or wrong org key.');
  }
  if (!integration.enabled) {
    throw new SalesforceRouteError(403, 'salesforce.integration_disabled', 'The Salesforce integration is disabled for this Tandem workspace.');
  }

  const userId = req.get(SALESFORCE_HEADERS.userId)?.trim() ?? '';
  const email = req.get(SALESFORCE_HEADERS.userEmail)?.trim() || undefined;
  if (!isSalesforceId(userId)) {
    throw new SalesforceRouteError(400, 'salesforce.user_required', 'X-Tandem-User-Id must carry the Salesforce user id of the person acting.');
  }
  const salesforceUserId = toSalesforceId18(userId) as string;
  const agent = await engine.agents.resolve(tenantId, { salesforceUserId, ...(email ? { email } : {}) });
  if (!agent) {
    throw new SalesforceRouteError(
      403,
      'salesforce.user_not_mapped',
      `Your Salesforce user (${email ?? salesforceUserId}) is not linked to a Tandem agent. Ask a Tandem admin to add you as an agent with this Salesforce user id or email.`,
      { salesforceUserId },
    );
  }
  if (agent.role === 'viewer' && req.method !== 'GET') {
    throw new SalesforceRouteError(403, 'agent.forbidden', 'Viewers cannot act on conversations.');
  }
  return { tenantId, orgId, agent };
}

interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  details: Record<string, unknown> | null;
}

/** Engine errors carry `code`, `status` and `details`; body-parser errors carry `status` and `type`. */
function toErrorAnswer(err: unknown): ErrorAnswer {
  if (err instanceof SalesforceRouteError) {
    return { status: err.status, code: err.code, message: err.message, details: err.details };
  }
  if (err && typeof err === 'object') {
    const e = err as { status?: unknown; statusCode?: unknown; code?: unknown; message?: unknown; details?: unknown; type?: unknown };
    const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : null;
    if (e.type === 'entity.parse.failed') {
      return { status: 400, code: 'request.invalid_json', message: 'The request body is not valid JSON.', details: null };
    }
    if (e.type === 'entity.too.large') {
      return { status: 413, code: 'request.too_large', message: 'The request body is too large.', details: null };
    }
    if (status !== null && status >= 400 && status < 500 && typeof e.code === 'string') {
      return {
        status,
        code: e.code,
        message: typeof e.message === 'string' ? e.message : e.code,
        details: e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : null,
      };
    }
  }
  return { status: 500, code: 'internal', message: 'Tandem could not complete the request. Try again.', details: null };
}

function errorForLog(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { name: err.name, message: err.message, code: (err as { code?: unknown }).code };
  return { value: String(err) };
}
