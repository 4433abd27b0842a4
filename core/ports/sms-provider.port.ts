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
  ) {
    super(message);
    this.name = 'SmsProviderError';
  }
}

export interface SmsProvider {
  readonly name: string;
  send(sms: OutboundSms): Promise<SmsSendResult>;
}
