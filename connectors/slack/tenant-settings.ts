import type { EngineCommon } from '../../core/index';
import type { SlackTenantSettings } from './slack.types';

/** Reads a tenant's Slack settings from its `slack` integration record, falling back to server defaults. */
export async function loadTenantSettings(
  engine: Pick<EngineCommon, 'integrations'>,
  tenantId: string,
  defaults: { channelId?: string },
): Promise<SlackTenantSettings> {
  const record = await engine.integrations.get(tenantId, 'slack');
  const config = record?.config ?? {};
  const mention = config.escalationMention;
  return {
    channelId: typeof config.channelId === 'string' && config.channelId ? config.channelId : (defaults.channelId ?? null),
    threadRepliesSendToLead: config.threadRepliesSendToLead === true,
    escalationMention: mention === 'channel' || mention === 'none' ? mention : 'here',
  };
}
