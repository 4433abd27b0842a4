import type { Router } from 'express';
import type { EngineCommon } from '../../core/index';
import { createHubSpotAdminRouter, type HubSpotApiKeys } from './hubspot-admin.routes';
import { createHubSpotInstallRouter } from './hubspot-install.routes';
import { createInstallState, HubSpotOAuth } from './hubspot-oauth';
import { HubSpotCrmAdapter } from './hubspot.crm-adapter';
import { createHubSpotNotConfiguredRouter, createHubSpotRouter, type HubSpotLogger } from './hubspot.routes';

export { verifyHubSpotSignatureV3, signHubSpotV3 } from './hubspot-signature';
export { HubSpotCrmAdapter, DEFAULT_LEAD_STATUS_BY_TAG, TANDEM_CONTACT_PROPERTIES } from './hubspot.crm-adapter';
export { HubSpotOAuth, HUBSPOT_SCOPES, createInstallState, verifyInstallState } from './hubspot-oauth';
export { createHubSpotRouter, createHubSpotNotConfiguredRouter } from './hubspot.routes';
export { createHubSpotAdminRouter, HUBSPOT_ADMIN_PATH } from './hubspot-admin.routes';
export type { HubSpotApiKeys, HubSpotConnectionMode } from './hubspot-admin.routes';
export type { CardConversationResponse, CardLead, StartBlockedReason } from './hubspot.routes';

export interface HubSpotConnectorConfig {
  /** Public app (OAuth, many portals). The client secret also signs card requests. */
  clientId?: string;
  clientSecret?: string;
  /** Single portal without OAuth: the token, which portal it belongs to, and which tenant owns that portal. */
  privateAppToken?: string;
  portalId?: string;
  tenantId?: string;
  /** API base URL for tests and demos (defaults to https://api.hubapi.com). */
  basePath?: string;
}

/** The server's config, or just the parts this connector reads. */
export interface HubSpotConnectorSettings {
  publicUrl: string;
  /** Explicit settings win over the environment. */
  hubspot?: HubSpotConnectorConfig;
  env?: {
    HUBSPOT_CLIENT_ID?: string;
    HUBSPOT_CLIENT_SECRET?: string;
    HUBSPOT_PRIVATE_APP_TOKEN?: string;
    HUBSPOT_PORTAL_ID?: string;
    HUBSPOT_TENANT_ID?: string;
    HUBSPOT_BASE_PATH?: string;
  };
}

export interface HubSpotConnectorContext {
  /** Where routes are mounted (the Express app or a router). */
  app: Pick<Router, 'use'>;
  /** The engine, plus its API-key check for the tenant-admin routes. */
  engine: EngineCommon & { apiKeys: HubSpotApiKeys };
  config: HubSpotConnectorSettings;
  logger: HubSpotLogger;
}

/** `config.hubspot`, else the HUBSPOT_* environment settings. */
export function resolveHubSpotConfig(config: HubSpotConnectorSettings): HubSpotConnectorConfig {
  const env = config.env ?? {};
  return {
    clientId: config.hubspot?.clientId ?? env.HUBSPOT_CLIENT_ID,
    clientSecret: config.hubspot?.clientSecret ?? env.HUBSPOT_CLIENT_SECRET,
    privateAppToken: config.hubspot?.privateAppToken ?? env.HUBSPOT_PRIVATE_APP_TOKEN,
    portalId: config.hubspot?.portalId ?? env.HUBSPOT_PORTAL_ID,
    tenantId: config.hubspot?.tenantId ?? env.HUBSPOT_TENANT_ID,
    basePath: config.hubspot?.basePath ?? env.HUBSPOT_BASE_PATH,
  };
}

function oauthFor(config: HubSpotConnectorSettings): { oauth: HubSpotOAuth; hubspot: HubSpotConnectorConfig; base: string } {
  const hubspot = resolveHubSpotConfig(config);
  const base = config.publicUrl.replace(/\/+$/, '');
  const oauth = new HubSpotOAuth({
    clientId: hubspot.clientId,
    clientSecret: hubspot.clientSecret,
    redirectUri: `${base}/hubspot/oauth/callback`,
    privateAppToken: hubspot.privateAppToken,
    basePath: hubspot.basePath,
  });
  return { oauth, hubspot, base };
}

/**
 * The "Connect HubSpot" link for a tenant's admin (HubSpot's authorize URL with a signed state naming the
 * tenant), or null when no public app (client id and secret) is configured.
 */
export function hubspotInstallUrl(config: HubSpotConnectorSettings, tenantId: string): string | null {
  const { oauth, hubspot } = oauthFor(config);
  if (!hubspot.clientId || !hubspot.clientSecret) return null;
  return oauth.authorizeUrl(createInstallState(hubspot.clientSecret, tenantId));
}

