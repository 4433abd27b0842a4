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

export interface HubSpotConnectorContext {
  /** Where routes are mounted (the Express app or a router). */
  app: Pick<Router, 'use'>;
  engine: EngineCommon;
  config: { publicUrl: string; hubspot: HubSpotConnectorConfig };
  logger: HubSpotLogger;
  /** Optional until the engine can find a lead without a conversation and start one (see README). */
  leads?: CardLeadDirectory;
}

/** What `register` hands back: the adapter and, for the admin UI, the "Connect HubSpot" URL builder. */
export interface HubSpotConnectorHandle {
  adapter: HubSpotCrmAdapter;
  oauth: HubSpotOAuth;
  /** The HubSpot authorize URL for this tenant, or null without a public app configured. */
  installUrl(tenantId: string): string | null;
}

/**
 * The HubSpot connector: card routes (signed by HubSpot), the OAuth install callback, and the CRM adapter
 * registered with the engine. The server lists it and calls `register` once at start.
 */
export const hubspotConnector = {
  id: 'hubspot' as const,
  register(ctx: HubSpotConnectorContext): HubSpotConnectorHandle {
    const { publicUrl, hubspot } = ctx.config;
    const base = publicUrl.replace(/\/+$/, '');
    const oauth = new HubSpotOAuth({
      clientId: hubspot.clientId,
      clientSecret: hubspot.clientSecret,
      redirectUri: `${base}/hubspot/oauth/callback`,
      privateAppToken: hubspot.privateAppToken,
      basePath: hubspot.basePath,
    });
    const adapter = new HubSpotCrmAdapter({ tokens: oauth, basePath: hubspot.basePath });
    ctx.engine.registerCrmAdapter(adapter);

    if (hubspot.clientSecret) {
      ctx.app.use(createHubSpotRouter({ engine: ctx.engine, clientSecret: hubspot.clientSecret, publicUrl: base, logger: ctx.logger, leads: ctx.leads }));
    } else {
      ctx.logger.warn({}, 'hubspot.clientSecret is not set: the HubSpot card routes are off (requests cannot be verified)');
    }
    const canInstall = Boolean(hubspot.clientId && hubspot.clientSecret);
    if (canInstall && hubspot.clientSecret) {
      ctx.app.use(createHubSpotInstallRouter({ engine: ctx.engine, oauth, adapter, stateSecret: hubspot.clientSecret, logger: ctx.logger }));
    }

    return {
      adapter,
      oauth,
      installUrl: (tenantId) => (canInstall && hubspot.clientSecret ? oauth.authorizeUrl(createInstallState(hubspot.clientSecret, tenantId)) : null),
    };
  },
};
