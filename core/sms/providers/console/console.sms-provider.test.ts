import { once } from 'node:events';
import { SmsProviderError, type OutboundSms } from '../../../ports/sms-provider.port';
import { ConsoleSmsProvider, type SmsStatusListener } from './console.sms-provider';
import { SimulatedPhoneBook, type SimulatedPhoneMessage } from './simulated-phone-book';

const buildSms = (o: Partial<OutboundSms> = {}): OutboundSms => ({
  to: '+14155550100',
  from: '+14155550199',
  body: 'Acme Realty: Hi Sam! Reply STOP to opt out.',
  messageId: 'msg_1',
  statusCallbackUrl: null,
  ...o,
});

describe('ConsoleSmsProvider', () => {
  let provider: ConsoleSmsProvider;
  afterEach(() => provider?.close());

  it('puts the text on the simulated phone and returns a console sid', async () => {
    const phoneBook = new SimulatedPhoneBook();
    provider = new ConsoleSmsProvider({ phoneBook });
    const streamed = once(phoneBook, 'message') as Promise<[SimulatedPhoneMessage]>;
    const result = await provider.send(buildSms());
    expect(result.status).toBe('sent');
    expect(result.providerMessageId).toMatch(/^SMconsole_[0-9a-f-]{36}$/);
    const [message] = await streamed;
    expect(message).toMatchObject({
      phone: '+14155550100',
      direction: 'to_phone',
      counterpart: '+14155550199',
      body: 'Acme Realty: Hi Sam! Reply STOP to opt out.',
      providerMessageId: result.providerMessageId,
    });
    expect(phoneBook.messagesFor('+14155550100')).toEqual([message]);
    expect(phoneBook.messagesFor('+14155550101')).toEqual([]);
  });

  it('reports delivered after send resolves, like a status callback', async () => {
    provider = new ConsoleSmsProvider({ fromNumber: '+14155550199' });
    const order: string[] = [];
    const delivered = new Promise<Parameters<SmsStatusListener>[0]>((resolve) =>
      provider.onStatus((update) => {
        order.push('status');
        resolve(update);
      }),
    );
    const result = await provider.send(buildSms({ from: null, messageId: 'msg_42' }));
    order.push('sent');
    const update = await delivered;
    expect(order).toEqual(['sent', 'status']);
    expect(update).toMatchObject({ providerMessageId: result.providerMessageId, messageId: 'msg_42', status: 'delivered', errorCode: null });
    expect(update.at).toBeInstanceOf(Date);
    expect(provider.phoneBook.messagesFor('+14155550100')[0]!.counterpart).toBe('+14155550199');
  });

  it('stops notifying a listener after unsubscribe and survives a throwing listener', async () => {
    const errors: unknown[] = [];
    provider = new ConsoleSmsProvider({ onListenerError: (e) => errors.push(e) });
    const removed = jest.fn();
    const off = provider.onStatus(removed);
    off();
    provider.onStatus(() => {
      throw new Error('listener broke');
    });
    const ok = new Promise<void>((resolve) => provider.onStatus(() => resolve()));
    await provider.send(buildSms());
    await ok;
    expect(removed).not.toHaveBeenCalled();
    expect(errors).toHaveLength(1);
  });

  it('finds a text it put on the simulated phone, by recipient, body and time', async () => {
    provider = new ConsoleSmsProvider();
    const since = new Date(Date.now() - 1000);
    const { providerMessageId } = await provider.send(buildSms());
    const lookup = { to: '+14155550100', from: null, body: buildSms().body, since };
    expect(await provider.findSent(lookup)).toEqual([{ providerMessageId, status: 'sent', errorCode: null }]);
    expect(await provider.findSent({ ...lookup, body: 'Another text' })).toEqual([]);
    expect(await provider.findSent({ ...lookup, to: '+14155550101' })).toEqual([]);
    expect(await provider.findSent({ ...lookup, since: new Date(Date.now() + 60_000) })).toEqual([]);
  });

  it.each([
    ['an invalid number', buildSms({ to: '4155550100' }), '21211'],
    ['an empty body', buildSms({ body: '  ' }), '21602'],
  ])('refuses %s like Twilio would', async (_name, sms, code) => {
    provider = new ConsoleSmsProvider();
    await expect(provider.send(sms)).rejects.toMatchObject({ providerCode: code, retryable: false });
    expect(provider.phoneBook.phoneNumbers()).toEqual([]);
  });

  it('answers a status lookup from what it reported: sent, then delivered; null for an id it never gave', async () => {
    provider = new ConsoleSmsProvider({ deliveryDelayMs: 20 });
    const delivered = new Promise<void>((resolve) => provider.onStatus(() => resolve()));
    const { providerMessageId } = await provider.send(buildSms());
    expect(await provider.fetchStatus(providerMessageId)).toEqual({ providerMessageId, status: 'sent', errorCode: null });
    await delivered;
    expect(await provider.fetchStatus(providerMessageId)).toEqual({ providerMessageId, status: 'delivered', errorCode: null });
    expect(await provider.fetchStatus('SMconsole_unknown')).toBeNull();
  });

  it('simulates a carrier-level unsubscribe (21610)', async () => {
    provider = new ConsoleSmsProvider({ unsubscribedNumbers: ['+14155550100'] });
    const error = await provider.send(buildSms()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsProviderError);
    expect(error).toMatchObject({ providerCode: '21610', retryable: false });
    provider.setUnsubscribed('+14155550100', false);
    await expect(provider.send(buildSms())).resolves.toMatchObject({ status: 'sent' });
  });
});

describe('SimulatedPhoneBook', () => {
  it('keeps both sides of a conversation in order', () => {
    const book = new SimulatedPhoneBook();
    book.record({ phone: '+14155550100', direction: 'to_phone', counterpart: null, body: 'Hi', providerMessageId: 'SM1' });
    book.recordReply('+14155550100', 'STOP', '+14155550199');
    expect(book.messagesFor('+14155550100').map((m) => [m.direction, m.body])).toEqual([
      ['to_phone', 'Hi'],
      ['from_phone', 'STOP'],
    ]);
  });

  it('bounds history per phone and the number of phones', () => {
    const book = new SimulatedPhoneBook({ maxMessagesPerPhone: 3, maxPhones: 2 });
    for (let i = 1; i <= 5; i += 1) book.recordReply('+14155550100', `m${i}`);
    expect(book.messagesFor('+14155550100').map((m) => m.body)).toEqual(['m3', 'm4', 'm5']);
    book.recordReply('+14155550101', 'b');
    book.recordReply('+14155550100', 'm6'); // 0100 is now the most recent
    book.recordReply('+14155550102', 'c'); // evicts the least recently active: 0101
    expect(book.phoneNumbers()).toEqual(['+14155550102', '+14155550100']);
    expect(book.messagesFor('+14155550101')).toEqual([]);
  });

  it('returns copies and refuses bad input', () => {
    const book = new SimulatedPhoneBook();
    book.recordReply('+14155550100', 'hi');
    book.messagesFor('+14155550100').pop();
    expect(book.messagesFor('+14155550100')).toHaveLength(1);
    expect(() => book.recordReply('555-0100', 'hi')).toThrow(/E\.164/);
    expect(() => new SimulatedPhoneBook({ maxPhones: 0 })).toThrow(/positive integer/);
    book.clear();
    expect(book.phoneNumbers()).toEqual([]);
  });
});
