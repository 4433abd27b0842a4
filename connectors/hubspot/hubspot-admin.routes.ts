import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { CrmRetryableError, presentedApiKey, TandemError, type ApiPrincipal, type CrmContext, type EngineCommon, type Role } from '../../core/index';
import { HubSpotRequestError } from './hubspot-client';
import type { HubSpotCrmAdapter } from './hubspot.crm-adapter';
import { HUBSPOT_SCOPES, type HubSpotIntegrationConfig, type HubSpotOAuth } from './hubspot-oauth';
import { toErrorBody, type HubSpotLogger } from './hubspot.routes';

/** Where the tenant-admin routes live (under the public API's prefix, mounted by the connector itself). */
export const HUBSPOT_ADMIN_PATH = '/api/v1/integrations/hubspot';

/** The part of the engine's API-key service these routes need. */
export interface HubSpotApiKeys {
  authenticate(presented: string): Promise<ApiPrincipal | null>;
}

export interface HubSpotAdminRouterDeps {
  engine: Pick<EngineCommon, 'integrations'> & { apiKeys: HubSpotApiKeys };
  oauth: Pick<HubSpotOAuth, 'portalForToken'>;
  adapter: Pick<HubSpotCrmAdapter, 'ensureProperties'>;
  logger: HubSpotLogger;
  /** The "Connect HubSpot" OAuth link for a tenant, or null when no public app is configured. */
  installUrl(tenantId: string): string | null;
}

/** How a tenant's HubSpot integration authenticates, as the console shows it. */
export type HubSpotConnectionMode = 'private_app' | 'oauth' | 'env';

const RANK: Record<Role, number> = { viewer: 0, agent: 1, admin: 2 };

const connectBody = z
  .object({
    privateAppToken: z
      .string({ error: 'privateAppToken is required: the access token of a HubSpot private app (Settings → Integrations → Private apps)' })
      .trim()
      .min(10, 'privateAppToken is too short to be a HubSpot access token')
      .max(512, 'privateAppToken is too long to be a HubSpot access token')
      .regex(/^[A-Za-z0-9._~+/=-]+$/, 'privateAppToken has characters a HubSpot access token never has'),
  })
  .strict();

/**
 * Tenant-admin routes for the HubSpot connection (API key auth, same error shape as the rest of /api/v1):
 * - `GET  /api/v1/integrations/hubspot` (viewer) → `{ hubspot: { connected, enabled, portalId, mode } }`
 * - `PUT  /api/v1/integrations/hubspot` (admin) `{ privateAppToken }` → checks the token with HubSpot, learns
 *   its portal, creates Tandem's contact properties, then stores `{ privateAppToken }` keyed by the portal id.
 *   A token HubSpot refuses → 422 and nothing is stored.
 * - `GET  /api/v1/integrations/hubspot/install` (admin) → `{ url }`, the OAuth link for the public app.
 * Mounted before the server's JSON parser, so it parses its own bodies.
 */
