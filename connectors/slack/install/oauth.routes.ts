import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { InstallProvider } from '@slack/oauth';
import type express from 'express';
import { BOT_SCOPES, SLACK_PATHS } from '../constants';
import { webClientOptions } from '../slack-client';
import type { SlackConfig, SlackLogger } from '../slack.types';
import type { SlackInstallation, SlackInstallationStore } from '../stores/installation.store';
import { verifyInstallToken } from './install-token';
import { boltLogger } from '../bolt-logger';

/** Bolt's installation → what Tandem keeps (bot token only; enterprise-wide installs are not supported). */
export function toSlackInstallation(installation: Installation, now = new Date()): SlackInstallation {
  if (installation.isEnterpriseInstall || !installation.team?.id) {
    throw new Error('slack.install: org-wide (Enterprise Grid) installs are not supported; install into a workspace');
  }
  if (!installation.bot?.token || !installation.bot.userId || !installation.bot.id) {
    throw new Error('slack.install: the install returned no bot token');
  }
  return {
    teamId: installation.team.id,
    teamName: installation.team.name ?? null,
    enterpriseId: installation.enterprise?.id ?? null,
    appId: installation.appId ?? null,
    botToken: installation.bot.token,
    botId: installation.bot.id,
    botUserId: installation.bot.userId,
    scopes: installation.bot.scopes ?? [],
    installerUserId: installation.user?.id ?? null,
    installedAt: now.toISOString(),
  };
}

/** The tenant id that rode through the signed OAuth state as install metadata. */
export function tenantFromMetadata(metadata: string | undefined): string {
  try {
    const parsed = JSON.parse(metadata ?? '') as { tenantId?: unknown };
    if (typeof parsed.tenantId === 'string' && parsed.tenantId) return parsed.tenantId;
  } catch {
    // fall through to the clear error below
  }
  throw new Error('slack.install: the install carries no tenant; start again from the link in Tandem');
}

/** Adapts Tandem's installation store to the interface Slack's InstallProvider calls. */
export function boltInstallationStore(store: SlackInstallationStore): InstallationStore {
  return {
    async storeInstallation(installation: Installation): Promise<void> {
      await store.save(tenantFromMetadata(installation.metadata), toSlackInstallation(installation));
    },
    async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v2', false>> {
      const binding = query.teamId ? await store.findByTeam(query.teamId) : null;
      const i = binding?.installation;
      if (!i) throw new Error(`slack.unknown_workspace: no installation for team ${query.teamId}`);
      return {
        team: { id: i.teamId, ...(i.teamName ? { name: i.teamName } : {}) },
        enterprise: undefined,
        user: { id: i.installerUserId ?? '', token: undefined, scopes: undefined },
        bot: { token: i.botToken, id: i.botId, userId: i.botUserId, scopes: i.scopes },
        isEnterpriseInstall: false,
        authVersion: 'v2',
      };
    },
    async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
      if (query.teamId) await store.delete(query.teamId);
    },
  };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string, link?: { href: string; text: string; id: string }): string {
  const a = link ? `<p><a id="${esc(link.id)}" href="${esc(link.href)}">${esc(link.text)}</a></p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><main><h1>${esc(title)}</h1><p>${esc(body)}</p>${a}</main></body></html>`;
}

/**
 * Multi-workspace OAuth: GET /slack/install?tenant=<signed token> shows "Add to Slack" (state in a
 * cookie and a signed state parameter), GET /slack/oauth_redirect checks the state, exchanges the code
 * (oauth.v2.access) and saves the installation for the tenant.
 */
export function mountOAuthRoutes(
  router: express.Router,
  options: { publicUrl: string; config: SlackConfig; installations: SlackInstallationStore; logger: SlackLogger },
): InstallProvider {
  const { config } = options;
  if (!config.clientId || !config.clientSecret || !config.stateSecret) {
    throw new Error('slack: OAuth needs clientId, clientSecret and stateSecret');
  }
  const stateSecret = config.stateSecret;
  const redirectUri = `${options.publicUrl.replace(/\/+$/, '')}${SLACK_PATHS.oauthRedirect}`;
  // The console's Slack panel, where the channel is chosen next.
  const backToTandem = `${options.publicUrl.replace(/\/+$/, '')}/#/integrations/slack`;
  const installer = new InstallProvider({
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    stateSecret,
    installationStore: boltInstallationStore(options.installations),
    clientOptions: webClientOptions(config),
    logger: boltLogger(options.logger),
    // Our install page comes first; Slack's authorize page follows the button on it.
    directInstall: false,
    renderHtmlForInstallPath: (url) =>
      page('Connect Tandem to Slack', 'Tandem will post conversations that need a person in the channel you choose.', { href: url, text: 'Add to Slack', id: 'add-to-slack' }),
  });

  router.get(SLACK_PATHS.install, async (req, res) => {
    const token = typeof req.query.tenant === 'string' ? req.query.tenant : undefined;
    const tenantId = verifyInstallToken(token, stateSecret);
    if (!tenantId) {
      res.status(400).type('html').send(page('Install link not valid', "Open the Slack install link from Tandem's Integrations page again: links expire after an hour."));
      return;
    }
    try {
      // A fresh options object per request: the tenant must not leak between concurrent installs.
      await installer.handleInstallPath(req, res, undefined, { scopes: [...BOT_SCOPES], redirectUri, metadata: JSON.stringify({ tenantId }) });
    } catch (error) {
      options.logger.error({ err: (error as Error).message }, 'slack install page failed');
      if (!res.headersSent) res.status(500).type('html').send(page('Slack install failed', 'Please try again.'));
    }
  });

  router.get(SLACK_PATHS.oauthRedirect, async (req, res) => {
    await installer.handleCallback(req, res, {
      successAsync: async (installation) => {
        options.logger.info({ teamId: installation.team?.id }, 'slack workspace installed');
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(
          page('Tandem is installed in Slack', "Invite @Tandem to the channel your team works in, then choose that channel on Tandem's Integrations page.", {
            href: backToTandem,
            text: 'Back to Tandem',
            id: 'back-to-tandem',
          }),
        );
      },
      failureAsync: async (error) => {
        options.logger.warn({ code: error.code, err: error.message }, 'slack install failed');
        res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(page('Slack install failed', `${error.message}. Start again from Tandem's Integrations page.`, { href: backToTandem, text: 'Back to Tandem', id: 'back-to-tandem' }));
      },
    });
  });
  return installer;
}
