import type { Router } from 'express';
import type { EngineCommon } from '../../core/index';
import { createHubSpotInstallRouter } from './hubspot-install.routes';
import { createInstallState, HubSpotOAuth } from './hubspot-oauth';
import { HubSpotCrmAdapter } from './hubspot.crm-adapter';
import { type CardLeadDirectory, createHubSpotRouter, type HubSpotLogger } from './hubspot.routes';

export { verifyHubSpotSignatureV3, signHubSpotV3 } from './hubspot-signature';
export { HubSpotCrmAdapter, DEFAULT_LEAD_STATUS_BY_TAG, TANDEM_CONTACT_PROPERTIES } from './hubspot.crm-adapter';
export { HubSpotOAuth, HUBSPOT_SCOPES, createInstallState, verifyInstallState } from './hubspot-oauth';
export { createHubSpotRouter } from './hubspot.routes';
export type { CardConversationResponse, CardLead, CardLeadDirectory, StartBlockedReason } from './hubspot.routes';

export interface HubSpotConnectorConfig {
  /** Public app (OAuth, many portals). The client secret also signs card requests. */
  clientId?: string;
  clientSecret?: string;
  /** Single portal without OAuth. */
  privateAppToken?: string;
  /** API base URL for tests and demos (defaults to https://api.hubapi.com). */
  basePath?: string;
}

/** The server's config, or just the parts this connector reads. */
export interface HubSpotConnectorSettings {
  publicUrl: string;
  /** Explicit settings win over the environment. */
  hubspot?: HubSpotConnectorConfig;
  env?: { HUBSPOT_CLIENT_ID?: string; HUBSPOT_CLIENT_SECRET?: string; HUBSPOT_PRIVATE_APP_TOKEN?: string; HUBSPOT_BASE_PATH?: string };
}

export interface HubSpotConnectorContext {
  /** Where routes are mounted (the Express app or a router). */
  app: Pick<Router, 'use'>;
  engine: EngineCommon;
  config: HubSpotConnectorSettings;
  logger: HubSpotLogger;
  /** Optional until the engine can find a lead without a conversation and start one (see README). */
  leads?: CardLeadDirectory;
}

/** `config.hubspot`, else the HUBSPOT_* environment settings. */
export function resolveHubSpotConfig(config: HubSpotConnectorSettings): HubSpotConnectorConfig {
  const env = config.env ?? {};
  return {
    clientId: config.hubspot?.clientId ?? env.HUBSPOT_CLIENT_ID,
    clientSecret: config.hubspot?.clientSecret ?? env.HUBSPOT_CLIENT_SECRET,
    privateAppToken: config.hubspot?.privateAppToken ?? env.HUBSPOT_PRIVATE_APP_TOKEN,
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
 * The HubSpot connector: card routes (signed by HubSpot), the OAuth install callback, and the CRM adapter
 * registered with the engine. The server lists it and calls `register` once at start, before any JSON
 * body parser (the card routes verify signatures over the raw body).
 */
export const hubspotConnector = {
  id: 'hubspot' as const,
  register(ctx: HubSpotConnectorContext): void {
    const { oauth, hubspot, base } = oauthFor(ctx.config);
    const adapter = new HubSpotCrmAdapter({ tokens: oauth, basePath: hubspot.basePath });
    ctx.engine.registerCrmAdapter(adapter);

    if (!hubspot.clientSecret) {
      ctx.logger.warn({}, 'HubSpot client secret is not set: the HubSpot card routes are off (requests cannot be verified)');
      return;
    }
    ctx.app.use(createHubSpotRouter({ engine: ctx.engine, clientSecret: hubspot.clientSecret, publicUrl: base, logger: ctx.logger, leads: ctx.leads }));
    if (hubspot.clientId) {
      ctx.app.use(createHubSpotInstallRouter({ engine: ctx.engine, oauth, adapter, stateSecret: hubspot.clientSecret, logger: ctx.logger }));
    }
  },
};
