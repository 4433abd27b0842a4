import type { Express, Router } from 'express';
import type { EngineCommon } from '../../core/engine/engine.types';
import { SalesforceCrmAdapter, SALESFORCE_API_VERSION } from './server/salesforce.crm-adapter';
import { createSalesforceRouter, type SalesforceLogger } from './server/salesforce.routes';

export { createSalesforceRouter, SALESFORCE_HEADERS, SalesforceRouteError } from './server/salesforce.routes';
export type { SalesforceLogger, SalesforceRouterDeps } from './server/salesforce.routes';
export { SalesforceCrmAdapter, SalesforceApiError, salesforceIntegrationConfigSchema, SALESFORCE_API_VERSION } from './server/salesforce.crm-adapter';
export type { SalesforceIntegrationConfig } from './server/salesforce.crm-adapter';
export { createOrgKey, hashOrgKey, toSalesforceId18 } from './server/salesforce-org-auth';

/** Deployment-wide Salesforce settings (per-org secrets live in the tenant's integration config). */
export interface SalesforceConnectorConfig {
  /** Overrides every org's instance URL, e.g. a local fake in tests and demos. */
  baseUrl?: string;
  apiVersion?: string;
}

export interface SalesforceRegisterContext {
  app: Pick<Express, 'use'> | Router;
  engine: EngineCommon;
  config: { publicUrl: string; salesforce?: SalesforceConnectorConfig };
  logger: SalesforceLogger;
}

/**
 * The Salesforce connector: mounts `/salesforce/v1/*` (the Lead tab's Apex callouts) and registers the
 * Salesforce CRM adapter (Lead upsert + Task per text). The server lists it by hand and calls `register`.
 */
export const salesforceConnector = {
  id: 'salesforce' as const,
  register(ctx: SalesforceRegisterContext): void {
    const settings = ctx.config.salesforce ?? {};
    ctx.app.use(createSalesforceRouter({ engine: ctx.engine, logger: ctx.logger }));
    ctx.engine.registerCrmAdapter(
      new SalesforceCrmAdapter({
        baseUrl: settings.baseUrl,
        apiVersion: settings.apiVersion ?? SALESFORCE_API_VERSION,
        logger: ctx.logger,
      }),
    );
  },
};
