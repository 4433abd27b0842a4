import type { EngineCommon } from '../../../core/index';

/** What Tandem keeps of one Slack workspace install (OAuth v2, bot token only). */
export interface SlackInstallation {
  teamId: string;
  teamName: string | null;
  enterpriseId: string | null;
  appId: string | null;
  botToken: string;
  botId: string;
  botUserId: string;
  scopes: string[];
  /** The Slack user who installed the app. */
  installerUserId: string | null;
  installedAt: string;
}

/** A tenant's link to a workspace. `installation` is null in single-workspace mode (token from config). */
export interface SlackBinding {
  tenantId: string;
  teamId: string;
  installation: SlackInstallation | null;
}

/**
 * Installations per tenant. The implementation encrypts the bot token at rest. The engine-backed one
 * below keeps it in the tenant's `slack` integration record (encrypted by the integrations store).
 */
export interface SlackInstallationStore {
  /** True when a tenant's binding is its enabled `slack` integration record: no record, no Slack. */
  readonly keptInIntegrations?: boolean;
  save(tenantId: string, installation: SlackInstallation): Promise<void>;
  findByTeam(teamId: string): Promise<SlackBinding | null>;
  findByTenant(tenantId: string): Promise<SlackBinding | null>;
  /** Forget a workspace (app uninstalled / tokens revoked). */
  delete(teamId: string): Promise<void>;
  /**
   * Turns the tenant's Slack off after an uninstall or a revoked bot token: the installation is dropped,
   * the tenant's settings (channel, ...) are kept for a re-install, and nothing is posted until then.
   */
  disable(tenantId: string, teamId: string): Promise<void>;
  /** True when the tenant's Slack was turned off (uninstalled, or by an admin). */
  isDisabled(tenantId: string): Promise<boolean>;
}

/** In-memory implementation for tests. */
export class InMemorySlackInstallationStore implements SlackInstallationStore {
  private readonly byTenant = new Map<string, SlackBinding>();
  private readonly disabled = new Set<string>();

  async save(tenantId: string, installation: SlackInstallation): Promise<void> {
    this.disabled.delete(tenantId);
    // One workspace belongs to one tenant: a re-install elsewhere moves it.
    for (const [t, b] of this.byTenant) if (b.teamId === installation.teamId && t !== tenantId) this.byTenant.delete(t);
    this.byTenant.set(tenantId, { tenantId, teamId: installation.teamId, installation });
  }

  /** Single-workspace mode: bind a tenant to a team without an OAuth installation. */
  bind(tenantId: string, teamId: string): void {
    this.byTenant.set(tenantId, { tenantId, teamId, installation: null });
  }

  async findByTeam(teamId: string): Promise<SlackBinding | null> {
    for (const b of this.byTenant.values()) if (b.teamId === teamId) return b;
    return null;
  }

  async findByTenant(tenantId: string): Promise<SlackBinding | null> {
    return this.byTenant.get(tenantId) ?? null;
  }

  async delete(teamId: string): Promise<void> {
    for (const [t, b] of this.byTenant) if (b.teamId === teamId) this.byTenant.delete(t);
  }

  async disable(tenantId: string, teamId: string): Promise<void> {
    await this.delete(teamId);
    this.byTenant.delete(tenantId);
    this.disabled.add(tenantId);
  }

  async isDisabled(tenantId: string): Promise<boolean> {
    return this.disabled.has(tenantId);
  }
}

/**
 * Backs installations with the tenant's `slack` integration record: externalId = team id,
 * config.installation = the installation (the integrations store encrypts it), other config keys
 * (channelId, threadRepliesSendToLead, ...) are kept as they are.
 */
export class EngineSlackInstallationStore implements SlackInstallationStore {
  readonly keptInIntegrations = true;

  constructor(private readonly engine: Pick<EngineCommon, 'integrations'>) {}

  async save(tenantId: string, installation: SlackInstallation): Promise<void> {
    const existing = await this.engine.integrations.get(tenantId, 'slack');
    await this.engine.integrations.put(tenantId, 'slack', {
      externalId: installation.teamId,
      config: { ...(existing?.config ?? {}), installation },
      enabled: true,
    });
  }

  async findByTeam(teamId: string): Promise<SlackBinding | null> {
    const tenantId = await this.engine.integrations.findTenant('slack', teamId);
    if (!tenantId) return null;
    return this.findByTenant(tenantId);
  }

  async findByTenant(tenantId: string): Promise<SlackBinding | null> {
    const record = await this.engine.integrations.get(tenantId, 'slack');
    if (!record || !record.enabled || !record.externalId) return null;
    const installation = (record.config.installation as SlackInstallation | undefined) ?? null;
    return { tenantId, teamId: record.externalId, installation };
  }

  async delete(teamId: string): Promise<void> {
    const tenantId = await this.engine.integrations.findTenant('slack', teamId);
    if (tenantId) await this.disable(tenantId, teamId);
  }

  async disable(tenantId: string, teamId: string): Promise<void> {
    const existing = await this.engine.integrations.get(tenantId, 'slack');
    const { installation: _dropped, ...rest } = existing?.config ?? {};
    await this.engine.integrations.put(tenantId, 'slack', { externalId: teamId, config: rest, enabled: false });
  }

  async isDisabled(tenantId: string): Promise<boolean> {
    const record = await this.engine.integrations.get(tenantId, 'slack');
    return record !== null && !record.enabled;
  }
}