/**
 * The HubSpot connector: card routes (signed by HubSpot), the OAuth install callback, the tenant-admin
 * routes (connect a private app token, install link, status, disconnect) and the CRM adapter registered with the engine.
 * The server lists it and calls `register` once at start, before any JSON body parser (the card routes
 * verify signatures over the raw body). Starts cleanly with no configuration: the card and OAuth routes then
 * answer 503 `hubspot.not_configured`, and the adapter does nothing for tenants without a HubSpot integration.
 */
export const hubspotConnector = {
  id: 'hubspot' as const,
  async register(ctx: HubSpotConnectorContext): Promise<void> {
    const { oauth, hubspot, base } = oauthFor(ctx.config);
    const adapter = new HubSpotCrmAdapter({ tokens: oauth, basePath: hubspot.basePath });
    // Always registered: the sync job skips tenants without an enabled HubSpot integration, and a tenant can
    // connect a private app token over the admin route on a server with no HubSpot settings at all.
    ctx.engine.registerCrmAdapter(adapter);
    ctx.app.use(createHubSpotAdminRouter({ engine: ctx.engine, oauth, adapter, logger: ctx.logger, installUrl: (tenantId) => hubspotInstallUrl(ctx.config, tenantId) }));

    if (hubspot.clientSecret) {
      ctx.app.use(createHubSpotRouter({ engine: ctx.engine, clientSecret: hubspot.clientSecret, publicUrl: base, logger: ctx.logger }));
    } else {
      ctx.logger.warn({}, 'HUBSPOT_CLIENT_SECRET is not set: the HubSpot card routes answer 503 (card requests cannot be verified without it)');
      ctx.app.use(
        createHubSpotNotConfiguredRouter(
          ['/hubspot/card'],
          'The HubSpot card is not configured on this server: set HUBSPOT_CLIENT_SECRET (the client secret of the HubSpot app that hosts the card).',
        ),
      );
    }
    if (hubspot.clientId && hubspot.clientSecret) {
      ctx.app.use(createHubSpotInstallRouter({ engine: ctx.engine, oauth, adapter, stateSecret: hubspot.clientSecret, logger: ctx.logger, consoleUrl: `${base}/#/integrations/hubspot` }));
    } else {
      ctx.app.use(
        createHubSpotNotConfiguredRouter(['/hubspot/oauth'], 'HubSpot OAuth is not configured on this server: set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET.'),
      );
    }
    await connectSinglePortal(ctx, hubspot, adapter);
  },
};

/**
 * Single-portal mode (HUBSPOT_PRIVATE_APP_TOKEN + HUBSPOT_PORTAL_ID + HUBSPOT_TENANT_ID): the named tenant's
 * HubSpot integration points at the portal, and its token stays in the environment (the stored config only
 * says `source: 'env'`, so the adapter falls back to the server's token). Tandem's properties are ensured in
 * the background so a slow HubSpot never holds up start-up. Never throws: a wrong setting is logged.
 */
async function connectSinglePortal(ctx: HubSpotConnectorContext, hubspot: HubSpotConnectorConfig, adapter: HubSpotCrmAdapter): Promise<void> {
  const { privateAppToken, portalId, tenantId } = hubspot;
  if (!privateAppToken) return;
  if (!portalId || !tenantId) {
    ctx.logger.warn(
      { portalIdSet: Boolean(portalId), tenantIdSet: Boolean(tenantId) },
      'HUBSPOT_PRIVATE_APP_TOKEN is set without HUBSPOT_PORTAL_ID and HUBSPOT_TENANT_ID: no tenant uses it (connect tokens per tenant with PUT /api/v1/integrations/hubspot instead)',
    );
    return;
  }
  try {
    // Sending or paused: a portal another tenant holds is not taken over.
    const owner = await ctx.engine.integrations.claimedBy('hubspot', portalId);
    if (owner && owner !== tenantId) {
      ctx.logger.error({ portalId, tenantId }, 'HUBSPOT_PORTAL_ID is already connected to another tenant: single-portal mode is off');
      return;
    }
    const config = { source: 'env' };
    const existing = await ctx.engine.integrations.get(tenantId, 'hubspot');
    if (!(existing?.enabled && existing.externalId === portalId && existing.config.source === 'env')) {
      await ctx.engine.integrations.put(tenantId, 'hubspot', { externalId: portalId, config, enabled: true });
      ctx.logger.info({ tenantId, portalId }, 'hubspot connected from HUBSPOT_PRIVATE_APP_TOKEN (single-portal mode)');
    }
    adapter.ensureProperties({ tenantId, config, saveConfig: async () => undefined }).then(
      ({ created }) => ctx.logger.info({ tenantId, portalId, created }, 'hubspot properties ensured'),
      (err: unknown) => ctx.logger.warn({ tenantId, portalId, err: err instanceof Error ? err.message : String(err) }, 'hubspot properties could not be ensured at start; syncs will say why if they fail'),
    );
  } catch (err) {
    ctx.logger.error({ tenantId, portalId, err: err instanceof Error ? err.message : String(err) }, 'single-portal HubSpot could not be connected (is HUBSPOT_TENANT_ID an existing tenant?)');
  }
}
