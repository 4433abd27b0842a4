import type { AgentRecord } from '../../../core/index';
import type { WebClient } from '../slack-client';
import type { SlackEngine, SlackLogger } from '../slack.types';

/**
 * Maps a Slack user to a Tandem agent: by Slack user id, or by the email Slack holds for them
 * (`users.info` → profile.email, confirmed by Slack). Email only counts for members of the workspace
 * itself, not for guests from other organisations in shared channels.
 */
export class SlackIdentityService {
  /** tenant:agentId → Slack user id, learned from resolutions and agent records, for escalation mentions. */
  private readonly slackIds = new Map<string, string>();

  constructor(
    private readonly engine: Pick<SlackEngine, 'agents'>,
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

  /**
   * The Slack user id of an agent: learned in this process, else from the agent record (the worker that
   * posts an escalation is rarely the process that saw the agent click). Null when the agent never used
   * Slack and has no Slack id on record.
   */
  async slackUserIdFor(tenantId: string, agentId: string): Promise<string | null> {
    const known = this.slackIds.get(`${tenantId}:${agentId}`);
    if (known) return known;
    try {
      const agent = await this.engine.agents.get(tenantId, agentId);
      if (agent?.slackUserId) {
        this.slackIds.set(`${tenantId}:${agentId}`, agent.slackUserId);
        return agent.slackUserId;
      }
    } catch (error) {
      // A mention is a nicety: fall back to the tenant's @here / @channel choice.
      this.logger.warn({ tenantId, err: (error as Error).message }, 'slack: agent look-up for a mention failed');
    }
    return null;
  }

  /** Remember an agent's Slack id (e.g. from an agent record). */
  remember(tenantId: string, agentId: string, slackUserId: string): void {
    this.slackIds.set(`${tenantId}:${agentId}`, slackUserId);
  }
}
