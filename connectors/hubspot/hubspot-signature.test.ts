import { createHmac } from 'node:crypto';
import { Signature } from '@hubspot/api-client';
import { decodeHubSpotUri, signHubSpotV3, verifyHubSpotSignatureV3 } from './hubspot-signature';

const clientSecret = 'c0ffee00-aaaa-bbbb-cccc-0123456789ab';
const uri = 'https://tandem.example.com/hubspot/card/actions?portalId=62515&userId=123&userEmail=ana%40example.com&appId=42';
const body = '{"conversationId":"c1","type":"approve","version":3}';
const now = 1_764_000_000_000;

/** Independent reference: the source string spelled out by hand as HubSpot's docs describe it. */
function referenceSignature(method: string, decodedUri: string, rawBody: string, ts: number, secret = clientSecret): string {
  return createHmac('sha256', secret).update(method + decodedUri + rawBody + ts).digest('base64');
}

describe('verifyHubSpotSignatureV3', () => {
  const decoded = uri.replace('%40', '@');
  const good = referenceSignature('POST', decoded, body, now);

  it.each([
    ['a valid request', { body, signature: good, timestamp: String(now) }, true],
    ['a tampered body', { body: body.replace('approve', 'discard'), signature: good, timestamp: String(now) }, false],
    ['a wrong secret', { body, signature: referenceSignature('POST', decoded, body, now, 'other-secret'), timestamp: String(now) }, false],
    ['a stale timestamp (5 min + 1 ms old)', { body, signature: referenceSignature('POST', decoded, body, now - 300_001), timestamp: String(now - 300_001) }, false],
    ['a timestamp just inside the window', { body, signature: referenceSignature('POST', decoded, body, now - 299_000), timestamp: String(now - 299_000) }, true],
    ['a future timestamp (6 min ahead)', { body, signature: referenceSignature('POST', decoded, body, now + 360_000), timestamp: String(now + 360_000) }, false],
    ['a replayed signature with a fresh timestamp', { body, signature: good, timestamp: String(now + 1000) }, false],
    ['a missing signature', { body, signature: undefined, timestamp: String(now) }, false],
    ['a missing timestamp', { body, signature: good, timestamp: undefined }, false],
    ['a non-numeric timestamp', { body, signature: good, timestamp: '17640000000O0' }, false],
    ['a signature of another length', { body, signature: good.slice(0, 10), timestamp: String(now) }, false],
  ])('%s', (_name, overrides, expected) => {
    expect(verifyHubSpotSignatureV3({ clientSecret, method: 'POST', uri, nowMs: now, ...overrides })).toBe(expected);
  });

  it('accepts a GET with an empty body and a raw Buffer body', () => {
    const getUri = 'https://tandem.example.com/hubspot/card/conversation?contactId=901&portalId=62515';
    const signature = referenceSignature('GET', getUri, '', now);
    expect(verifyHubSpotSignatureV3({ clientSecret, method: 'GET', uri: getUri, body: '', timestamp: now, signature, nowMs: now })).toBe(true);
    expect(verifyHubSpotSignatureV3({ clientSecret, method: 'GET', uri: getUri, body: Buffer.alloc(0), timestamp: now, signature, nowMs: now })).toBe(true);
    expect(verifyHubSpotSignatureV3({ clientSecret, method: 'POST', uri: getUri, body: '', timestamp: now, signature, nowMs: now })).toBe(false);
  });

  it('decodes only the characters HubSpot lists, case-insensitively', () => {
    expect(decodeHubSpotUri('https://x.io/a%2fb?q=%3A%40%21%24%27%28%29%2A%2C%3B%3F&s=%20%2B%26%3D')).toBe(
      "https://x.io/a/b?q=:@!$'()*,;?&s=%20%2B%26%3D",
    );
  });
});

describe('agreement with @hubspot/api-client Signature.isValid', () => {
  it('accepts what the official helper accepts and rejects what it rejects', () => {
    const ts = Date.now();
    const signature = Signature.getSignature('POST', 'v3', { clientSecret, url: decodeHubSpotUri(uri), requestBody: body, timestamp: ts, signature: '' });
    const official = (sig: string, requestBody: string) =>
      Signature.isValid({ signatureVersion: 'v3', method: 'POST', clientSecret, url: decodeHubSpotUri(uri), requestBody, timestamp: ts, signature: sig });
    const ours = (sig: string, requestBody: string) =>
      verifyHubSpotSignatureV3({ clientSecret, method: 'POST', uri, body: requestBody, timestamp: String(ts), signature: sig, nowMs: ts });

    expect(official(signature, body)).toBe(true);
    expect(ours(signature, body)).toBe(true);
    expect(official(signature, body + ' ')).toBe(false);
    expect(ours(signature, body + ' ')).toBe(false);
    // And our signer produces the official helper's value.
    expect(signHubSpotV3({ clientSecret, method: 'POST', uri, body, timestamp: ts })).toBe(signature);
  });
});
