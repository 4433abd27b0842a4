/**
 * The embedded default SMS provider: nothing leaves the machine. Texts land on a simulated phone
 * (SimulatedPhoneBook) and a 'delivered' status follows, through `onStatus`, the same shape the Twilio
 * status webhook produces, so the engine handles both one way.
 */
import { randomUUID } from 'node:crypto';
import { SmsProviderError, type OutboundSms, type SentLookup, type SentSms, type SmsProvider, type SmsSendResult } from '../../../ports/sms-provider.port';
import type { MessageStatus } from '../../../domain/types';
import type { SmsStatusUpdate } from '../../message-status';
import { SimulatedPhoneBook } from './simulated-phone-book';

export type SmsStatusListener = (update: SmsStatusUpdate & { messageId: string }) => void | Promise<void>;

export interface ConsoleSmsProviderConfig {
  /** Shared with the server so it can stream the simulated phones; a private one by default. */
  phoneBook?: SimulatedPhoneBook;
  /** Sender shown on the simulated phone when the text has none. */
  fromNumber?: string | null;
  /** Delay before the 'delivered' status, default 0 (next tick). Always after `send` resolves. */
  deliveryDelayMs?: number;
  /**
   * Numbers that act as if they had replied STOP at the carrier: sends fail like Twilio's 21610, for demos
   * of the carrier-opt-out path.
   */
  unsubscribedNumbers?: Iterable<string>;
  /** A status listener that throws is reported here instead of breaking the provider. */
  onListenerError?: (error: unknown) => void;
}

const E164 = /^\+[1-9]\d{6,14}$/;
/** Statuses kept for `fetchStatus`; the oldest go first, as a phone book's history does. */
const MAX_STATUSES = 10_000;

/** SmsProvider that delivers to an in-memory simulated phone. */
export class ConsoleSmsProvider implements SmsProvider {
  readonly name = 'console';
  readonly phoneBook: SimulatedPhoneBook;
  private readonly listeners = new Set<SmsStatusListener>();
  private readonly unsubscribed: Set<string>;
  private readonly pending = new Set<NodeJS.Timeout>();
  /** Each text's status as this provider last reported it, by its id: what `fetchStatus` answers. */
  private readonly statuses = new Map<string, MessageStatus>();

  constructor(private readonly config: ConsoleSmsProviderConfig = {}) {
    this.phoneBook = config.phoneBook ?? new SimulatedPhoneBook();
    this.unsubscribed = new Set(config.unsubscribedNumbers ?? []);
  }

  /** "Sends" the text to the simulated phone; returns `SMconsole_<uuid>` and status 'sent'. */
  async send(sms: OutboundSms): Promise<SmsSendResult> {
    if (!E164.test(sms.to)) throw new SmsProviderError('console: recipient must be E.164', '21211', false);
    if (typeof sms.body !== 'string' || sms.body.trim() === '') {
      throw new SmsProviderError('console: message body is empty', '21602', false);
    }
    if (this.unsubscribed.has(sms.to)) {
      throw new SmsProviderError('console: attempt to send to unsubscribed recipient', '21610', false);
    }
    const providerMessageId = `SMconsole_${randomUUID()}`;
    this.phoneBook.record({
      phone: sms.to,
      direction: 'to_phone',
      counterpart: sms.from ?? this.config.fromNumber ?? null,
      body: sms.body,
      providerMessageId,
    });
    this.remember(providerMessageId, 'sent');
    this.scheduleDelivered(providerMessageId, sms.messageId);
    return { providerMessageId, status: 'sent' };
  }

  /** The simulated phone's copies of texts like `lookup` (a send here never has an unknown outcome). */
  async findSent(lookup: SentLookup): Promise<SentSms[]> {
    return this.phoneBook
      .messagesFor(lookup.to)
      .filter((x) => x.direction === 'to_phone' && x.providerMessageId && x.body === lookup.body && x.at.getTime() >= lookup.since.getTime())
      .map((x) => ({ providerMessageId: x.providerMessageId!, status: 'sent' as const, errorCode: null }));
  }

  /** A text this provider sent, with the status it last reported for it; null for an id it does not know. */
  async fetchStatus(providerMessageId: string): Promise<SentSms | null> {
    const status = this.statuses.get(providerMessageId);
    return status ? { providerMessageId, status, errorCode: null } : null;
  }

  /** Subscribes to delivery updates (like Twilio status callbacks). Returns an unsubscribe function. */
  onStatus(listener: SmsStatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Makes a number behave as carrier-unsubscribed (or not). */
  setUnsubscribed(phone: string, unsubscribed: boolean): void {
    if (unsubscribed) this.unsubscribed.add(phone);
    else this.unsubscribed.delete(phone);
  }

  /** Cancels pending status events (shutdown, tests). */
  close(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }

  private scheduleDelivered(providerMessageId: string, messageId: string): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      this.remember(providerMessageId, 'delivered');
      const update = { providerMessageId, messageId, status: 'delivered' as const, errorCode: null, at: new Date() };
      for (const listener of [...this.listeners]) {
        try {
          Promise.resolve(listener(update)).catch((error) => this.reportListenerError(error));
        } catch (error) {
          this.reportListenerError(error);
        }
      }
    }, this.config.deliveryDelayMs ?? 0);
    timer.unref?.();
    this.pending.add(timer);
  }

  private remember(providerMessageId: string, status: MessageStatus): void {
    this.statuses.delete(providerMessageId);
    this.statuses.set(providerMessageId, status);
    if (this.statuses.size > MAX_STATUSES) this.statuses.delete(this.statuses.keys().next().value!);
  }

  private reportListenerError(error: unknown): void {
    this.config.onListenerError?.(error);
  }
}
