import type { MessageStatus } from '../domain/types';
import { isStatusAdvance, isTerminalStatus, mapTwilioStatus, parseTwilioStatusCallback, statusesBefore } from './message-status';

describe('mapTwilioStatus', () => {
  it.each([
    ['accepted', 'queued'],
    ['queued', 'queued'],
    ['scheduled', 'queued'],
    ['sending', 'sending'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'delivered'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
    ['received', 'received'],
    ['DELIVERED', 'delivered'],
    ['teleported', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (twilio, ours) => {
    expect(mapTwilioStatus(twilio)).toBe(ours);
  });
});

describe('parseTwilioStatusCallback', () => {
  const at = new Date('2025-06-10T12:00:00Z');
  it('reads Twilio’s form fields', () => {
    expect(parseTwilioStatusCallback({ MessageSid: 'SM123', MessageStatus: 'undelivered', ErrorCode: '30003', AccountSid: 'AC1' }, at)).toEqual({
      providerMessageId: 'SM123',
      status: 'undelivered',
      errorCode: '30003',
      at,
    });
    expect(parseTwilioStatusCallback({ SmsSid: 'SM9', SmsStatus: 'sent' }, at)).toEqual({ providerMessageId: 'SM9', status: 'sent', errorCode: null, at });
  });
  it('rejects callbacks without a sid or a known status', () => {
    expect(parseTwilioStatusCallback({ MessageStatus: 'sent' }, at)).toBeNull();
    expect(parseTwilioStatusCallback({ MessageSid: 'SM1', MessageStatus: 'weird' }, at)).toBeNull();
  });
});

describe('isStatusAdvance', () => {
  it.each<[MessageStatus, MessageStatus, boolean]>([
    ['queued', 'sending', true],
    ['queued', 'sent', true],
    ['deferred', 'sending', true],
    ['sending', 'sent', true],
    ['sent', 'delivered', true],
    ['sent', 'undelivered', true],
    ['sent', 'failed', true],
    ['queued', 'failed', true],
    ['sent', 'sent', false],
    ['sent', 'sending', false],
    ['sent', 'queued', false],
    ['delivered', 'sent', false],
    ['delivered', 'failed', false],
    ['undelivered', 'delivered', false],
    ['failed', 'delivered', false],
    ['blocked', 'sent', false],
    ['received', 'delivered', false],
  ])('%s → %s: %s', (from, to, expected) => {
    expect(isStatusAdvance(from, to)).toBe(expected);
  });

  it('applies callbacks arriving out of order without going backwards', () => {
    let status: MessageStatus = 'queued';
    for (const update of ['sending', 'delivered', 'sent', 'sending', 'undelivered'] as MessageStatus[]) {
      if (isStatusAdvance(status, update)) status = update;
    }
    expect(status).toBe('delivered');
    expect(isTerminalStatus('delivered')).toBe(true);
    expect(isTerminalStatus('sent')).toBe(false);
  });

  it('lists the statuses a guard may update from', () => {
    expect(statusesBefore('sent').sort()).toEqual(['deferred', 'queued', 'sending']);
    expect(statusesBefore('queued')).toEqual([]);
  });
});
