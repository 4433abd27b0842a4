/**
 * A simulated phone for the embedded default: every text the console provider "sends" lands here, keyed by
 * the lead's number, and the server streams it to the local console. Replies typed into the console go
 * through the engine's normal inbound path; the server may record them here too so the console shows
 * both sides. In memory, per process, bounded.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';

export interface SimulatedPhoneMessage {
  id: string;
  /** The simulated handset's number (the lead), E.164. */
  phone: string;
  /** `to_phone`: a text Tandem sent; `from_phone`: a reply typed on the simulated phone. */
  direction: 'to_phone' | 'from_phone';
  /** The other party: Tandem's sender number, or null when unknown. */
  counterpart: string | null;
  body: string;
  at: Date;
  /** For `to_phone`: the provider id the console provider returned. */
  providerMessageId: string | null;
}

export interface SimulatedPhoneBookOptions {
  /** Messages kept per phone; the oldest drop first. Default 200. */
  maxMessagesPerPhone?: number;
  /** Phones kept; the least recently active drops first. Default 1,000. */
  maxPhones?: number;
}

const E164 = /^\+[1-9]\d{6,14}$/;

interface PhoneBookEvents {
  message: [SimulatedPhoneMessage];
}

/** In-memory outbox per phone number, with a `message` event for each new message. */
export class SimulatedPhoneBook extends EventEmitter<PhoneBookEvents> {
  private readonly phones = new Map<string, SimulatedPhoneMessage[]>();
  private readonly maxMessagesPerPhone: number;
  private readonly maxPhones: number;

  constructor(options: SimulatedPhoneBookOptions = {}) {
    super();
    this.maxMessagesPerPhone = positive(options.maxMessagesPerPhone ?? 200, 'maxMessagesPerPhone');
    this.maxPhones = positive(options.maxPhones ?? 1000, 'maxPhones');
  }

  /** Stores a message and emits `message`. Returns the stored message. */
  record(input: Omit<SimulatedPhoneMessage, 'id' | 'at'> & { id?: string; at?: Date }): SimulatedPhoneMessage {
    if (!E164.test(input.phone)) throw new TypeError('simulated phone: phone must be E.164, e.g. +14155550100');
    if (typeof input.body !== 'string') throw new TypeError('simulated phone: body must be a string');
    const message: SimulatedPhoneMessage = {
      id: input.id ?? randomUUID(),
      phone: input.phone,
      direction: input.direction,
      counterpart: input.counterpart ?? null,
      body: input.body,
      at: input.at ?? new Date(),
      providerMessageId: input.providerMessageId ?? null,
    };
    const history = this.phones.get(message.phone) ?? [];
    // Re-insert so Map order is least-recently-active first.
    this.phones.delete(message.phone);
    history.push(message);
    if (history.length > this.maxMessagesPerPhone) history.splice(0, history.length - this.maxMessagesPerPhone);
    this.phones.set(message.phone, history);
    while (this.phones.size > this.maxPhones) this.phones.delete(this.phones.keys().next().value!);
    this.emit('message', message);
    return message;
  }

  /** Records a reply typed on the simulated phone (the server then hands it to the engine's inbound path). */
  recordReply(phone: string, body: string, to: string | null = null): SimulatedPhoneMessage {
    return this.record({ phone, direction: 'from_phone', counterpart: to, body, providerMessageId: null });
  }

  /** The phone's history, oldest first (a copy). */
  messagesFor(phone: string): SimulatedPhoneMessage[] {
    return [...(this.phones.get(phone) ?? [])];
  }

  /** Numbers with history, most recently active first. */
  phoneNumbers(): string[] {
    return [...this.phones.keys()].reverse();
  }

  /** Forgets everything (tests, console "reset"). */
  clear(): void {
    this.phones.clear();
  }
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`simulated phone: ${name} must be a positive integer`);
  return value;
}
