import express, { type Router } from 'express';
import type { EngineCommon, CrmContext } from '../../core/index';
import type { HubSpotCrmAdapter } from './hubspot.crm-adapter';
import { type HubSpotOAuth, verifyInstallState } from './hubspot-oauth';
import type { HubSpotLogger } from './hubspot.routes';

export interface HubSpotInstallRouterDeps {
  engine: EngineCommon;
  oauth: HubSpotOAuth;
  adapter: Pick<HubSpotCrmAdapter, 'ensureProperties'>;
  /** Key for the install `state` (the app's client secret). */
  stateSecret: string;
  logger: HubSpotLogger;
  now?: () => number;
}

/**
 * `GET /hubspot/oauth/callback?code&state`: HubSpot redirects the installing admin here. The signed state
 * names the tenant; the code becomes tokens stored on the tenant's HubSpot integration (keyed by portal id,
 * so card requests from that portal find the tenant), then Tandem's contact properties are created.
 */
export function createHubSpotInstallRouter(deps: HubSpotInstallRouterDeps): Router {
  const router = express.Router();
  router.get('/hubspot/oauth/callback', async (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    if (typeof req.query.error === 'string') {
      res.status(400).type('text/plain').send(`HubSpot did not grant access: ${String(req.query.error_description ?? req.query.error).slice(0, 200)}`);
      return;
    }
    const tenantId = verifyInstallState(deps.stateSecret, state, (deps.now ?? Date.now)());
    if (!tenantId || !code) {
      res.status(400).type('text/plain').send('This HubSpot install link is invalid or expired. Start again from Tandem settings.');
      return;
    }
    try {
      const tokens = await deps.oauth.exchangeCode(code);
      const existing = await deps.engine.integrations.findTenant('hubspot', tokens.portalId);
      if (existing && existing !== tenantId) {
        res.status(409).type('text/plain').send('This HubSpot account is already connected to another Tandem workspace.');
        return;
      }
      const config: Record<string, unknown> = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt, portalId: tokens.portalId };
      await deps.engine.integrations.put(tenantId, 'hubspot', { externalId: tokens.portalId, config, enabled: true });
      const ctx: CrmContext = {
        tenantId,
        config,
        saveConfig: (next) => deps.engine.integrations.put(tenantId, 'hubspot', { externalId: tokens.portalId, config: next, enabled: true }),
      };
      const { unavailable = [] } = await deps.adapter.ensureProperties(ctx);
      if (unavailable.length > 0) {
        deps.logger.warn({ tenantId, portalId: tokens.portalId, unavailable }, 'hubspot connected without some Tandem properties (the portal refused them); contacts sync without them');
      }
      deps.logger.info({ tenantId, portalId: tokens.portalId }, 'hubspot connected');
      res.status(200).type('text/plain').send('HubSpot is connected to Tandem. You can close this tab.');
    } catch (err) {
      deps.logger.error({ tenantId, err: err instanceof Error ? { name: err.name, message: err.message } : String(err) }, 'hubspot install failed');
      res.status(502).type('text/plain').send('Connecting HubSpot failed. Try again in a minute.');
    }
  });
  return router;
}
