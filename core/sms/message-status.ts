/**
 * Delivery status: mapping provider statuses onto Tandem's and keeping out-of-order callbacks from moving a
 * message backwards (Twilio does not guarantee callback order: "sent" can arrive after "delivered").
 */
import type { MessageStatus } from '../domain/types';

/** A delivery update from any provider, in Tandem's words. Twilio status callbacks and the console emit it. */
export interface SmsStatusUpdate {
  providerMessageId: string;
  status: MessageStatus;
  /** Provider error code on failure (Twilio `ErrorCode`, e.g. 30003), else null. */
  errorCode: string | null;
  at: Date;
}

const TWILIO_STATUS: Readonly<Record<string, MessageStatus>> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  // Only some channels report these; for SMS they still mean the handset has it.
  partially_delivered: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
  receiving: 'received',
  received: 'received',
};

/** Twilio `MessageStatus` (or `SmsStatus`) → Tandem status; null for a value Twilio may add later. */
export function mapTwilioStatus(twilioStatus: string | null | undefined): MessageStatus | null {
  if (typeof twilioStatus !== 'string') return null;
  return TWILIO_STATUS[twilioStatus.trim().toLowerCase()] ?? null;
}

/**
 * Turns a Twilio status-callback form body into an update; null when it lacks a sid or a known status.
 * Verify the signature first (`verifyTwilioSignature`).
 */
export function parseTwilioStatusCallback(params: Readonly<Record<string, unknown>>, at: Date = new Date()): SmsStatusUpdate | null {
  const sid = params.MessageSid ?? params.SmsSid;
  const status = mapTwilioStatus((params.MessageStatus ?? params.SmsStatus) as string | undefined);
  if (typeof sid !== 'string' || sid === '' || status === null) return null;
  const code = params.ErrorCode;
  return { providerMessageId: sid, status, errorCode: typeof code === 'string' && code !== '' ? code : null, at };
}

// Outbound life cycle order. Terminal states share the top rank: once final, a message stays put.
const RANK: Readonly<Record<MessageStatus, number>> = {
  queued: 1,
  deferred: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  blocked: 4,
  received: 4,
};

const TERMINAL: ReadonlySet<MessageStatus> = new Set(['delivered', 'undelivered', 'failed', 'blocked', 'received']);

/** True for states a message never leaves. */
export function isTerminalStatus(status: MessageStatus): boolean {
  return TERMINAL.has(status);
}

/**
 * True when moving `from` → `to` is progress: queued < sending < sent < delivered | undelivered | failed.
 * Terminal states never move, and a status never moves to itself or backwards, so a late "sent" after
 * "delivered" is ignored. Use it as the condition of the UPDATE so concurrent callbacks stay correct.
 */
export function isStatusAdvance(from: MessageStatus, to: MessageStatus): boolean {
  if (isTerminalStatus(from)) return false;
  return RANK[to] > RANK[from];
}

/** The statuses `from` may still move to (for a SQL `status IN (...)` guard). */
export function statusesBefore(to: MessageStatus): MessageStatus[] {
  return (Object.keys(RANK) as MessageStatus[]).filter((from) => isStatusAdvance(from, to));
}
