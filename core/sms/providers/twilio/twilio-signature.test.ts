import twilio from 'twilio';
import { checkTwilioSignature, twilioSigningKeysOf, verifyTwilioSignature } from './twilio-signature';

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

describe('checkTwilioSignature with SharedKeys (X-Twilio-Webhooks-Signature-Settings)', () => {
  // Signatures made by the twilio library itself, as Twilio would make them with the key's secret.
  const url = 'https://tandem.test/webhooks/twilio/sms';
  const params = { AccountSid: `AC${'a1'.repeat(16)}`, MessageSid: `SM${'c3'.repeat(16)}`, From: '+12125550199', To: '+14155550100', Body: 'Is it still for sale?' };
  const authToken = 'f0'.repeat(16);
  const current = { id: 'webhooks_sharedkey_01J0CURRENTKEY0000000000AB', secret: 'current-shared-key-secret-0123456789' };
  const next = { id: 'webhooks_sharedkey_01J0NEXTKEY000000000000CD', secret: 'next-shared-key-secret-9876543210abc' };
  const sign = (secret: string, algorithm: string) => twilio.getExpectedTwilioSignature(secret, url, params, algorithm);
  const header = (id: string | null, algorithm: string) => [id === null ? null : `key=${id}`, `algorithm=${algorithm}`].filter(Boolean).join(',');
  const input = (signature: string, signatureSettings: string | null, sharedKeys = [current]) => ({ authToken, url, params, signature, signatureSettings, sharedKeys });

  it.each([twilio.HMAC_SHA256, twilio.HMAC_SHA1])('accepts a webhook signed with the named key under %s', (algorithm) => {
    expect(checkTwilioSignature(input(sign(current.secret, algorithm), header(current.id, algorithm)))).toEqual({ valid: true, keyId: current.id });
    expect(verifyTwilioSignature(input(sign(current.secret, algorithm), header(current.id, algorithm)))).toBe(true);
  });

  it('checks the hash the header names: a SHA-1 signature sent as HMAC_SHA256 is refused', () => {
    expect(checkTwilioSignature(input(sign(current.secret, twilio.HMAC_SHA1), header(current.id, twilio.HMAC_SHA256)))).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('refuses a webhook signed with another secret than the named key’s', () => {
    expect(checkTwilioSignature(input(sign('some-other-secret-0000000000', twilio.HMAC_SHA256), header(current.id, twilio.HMAC_SHA256)))).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('while rotating, accepts either of two held keys, each by its own id only', () => {
    const both = [current, next];
    expect(checkTwilioSignature(input(sign(current.secret, twilio.HMAC_SHA256), header(current.id, twilio.HMAC_SHA256), both))).toEqual({ valid: true, keyId: current.id });
    expect(checkTwilioSignature(input(sign(next.secret, twilio.HMAC_SHA256), header(next.id, twilio.HMAC_SHA256), both))).toEqual({ valid: true, keyId: next.id });
    // Signed with the next key but naming the current one: the named key is the one checked.
    expect(checkTwilioSignature(input(sign(next.secret, twilio.HMAC_SHA256), header(current.id, twilio.HMAC_SHA256), both))).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('tries each held key when the header names none', () => {
    const both = [current, next];
    expect(checkTwilioSignature(input(sign(next.secret, twilio.HMAC_SHA256), header(null, twilio.HMAC_SHA256), both))).toEqual({ valid: true, keyId: next.id });
    expect(checkTwilioSignature(input(sign(authToken, twilio.HMAC_SHA256), header(null, twilio.HMAC_SHA256), both))).toEqual({ valid: false, reason: 'mismatch' });
  });

  it.each(['HMAC_MD5', 'HMAC_SHA512', 'RSA', ' '])('refuses an algorithm other than HMAC_SHA1 or HMAC_SHA256 (%s), without the library’s per-request warning', (algorithm) => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const result = checkTwilioSignature(input(sign(current.secret, twilio.HMAC_SHA256), `key=${current.id},algorithm=${algorithm}`));
      // An empty algorithm part is no algorithm: the library's HMAC_SHA1, which this SHA-256 signature fails.
      expect(result).toEqual({ valid: false, reason: algorithm.trim() ? 'unsupported_algorithm' : 'mismatch' });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a header naming a key Tandem does not hold, and never falls back to the auth token', () => {
    const unknown = 'webhooks_sharedkey_01J0UNKNOWNKEY00000000000EF';
    expect(checkTwilioSignature(input(sign(current.secret, twilio.HMAC_SHA256), header(unknown, twilio.HMAC_SHA256)))).toEqual({ valid: false, reason: 'unknown_key', keyId: unknown });
    // Signed with the auth token, as an attacker who knows nothing of the keys might hope is enough.
    expect(checkTwilioSignature(input(sign(authToken, twilio.HMAC_SHA1), header(unknown, twilio.HMAC_SHA1)))).toEqual({ valid: false, reason: 'unknown_key', keyId: unknown });
  });

  it('refuses any webhook with the header when the connection holds no key, even one the auth token signed', () => {
    for (const signatureSettings of [header(current.id, twilio.HMAC_SHA1), header(null, twilio.HMAC_SHA1), 'garbage']) {
      const result = checkTwilioSignature(input(sign(authToken, twilio.HMAC_SHA1), signatureSettings, []));
      expect(result).toMatchObject({ valid: false, reason: 'unknown_key' });
    }
  });

  it('checks a webhook without the header against the auth token with HMAC-SHA1, as before, whatever keys are held', () => {
    expect(checkTwilioSignature(input(sign(authToken, twilio.HMAC_SHA1), null))).toEqual({ valid: true, keyId: null });
    expect(checkTwilioSignature(input(sign(authToken, twilio.HMAC_SHA1), ''))).toEqual({ valid: true, keyId: null });
    expect(checkTwilioSignature(input(sign(current.secret, twilio.HMAC_SHA1), null))).toEqual({ valid: false, reason: 'mismatch' });
    expect(checkTwilioSignature(input(sign(authToken, twilio.HMAC_SHA256), null))).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('never throws on odd input', () => {
    const odd = [
      input('', header(current.id, twilio.HMAC_SHA256)),
      { ...input(sign(current.secret, twilio.HMAC_SHA256), header(current.id, twilio.HMAC_SHA256)), url: 'not a url' },
      input(sign(current.secret, twilio.HMAC_SHA256), ',,,=,key=,algorithm=,=='),
      input(sign(current.secret, twilio.HMAC_SHA256), header(current.id, twilio.HMAC_SHA256), [{ id: current.id, secret: '' }]),
    ];
    for (const i of odd) expect(() => checkTwilioSignature(i)).not.toThrow();
    expect(odd.map((i) => checkTwilioSignature(i).valid)).toEqual([false, false, false, false]);
  });
});

describe('twilioSigningKeysOf', () => {
  it('reads well-formed stored keys only, at most two', () => {
    expect(twilioSigningKeysOf(null)).toEqual([]);
    expect(twilioSigningKeysOf({ authToken: 'x' })).toEqual([]);
    expect(twilioSigningKeysOf({ webhookSigningKeys: [{ id: 'a', secret: 's1' }, { id: '', secret: 's' }, { id: 'b' }, null, { id: 'c', secret: 's3', extra: 1 }, { id: 'd', secret: 's4' }] })).toEqual([
      { id: 'a', secret: 's1' },
      { id: 'c', secret: 's3' },
    ]);
  });
});
