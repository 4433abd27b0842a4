import nock from 'nock';
import request from 'supertest';
import { createHarness, SLACK_HOST } from '../test-support/harness';
import { createInstallToken } from './install-token';
import { tenantFromMetadata, toSlackInstallation } from './oauth.routes';

const OAUTH = { botToken: undefined, tenantId: undefined, clientId: '111.222', clientSecret: 'client-secret', stateSecret: 'state-secret' };

function oauthHarness() {
  return createHarness(OAUTH, { singleWorkspace: false });
}

describe('Slack OAuth install', () => {
  it('refuses an install without a valid tenant link', async () => {
    const h = oauthHarness();
    expect((await request(h.app).get('/slack/install')).status).toBe(400);
    expect((await request(h.app).get('/slack/install?tenant=forged.123.abc')).status).toBe(400);
  });

  it('installs a workspace for the tenant in the link: state checked, code exchanged, installation saved', async () => {
    const h = oauthHarness();
    const page = await request(h.app).get(`/slack/install?tenant=${encodeURIComponent(createInstallToken('tenant-7', 'state-secret'))}`);
    expect(page.status).toBe(200);
    const authorizeUrl = new URL(/id="add-to-slack" href="([^"]+)"/.exec(page.text)![1].replace(/&#38;/g, '&'));
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe('https://slack.com/oauth/v2/authorize');
    expect(authorizeUrl.searchParams.get('client_id')).toBe('111.222');
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe('https://tandem.example.com/slack/oauth_redirect');
    expect(authorizeUrl.searchParams.get('scope')).toContain('chat:write');
    const state = authorizeUrl.searchParams.get('state')!;
    const cookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    expect(cookie).toContain(state);

    let exchanged: Record<string, string> | null = null;
    nock(SLACK_HOST)
      .post('/api/oauth.v2.access', (body) => {
        exchanged = body as Record<string, string>;
        return true;
      })
      .reply(200, {
        ok: true,
        access_token: 'xoxb-installed',
        token_type: 'bot',
        scope: 'chat:write,commands',
        bot_user_id: 'U0BOT',
        app_id: 'A0TANDEM',
        team: { id: 'T0NEW', name: 'New Co' },
        enterprise: null,
        is_enterprise_install: false,
        authed_user: { id: 'U0ADMIN' },
      });
    nock(SLACK_HOST).post('/api/auth.test').reply(200, { ok: true, bot_id: 'B0BOT', user_id: 'U0BOT', team_id: 'T0NEW' });

    const done = await request(h.app).get(`/slack/oauth_redirect?code=code-123&state=${encodeURIComponent(state)}`).set('Cookie', cookie);
    expect(done.status).toBe(200);
    expect(done.text).toContain('Tandem is installed in Slack');
    expect(exchanged).toMatchObject({ code: 'code-123', client_id: '111.222', client_secret: 'client-secret', redirect_uri: 'https://tandem.example.com/slack/oauth_redirect' });
    expect(await h.stores.installations.findByTeam('T0NEW')).toMatchObject({
      tenantId: 'tenant-7',
      teamId: 'T0NEW',
      installation: { botToken: 'xoxb-installed', botId: 'B0BOT', botUserId: 'U0BOT', scopes: ['chat:write', 'commands'], installerUserId: 'U0ADMIN' },
    });
    expect(h.logger.text()).not.toContain('xoxb-installed');
  });

  it('refuses a redirect whose state is not from this browser session', async () => {
    const h = oauthHarness();
    const page = await request(h.app).get(`/slack/install?tenant=${encodeURIComponent(createInstallToken('tenant-7', 'state-secret'))}`);
    const state = new URL(/id="add-to-slack" href="([^"]+)"/.exec(page.text)![1].replace(/&#38;/g, '&')).searchParams.get('state')!;
    const res = await request(h.app).get(`/slack/oauth_redirect?code=c&state=${encodeURIComponent(state)}`);
    expect(res.status).toBe(400);
    expect(await h.stores.installations.findByTeam('T0NEW')).toBeNull();
  });

  it('converts installations and refuses org-wide ones or missing tenants', () => {
    expect(() => toSlackInstallation({ isEnterpriseInstall: true, enterprise: { id: 'E1' }, team: undefined, user: { id: 'U', token: undefined, scopes: undefined } } as never)).toThrow('Enterprise Grid');
    expect(() => tenantFromMetadata(undefined)).toThrow('carries no tenant');
    expect(tenantFromMetadata('{"tenantId":"t1"}')).toBe('t1');
  });
});
