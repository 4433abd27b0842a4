import type { App } from '@slack/bolt';
import type { SlackDeps } from '../services/slack-deps';
import * as autonomyMenu from './actions/autonomy-menu';
import * as conversationButtons from './actions/conversation-buttons';
import * as openTextModal from './actions/open-text-modal';
import * as appUninstalled from './events/app-uninstalled';
import * as tandemCommand from './commands/tandem.command';
import * as threadMessage from './events/thread-message';
import * as textModalSubmit from './views/text-modal-submit';

/** Every listener module; each exports `register(app, deps)`. */
const LISTENERS = [conversationButtons, autonomyMenu, openTextModal, textModalSubmit, threadMessage, tandemCommand, appUninstalled];

/** Registers all Slack listeners on a Bolt app. */
export function registerListeners(app: App, deps: SlackDeps): void {
  for (const listener of LISTENERS) listener.register(app, deps);
}
