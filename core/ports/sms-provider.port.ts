import type { MessageStatus } from '../domain/types';

/**
 * Sends texts. One small interface per capability (send, parse status); adapters live in
 * core/sms/providers/<name>/ and take a plain config object.
 */
export interface OutboundSms {
  /** E.164 */
  to: string;
  /** E.164 sender, or null when a messaging service picks the sender. */
  from: string | null;
  body: string;
  /** Tandem's message id: providers that support it use it for idempotency / correlation. */
  messageId: string;
  /** Absolute URL the provider posts delivery updates to, if any. */
  statusCallbackUrl: string | null;
}

export interface SmsSendResult {
  providerMessageId: string;
  status: 'queued' | 'sending' | 'sent' | 'delivered';
}

/** A provider refusal with the provider's own error code, e.g. Twilio 21610 (recipient unsubscribed). */
export class SmsProviderError extends Error {
  constructor(
    message: string,
    readonly providerCode: string | null,
    /** true when retrying may succeed (network, 5xx, 429). */
    readonly retryable: boolean,
    /**
     * true when the provider may have accepted the text anyway (a timeout or a dropped connection after the
     * request was written, a 5xx): ask it with `findSent` before sending again, or the lead gets it twice.
     * false when the text certainly did not go (a 4xx refusal, a refused connection).
     */
    readonly maybeSent = false,
  ) {
    super(message);
    this.name = 'SmsProviderError';
  }
}

/** A text to look for at the provider after a send whose outcome is unknown. */
export interface SentLookup {
  /** E.164 */
  to: string;
  /** The sender the send used, or null when a messaging service picked it. */
  from: string | null;
  body: string;
  /** Only texts the provider created at or after this instant. */
  since: Date;
}

/** A text the provider holds, with its status now. */
export interface SentSms {
  providerMessageId: string;
  status: MessageStatus;
  /** The provider's error code when it failed after accepting the text, else null. */
  errorCode: string | null;
}

export interface SmsProvider {
  readonly name: string;
  send(sms: OutboundSms): Promise<SmsSendResult>;
  /**
   * The provider's own record of texts like `lookup` (same recipient, sender and body, created since
   * `lookup.since`), oldest first; empty when it has none. Throws SmsProviderError when it cannot tell.
   */
  findSent(lookup: SentLookup): Promise<SentSms[]>;
  /**
   * The provider's record of one text it accepted, by the id its send returned, with its status now (the
   * way to learn a delivery result whose status callback was lost). Null when the provider holds no such
   * text (deleted, or never its own). Throws SmsProviderError when it cannot tell.
   */
  fetchStatus(providerMessageId: string): Promise<SentSms | null>;
}
