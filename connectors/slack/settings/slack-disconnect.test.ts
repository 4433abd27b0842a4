import express from 'express';
import nock from 'nock';
import request from 'supertest';
import type { Engine } from '../../../core/index';
import { createTestApp, type TestApp } from '../../../test/helpers/test-app';
import { createSlackServerConnector } from '../slack.connector';
import type { SlackConfig } from '../slack.types';
import { EngineSlackInstallationStore, type SlackInstallation } from '../stores/installation.store';
import { MemoryLogger, waitFor } from '../test-support/harness';
import { signedHeaders } from '../test-support/signed-request';
import { createSlackSettingsRouter, SLACK_DISCONNECT_NOTES, SLACK_SETTINGS_PATH } from './slack-settings.routes';

const PUBLIC_URL = 'https://tandem.test';
const SIGNING_SECRET = 'disconnect-signing-secret-0123456789';
const CLIENT_ID = '4444.5555';
const CLIENT_SECRET = 'disconnect-client-secret-abcdef';
const STATE_SECRET = 'disconnect-state-secret-0123456789';

/** Slack's Web API as the connector reaches it by default (no SLACK_API_URL): https://slack.com/api/. */
const SLACK = 'https://slack.com';

const installationFor = (teamId: string, botToken: string): SlackInstallation => ({
  teamId,
  teamName: 'Acme',
  enterpriseId: null,
  appId: 'A0TANDEM',
  botToken,
  botId: 'B0TANDEM',
  botUserId: 'U0TANDEM',
  scopes: ['chat:write', 'commands'],
  installerUserId: 'U0ADMIN',
  installedAt: '2026-06-01T00:00:00.000Z',
});

/** Records each apps.uninstall request (form body and bearer token) and answers as told. */
function slackUninstall(reply: { status: number; body: Record<string, unknown> }, times = 1) {
  const calls: Array<{ authorization: string | undefined; body: Record<string, string> }> = [];
  const scope = nock(SLACK)
    .post('/api/apps.uninstall')
    .times(times)
    .reply(function (_uri, body) {
      const auth = this.req.headers.authorization;
      calls.push({ authorization: Array.isArray(auth) ? auth[0] : auth, body: Object.fromEntries(new URLSearchParams(body as string)) });
      return [reply.status, reply.body];
    });
  return { calls, scope };
}

