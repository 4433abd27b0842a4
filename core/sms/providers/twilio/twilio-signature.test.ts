import { verifyTwilioSignature } from './twilio-signature';

// Twilio's request-validation documentation vector (see /work/shared/PLATFORM-NOTES.md).
const official = {
  authToken: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  params: { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' },
  signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
};

describe('verifyTwilioSignature', () => {
  it('accepts Twilio’s documented example', () => {
    expect(verifyTwilioSignature(official)).toBe(true);
  });

  it.each([
    ['a tampered parameter', { ...official, params: { ...official.params, Digits: '1235' } }],
    ['an added parameter', { ...official, params: { ...official.params, Body: 'STOP' } }],
    ['a different URL', { ...official, url: 'https://mycompany.com/myapp.php?foo=1&bar=3' }],
    ['the wrong token', { ...official, authToken: '54321' }],
    ['a missing signature', { ...official, signature: undefined }],
    ['an empty signature', { ...official, signature: '' }],
    ['a truncated signature', { ...official, signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8' }],
    ['an empty token', { ...official, authToken: '' }],
  ])('refuses %s', (_name, input) => {
    expect(verifyTwilioSignature(input)).toBe(false);
  });
});
