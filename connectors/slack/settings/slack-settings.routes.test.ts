import express from 'express';
import request from 'supertest';
import type { Actor, ApiPrincipal, IntegrationRecord } from '../../../core/index';
import { verifyInstallToken } from '../install/install-token';
import type { SlackConfig } from '../slack.types';
import { createSlackSettingsRouter, SLACK_SETTINGS_PATH } from './slack-settings.routes';

const TENANT = 'tenant-slack-settings';
const KEYS: Record<string, ApiPrincipal> = {
  tdm_admin: { tenantId: TENANT, keyId: 'k1', role: 'admin', agentId: null, name: 'Admin' },
  tdm_agent: { tenantId: TENANT, keyId: 'k2', role: 'agent', agentId: null, name: 'Agent' },
};
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The router on its own app, over an in-memory integrations table and two API keys. */
function appWith(slack: SlackConfig) {
  const records = new Map<string, IntegrationRecord>();
  const audits: Array<{ actor?: Actor; entry?: unknown }> = [];
  const engine = {
    apiKeys: { authenticate: async (k: string) => KEYS[k] ?? null },
    integrations: {
      get: async (tenantId: string, kind: string) => records.get(`${tenantId}/${kind}`) ?? null,
      put: async (tenantId: string, kind: string, r: Omit<IntegrationRecord, 'kind'>, actor?: Actor, entry?: unknown) => {
        records.set(`${tenantId}/${kind}`, { kind, ...r } as IntegrationRecord);
        audits.push({ actor, entry });
      },
      findTenant: async () => null,
    },
  };
  const app = express();
  app.use(createSlackSettingsRouter({ engine: engine as never, config: { publicUrl: 'https://tandem.test', slack }, logger: silent, isConnected: async () => false }));
  return { app, records, audits };
}

const cookie = (key: string) => `theme=dark; tandem_session=${encodeURIComponent(key)}`;

describe('Slack settings routes', () => {
  it('take the console’s session cookie like an API key: any role reads, only an admin changes', async () => {
    const { app, records, audits } = appWith({ signingSecret: 's', botToken: 'xoxb-1' });
    const read = await request(app).get(SLACK_SETTINGS_PATH).set('Cookie', cookie('tdm_agent'));
    expect(read.status).toBe(200);
    expect(read.body.slack).toMatchObject({ mode: 'single_workspace', connected: false, channelId: null, installUrl: null });

    const forbidden = await request(app).put(SLACK_SETTINGS_PATH).set('Cookie', cookie('tdm_agent')).send({ channelId: 'C0LEADS01' });
    expect(forbidden.status).toBe(403);
    expect(records.size).toBe(0);

    const saved = await request(app).put(SLACK_SETTINGS_PATH).set('Cookie', cookie('tdm_admin')).set('X-Tandem-Surface', 'console').send({ channelId: 'C0LEADS01', escalationMention: 'none' });
    expect(saved.status).toBe(200);
    expect(saved.body.slack).toMatchObject({ channelId: 'C0LEADS01', escalationMention: 'none', threadRepliesSendToLead: false, enabled: true });
    expect(records.get(`${TENANT}/slack`)).toEqual({ kind: 'slack', externalId: null, enabled: true, config: { channelId: 'C0LEADS01', escalationMention: 'none' } });
    // Audited (by core, in the write's transaction) as who changed what, from where.
    expect(audits).toEqual([
      { actor: { agentId: null, name: 'Admin', surface: 'console' }, entry: { action: 'integration.settings', data: { teamId: null, channelId: 'C0LEADS01', escalationMention: 'none' } } },
    ]);
  });

  it('refuse a missing, unknown or malformed session cookie with 401', async () => {
    const { app } = appWith({ signingSecret: 's', botToken: 'xoxb-1' });
    expect((await request(app).get(SLACK_SETTINGS_PATH).set('Cookie', 'theme=dark')).body.error.code).toBe('auth.missing_api_key');
    expect((await request(app).get(SLACK_SETTINGS_PATH).set('Cookie', cookie('tdm_nope'))).body.error.code).toBe('auth.invalid_api_key');
    const malformed = await request(app).get(SLACK_SETTINGS_PATH).set('Cookie', 'tandem_session=%E0%A4%A');
    expect(malformed.status).toBe(401);
  });

  it('in OAuth mode, offer a signed install link for the tenant', async () => {
    const { app } = appWith({ signingSecret: 's', clientId: '1.2', clientSecret: 'cs', stateSecret: 'state-secret' });
    const read = await request(app).get(SLACK_SETTINGS_PATH).set('Authorization', 'Bearer tdm_agent');
    expect(read.body.slack.mode).toBe('oauth');
    const url = new URL(read.body.slack.installUrl as string);
    expect(`${url.origin}${url.pathname}`).toBe('https://tandem.test/slack/install');
    expect(verifyInstallToken(url.searchParams.get('tenant') ?? undefined, 'state-secret')).toBe(TENANT);
  });
});
