import express, { type Router } from 'express';
import type { Actor, CrmContext, EngineCommon } from '../../core/index';
import type { HubSpotCrmAdapter } from './hubspot.crm-adapter';
import { type HubSpotInstaller, type HubSpotOAuth, verifyInstallState } from './hubspot-oauth';
import type { HubSpotLogger } from './hubspot.routes';

export interface HubSpotInstallRouterDeps {
  engine: EngineCommon;
  oauth: HubSpotOAuth;
  adapter: Pick<HubSpotCrmAdapter, 'ensureProperties'>;
  /** Key for the install `state` (the app's client secret). */
  stateSecret: string;
  logger: HubSpotLogger;
  now?: () => number;
  /** The console's HubSpot panel: the install runs in the console's own tab, so every answer leads back there. */
  consoleUrl: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page HubSpot's redirect lands on: what happened, and the way back to Tandem. */
function page(title: string, body: string, consoleUrl: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><main><h1>${esc(title)}</h1><p>${esc(body)}</p><p><a href="${esc(consoleUrl)}">Back to Tandem</a></p></main></body></html>`;
}

/**
 * Who connected HubSpot, for the audit log. The callback has no API key: the signed state names only the
 * tenant, and the person is the HubSpot user who granted access (from the token info). They are the
 * tenant's agent of that HubSpot user id or email when there is one, as for card requests; else they are
 * named by their HubSpot email. They acted on HubSpot's install screen, so the surface is `hubspot`.
 */
async function installerActor(engine: EngineCommon, tenantId: string, installer: HubSpotInstaller): Promise<Actor> {
  const agent =
    installer.hubspotUserId || installer.email
      ? await engine.agents.resolve(tenantId, { hubspotUserId: installer.hubspotUserId ?? undefined, email: installer.email ?? undefined })
      : null;
  if (agent) return { agentId: agent.id, name: agent.name, surface: 'hubspot' };
  const who = installer.email ?? (installer.hubspotUserId ? `#${installer.hubspotUserId}` : null);
  return { agentId: null, name: who ? `HubSpot user ${who}` : 'HubSpot install', surface: 'hubspot' };
}

/**
 * `GET /hubspot/oauth/callback?code&state`: HubSpot redirects the installing admin here. The signed state
 * names the tenant; the code becomes tokens stored on the tenant's HubSpot integration (keyed by portal id,
 * so card requests from that portal find the tenant; audited with the installing user), then Tandem's
 * contact properties are created. A portal another workspace holds, sending or paused, is refused (409).
 */
export function createHubSpotInstallRouter(deps: HubSpotInstallRouterDeps): Router {
  const router = express.Router();
  router.get('/hubspot/oauth/callback', async (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    if (typeof req.query.error === 'string') {
      res.status(400).type('html').send(page('HubSpot did not grant access', String(req.query.error_description ?? req.query.error).slice(0, 200), deps.consoleUrl));
      return;
    }
    const tenantId = verifyInstallState(deps.stateSecret, state, (deps.now ?? Date.now)());
    if (!tenantId || !code) {
      res.status(400).type('html').send(page('Install link not valid', "This HubSpot install link is invalid or expired. Start again from Tandem's Integrations page.", deps.consoleUrl));
      return;
    }
    try {
      const tokens = await deps.oauth.exchangeCode(code);
      const existing = await deps.engine.integrations.claimedBy('hubspot', tokens.portalId);
      if (existing && existing !== tenantId) {
        res.status(409).type('html').send(page('HubSpot account in use', 'This HubSpot account is already connected to another Tandem workspace. Disconnect it there first, then install again.', deps.consoleUrl));
        return;
      }
      const config: Record<string, unknown> = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt, portalId: tokens.portalId };
      const actor = await installerActor(deps.engine, tenantId, tokens.installer);
      await deps.engine.integrations.put(tenantId, 'hubspot', { externalId: tokens.portalId, config, enabled: true }, actor);
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
      res.status(200).type('html').send(page('HubSpot is connected to Tandem', 'Leads now get a contact in HubSpot, with their score, tag and texts, and the Tandem card shows each conversation.', deps.consoleUrl));
    } catch (err) {
      deps.logger.error({ tenantId, err: err instanceof Error ? { name: err.name, message: err.message } : String(err) }, 'hubspot install failed');
      res.status(502).type('html').send(page('Connecting HubSpot failed', 'HubSpot could not be reached or refused the install. Try again in a minute.', deps.consoleUrl));
    }
  });
  return router;
}
