/**
 * Twilio webhook signature check. `twilio.webhook({ authToken })` ignores its option in some versions, so the
 * server calls this with the tenant's own token (and SharedKeys) and the public URL Twilio posted to.
 *
 * Twilio signs with the account's auth token (HMAC-SHA1) unless the account's Webhooks configuration (a
 * Webhook Rule matching the URL) names a Setting that signs with a SharedKey: then it signs with that key's
 * secret and the Setting's algorithm, and adds `X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=<alg>`.
 * The signed string (URL + sorted form fields) is the same either way; the twilio library hashes it.
 */
import twilio from 'twilio';

/** A Twilio SharedKey the connection holds: its id (named in the settings header) and its secret. */
export interface TwilioSigningKey {
  id: string;
  secret: string;
}

/** The connection holds at most two: the key in use and, while rotating, the next one. */
export const MAX_TWILIO_SIGNING_KEYS = 2;

/** The header Twilio adds to a webhook signed with a SharedKey. */
export const TWILIO_SIGNATURE_SETTINGS_HEADER: string = twilio.SIGNATURE_SETTINGS_HEADER;

export interface TwilioSignatureInput {
  /** The auth token of the account the number belongs to. */
  authToken: string;
  /** The exact public URL configured at Twilio, with query string (not the URL behind a proxy). */
  url: string;
  /** The POSTed form fields, as parsed (all strings). */
  params: Readonly<Record<string, string | string[]>>;
  /** The `X-Twilio-Signature` header. */
  signature: string | null | undefined;
  /** The connection's SharedKeys (0 to 2), for webhooks that carry the settings header. */
  sharedKeys?: ReadonlyArray<TwilioSigningKey>;
  /** The `X-Twilio-Webhooks-Signature-Settings` header; absent means the auth token signed. */
  signatureSettings?: string | null;
}

/**
 * Why a webhook was refused, or which key signed it (`keyId` null: the auth token).
 * `unknown_key`: the settings header names a key the connection does not hold (`keyId`, or null when the header
 * names none and the connection holds no key at all): the admin has to add it, the auth token is never tried.
 */
export type TwilioSignatureCheck =
  | { valid: true; keyId: string | null }
  | { valid: false; reason: 'missing' | 'mismatch' | 'unsupported_algorithm' }
  | { valid: false; reason: 'unknown_key'; keyId: string | null };

/** The value of the settings header's `name=value` part, trimmed (the first non-empty one), or null. */
function settingsPart(header: string, name: string): string | null {
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) {
      const value = part.slice(at + 1).trim();
      if (value) return value;
    }
  }
  return null;
}

/** HMAC_SHA1 or HMAC_SHA256 as the twilio library names them (any case in the header), else null. */
function supportedAlgorithm(named: string): string | null {
  const upper = named.toUpperCase();
  return upper === twilio.HMAC_SHA1 || upper === twilio.HMAC_SHA256 ? upper : null;
}

function validates(secret: string, signature: string, url: string, params: Record<string, unknown>, algorithm: string): boolean {
  if (typeof secret !== 'string' || secret.length === 0) return false;
  try {
    return twilio.validateRequest(secret, signature, url, params, algorithm);
  } catch {
    return false;
  }
}

/**
 * Checks a webhook's signature. Without the settings header: HMAC-SHA1 under the auth token, as Twilio signs
 * by default. With it: under the SharedKey the header names (every held key when it names none), with the
 * header's algorithm (only HMAC_SHA1 and HMAC_SHA256); never the auth token, so a key Tandem does not hold is
 * refused as `unknown_key`. A missing token, URL, signature or header part is simply invalid: this never throws
 * on attacker input. Signatures carry no timestamp: dedupe on MessageSid to refuse replays.
 */
export function checkTwilioSignature(input: TwilioSignatureInput): TwilioSignatureCheck {
  const { authToken, url, params, signature, sharedKeys = [], signatureSettings } = input;
  if (typeof signature !== 'string' || signature.length === 0 || typeof url !== 'string' || url.length === 0) return { valid: false, reason: 'missing' };
  const fields = { ...params };
  if (typeof signatureSettings !== 'string' || signatureSettings.trim() === '') {
    return validates(authToken, signature, url, fields, twilio.HMAC_SHA1) ? { valid: true, keyId: null } : { valid: false, reason: 'mismatch' };
  }
  // Checked here, not left to validateRequest: it would log a warning for every request naming another algorithm.
  const algorithm = supportedAlgorithm(twilio.getSignatureAlgorithm(signatureSettings));
  if (!algorithm) return { valid: false, reason: 'unsupported_algorithm' };
  const named = settingsPart(signatureSettings, 'key');
  const candidates = named === null ? sharedKeys : sharedKeys.filter((k) => k.id === named);
  if (candidates.length === 0) return { valid: false, reason: 'unknown_key', keyId: named };
  const signer = candidates.find((k) => validates(k.secret, signature, url, fields, algorithm));
  return signer ? { valid: true, keyId: signer.id } : { valid: false, reason: 'mismatch' };
}

/** True when `checkTwilioSignature` finds the webhook signed by the auth token or a held SharedKey. */
export function verifyTwilioSignature(input: TwilioSignatureInput): boolean {
  return checkTwilioSignature(input).valid;
}

/** The SharedKeys in a stored Twilio connection's config (`webhookSigningKeys`), well-formed ones only. */
export function twilioSigningKeysOf(config: unknown): TwilioSigningKey[] {
  const stored = (config as { webhookSigningKeys?: unknown } | null | undefined)?.webhookSigningKeys;
  if (!Array.isArray(stored)) return [];
  return stored
    .filter((k): k is TwilioSigningKey => typeof k?.id === 'string' && k.id !== '' && typeof k?.secret === 'string' && k.secret !== '')
    .map((k) => ({ id: k.id, secret: k.secret }))
    .slice(0, MAX_TWILIO_SIGNING_KEYS);
}
