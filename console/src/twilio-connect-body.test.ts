import { connectBody, parseNumbers, sentSigningKeyRows, signingKeyRows, type TwilioFormValues } from './twilio-connect-body';

const form = (overrides: Partial<TwilioFormValues> = {}): TwilioFormValues => ({
  accountSid: ` AC${'a1'.repeat(16)} `,
  authToken: `${'f0'.repeat(16)}\n`,
  sender: 'fromNumber',
  messagingServiceSid: `MG${'b2'.repeat(16)}`,
  fromNumber: ' +14155550100 ',
  numbers: '+14155550100',
  enabled: true,
  signingKeys: signingKeyRows([]),
  ...overrides,
});

describe('parseNumbers', () => {
  it('takes one number a line or comma-separated, keeping the spaces inside a number', () => {
    expect(parseNumbers('(415) 555-0100\n+1 415 555 0101, 4155550102;4155550103\r\n')).toEqual(['(415) 555-0100', '+1 415 555 0101', '4155550102', '4155550103']);
  });

  it('drops blank entries and repeats', () => {
    expect(parseNumbers(' \n,,\n+14155550100\n+14155550100 ,')).toEqual(['+14155550100']);
    expect(parseNumbers('')).toEqual([]);
  });
});

describe('connectBody', () => {
  it('sends the from-number and no Messaging Service when the from-number is chosen', () => {
    expect(connectBody(form())).toEqual({
      accountSid: `AC${'a1'.repeat(16)}`,
      authToken: 'f0'.repeat(16),
      messagingServiceSid: null,
      fromNumber: '+14155550100',
      numbers: ['+14155550100'],
      enabled: true,
      webhookSigningKeys: [],
    });
  });

  it('sends the Messaging Service SID and no from-number when the Messaging Service is chosen', () => {
    expect(connectBody(form({ sender: 'messagingService', enabled: false }))).toMatchObject({ messagingServiceSid: `MG${'b2'.repeat(16)}`, fromNumber: null, enabled: false });
  });

  it('leaves an empty choice for the server to name: "" for the Messaging Service, null for the from-number', () => {
    expect(connectBody(form({ sender: 'messagingService', messagingServiceSid: ' ' }))).toMatchObject({ messagingServiceSid: '', fromNumber: null });
    expect(connectBody(form({ fromNumber: '  ' }))).toMatchObject({ messagingServiceSid: null, fromNumber: null });
  });
});

describe('webhook signing keys', () => {
  const held = 'webhooks_sharedkey_01J0HELD00000000000000000';
  const next = 'webhooks_sharedkey_01J0NEXT00000000000000000';

  it('fills the rows with the held ids and empty secrets, then empty rows, two in all', () => {
    expect(signingKeyRows([])).toEqual([{ id: '', secret: '' }, { id: '', secret: '' }]);
    expect(signingKeyRows([held])).toEqual([{ id: held, secret: '' }, { id: '', secret: '' }]);
    expect(signingKeyRows([held, next, 'third'])).toEqual([{ id: held, secret: '' }, { id: next, secret: '' }]);
  });

  it('sends a held key without its secret (kept), a new one with it, trimmed; empty rows are left out', () => {
    const rows = [{ id: ` ${held} `, secret: '  ' }, { id: next, secret: ' next-secret-0123456789 ' }];
    expect(connectBody(form({ signingKeys: rows })).webhookSigningKeys).toEqual([{ id: held }, { id: next, secret: 'next-secret-0123456789' }]);
    expect(connectBody(form({ signingKeys: [{ id: '', secret: '' }, { id: next, secret: 's'.repeat(20) }] })).webhookSigningKeys).toEqual([{ id: next, secret: 's'.repeat(20) }]);
    // Every row cleared: the keys are removed.
    expect(connectBody(form({ signingKeys: signingKeyRows([]) })).webhookSigningKeys).toEqual([]);
  });

  it('sends a secret typed without an id, so the server names the missing id; rows map to the indexes sent', () => {
    const rows = [{ id: '', secret: '' }, { id: ' ', secret: 'orphan-secret-0123456789' }];
    expect(connectBody(form({ signingKeys: rows })).webhookSigningKeys).toEqual([{ id: '', secret: 'orphan-secret-0123456789' }]);
    expect(sentSigningKeyRows(rows)).toEqual([1]);
  });
});
