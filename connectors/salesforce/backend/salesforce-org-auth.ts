import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How a Salesforce org proves it is the org that installed Tandem: its Apex controller calls out through
 * the `Tandem` Named Credential, whose External Credential adds `X-Tandem-Org-Key` (a secret the admin
 * typed into the principal's `OrgKey` parameter). Tandem keeps only the SHA-256 of that key.
 */

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** True for a 15- or 18-character Salesforce record id. */
export function isSalesforceId(value: string): boolean {
  return SALESFORCE_ID.test(value);
}

/**
 * Salesforce ids come as case-sensitive 15-character ids or 18-character ids with a case-safe checksum
 * suffix. Apex sends 18; admins often paste 15. Returns the 18-character form (or null for a non-id).
 */
export function toSalesforceId18(id: string): string | null {
  if (!isSalesforceId(id)) return null;
  if (id.length === 18) {
    return id.slice(0, 15) + id.slice(15).toUpperCase();
  }
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const ch = id.charAt(block * 5 + i);
      if (ch >= 'A' && ch <= 'Z') bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET.charAt(bits);
  }
  return id + suffix;
}

/** Hex SHA-256 of an org key: what Tandem stores (as `orgKeySha256` in the integration config). */
export function hashOrgKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Makes a new org key for an install: the plain key is shown once to the admin (to type into the External
 * Credential), only its hash is stored.
 */
export function createOrgKey(): { key: string; sha256: string } {
  const key = randomBytes(32).toString('base64url');
  return { key, sha256: hashOrgKey(key) };
}

/**
 * Compares a presented org key with the stored one in constant time. The stored value is either
 * `orgKeySha256` (preferred) or a plain `orgKey` (hashed here); both sides are compared as SHA-256
 * digests so their lengths never leak.
 */
export function orgKeyMatches(presented: string, config: Record<string, unknown>): boolean {
  const expected = expectedDigest(config);
  if (!expected || presented.length === 0) return false;
  const actual = createHash('sha256').update(presented, 'utf8').digest();
  return timingSafeEqual(actual, expected);
}

function expectedDigest(config: Record<string, unknown>): Buffer | null {
  const hashed = config.orgKeySha256;
  if (typeof hashed === 'string' && /^[0-9a-f]{64}$/i.test(hashed)) {
    return Buffer.from(hashed, 'hex');
  }
  const plain = config.orgKey;
  if (typeof plain === 'string' && plain.length > 0) {
    return createHash('sha256').update(plain, 'utf8').digest();
  }
  return null;
}
