import type { MessageView, NoteView } from '../../../core/index';
import { escapeMrkdwn, quote, surfaceLabel, truncate } from './format';

/**
 * Thread reply for a text from the lead. `assigneeMention`: the agent who holds the conversation (human mode,
 * so the AI will not answer), pinged because the reply is theirs to write.
 */
export function inboundThreadText(leadName: string, message: MessageView, assigneeMention: string | null = null): string {
  const text = `:speech_balloon: *${escapeMrkdwn(leadName)}*:\n${quote(truncate(escapeMrkdwn(message.body), 2900))}`;
  return assigneeMention ? `${text}\n${assigneeMention} this conversation is yours: the AI will not answer.` : text;
}

/** Thread reply for an internal note added on another surface. */
export function noteThreadText(note: NoteView): string {
  return `:lock: Internal note by *${escapeMrkdwn(note.authorName)}* ${surfaceLabel(note.surface)}:\n${quote(truncate(escapeMrkdwn(note.body), 2900))}`;
}

/** Thread reply explaining why a text was not sent (opted out, quiet hours, ...). */
export function blockedThreadText(reason: string): string {
  return `:no_entry: A text to the lead was not sent: ${escapeMrkdwn(reason)}`;
}

/** Thread reply that pings people about an escalation (edits do not notify, a new reply does). */
export function escalationThreadText(mention: string | null, reason: string): string {
  return `${mention ? `${mention} ` : ''}:rotating_light: Needs a person: ${escapeMrkdwn(reason)}`;
}
