import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { demoFormDefinition, formInactive, formNotFound, originAllowed, originNotAllowed, type Engine, type FormRecord } from '../../core/index';
import type { RouteModule } from '../app';
import { requestActor, requireApiKey } from '../http/auth';
import { sendError } from '../http/errors';
import type { RateLimitStores } from '../http/rate-limit-stores';

export interface RateWindow {
  limit: number;
  windowMs: number;
}

export interface FormsRouteOptions {
  /** Submissions per client IP (a person fixing a typo resubmits; a script does not get far). Default 20 a minute (CAPTURE_RATE_PER_IP_PER_MINUTE). */
  perIp?: RateWindow;
  /** Submissions per form from everyone together (a flood against one form). Default 600 a minute (CAPTURE_RATE_PER_FORM_PER_MINUTE). */
  perForm?: RateWindow;
  /** Largest submission body; larger is a 413. Default 16 KB. */
  submissionBodyLimit?: string;
  /** Where the limits count: through Redis, API processes share them. Default: this process's memory. */
  rateLimits?: RateLimitStores;
}

const DEFAULTS = {
  perIp: { limit: 20, windowMs: 60_000 },
  perForm: { limit: 600, windowMs: 60_000 },
  submissionBodyLimit: '16kb',
} satisfies Required<Omit<FormsRouteOptions, 'rateLimits'>>;

/** Headers the widget sends on a submission; the preflight must allow exactly these. */
export const SUBMISSION_ALLOWED_HEADERS = 'Content-Type, Accept, Idempotency-Key';
const PREFLIGHT_MAX_AGE_S = '600';

/** `If-None-Match` may list several tags or `*`; weak comparison as RFC 9110 prescribes for it. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => bare(t) === bare(etag));
}

function withEmbed(form: FormRecord, publicUrl: string) {
  return { ...form, embed: `<script src="${publicUrl}/widget.js" data-tandem-form="${form.id}" async></script>` };
}

/**
 * Forms: the tenant's CRUD (API key: viewer reads, admin writes), the widget's public read, and the
 * public submission endpoint. Route modules parse their own bodies.
 *
 * CRUD bodies: POST takes a whole definition (see core/forms/form-definition.ts) without `id`/`version`,
 * which the server assigns; PATCH takes a JSON merge patch (RFC 7396) and bumps the version; DELETE
 * deactivates (submissions and consent proofs keep pointing at the form). `id`/`version` in a body are
 * ignored, so a GET → edit → PATCH round trip just works.
 */
