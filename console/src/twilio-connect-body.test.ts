import { connectBody, parseNumbers, type TwilioFormValues } from './twilio-connect-body';

const form = (overrides: Partial<TwilioFormValues> = {}): TwilioFormValues => ({
  accountSid: ` AC${'a1'.repeat(16)} `,
  authToken: `${'f0'.repeat(16)}\n`,
  sender: 'fromNumber',
  messagingServiceSid: `MG${'b2'.repeat(16)}`,
  fromNumber: ' +14155550100 ',
  numbers: '+14155550100',
  enabled: true,
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
