import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { actorOf, CrmRetryableError, presentedApiKey, redactSecrets, TandemError, type ApiPrincipal, type CrmContext, type EngineCommon, type Role } from '../../core/index';
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
  oauth: Pick<HubSpotOAuth, 'portalForToken' | 'revokeRefreshToken' | 'tokensWithoutSaving' | 'uninstallApp'>;
  adapter: Pick<HubSpotCrmAdapter, 'ensureProperties'>;
  logger: HubSpotLogger;
  /** The "Connect HubSpot" OAuth link for a tenant, or null when no public app is configured. */
  installUrl(tenantId: string): string | null;
}

/** How a tenant's HubSpot integration authenticates, as the console shows it. */
export type HubSpotConnectionMode = 'private_app' | 'oauth' | 'env';

const RANK: Record<Role, number> = { viewer: 0, agent: 1, admin: 2 };

/** The admin routes' JSON body limit (a private app token is a few hundred bytes), and how a 413 names it. */
export const ADMIN_BODY_LIMIT = { parser: '16kb', words: '16 KB' } as const;

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

/** What the admin is told to do in HubSpot after a disconnect, by how the workspace was connected. */
export const DISCONNECT_NOTES = {
  oauthUninstalled:
    'Tandem was uninstalled from this HubSpot account: its card is gone from contacts and HubSpot’s super admins get an email saying so. Contacts and properties Tandem created stay in HubSpot.',
  oauthRevoked:
    'Tandem can no longer get HubSpot access tokens for this account (one already issued lapses within 30 minutes). The Tandem app stays listed in HubSpot until a HubSpot admin uninstalls it (Settings → Integrations → Connected apps).',
  oauthNotRevoked:
    'HubSpot could not be reached to revoke Tandem’s access. To cut it off now, uninstall the Tandem app in HubSpot (Settings → Integrations → Connected apps).',
  privateApp: 'HubSpot has no API to revoke a private app token: delete the private app in HubSpot (Settings → Integrations → Private apps) to revoke it.',
  env: 'This workspace used the server’s HUBSPOT_PRIVATE_APP_TOKEN: remove HUBSPOT_PRIVATE_APP_TOKEN, HUBSPOT_PORTAL_ID and HUBSPOT_TENANT_ID from the server’s settings, or the portal reconnects at the next start. Delete the private app in HubSpot to revoke the token.',
} as const;

/**
 * Tenant-admin routes for the HubSpot connection (API key auth, same error shape as the rest of /api/v1):
 * - `GET  /api/v1/integrations/hubspot` (viewer) → `{ hubspot: { connected, enabled, portalId, mode } }`
 * - `PUT  /api/v1/integrations/hubspot` (admin) `{ privateAppToken }` → checks the token with HubSpot, learns
 *   its portal, creates Tandem's contact properties, then stores `{ privateAppToken }` keyed by the portal id.
 *   A token HubSpot refuses → 422 and nothing is stored. Audited with the key's person and surface.
 * - `DELETE /api/v1/integrations/hubspot` (admin) → deletes the connection (audited), then, for an OAuth
 *   install, uninstalls the app from the HubSpot account (App uninstalls API, with the stored access token or a
 *   refreshed one that is not saved), or, when that fails, revokes its refresh token, best effort:
 *   `{ hubspot: <not connected>, uninstalled, revoked, note }` (`revoked` is true when uninstalled too: the
 *   install's tokens end with it), where `note` says what is left to do in HubSpot. 404
 *   `integration.not_connected` when there is none.
 * - `GET  /api/v1/integrations/hubspot/install` (admin) → `{ url }`, the OAuth link for the public app.
 * Mounted before the server's JSON parser, so it parses its own bodies.
 */