export function formsRoutes(engine: Engine, publicUrl: string, options: FormsRouteOptions = {}): Router {
  const o = { ...DEFAULTS, ...options };
  const r = Router();
  const json = express.json({ limit: '64kb' });

  // ----- Staff: CRUD -----------------------------------------------------------------------------------
  r.get('/forms', requireApiKey(engine, 'viewer'), async (req, res) => {
    const forms = await engine.forms.list(req.principal!.tenantId);
    res.json({ forms: forms.map((f) => withEmbed(f, publicUrl)) });
  });
  r.post('/forms', requireApiKey(engine, 'admin'), json, async (req, res) => {
    const form = await engine.forms.create(req.principal!.tenantId, req.body, requestActor(req));
    res.status(201).location(`${publicUrl}/api/v1/forms/${form.id}`).json({ form: withEmbed(form, publicUrl) });
  });
  r.get('/forms/:id', requireApiKey(engine, 'viewer'), async (req, res) => {
    res.json({ form: withEmbed(await engine.forms.get(req.principal!.tenantId, String(req.params.id)), publicUrl) });
  });
  r.patch('/forms/:id', requireApiKey(engine, 'admin'), json, async (req, res) => {
    const form = await engine.forms.update(req.principal!.tenantId, String(req.params.id), req.body, requestActor(req));
    res.json({ form: withEmbed(form, publicUrl) });
  });
  r.delete('/forms/:id', requireApiKey(engine, 'admin'), async (req, res) => {
    const form = await engine.forms.deactivate(req.principal!.tenantId, String(req.params.id), requestActor(req));
    res.json({ form: withEmbed(form, publicUrl) });
  });

  // ----- Public: the definition the widget renders ------------------------------------------------------
  // Public data, read with `credentials: 'omit'`: any origin may read it.
  r.options('/forms/:formId/public', (_req, res) => {
    res.set({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Allow-Headers': 'Accept', 'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_S });
    res.status(204).end();
  });
  r.get('/forms/:formId/public', async (req, res) => {
    res.set({ 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' });
    const pub = await engine.forms.publicForm(String(req.params.formId));
    res.set({ ETag: pub.etag, 'Cache-Control': 'public, max-age=60', 'Content-Type': 'application/json; charset=utf-8' });
    if (etagMatches(req.get('if-none-match'), pub.etag)) return void res.status(304).end();
    res.status(200).send(pub.json);
  });

  // ----- Public: submissions ----------------------------------------------------------------------------
  /** Reflects the Origin for CORS when the (cached) policy allows it; no database. */
  const corsFromCache = (req: Request, res: Response) => {
    const origin = req.get('origin');
    const policy = engine.forms.cachedPolicy(String(req.params.formId));
    res.vary('Origin');
    if (policy && originAllowed(policy.allowedOrigins, origin)) {
      res.set({ 'Access-Control-Allow-Origin': origin!, 'Access-Control-Expose-Headers': 'Retry-After' });
    }
  };
  const limited = (window: RateWindow, storeName: string, key: ((req: Request) => string) | undefined, message: string) =>
    rateLimit({
      windowMs: window.windowMs,
      limit: window.limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      store: o.rateLimits?.store(storeName),
      ...(key ? { keyGenerator: key } : {}),
      handler: (req, res) => {
        corsFromCache(req, res);
        req.log?.info({ formId: req.params.formId }, 'submission rate limited');
        sendError(res, 429, 'rate_limit.exceeded', message, { retryAfterSeconds: Number(res.getHeader('Retry-After')) || null });
      },
    });
  const perIp = limited(o.perIp, 'capture:ip', undefined, 'Too many submissions from this network. Please wait a moment and try again.');
  const perForm = limited(o.perForm, 'capture:form', (req) => String(req.params.formId), 'This form is receiving too many submissions right now. Please try again in a moment.');

  /** Unknown or inactive form → 404; Origin not allowed → 403 before the body is read. Sets CORS headers. */
  const formGate: RequestHandler = async (req, res, next) => {
    try {
      const origin = req.get('origin');
      res.vary('Origin');
      const policy = await engine.forms.policy(String(req.params.formId));
      if (!policy || !policy.active) {
        // Nothing to protect in a 404: let any page read it, so the widget can say what is wrong.
        res.set('Access-Control-Allow-Origin', '*');
        return next(policy ? formInactive() : formNotFound());
      }
      if (!originAllowed(policy.allowedOrigins, origin)) {
        req.log?.info({ formId: req.params.formId, origin: origin ?? null }, 'submission from an origin the form does not allow');
        return next(originNotAllowed(origin ?? null));
      }
      res.set({ 'Access-Control-Allow-Origin': origin!, 'Access-Control-Expose-Headers': 'Retry-After' });
      next();
    } catch (err) {
      next(err);
    }
  };

  r.options('/forms/:formId/submissions', formGate, (_req, res) => {
    res.set({ 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': SUBMISSION_ALLOWED_HEADERS, 'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_S });
    res.status(204).end();
  });
  r.post(
    '/forms/:formId/submissions',
    perIp,
    formGate,
    perForm,
    (req, res, next) => {
      if (!req.is('application/json')) {
        return sendError(res, 415, 'request.unsupported_media_type', 'Send the submission as JSON with "Content-Type: application/json".');
      }
      next();
    },
    express.json({ limit: o.submissionBodyLimit, strict: true }),
    async (req, res) => {
      const origin = req.get('origin') ?? null;
      const result = await engine.capture(String(req.params.formId), {
        body: req.body,
        ip: req.ip ?? null,
        userAgent: req.get('user-agent') ?? null,
        origin,
        idempotencyKey: req.get('idempotency-key') ?? null,
      });
      // capture() checked the origin against the form as stored now; a stale cached policy must not hide the answer.
      if (origin) res.set('Access-Control-Allow-Origin', origin);
      res.status(result.status).json({ submission: { id: result.submissionId }, lead: { id: result.leadId } });
    },
  );
  return r;
}

/** The forms routes, limited as configured unless `options` say otherwise (the bench raises the limits; tests lower them). */
export function formsRouteModuleWith(options: FormsRouteOptions = {}): RouteModule {
  return ({ api, engine, config, rateLimits }) => {
    const perMinute = (limit: number): RateWindow => ({ limit, windowMs: 60_000 });
    api.use(
      formsRoutes(engine, config.publicUrl, {
        ...options,
        perIp: options.perIp ?? perMinute(config.captureRatePerIpPerMinute),
        perForm: options.perForm ?? perMinute(config.captureRatePerFormPerMinute),
        rateLimits: options.rateLimits ?? rateLimits,
      }),
    );
  };
}

export const formsRouteModule: RouteModule = formsRouteModuleWith();

/** Origins a local console is reached on: the public URL, and localhost / 127.0.0.1 on its port. */
export function consoleOrigins(publicUrl: string): string[] {
  const u = new URL(publicUrl);
  const out = new Set([u.origin]);
  if (u.hostname === 'localhost' || u.hostname === '127.0.0.1') {
    const port = u.port ? `:${u.port}` : '';
    out.add(`${u.protocol}//localhost${port}`);
    out.add(`${u.protocol}//127.0.0.1${port}`);
  }
  return [...out];
}

/**
 * Demo tenant seed for capture: the demo form (its consent text names the business) open to the local
 * console, and a number for the console SMS provider to text from. The number is from the 555-01xx range
 * kept for fiction; the first one free is taken (numbers are unique across tenants).
 */
export async function seedDemoCapture(engine: Engine, tenantId: string): Promise<{ formId: string; number: string | null }> {
  const tenant = await engine.tenants.get(tenantId);
  const def = demoFormDefinition(tenant.settings.businessName, { allowedOrigins: consoleOrigins(engine.config.publicUrl) });
  const form = await engine.forms.create(tenantId, def, { agentId: null, name: 'Demo seed', surface: 'system' });
  let number: string | null = null;
  await engine.store.system(async (m) => {
    const existing = (await m.query(`SELECT e164 FROM phone_numbers WHERE tenant_id = $1 LIMIT 1`, [tenantId])) as Array<{ e164: string }>;
    if (existing[0]) {
      number = existing[0].e164;
      return;
    }
    for (let i = 0; i < 100 && !number; i += 1) {
      const candidate = `+1202555${String(100 + i).padStart(4, '0')}`;
      const r = (await m.query(
        `INSERT INTO phone_numbers (tenant_id, e164, provider) VALUES ($1, $2, 'console') ON CONFLICT (e164) DO NOTHING RETURNING e164`,
        [tenantId, candidate],
      )) as Array<{ e164: string }>;
      number = r[0]?.e164 ?? null;
    }
  });
  return { formId: form.id, number };
}
