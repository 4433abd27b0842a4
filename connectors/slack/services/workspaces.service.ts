import type { SlackClientPool } from '../slack-client';
import type { SlackBotIdentity, SlackConfig } from '../slack.types';
import type { SlackInstallationStore } from '../stores/installation.store';

/** What Bolt needs to handle a request from a workspace. */
export interface WorkspaceAuthorization {
  botToken: string;
  botId: string;
  botUserId: string;
  teamId: string;
}

/**
 * Which tenant a workspace belongs to and which bot token speaks for it. OAuth installs come from the
 * installation store; single-workspace mode uses the configured bot token (identity from `auth.test`,
 * asked once) for the tenant bound to that team, or `config.tenantId`.
 */
export class SlackWorkspaces {
  private single: Promise<{ teamId: string; botId: string; botUserId: string; appId: string | null }> | null = null;

  constructor(
    private readonly installations: SlackInstallationStore,
    private readonly config: SlackConfig,
    private readonly clients: SlackClientPool,
  ) {}

  /** Bolt's authorize: the bot token and identity for a team; throws for an unknown workspace. */
  async authorize(teamId: string | undefined): Promise<WorkspaceAuthorization> {
    if (!teamId) throw new Error('slack.unknown_workspace: request carries no team id');
    const binding = await this.installations.findByTeam(teamId);
    if (binding?.installation) {
      const { botToken, botId, botUserId } = binding.installation;
      return { botToken, botId, botUserId, teamId };
    }
    if (this.config.botToken) {
      const single = await this.singleIdentity();
      if (single.teamId === teamId) return { botToken: this.config.botToken, botId: single.botId, botUserId: single.botUserId, teamId };
    }
    throw new Error(`slack.unknown_workspace: team ${teamId} has not installed Tandem`);
  }

  /** The tenant that owns a workspace, or null. */
  async tenantForTeam(teamId: string): Promise<string | null> {
    const binding = await this.installations.findByTeam(teamId);
    if (binding) return binding.tenantId;
    if (this.config.botToken && this.config.tenantId) {
      const single = await this.singleIdentity();
      if (single.teamId === teamId && !(await this.installations.isDisabled(this.config.tenantId))) return this.config.tenantId;
    }
    return null;
  }

  /**
   * True when no tenant can have Slack without an enabled `slack` integration record, so work for
   * tenants without one can be skipped unseen. Not so when a single-workspace token serves a
   * configured tenant by config alone.
   */
  needsIntegrationRecord(): boolean {
    return Boolean(this.installations.keptInIntegrations) && !(this.config.botToken && this.config.tenantId);
  }

  /** The bot token that posts for a tenant, or null when the tenant has no Slack. */
  async tokenForTenant(tenantId: string): Promise<string | null> {
    const binding = await this.installations.findByTenant(tenantId);
    if (binding?.installation) return binding.installation.botToken;
    if (!this.config.botToken) return null;
    if (binding) return this.config.botToken;
    if (this.config.tenantId === tenantId && !(await this.installations.isDisabled(tenantId))) return this.config.botToken;
    return null;
  }

  /**
   * The bot behind `tokenForTenant`'s token: ids from the installation, or, for the single-workspace
   * token, from `auth.test` (asked once). Null when the tenant has no Slack. May throw (auth.test failed).
   */
  async botIdentity(tenantId: string): Promise<SlackBotIdentity | null> {
    const binding = await this.installations.findByTenant(tenantId);
    if (binding?.installation) return { botId: binding.installation.botId || null, appId: binding.installation.appId || null };
    if (!this.config.botToken) return null;
    const single = await this.singleIdentity();
    return { botId: single.botId || null, appId: single.appId };
  }

  private singleIdentity(): Promise<{ teamId: string; botId: string; botUserId: string; appId: string | null }> {
    if (!this.single) {
      const token = this.config.botToken as string;
      this.single = this.clients
        .get(token)
        .auth.test()
        .then((r) => ({ teamId: r.team_id as string, botId: r.bot_id as string, botUserId: r.user_id as string, appId: r.app_id || null }));
      // A failed auth.test (network, revoked token) is asked again next time.
      this.single.catch(() => {
        this.single = null;
      });
    }
    return this.single;
  }
}
