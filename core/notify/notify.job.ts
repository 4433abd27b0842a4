import type { NoteView } from '../domain/conversation-view';
import { loadView } from '../conversations/conversation-view.query';
import type { ConversationDeps } from '../conversations/engine-deps';
import type { JobHandler } from '../jobs/job-registry';
import type { AgentNotifier, NotifierEvent } from '../ports/agent-notifier.port';

export interface NotifyPayload {
  kind: NotifierEvent['type'];
  conversationId: string;
  reason?: string;
  messageId?: string;
  noteId?: string;
}

/**
 * `notify.<name>`: one handler per registered notifier. It renders the conversation view when it runs
 * (so a late job shows the newest state) and calls the notifier; failures retry and dead-letter in the
 * outbox without ever blocking the conversation.
 */
export function notifyJob(deps: ConversationDeps, notifier: AgentNotifier): JobHandler<NotifyPayload> {
  return {
    name: `notify.${notifier.name}`,
    queue: 'notify',
    events: ['conversation.notify'],
    maxAttempts: 6,
    requiresIntegration: notifier.requiresIntegration,
    async handle(event) {
      const tenantId = event.tenantId!;
      const p = event.payload;
      const view = await deps.store.tenant(tenantId, (m) => loadView(m, p.conversationId, deps.clock()).catch(() => null));
      if (!view) return;
      let e: NotifierEvent | null = null;
      switch (p.kind) {
        case 'conversation.needs_decision':
          e = { type: p.kind, tenantId, view, reason: p.reason ?? 'An agent decision is needed' };
          break;
        case 'conversation.changed':
          e = { type: p.kind, tenantId, view };
          break;
        case 'send.blocked':
          e = { type: p.kind, tenantId, view, reason: p.reason ?? 'The compliance gate blocked a text' };
          break;
        case 'message.inbound': {
          const message = view.messages.find((x) => x.id === p.messageId);
          if (message) e = { type: p.kind, tenantId, view, message };
          break;
        }
        case 'note.added': {
          const note: NoteView | undefined = view.notes.find((x) => x.id === p.noteId);
          if (note) e = { type: p.kind, tenantId, view, note };
          break;
        }
      }
      if (e) await notifier.notify(e);
    },
  };
}
