import type { AgentRecord, EngineCommon } from '../../../core/index';
import type { WebClient } from '../slack-client';
import type { SlackLogger } from '../slack.types';

/**
 * Maps a Slack user to a Tandem agent: by Slack user id, or by the email Slack holds for them
 * (`users.info` → profile.email, confirmed by Slack). Email only counts for members of the workspace
 * itself, not for guests from other organisations in shared channels.
 */
export class SlackIdentityService {
  /** tenant:agentId → Slack user id, learned from every resolution, for escalation mentions. */
  private readonly slackIds = new Map<string, string>();

  constructor(
    private readonly engine: Pick<EngineCommon, 'agents'>,
    private readonly logger: SlackLogger,
  ) {}

  /** The agent behind `slackUserId`, or null when the user maps to no agent of the tenant. */
  async resolve(client: WebClient, tenantId: string, teamId: string, slackUserId: string): Promise<AgentRecord | null> {
    let email: string | undefined;
    try {
      const info = await client.users.info({ user: slackUserId });
      const user = info.user;
      const sameWorkspace = !user?.team_id || user.team_id === teamId;
      if (user && !user.deleted && !user.is_bot && sameWorkspace && user.profile?.email) email = user.profile.email;
    } catch (error) {
      // Without the email the Slack id alone may still map.
      this.logger.warn({ tenantId, code: (error as { data?: { error?: string } }).data?.error }, 'slack users.info failed');
    }
    const agent = await this.engine.agents.resolve(tenantId, { slackUserId, ...(email ? { email } : {}) });
    if (agent) this.slackIds.set(`${tenantId}:${agent.id}`, slackUserId);
    return agent;
  }

  /** The Slack user id of an agent, if known (from the agent record or an earlier resolution). */
  slackUserIdFor(tenantId: string, agentId: string): string | null {
    return this.slackIds.get(`${tenantId}:${agentId}`) ?? null;
  }

  /** Remember an agent's Slack id (e.g. from an agent record). */
  remember(tenantId: string, agentId: string, slackUserId: string): void {
    this.slackIds.set(`${tenantId}:${agentId}`, slackUserId);
  }
}
