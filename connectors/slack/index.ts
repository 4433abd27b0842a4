/**
 * The Slack connector's public entry. The server lists `slackServerConnector` (config from SLACK_*,
 * stores in the database); `slackConnector.register` is the lower-level form tests and other hosts use.
 */
export type { SlackConnectorContext, SlackConfig, SlackEngine, SlackTenantSettings } from './slack.types';
export { InMemorySeenStore, type SeenStore } from './stores/seen.store';
export { InMemorySlackMessageStore, type SlackMessageStore, type SlackMessageRef } from './stores/message.store';
export { SqlSlackMessageStore } from './stores/sql-message.store';
export { SqlSeenStore } from './stores/sql-seen.store';
export {
  EngineSlackInstallationStore,
  InMemorySlackInstallationStore,
  type SlackInstallation,
  type SlackInstallationStore,
} from './stores/installation.store';
export { installLink, createInstallToken } from './install/install-token';
export { SlackNotifier } from './slack.notifier';
export { slackConnector, validateSlackConfig, type SlackConnectorHandle, type SlackRegisterOptions } from './slack.register';
export {
  createSlackServerConnector,
  slackServerConnector,
  slackConfigFromEnv,
  type SlackEnv,
  type SlackServerConnector,
  type SlackServerContext,
} from './slack.connector';
export { SLACK_SETTINGS_PATH, type SlackSettingsResponse } from './settings/slack-settings.routes';
