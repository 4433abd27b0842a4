import type { Express, Router } from 'express';
import { SalesforceCrmAdapter, SALESFORCE_API_VERSION } from './backend/salesforce.crm-adapter';
import { createSalesforceInstallRouter, type SalesforceInstallEngine } from './backend/salesforce-install.routes';
import { createSalesforceRouter, type SalesforceLogger } from './backend/salesforce.routes';

export { createSalesforceRouter, SALESFORCE_HEADERS, SalesforceRouteError } from './backend/salesforce.routes';
export type { SalesforceLogger, SalesforceRouterDeps } from './backend/salesforce.routes';
export { createSalesforceInstallRouter, SALESFORCE_INTEGRATION_PATH, SALESFORCE_DISCONNECT_NOTES } from './backend/salesforce-install.routes';
export type { SalesforceInstallEngine } from './backend/salesforce-install.routes';
export {
  SalesforceCrmAdapter,
  SalesforceApiError,
  SalesforceTokenError,
  salesforceIntegrationConfigSchema,
  SALESFORCE_API_VERSION,
  TANDEM_LEAD_ID_FIELD,
  TANDEM_MESSAGE_ID_FIELD,
} from './backend/salesforce.crm-adapter';
export type { SalesforceIntegrationConfig, SalesforceTokenGrant } from './backend/salesforce.crm-adapter';
export { createOrgKey, hashOrgKey, toSalesforceId18 } from './backend/salesforce-org-auth';

/** Deployment-wide Salesforce settings (per-org secrets live in the tenant's integration config). */
export interface SalesforceConnectorConfig {
  /** Overrides every org's instance URL, e.g. a local fake in tests and demos. */
  baseUrl?: string;
  /** Token requests go here instead of the org's My Domain (which the client credentials flow needs). */
  loginUrl?: string;
  /** REST API version, `v62.0` or `62.0`. */
  apiVersion?: string;
}

/** The server's configuration, or just the parts this connector reads. Explicit settings win over env. */
export interface SalesforceConnectorSettings {
  publicUrl: string;
  salesforce?: SalesforceConnectorConfig;
  env?: { SALESFORCE_LOGIN_URL?: string; SALESFORCE_API_VERSION?: string; SALESFORCE_API_BASE_URL?: string };
}

export interface SalesforceRegisterContext {
  app: Pick<Express, 'use'> | Router;
  engine: SalesforceInstallEngine;
  config: SalesforceConnectorSettings;
  logger: SalesforceLogger;
}

/** `config.salesforce`, else the SALESFORCE_* environment; the API version is normalised to `vNN.0`. */
export function resolveSalesforceConfig(config: SalesforceConnectorSettings): Required<Pick<SalesforceConnectorConfig, 'apiVersion'>> & SalesforceConnectorConfig {
  const env = config.env ?? {};
  const version = config.salesforce?.apiVersion ?? env.SALESFORCE_API_VERSION ?? SALESFORCE_API_VERSION;
  return {
    baseUrl: config.salesforce?.baseUrl ?? env.SALESFORCE_API_BASE_URL,
    loginUrl: config.salesforce?.loginUrl ?? env.SALESFORCE_LOGIN_URL,
    apiVersion: version.startsWith('v') ? version : `v${version}`,
  };
}

/**
 * The Salesforce connector. Needs no deployment configuration: every org brings its own credentials in the
 * tenant's `salesforce` integration (set by `PUT /api/v1/integrations/salesforce`), so the routes are always
 * mounted and each request is authenticated per org. It mounts:
 * - `/salesforce/v1/*`, the routes the Lead tab's Apex controller calls (org id + org key): view a Lead's
 *   conversation, start one from the Lead, act on it;
 * - `PUT|GET|DELETE /api/v1/integrations/salesforce`, connecting an org to a workspace (its credentials
 *   checked with Salesforce first) and disconnecting it (admin API key), which then revokes the stored access
 *   token with Salesforce, best effort;
 * and registers the CRM adapter, which the engine's sync job runs only for tenants whose Salesforce
 * integration is enabled (Lead upsert by Tandem_Lead_Id__c, or update of the linked Lead by its id; one
 * Task per text).
 */
export const salesforceConnector = {
  id: 'salesforce' as const,
  register(ctx: SalesforceRegisterContext): void {
    const settings = resolveSalesforceConfig(ctx.config);
    const adapter = new SalesforceCrmAdapter({
      baseUrl: settings.baseUrl,
      loginUrl: settings.loginUrl,
      apiVersion: settings.apiVersion,
      logger: ctx.logger,
    });
    ctx.app.use(createSalesforceRouter({ engine: ctx.engine, logger: ctx.logger }));
    // The connect route checks an admin's credentials with the sync's own token request.
    ctx.app.use(createSalesforceInstallRouter({ engine: ctx.engine, logger: ctx.logger, adapter }));
    ctx.engine.registerCrmAdapter(adapter);
  },
};
