import { createOrgKey, hashOrgKey, orgKeyMatches, toSalesforceId18 } from './salesforce-org-auth';

describe('toSalesforceId18', () => {
  it.each([
    // Case-safe suffix: one letter per block of five, bit i set when character i is upper case
    // (blocks worked by hand: "001A0" → 8 → I, "00000" → A, "ABcdE" → 1+2+16 → T).
    ['00D000000000062', '00D000000000062EAA'],
    ['001A000000ABcdE', '001A000000ABcdEIAT'],
    ['00Q5g00000AbCdE', '00Q5g00000AbCdEEAV'],
  ])('turns %s into %s', (id15, id18) => {
    expect(toSalesforceId18(id15)).toBe(id18);
  });

  it('keeps an 18-character id and upper-cases only its suffix', () => {
    expect(toSalesforceId18('00Q5g00000AbCdEeav')).toBe('00Q5g00000AbCdEEAV');
  });

  it.each(['', '00Q5g', '00Q5g00000AbCdE!', '00Q5g00000AbCdEEAVX'])('refuses %j', (bad) => {
    expect(toSalesforceId18(bad)).toBeNull();
  });
});

describe('org key', () => {
  it('matches against the stored SHA-256 and nothing else', () => {
    const { key, sha256 } = createOrgKey();
    expect(sha256).toBe(hashOrgKey(key));
    expect(key.length).toBeGreaterThanOrEqual(43);
    expect(orgKeyMatches(key, { orgKeySha256: sha256 })).toBe(true);
    expect(orgKeyMatches(key + 'x', { orgKeySha256: sha256 })).toBe(false);
    expect(orgKeyMatches('', { orgKeySha256: hashOrgKey('') })).toBe(false);
  });

  it('accepts a plain stored key and refuses when none is configured', () => {
    expect(orgKeyMatches('plain-key', { orgKey: 'plain-key' })).toBe(true);
    expect(orgKeyMatches('plain-key', { orgKey: 'other' })).toBe(false);
    expect(orgKeyMatches('plain-key', {})).toBe(false);
    expect(orgKeyMatches('plain-key', { orgKeySha256: 'not-hex' })).toBe(false);
  });

  it('hashes with SHA-256 (known vector)', () => {
    expect(hashOrgKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