export function createHubSpotAdminRouter(deps: HubSpotAdminRouterDeps): Router {
  const router = express.Router();
  const json = express.json({ limit: '16kb' });

  router.get(HUBSPOT_ADMIN_PATH, async (req, res, next) => {
    try {
      const principal = await authenticate(deps, req, 'viewer');
      const integration = await deps.engine.integrations.get(principal.tenantId, 'hubspot');
      res.json({
        hubspot: {
          connected: Boolean(integration),
          enabled: integration?.enabled ?? false,
          portalId: integration?.externalId ?? null,
          mode: integration ? connectionMode(integration.config as HubSpotIntegrationConfig) : null,
        },
      });
    } catch (err) {
      next(err);
    }
  });

  router.put(HUBSPOT_ADMIN_PATH, json, async (req, res, next) => {
    try {
      const principal = await authenticate(deps, req, 'admin');
      const parsed = connectBody.safeParse(req.body ?? {});
      if (!parsed.success) {
        const fields: Record<string, string> = {};
        for (const issue of parsed.error.issues) fields[issue.path.join('.') || '_'] = issue.message;
        throw new TandemError('request.invalid', 'Some fields are missing or not valid', 422, { fields });
      }
      const token = parsed.data.privateAppToken;
      const tenantId = principal.tenantId;

      const { portalId } = await askHubSpot(() => deps.oauth.portalForToken(token));
      const owner = await deps.engine.integrations.findTenant('hubspot', portalId);
      if (owner && owner !== tenantId) {
        throw new TandemError('hubspot.portal_taken', 'This HubSpot account is already connected to another Tandem workspace.', 409, { portalId });
      }
      const config: HubSpotIntegrationConfig = { privateAppToken: token };
      const ctx: CrmContext = { tenantId, config, saveConfig: async () => undefined };
      // Properties first: a token without the schema scopes is refused before anything is stored.
      const { created, unavailable = [] } = await askHubSpot(() => deps.adapter.ensureProperties(ctx));
      await deps.engine.integrations.put(tenantId, 'hubspot', { externalId: portalId, config, enabled: true });
      deps.logger.info({ tenantId, portalId, createdProperties: created, unavailableProperties: unavailable, by: principal.keyId }, 'hubspot connected with a private app token');
      res.json({ hubspot: { connected: true, enabled: true, portalId, mode: 'private_app' as HubSpotConnectionMode }, properties: { created, unavailable } });
    } catch (err) {
      next(err);
    }
  });

  router.get(`${HUBSPOT_ADMIN_PATH}/install`, async (req, res, next) => {
    try {
      const principal = await authenticate(deps, req, 'admin');
      const url = deps.installUrl(principal.tenantId);
      if (!url) {
        throw new TandemError(
          'hubspot.not_configured',
          'The HubSpot public app is not configured on this server (HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET). Connect a private app token instead.',
          503,
        );
      }
      res.json({ url });
    } catch (err) {
      next(err);
    }
  });

  router.use(HUBSPOT_ADMIN_PATH, (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // Our own errors carry messages written for the admin (also the 502/503 ones); anything else is masked.
    const mapped =
      err instanceof TandemError
        ? { status: err.status, error: { code: err.code, message: err.message, details: err.details } }
        : err && typeof err === 'object' && (err as { type?: unknown }).type === 'entity.parse.failed'
          ? { status: 400, error: { code: 'request.malformed_json', message: 'The request body is not valid JSON', details: {} } }
          : toErrorBody(err);
    if (mapped.status >= 500 && mapped.error.code === 'internal') deps.logger.error({ err: err instanceof Error ? { name: err.name, message: err.message } : String(err) }, 'hubspot admin request failed');
    res.status(mapped.status).json({ error: mapped.error });
  });
  return router;
}

/**
 * `Authorization: Bearer <key>`, `X-Api-Key`, or the console's session cookie (core's presentedApiKey, as
 * every route reads it: the console cannot send the key any other way), with a minimum role; the same codes
 * as the server's auth.
 */
async function authenticate(deps: HubSpotAdminRouterDeps, req: Request, minimum: Role): Promise<ApiPrincipal> {
  const presented = presentedApiKey((name) => req.get(name));
  if (!presented) throw new TandemError('auth.missing_api_key', 'Send your API key as "Authorization: Bearer tdm_..."', 401);
  const principal = await deps.engine.apiKeys.authenticate(presented);
  if (!principal) throw new TandemError('auth.invalid_api_key', 'This API key is not valid or has been revoked', 401);
  if (RANK[principal.role] < RANK[minimum]) throw new TandemError('auth.forbidden', `This action needs the ${minimum} role; this key has ${principal.role}`, 403);
  return principal;
}

/** HubSpot's answers as the admin should read them: its refusals are 422s, its outages 502s. */
async function askHubSpot<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof CrmRetryableError) {
      throw new TandemError('hubspot.unavailable', 'HubSpot did not answer (rate limit or outage). Nothing was changed; try again in a minute.', 502);
    }
    if (err instanceof HubSpotRequestError && err.status === 401) {
      throw new TandemError('hubspot.token_invalid', 'HubSpot refused this token: it is wrong, expired or revoked. Copy the access token of your private app again.', 422, {
        fields: { privateAppToken: 'HubSpot refused this token' },
      });
    }
    if (err instanceof HubSpotRequestError && err.status === 403) {
      throw new TandemError('hubspot.token_missing_scopes', `This token lacks scopes Tandem needs. Give the private app these scopes: ${HUBSPOT_SCOPES.filter((s) => s !== 'oauth').join(', ')}.`, 422, {
        fields: { privateAppToken: 'missing scopes' },
        requiredScopes: HUBSPOT_SCOPES.filter((s) => s !== 'oauth'),
      });
    }
    if (err instanceof HubSpotRequestError) {
      throw new TandemError('hubspot.rejected', `HubSpot refused the request: ${err.message}`, 422);
    }
    throw err;
  }
}

function connectionMode(config: HubSpotIntegrationConfig): HubSpotConnectionMode {
  if (typeof config.privateAppToken === 'string' && config.privateAppToken) return 'private_app';
  if (typeof config.refreshToken === 'string' && config.refreshToken) return 'oauth';
  return 'env';
}
