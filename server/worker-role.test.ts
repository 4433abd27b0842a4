import request from 'supertest';
import { createTestApp, type TestApp } from '../test/helpers/test-app';
import { connectors } from './compose';

/**
 * `tandem start --role worker` serves health and metrics only, yet it is the process that runs the
 * connectors' jobs: CRM sync and agent notifications must be registered there, or in a split deployment
 * they would be queued and never run.
 */
describe('a worker process', () => {
  let worker: TestApp;
  beforeAll(async () => {
    worker = await createTestApp({ connectors, healthOnly: true, env: { SLACK_SIGNING_SECRET: 's'.repeat(32), SLACK_BOT_TOKEN: 'xoxb-test' } });
  });
  afterAll(() => worker.close());

  it('registers the connectors job handlers', () => {
    const names = ['crm.sync.hubspot', 'crm.sync.salesforce', 'notify.slack'];
    expect(names.filter((n) => worker.engine.jobs.registry.get(n) === undefined)).toEqual([]);
  });

  it('serves no connector routes, only health', async () => {
    await request(worker.app).get('/healthz').expect(200);
    await request(worker.app).post('/slack/events').send({}).expect(404);
    await request(worker.app).get('/api/v1/integrations/hubspot').expect(404);
  });
});
