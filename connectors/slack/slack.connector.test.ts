import express from 'express';
import request from 'supertest';
import { createSlackServerConnector, slackConfigFromEnv, type SlackServerContext } from './slack.connector';
import { MemoryLogger } from './test-support/harness';

describe('slackConfigFromEnv', () => {
  it('is null with no Slack settings (Slack off), also with only the API URL or channel set', () => {
    expect(slackConfigFromEnv({})).toBeNull();
    expect(slackConfigFromEnv({ SLACK_API_URL: 'http://slack.test/api/', SLACK_CHANNEL_ID: 'C0LEADS' })).toBeNull();
  });

  it('reads single-workspace and OAuth settings', () => {
    expect(slackConfigFromEnv({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: 'http://slack.test/api/', SLACK_CHANNEL_ID: 'C0LEADS', SLACK_TENANT_ID: 't' })).toEqual({
      signingSecret: 's',
      botToken: 'xoxb-1',
      apiUrl: 'http://slack.test/api/',
      channelId: 'C0LEADS',
      tenantId: 't',
    });
    expect(slackConfigFromEnv({ SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 'cs', SLACK_STATE_SECRET: 'ss' })).toEqual({
      signingSecret: 's',
      clientId: '1.2',
      clientSecret: 'cs',
      stateSecret: 'ss',
    });
  });

  it('names the missing variable when the settings are incomplete', () => {
    expect(() => slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow('SLACK_SIGNING_SECRET is required');
    expect(() => slackConfigFromEnv({ SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: '1.2' })).toThrow('SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET together');
    expect(() => slackConfigFromEnv({ SLACK_SIGNING_SECRET: 's' })).toThrow('set SLACK_BOT_TOKEN');
  });
});

describe('slack server connector without configuration', () => {
  it('starts cleanly, registers no notifier, and answers 503 slack.not_configured on its paths only', async () => {
    const app = express();
    const registered: unknown[] = [];
    const engine = { registerNotifier: (n: unknown) => registered.push(n) } as unknown as SlackServerContext['engine'];
    const connector = createSlackServerConnector();
    connector.register({ app, engine, config: { publicUrl: 'http://localhost:3000', env: {} }, logger: new MemoryLogger() });
    app.use((_req, res) => {
      res.status(404).json({ error: { code: 'route.not_found' } });
    });
    expect(connector.handle).toBeNull();
    expect(registered).toEqual([]);
    for (const [method, path] of [
      ['post', '/slack/events'],
      ['get', '/slack/install'],
      ['get', '/api/v1/integrations/slack'],
      ['put', '/api/v1/integrations/slack'],
    ] as const) {
      const res = await request(app)[method](path);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('slack.not_configured');
      expect(res.body.error.message).toContain('SLACK_SIGNING_SECRET');
    }
    expect((await request(app).get('/api/v1/conversations')).status).toBe(404);
  });
});
