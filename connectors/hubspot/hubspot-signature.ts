import { createHmac, timingSafeEqual } from 'node:crypto';

/** HubSpot refuses to sign for longer than this; so do we (replay window). */
export const HUBSPOT_SIGNATURE_MAX_AGE_MS = 5 * 60 * 1000;

export interface HubSpotSignatureV3Input {
  /** The app's client secret (HMAC key). */
  clientSecret: string;
  /** HTTP method as received, e.g. `GET`, `POST`. */
  method: string;
  /** The full URI HubSpot called: scheme, host, path and query string, as it reached us. */
  uri: string;
  /** The raw request body, byte for byte (empty string for GET). */
  body: string | Buffer;
  /** `X-HubSpot-Request-Timestamp` header: milliseconds since the epoch. */
  timestamp: string | number | undefined;
  /** `X-HubSpot-Signature-v3` header: base64 HMAC-SHA256. */
  signature: string | undefined;
  /** Injectable clock for tests. */
  nowMs?: number;
}

/**
 * HubSpot signs the URI with these characters decoded (its request-validation docs list exactly these);
 * every other escape, e.g. `%20` or `%2B`, stays as sent.
 */
const DECODED_CHARACTERS: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** Applies HubSpot's v3 URI decoding: only the listed escapes, case-insensitively. */
export function decodeHubSpotUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (match) => DECODED_CHARACTERS[match.toUpperCase()] ?? match);
}

/** The base64 HMAC-SHA256 HubSpot would send for this request. Exposed so tests and fakes can sign. */
export function signHubSpotV3(input: { clientSecret: string; method: string; uri: string; body: string | Buffer; timestamp: string | number }): string {
  const body = typeof input.body === 'string' ? input.body : input.body.toString('utf8');
  const source = `${input.method.toUpperCase()}${decodeHubSpotUri(input.uri)}${body}${String(input.timestamp)}`;
  return createHmac('sha256', input.clientSecret).update(source, 'utf8').digest('base64');
}

/**
 * Verifies `X-HubSpot-Signature-v3` on a request from HubSpot (card `hubspot.fetch`, webhooks).
 * Refuses missing headers, timestamps older than five minutes and timestamps more than five minutes in
 * the future (a skewed or forged clock), and compares in constant time. Pure: pass `nowMs` to test.
 */
export function verifyHubSpotSignatureV3(input: HubSpotSignatureV3Input): boolean {
  const { clientSecret, signature, timestamp } = input;
  if (!clientSecret || !signature || timestamp === undefined || timestamp === '') return false;
  const ts = typeof timestamp === 'number' ? timestamp : /^\d+$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isSafeInteger(ts)) return false;
  const now = input.nowMs ?? Date.now();
  if (Math.abs(now - ts) > HUBSPOT_SIGNATURE_MAX_AGE_MS) return false;

  const expected = Buffer.from(signHubSpotV3({ clientSecret, method: input.method, uri: input.uri, body: input.body, timestamp }), 'utf8');
  const received = Buffer.from(signature, 'utf8');
  return expected.length === received.length && timingSafeEqual(expected, received);
}