describe(`DELETE /api/v1/integrations/slack with the real engine (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestApp;
  let engine: Engine;
  let oauthApp: express.Express;
  const logger = new MemoryLogger();
  let seq = 0;

  beforeAll(async () => {
    t = await createTestApp();
    engine = t.engine;
    // The connector as the server registers it, in OAuth mode with Slack's real base URL (so nock sees https://slack.com),
    // on an app of its own whose log this test reads.
    oauthApp = express();
    createSlackServerConnector().register({
      app: oauthApp,
      engine,
      config: { publicUrl: PUBLIC_URL, env: { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_CLIENT_ID: CLIENT_ID, SLACK_CLIENT_SECRET: CLIENT_SECRET, SLACK_STATE_SECRET: STATE_SECRET } },
      logger,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const newTenant = async () => {
    const created = await engine.tenants.create({ name: `Acme ${++seq}`, adminName: 'Ada Admin' });
    const tenantId = created.tenant.id;
    const key = async (role: 'viewer' | 'agent') => (await engine.apiKeys.create(tenantId, { name: `${role} key`, role })).key;
    return { tenantId, adminKey: created.apiKey, key };
  };
  /** An OAuth install for the tenant, with a channel chosen by its admin through the settings route. */
  const installed = async (tenantId: string, adminKey: string, teamId: string, botToken: string) => {
    await new EngineSlackInstallationStore(engine).save(tenantId, installationFor(teamId, botToken));
    const put = await request(oauthApp).put(SLACK_SETTINGS_PATH).set('Authorization', `Bearer ${adminKey}`).send({ channelId: 'C0LEADS01', threadRepliesSendToLead: true });
    expect(put.status).toBe(200);
    expect(put.body.slack).toMatchObject({ connected: true, teamId, channelId: 'C0LEADS01' });
  };
  const auditOf = (tenantId: string) =>
    engine.store.tenant(tenantId, (m) => m.query(`SELECT action, entity_id, actor_name, surface, data FROM audit_log WHERE entity = 'integration' ORDER BY created_at, id`)) as Promise<
      Array<{ action: string; entity_id: string; actor_name: string; surface: string; data: Record<string, unknown> }>
    >;
  const disconnect = (key: string, app: express.Express = oauthApp) => request(app).delete(SLACK_SETTINGS_PATH).set('Authorization', `Bearer ${key}`).set('X-Tandem-Surface', 'console');
  const slackEvent = (teamId: string, inner: object) => {
    const raw = JSON.stringify({ type: 'event_callback', team_id: teamId, api_app_id: 'A0TANDEM', event_id: `Ev${Math.random()}`, event_time: 1780000000, event: inner });
    return request(oauthApp).post('/slack/events').set(signedHeaders(SIGNING_SECRET, raw, 'application/json')).send(raw);
  };

  it('OAuth: deletes the installation and settings (audited), then uninstalls Tandem with apps.uninstall using the bot token; Slack’s later app_uninstalled is ignored', async () => {
    const { tenantId, adminKey } = await newTenant();
    await installed(tenantId, adminKey, 'T0ACME001', 'xoxb-acme-bot-token-1');
    const slack = slackUninstall({ status: 200, body: { ok: true } });

    const res = await disconnect(adminKey);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      slack: {
        mode: 'oauth',
        connected: false,
        enabled: true,
        teamId: null,
        channelId: null,
        threadRepliesSendToLead: false,
        escalationMention: 'here',
        installUrl: expect.stringMatching(/^https:\/\/tandem\.test\/slack\/install\?tenant=/),
      },
      revoked: true,
      note: SLACK_DISCONNECT_NOTES.uninstalled,
    });
    // One apps.uninstall, with the installation's bot token and the app's client id and secret (Slack's documented arguments).
    expect(slack.scope.isDone()).toBe(true);
    expect(slack.calls).toHaveLength(1);
    expect(slack.calls[0]!.authorization).toBe('Bearer xoxb-acme-bot-token-1');
    expect(slack.calls[0]!.body).toMatchObject({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET });

    // Installation and settings are gone, and the disconnect is audited as the admin on the console.
    expect(await engine.integrations.get(tenantId, 'slack')).toBeNull();
    expect((await request(oauthApp).get(SLACK_SETTINGS_PATH).set('Authorization', `Bearer ${adminKey}`)).body.slack).toMatchObject({ connected: false, teamId: null, channelId: null });
    expect((await auditOf(tenantId)).at(-1)).toEqual({ action: 'integration.disconnect', entity_id: 'slack', actor_name: 'First admin key', surface: 'console', data: { externalId: 'T0ACME001' } });
    expect(logger.text()).not.toContain('xoxb-acme-bot-token-1');
    expect(logger.text()).not.toContain(CLIENT_SECRET);

    // Slack then tells Tandem the app left the workspace (and its tokens were revoked): no tenant holds the team any more,
    // so nothing breaks and nothing is written back.
    const before = logger.lines.length;
    expect((await slackEvent('T0ACME001', { type: 'app_uninstalled' })).status).toBe(200);
    expect((await slackEvent('T0ACME001', { type: 'tokens_revoked', tokens: { bot: ['U0TANDEM'] } })).status).toBe(200);
    await waitFor(() => {
      const ignored = logger.lines.slice(before).filter((l) => l.msg === 'slack: uninstall from a workspace no tenant uses; nothing to do');
      expect(ignored.map((l) => l.obj)).toEqual([
        { teamId: 'T0ACME001', why: 'app_uninstalled' },
        { teamId: 'T0ACME001', why: 'tokens_revoked' },
      ]);
    });
    expect(logger.lines.slice(before).filter((l) => l.level === 'error')).toEqual([]);
    expect(await engine.integrations.get(tenantId, 'slack')).toBeNull();
    expect(await engine.integrations.claimedBy('slack', 'T0ACME001')).toBeNull();
  });

  it('a paused install is uninstalled too', async () => {
    const { tenantId, adminKey } = await newTenant();
    await installed(tenantId, adminKey, 'T0PAUSED1', 'xoxb-paused-bot-token');
    expect((await request(oauthApp).put(SLACK_SETTINGS_PATH).set('Authorization', `Bearer ${adminKey}`).send({ enabled: false })).body.slack).toMatchObject({ enabled: false, teamId: 'T0PAUSED1' });
    const slack = slackUninstall({ status: 200, body: { ok: true } });
    const res = await disconnect(adminKey);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ revoked: true, slack: { connected: false, enabled: true, teamId: null } });
    expect(slack.calls.map((c) => c.authorization)).toEqual(['Bearer xoxb-paused-bot-token']);
    expect(await engine.integrations.get(tenantId, 'slack')).toBeNull();
  });

  it.each([
    ['Slack refuses (ok: false)', { status: 200, body: { ok: false, error: 'invalid_auth' } }, 1, 'slack error: invalid_auth'],
    ['Slack fails (HTTP 500, after the client’s retries)', { status: 500, body: { ok: false, error: 'internal_error' } }, 3, 'http 500'],
  ])('when %s, the disconnect still stands: revoked false, a note on removing the app in Slack, and no token in the log', async (_what, reply, times, reason) => {
    const { tenantId, adminKey } = await newTenant();
    const token = `xoxb-failing-bot-token-${seq}`;
    await installed(tenantId, adminKey, `T0FAIL00${seq}`, token);
    const slack = slackUninstall(reply, times);
    const before = logger.lines.length;

    const res = await disconnect(adminKey);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ slack: { connected: false, teamId: null, channelId: null }, revoked: false, note: SLACK_DISCONNECT_NOTES.notUninstalled });
    expect(res.body.note).toContain('Manage apps');
    expect(slack.scope.isDone()).toBe(true);
    expect(slack.calls.every((c) => c.authorization === `Bearer ${token}`)).toBe(true);
    expect(await engine.integrations.get(tenantId, 'slack')).toBeNull();
    expect((await auditOf(tenantId)).map((a) => a.action)).toContain('integration.disconnect');

    const warned = logger.lines.slice(before).filter((l) => l.level === 'warn' && l.msg?.startsWith('slack disconnected, but'));
    expect(warned.map((l) => l.obj)).toEqual([{ tenantId, teamId: `T0FAIL00${seq}`, reason }]);
    expect(logger.text()).not.toContain(token);
    expect(logger.text()).not.toContain(CLIENT_SECRET);
  });

  it('nothing to uninstall: Slack had already removed Tandem (installation dropped) or it was never installed; no Slack call', async () => {
    const uninstalled = await newTenant();
    await installed(uninstalled.tenantId, uninstalled.adminKey, 'T0GONE001', 'xoxb-gone-bot-token');
    // What app_uninstalled left: the team, the settings, no installation, turned off.
    await new EngineSlackInstallationStore(engine).disable(uninstalled.tenantId, 'T0GONE001');
    const settingsOnly = await newTenant();
    expect((await request(oauthApp).put(SLACK_SETTINGS_PATH).set('Authorization', `Bearer ${settingsOnly.adminKey}`).send({ channelId: 'C0EARLY01' })).status).toBe(200);
    const slack = slackUninstall({ status: 200, body: { ok: true } });

    const gone = await disconnect(uninstalled.adminKey);
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ revoked: false, note: SLACK_DISCONNECT_NOTES.alreadyGone, slack: { teamId: null, channelId: null } });
    const early = await disconnect(settingsOnly.adminKey);
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ revoked: false, note: SLACK_DISCONNECT_NOTES.neverInstalled, slack: { channelId: null } });

    expect(slack.calls).toEqual([]);
    expect(await engine.integrations.get(uninstalled.tenantId, 'slack')).toBeNull();
    expect(await engine.integrations.get(settingsOnly.tenantId, 'slack')).toBeNull();
  });

  it('a viewer or agent key gets 403 and an unconnected tenant 404, writing nothing and calling no one', async () => {
    const { tenantId, adminKey, key } = await newTenant();
    await installed(tenantId, adminKey, 'T0KEEP001', 'xoxb-keep-bot-token');
    const audits = (await auditOf(tenantId)).length;
    const slack = slackUninstall({ status: 200, body: { ok: true } });
    for (const role of ['viewer', 'agent'] as const) {
      const res = await disconnect(await key(role));
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('auth.forbidden');
    }
    expect((await request(oauthApp).delete(SLACK_SETTINGS_PATH)).status).toBe(401);
    expect(await engine.integrations.get(tenantId, 'slack')).toMatchObject({ externalId: 'T0KEEP001', enabled: true });

    const other = await newTenant();
    const none = await disconnect(other.adminKey);
    expect(none.status).toBe(404);
    expect(none.body.error).toEqual({ code: 'integration.not_connected', message: 'Slack is not connected to this workspace', details: {} });
    expect(await auditOf(other.tenantId)).toEqual([]);

    expect(slack.calls).toEqual([]);
    expect((await auditOf(tenantId)).length).toBe(audits);
  });

  describe('single-workspace mode (the server’s SLACK_BOT_TOKEN)', () => {
    const appFor = (slack: SlackConfig) => {
      const app = express();
      app.use(createSlackSettingsRouter({ engine, config: { publicUrl: PUBLIC_URL, slack }, logger, isConnected: async () => true }));
      return app;
    };

    it('answers 409 slack.single_workspace for the tenant the token serves, paused or not, with or without settings, keeping them', async () => {
      const served = await newTenant();
      const app = appFor({ signingSecret: SIGNING_SECRET, botToken: 'xoxb-server-token', tenantId: served.tenantId });
      const bare = await disconnect(served.adminKey, app);
      expect(bare.status).toBe(409);
      expect(bare.body.error.code).toBe('slack.single_workspace');
      expect(bare.body.error.message).toContain('SLACK_BOT_TOKEN and SLACK_TENANT_ID');
      expect(bare.body.error.message).toContain('Pause Slack instead');

      expect((await request(app).put(SLACK_SETTINGS_PATH).set('Authorization', `Bearer ${served.adminKey}`).send({ channelId: 'C0SINGLE1', enabled: false })).status).toBe(200);
      const paused = await disconnect(served.adminKey, app);
      expect(paused.status).toBe(409);
      expect(await engine.integrations.get(served.tenantId, 'slack')).toMatchObject({ enabled: false, config: { channelId: 'C0SINGLE1' } });
      expect((await auditOf(served.tenantId)).map((a) => a.action)).toEqual(['integration.settings']);

      // The same server with OAuth on as well: the server's token still serves that tenant.
      const hybrid = appFor({ signingSecret: SIGNING_SECRET, botToken: 'xoxb-server-token', tenantId: served.tenantId, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, stateSecret: STATE_SECRET });
      expect((await disconnect(served.adminKey, hybrid)).status).toBe(409);
      expect(await engine.integrations.get(served.tenantId, 'slack')).not.toBeNull();
    });

    it('answers 409 for a tenant bound to the workspace by its record, and 404 for a tenant without Slack', async () => {
      const app = appFor({ signingSecret: SIGNING_SECRET, botToken: 'xoxb-server-token' });
      const bound = await newTenant();
      await engine.integrations.put(bound.tenantId, 'slack', { externalId: 'T0SINGLE1', enabled: true, config: {} });
      expect((await disconnect(bound.adminKey, app)).status).toBe(409);
      expect(await engine.integrations.get(bound.tenantId, 'slack')).not.toBeNull();

      const without = await newTenant();
      const res = await disconnect(without.adminKey, app);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('integration.not_connected');
      // Roles are checked first, as for the PUT.
      expect((await disconnect(await without.key('viewer'), app)).status).toBe(403);
    });
  });
});