export function createHubSpotAdminRouter(deps: HubSpotAdminRouterDeps): Router {
  const router = express.Router();
  const json = express.json({ limit: ADMIN_BODY_LIMIT.parser });

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
      const actor = actorOf(principal, req.get('x-tandem-surface'));

      const { portalId } = await askHubSpot(() => deps.oauth.portalForToken(token));
      // Sending or paused: a workspace that paused the portal still holds it.
      const owner = await deps.engine.integrations.claimedBy('hubspot', portalId);
      if (owner && owner !== tenantId) {
        throw new TandemError('hubspot.portal_taken', 'This HubSpot account is already connected to another Tandem workspace. Disconnect it there first, then connect it here.', 409, { portalId });
      }
      const config: HubSpotIntegrationConfig = { privateAppToken: token };
      const ctx: CrmContext = { tenantId, config, saveConfig: async () => undefined };
      // Properties first: a token without the schema scopes is refused before anything is stored.
      const { created, unavailable = [] } = await askHubSpot(() => deps.adapter.ensureProperties(ctx));
      await deps.engine.integrations.put(tenantId, 'hubspot', { externalId: portalId, config, enabled: true }, actor);
      deps.logger.info({ tenantId, portalId, createdProperties: created, unavailableProperties: unavailable, by: principal.keyId }, 'hubspot connected with a private app token');
      res.json({ hubspot: { connected: true, enabled: true, portalId, mode: 'private_app' as HubSpotConnectionMode }, properties: { created, unavailable } });
    } catch (err) {
      next(err);
    }
  });

  router.delete(HUBSPOT_ADMIN_PATH, async (req, res, next) => {
    try {
      const principal = await authenticate(deps, req, 'admin');
      const tenantId = principal.tenantId;
      const was = await deps.engine.integrations.disconnect(tenantId, 'hubspot', actorOf(principal, req.get('x-tandem-surface')));
      if (!was) throw new TandemError('integration.not_connected', 'HubSpot is not connected to this workspace', 404);
      // Committed: from here on nothing undoes the disconnect, and HubSpot's answer only changes the note.
      const config = was.config as HubSpotIntegrationConfig;
      const mode = connectionMode(config);
      const portalId = was.externalId;
      let uninstalled = false;
      let revoked = false;
      let note: string = mode === 'private_app' ? DISCONNECT_NOTES.privateApp : DISCONNECT_NOTES.env;
      if (mode === 'oauth') {
        // Every token of the old record (and any refresh hands out) is cut out of logged error messages.
        const secrets = [config.refreshToken as string, typeof config.accessToken === 'string' ? config.accessToken : ''];
        let refreshToken = config.refreshToken as string;
        let step: 'token' | 'uninstall' = 'token';
        try {
          const tokens = await deps.oauth.tokensWithoutSaving(config);
          secrets.push(tokens.accessToken, tokens.refreshToken);
          if (tokens.refreshToken) refreshToken = tokens.refreshToken;
          step = 'uninstall';
          await deps.oauth.uninstallApp(tokens.accessToken);
          uninstalled = true;
        } catch (err) {
          deps.logger.warn(
            { tenantId, portalId, step, status: err instanceof HubSpotRequestError ? err.status : null, err: redactedError(err, secrets) },
            'hubspot disconnected, but Tandem could not be uninstalled from HubSpot: revoking its refresh token instead',
          );
        }
        if (!uninstalled) {
          try {
            await deps.oauth.revokeRefreshToken(refreshToken);
            revoked = true;
          } catch (err) {
            deps.logger.warn(
              { tenantId, portalId, status: err instanceof HubSpotRequestError ? err.status : null, err: redactedError(err, secrets) },
              'hubspot disconnected, but its refresh token could not be revoked with HubSpot',
            );
          }
        }
        // An uninstalled app's grant goes with its install, so it counts as revoked too (clients older than `uninstalled` read that).
        revoked ||= uninstalled;
        note = uninstalled ? DISCONNECT_NOTES.oauthUninstalled : revoked ? DISCONNECT_NOTES.oauthRevoked : DISCONNECT_NOTES.oauthNotRevoked;
      }
      deps.logger.info({ tenantId, portalId, mode, uninstalled, revoked, by: principal.keyId }, 'hubspot disconnected');
      res.json({ hubspot: { connected: false, enabled: false, portalId: null, mode: null }, uninstalled, revoked, note });
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
          : toErrorBody(err, ADMIN_BODY_LIMIT.words);
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

/** An error's name and message for the log, the tokens cut out (a second line of defence: the client keeps them out). */
function redactedError(err: unknown, tokens: string[]): { name: string; message: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: redactSecrets(e.message, tokens) };
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
