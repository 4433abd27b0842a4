import { DateTime } from 'luxon';
import {
  ensureFirstMessageNotice,
  evaluateSend,
  hasOptOutNotice,
  helpText,
  optInConfirmationText,
  optOutConfirmationText,
  type EvaluateSendInput,
  type GateLead,
  type GateMessage,
  type GateTenant,
} from './compliance-gate';

const NY_NOON = DateTime.fromISO('2025-06-10T12:00', { zone: 'America/New_York' }).toJSDate();
const NY_NIGHT = DateTime.fromISO('2025-06-10T22:30', { zone: 'America/New_York' }).toJSDate();
const NY_NEXT_8 = DateTime.fromISO('2025-06-11T08:00', { zone: 'America/New_York' }).toJSDate();

const buildLead = (o: Partial<GateLead> = {}): GateLead => ({ optedOut: false, consent: 'granted', phone: '+12125550123', timezone: null, ...o });
const buildMessage = (o: Partial<GateMessage> = {}): GateMessage => ({
  body: 'Happy to help with the condo tour, what time suits you?',
  isFirstMessage: false,
  isFormReply: false,
  isOptOutConfirmation: false,
  isHelpReply: false,
  ...o,
});
const buildTenant = (o: Partial<GateTenant> = {}): GateTenant => ({
  businessName: 'Acme Realty',
  quietHours: null,
  holidays: [],
  segmentCap: 3,
  firstReplyMaySkipQuietHours: false,
  defaultTimezone: 'America/Chicago',
  ...o,
});
const input = (o: { lead?: Partial<GateLead>; message?: Partial<GateMessage>; tenant?: Partial<GateTenant> } & Partial<Omit<EvaluateSendInput, 'lead' | 'message' | 'tenant'>> = {}): EvaluateSendInput => ({
  now: o.now ?? NY_NOON,
  sentTodayCount: o.sentTodayCount ?? 0,
  recentSendTimes: o.recentSendTimes,
  lead: buildLead(o.lead),
  message: buildMessage(o.message),
  tenant: buildTenant(o.tenant),
});

const FIRST = 'Hi Sam, this is Acme Realty about the condo you asked about. When can we talk? Reply STOP to opt out.';

describe('evaluateSend', () => {
  it.each([
    ['an ordinary reply at noon', input(), 'send', undefined],
    ['anything to an opted-out lead', input({ lead: { optedOut: true } }), 'block', 'opted_out'],
    ['a help reply to an opted-out lead', input({ lead: { optedOut: true }, message: { isHelpReply: true } }), 'block', 'opted_out'],
    ['the opt-out confirmation to an opted-out lead', input({ lead: { optedOut: true, consent: 'revoked' }, message: { isOptOutConfirmation: true } }), 'send', undefined],
    ['the opt-out confirmation at night', input({ now: NY_NIGHT, lead: { optedOut: true }, message: { isOptOutConfirmation: true } }), 'send', undefined],
    ['a text without consent', input({ lead: { consent: 'none' } }), 'block', 'no_consent'],
    ['a text after consent was revoked', input({ lead: { consent: 'revoked' } }), 'block', 'no_consent'],
    ['a help reply without consent', input({ lead: { consent: 'none' }, message: { isHelpReply: true } }), 'send', undefined],
    ['a help reply at night', input({ now: NY_NIGHT, message: { isHelpReply: true } }), 'send', undefined],
    ['a first text without the notice', input({ message: { isFirstMessage: true, body: 'Hi Sam, Acme Realty here!' } }), 'block', 'missing_opt_out_notice'],
    ['a first text without the business name', input({ message: { isFirstMessage: true, body: 'Hi Sam! Reply STOP to opt out.' } }), 'block', 'missing_opt_out_notice'],
    ['a compliant first text', input({ message: { isFirstMessage: true, body: FIRST } }), 'send', undefined],
    ['a later text without the notice', input({ message: { body: 'See you at 5!' } }), 'send', undefined],
    ['a text over the segment cap', input({ message: { body: 'x'.repeat(460) } }), 'block', 'segment_cap'],
    ['an emoji text over a 1-segment cap', input({ tenant: { segmentCap: 1 }, message: { body: '🏡'.repeat(36) } }), 'block', 'segment_cap'],
    ['a long text with no cap', input({ tenant: { segmentCap: null }, message: { body: 'x'.repeat(2000) } }), 'send', undefined],
    ['an empty text', input({ message: { body: '   ' } }), 'block', 'empty_body'],
    ['a text at night', input({ now: NY_NIGHT }), 'defer', 'quiet_hours'],
    ['the form reply at night, tenant setting off', input({ now: NY_NIGHT, message: { isFirstMessage: true, isFormReply: true, body: FIRST } }), 'defer', 'quiet_hours'],
    ['the form reply at night, tenant setting on', input({ now: NY_NIGHT, tenant: { firstReplyMaySkipQuietHours: true }, message: { isFirstMessage: true, isFormReply: true, body: FIRST } }), 'send', undefined],
    ['a follow-up past a Florida lead’s cap', input({ lead: { phone: '+13055550123' }, sentTodayCount: 3 }), 'defer', 'daily_cap'],
    ['a reply to a Florida lead past the cap', input({ lead: { phone: '+13055550123' }, sentTodayCount: 3, message: { isReplyToLead: true } }), 'send', undefined],
    ['a Florida lead at 20:30', input({ lead: { phone: '+13055550123' }, now: DateTime.fromISO('2025-06-10T20:30', { zone: 'America/New_York' }).toJSDate() }), 'defer', 'quiet_hours'],
    ['a tenant holiday', input({ tenant: { holidays: ['2025-06-10'] } }), 'defer', 'holiday'],
  ])('%s → %s %s', (_name, given, decision, reason) => {
    const result = evaluateSend(given);
    expect(result.decision).toBe(decision);
    if (reason) expect(result).toMatchObject({ reason });
  });

  it('defers a night text to 08:00 in the lead’s zone from the area code', () => {
    expect(evaluateSend(input({ now: NY_NIGHT }))).toEqual({ decision: 'defer', until: NY_NEXT_8, reason: 'quiet_hours', timezone: 'America/New_York' });
    // 22:30 in New York is 19:30 in Los Angeles: a 213 lead may be texted.
    expect(evaluateSend(input({ now: NY_NIGHT, lead: { phone: '+12135550123' } }))).toMatchObject({ decision: 'send', timezone: 'America/Los_Angeles' });
  });

  it('prefers a known lead zone and falls back to the tenant zone for unplaceable numbers', () => {
    expect(evaluateSend(input({ now: NY_NIGHT, lead: { timezone: 'America/Los_Angeles' } }))).toMatchObject({ decision: 'send', timezone: 'America/Los_Angeles' });
    expect(evaluateSend(input({ lead: { phone: '+18005550123' } }))).toMatchObject({ timezone: 'America/Chicago' });
  });

  it('reports the segment count it judged', () => {
    expect(evaluateSend(input({ message: { body: 'Price is 300€' } }))).toEqual({
      decision: 'send',
      timezone: 'America/New_York',
      segments: { encoding: 'GSM-7', segments: 1, units: 14 },
    });
  });

  it('explains a block', () => {
    expect(evaluateSend(input({ message: { body: 'x'.repeat(461) } }))).toEqual({
      decision: 'block',
      reason: 'segment_cap',
      detail: '4 GSM-7 segments exceed the cap of 3',
    });
  });

  it('requires a business name', () => {
    expect(() => evaluateSend(input({ tenant: { businessName: ' ' } }))).toThrow(/businessName/);
  });
});

