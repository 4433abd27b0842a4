import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../services/slack-deps';

/** The fields of a `tokens_revoked` event this listener reads. */
export interface TokensRevokedEvent {
  type: 'tokens_revoked';
  tokens: { oauth?: string[]; bot?: string[] };
}

export type UninstallOutcome = 'disabled' | 'unknown_workspace' | 'ignored';

/**
 * The workspace removed Tandem (or revoked its bot token): turn the tenant's Slack off, keeping its
 * settings for a re-install. Without this every notification would fail and retry against a dead token.
 */
export async function disableWorkspace(deps: SlackDeps, teamId: string, why: string): Promise<UninstallOutcome> {
  const tenantId = teamId ? await deps.workspaces.tenantForTeam(teamId) : null;
  if (!tenantId) {
    deps.logger.info({ teamId, why }, 'slack: uninstall from a workspace no tenant uses; nothing to do');
    return 'unknown_workspace';
  }
  await deps.stores.installations.disable(tenantId, teamId);
  deps.logger.warn({ tenantId, teamId, why }, 'slack: workspace disconnected; the tenant Slack integration is now disabled');
  return 'disabled';
}

/** A revoked user token changes nothing (Tandem keeps none); a revoked bot token disconnects. */
export async function handleTokensRevoked(deps: SlackDeps, event: TokensRevokedEvent, teamId: string): Promise<UninstallOutcome> {
  if (!event.tokens?.bot?.length) return 'ignored';
  return disableWorkspace(deps, teamId, 'tokens_revoked');
}

/** Registers `app_uninstalled` and `tokens_revoked` (Bolt delivers them without authorizing). */
export function register(app: App, deps: SlackDeps): void {
  app.event('app_uninstalled', async ({ body, context }) => {
    await disableWorkspace(deps, context.teamId ?? body.team_id ?? '', 'app_uninstalled');
  });
  app.event('tokens_revoked', async ({ event, body, context }) => {
    await handleTokensRevoked(deps, event as unknown as TokensRevokedEvent, context.teamId ?? body.team_id ?? '');
  });
}
