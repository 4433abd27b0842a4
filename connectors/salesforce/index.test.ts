import express from 'express';
import request from 'supertest';
import type { CrmAdapter } from '../../core/index';
import { resolveSalesforceConfig, salesforceConnector, SalesforceCrmAdapter, type SalesforceInstallEngine } from './index';

const noop = () => undefined;
const logger = { debug: noop, info: noop, warn: noop, error: noop };

function fakeEngine(adapters: CrmAdapter[]): SalesforceInstallEngine {
  return {
    registerCrmAdapter: (adapter: CrmAdapter) => void adapters.push(adapter),
    integrations: { findTenant: async () => null, get: async () => null },
    apiKeys: { authenticate: async () => null },
  } as unknown as SalesforceInstallEngine;
}

describe('salesforceConnector.register', () => {
  it('with no Salesforce configuration at all, mounts its routes and registers the CRM adapter', async () => {
    const adapters: CrmAdapter[] = [];
    const app = express();
    salesforceConnector.register({ app, engine: fakeEngine(adapters), config: { publicUrl: 'https://tandem.example.com', env: {} }, logger });

    expect(salesforceConnector.id).toBe('salesforce');
    expect(adapters).toHaveLength(1);
    expect(adapters[0]).toBeInstanceOf(SalesforceCrmAdapter);
    expect(adapters[0].provider).toBe('salesforce');
    expect((adapters[0] as SalesforceCrmAdapter).settings).toMatchObject({ apiVersion: 'v62.0', baseUrl: undefined, loginUrl: undefined });
    // The routes are there: unauthenticated calls are refused by them, not by Express's default 404.
    const tab = await request(app).get('/salesforce/v1/leads/00Q5g00000AbCdEEAV/conversation');
    expect(tab.status).toBe(401);
    expect(tab.body.error.code).toBe('salesforce.unauthenticated');
    const admin = await request(app).put('/api/v1/integrations/salesforce').send({});
    expect(admin.status).toBe(401);
    expect((await request(app).delete('/api/v1/integrations/salesforce')).status).toBe(401);
  });

  it('reads SALESFORCE_* from the environment, explicit settings first', () => {
    const env = { SALESFORCE_API_VERSION: '61.0', SALESFORCE_LOGIN_URL: 'https://test.salesforce.com', SALESFORCE_API_BASE_URL: 'http://127.0.0.1:4010' };
    expect(resolveSalesforceConfig({ publicUrl: 'https://x.test', env })).toEqual({
      apiVersion: 'v61.0',
      loginUrl: 'https://test.salesforce.com',
      baseUrl: 'http://127.0.0.1:4010',
    });
    expect(resolveSalesforceConfig({ publicUrl: 'https://x.test', env, salesforce: { apiVersion: 'v63.0' } }).apiVersion).toBe('v63.0');

    const adapters: CrmAdapter[] = [];
    salesforceConnector.register({ app: express(), engine: fakeEngine(adapters), config: { publicUrl: 'https://x.test', env }, logger });
    expect((adapters[0] as SalesforceCrmAdapter).settings).toMatchObject({ apiVersion: 'v61.0', loginUrl: 'https://test.salesforce.com', baseUrl: 'http://127.0.0.1:4010' });
  });
});
