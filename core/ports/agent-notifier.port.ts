import type { ConversationView, MessageView, NoteView } from '../domain/conversation-view';
import type { IntegrationKind } from '../domain/types';

/** What happened, for surfaces that push to people (Slack). */
export type NotifierEvent =
  | { type: 'conversation.needs_decision'; tenantId: string; view: ConversationView; reason: string }
  | { type: 'conversation.changed'; tenantId: string; view: ConversationView }
  | { type: 'message.inbound'; tenantId: string; view: ConversationView; message: MessageView }
  | { type: 'note.added'; tenantId: string; view: ConversationView; note: NoteView }
  | { type: 'send.blocked'; tenantId: string; view: ConversationView; reason: string };

/**
 * Tells agents what needs them. Called from a job (retried, dead-lettered) so a slow or failing
 * notifier never blocks the conversation.
 */
export interface AgentNotifier {
  readonly name: string;
  /**
   * Set when the notifier does nothing for a tenant without an enabled integration of this kind: the
   * job is then not even queued for such tenants. `notify` must still check (it can be disabled since).
   */
  readonly requiresIntegration?: IntegrationKind;
  notify(event: NotifierEvent): Promise<void>;
}