describe('first-message notice', () => {
  it.each([
    ['Hi Sam, a quick question about your search?', 'Acme Realty: Hi Sam, a quick question about your search? Reply STOP to opt out.'],
    ['Acme Realty here, thanks for reaching out', 'Acme Realty here, thanks for reaching out. Reply STOP to opt out.'],
    [FIRST, FIRST],
  ])('%j → %j', (body, expected) => {
    const fixed = ensureFirstMessageNotice(body, 'Acme Realty');
    expect(fixed).toBe(expected);
    expect(hasOptOutNotice(fixed, 'Acme Realty')).toBe(true);
    expect(ensureFirstMessageNotice(fixed, 'Acme Realty')).toBe(fixed);
  });

  it('accepts common spellings of the notice', () => {
    expect(hasOptOutNotice('ACME REALTY: hi. reply "STOP" to opt-out', 'Acme Realty')).toBe(true);
    expect(hasOptOutNotice('Acme Realty: hi. Reply STOP to unsubscribe', 'Acme Realty')).toBe(true);
    expect(hasOptOutNotice('Acme Realty: hi. Text STOP whenever', 'Acme Realty')).toBe(false);
  });
});

describe('compliance texts', () => {
  it('name the business and pass the gate for an opted-out or unconsented lead where allowed', () => {
    for (const text of [helpText('Acme Realty'), optOutConfirmationText('Acme Realty'), optInConfirmationText('Acme Realty')]) {
      expect(text.startsWith('Acme Realty: ')).toBe(true);
      expect(text.length).toBeLessThanOrEqual(160);
    }
    expect(helpText('Acme Realty', 'help@acme.test')).toContain('Contact us at help@acme.test.');
    expect(helpText('Acme Realty')).toMatch(/Reply STOP to opt out/);
    expect(optOutConfirmationText('Acme Realty')).toMatch(/Reply START/);
    expect(optInConfirmationText('Acme Realty')).toMatch(/STOP to opt out/);
    const confirm = input({ lead: { optedOut: true }, message: { isOptOutConfirmation: true, body: optOutConfirmationText('Acme Realty') } });
    expect(evaluateSend(confirm).decision).toBe('send');
  });

  it('refuse an empty business name', () => {
    expect(() => helpText('')).toThrow(/business name/);
    expect(() => ensureFirstMessageNotice('hi', '  ')).toThrow(/business name/);
  });
});
