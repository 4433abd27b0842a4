import type { ConversationView, MessageView, NoteView } from '../domain/conversation-view';

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
  notify(event: NotifierEvent): Promise<void>;
}
