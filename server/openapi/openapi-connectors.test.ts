import request from 'supertest';
import { hubspotConnector } from '../../connectors/hubspot/index';
import { slackServerConnector } from '../../connectors/slack/index';
import { connectorRoutes, documentedRoutes, mountedRoutes } from '../../test/helpers/mounted-routes';
import { createTestApp, type TestApp } from '../../test/helpers/test-app';
import { routes } from '../compose';
import { openApiDocument } from './openapi';

/**
 * The OpenAPI document against the routes the server's connectors mount under /api/v1 (sms-flow.test.ts
 * checks the server's own routes, in an app without connectors). Slack and HubSpot, configured so their
 * settings routes are mounted; Salesforce's admin routes are not in the document yet.
 */
const DOCUMENTED_CONNECTORS = /^[A-Z]+ \/integrations\/(slack|hubspot)(\/|$)/;

describe('the OpenAPI document and the connectors’ routes', () => {
  let t: TestApp;
  const doc = openApiDocument('https://tandem.test') as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

  beforeAll(async () => {
    t = await createTestApp({
      env: { SLACK_SIGNING_SECRET: 'openapi-signing-secret-0123456789', SLACK_BOT_TOKEN: 'xoxb-openapi-test', SLACK_API_URL: 'https://slack.test/api/' },
      routes,
      connectors: [slackServerConnector, hubspotConnector],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('describes a route only if the server or a connector serves it, and every Slack and HubSpot admin route', () => {
    const own = mountedRoutes(t.app, '/api/v1');
    const byConnectors = connectorRoutes(t.app, '/api/v1');
    const documented = documentedRoutes(doc);
    expect(byConnectors).toEqual(expect.arrayContaining(['GET /integrations/slack', 'PUT /integrations/slack', 'DELETE /integrations/slack', 'DELETE /integrations/hubspot']));
    expect(documented.filter((r) => !own.includes(r) && !byConnectors.includes(r))).toEqual([]);
    expect(byConnectors.filter((r) => DOCUMENTED_CONNECTORS.test(r) && !documented.includes(r))).toEqual([]);
  });

  it('documents the 403 of each connector route a viewer key may not use', async () => {
    const { tenant } = await t.engine.tenants.create({ name: 'Acme Homes' });
    const { key } = await t.engine.apiKeys.create(tenant.id, { name: 'ro', role: 'viewer' });
    const routesOf = connectorRoutes(t.app, '/api/v1').filter((r) => DOCUMENTED_CONNECTORS.test(r));
    const forbidden: string[] = [];
    for (const route of routesOf) {
      const [method, path] = route.split(' ') as [string, string];
      const res = await request(t.app)[method.toLowerCase() as 'get' | 'put' | 'delete'](`/api/v1${path}`).set('Authorization', `Bearer ${key}`).send({});
      if (res.status === 403) forbidden.push(route);
    }
    expect(forbidden).toEqual(expect.arrayContaining(['PUT /integrations/slack', 'DELETE /integrations/slack', 'PUT /integrations/hubspot', 'DELETE /integrations/hubspot']));
    expect(forbidden.filter((r) => !doc.paths[r.split(' ')[1]!]?.[r.split(' ')[0]!.toLowerCase()]?.responses['403'])).toEqual([]);
  });
});
