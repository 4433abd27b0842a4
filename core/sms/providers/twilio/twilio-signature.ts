/**
 * Twilio webhook signature check. `twilio.webhook({ authToken })` ignores its option in some versions, so the
 * server calls this with the tenant's own token and the public URL Twilio posted to.
 */
import twilio from 'twilio';

export interface TwilioSignatureInput {
  /** The auth token of the account the number belongs to. */
  authToken: string;
  /** The exact public URL configured at Twilio, with query string (not the URL behind a proxy). */
  url: string;
  /** The POSTed form fields, as parsed (all strings). */
  params: Readonly<Record<string, string | string[]>>;
  /** The `X-Twilio-Signature` header. */
  signature: string | null | undefined;
}

/**
 * True when `signature` is Twilio's HMAC-SHA1 of the URL and sorted form fields under `authToken`.
 * A missing token, URL or signature is simply invalid: this never throws on attacker input.
 * Signatures carry no timestamp: dedupe on MessageSid to refuse replays.
 */
export function verifyTwilioSignature(input: TwilioSignatureInput): boolean {
  const { authToken, url, params, signature } = input;
  if (typeof signature !== 'string' || signature.length === 0) return false;
  if (typeof authToken !== 'string' || authToken.length === 0 || typeof url !== 'string' || url.length === 0) return false;
  try {
    return twilio.validateRequest(authToken, signature, url, { ...params });
  } catch {
    return false;
  }
}
