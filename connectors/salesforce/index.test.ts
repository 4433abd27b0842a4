import express from 'express';
import request from 'supertest';
import type { CrmAdapter } from '../../core/ports/crm-adapter.port';
import type { EngineCommon } from '../../core/engine/engine.types';
import { salesforceConnector, SalesforceCrmAdapter } from './index';

describe('salesforceConnector.register', () => {
  it('mounts the Salesforce routes and registers the Salesforce CRM adapter', async () => {
    const adapters: CrmAdapter[] = [];
    const engine = {
      registerCrmAdapter: (adapter: CrmAdapter) => void adapters.push(adapter),
      integrations: { findTenant: async () => null, get: async () => null },
    } as unknown as EngineCommon;
    const app = express();
    const noop = () => undefined;
    salesforceConnector.register({
      app,
      engine,
      config: { publicUrl: 'https://tandem.example.com', salesforce: { baseUrl: 'http://127.0.0.1:4010' } },
      logger: { debug: noop, info: noop, warn: noop, error: noop },
    });

    expect(salesforceConnector.id).toBe('salesforce');
    expect(adapters).toHaveLength(1);
    expect(adapters[0]).toBeInstanceOf(SalesforceCrmAdapter);
    expect(adapters[0].provider).toBe('salesforce');
    // The route is there: an unsigned call is refused by it, not by Express's default 404.
    const res = await request(app).get('/salesforce/v1/leads/00Q5g00000AbCdEEAV/conversation');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('salesforce.unauthenticated');
  });
});
