import { createInstallToken, installLink, verifyInstallToken } from './install-token';

describe('install tokens', () => {
  const secret = 'state-secret';
  it('carries the tenant, signed and expiring', () => {
    const token = createInstallToken('tenant-1', secret, 1_000_000);
    expect(verifyInstallToken(token, secret, 1_000_000)).toBe('tenant-1');
    expect(verifyInstallToken(token, secret, 1_000_000 + 3601 * 1000)).toBeNull();
    expect(verifyInstallToken(token, 'other-secret', 1_000_000)).toBeNull();
  });

  it('refuses a token whose tenant was swapped', () => {
    const [, exp, sig] = createInstallToken('tenant-1', secret, 0).split('.');
    const forged = `${Buffer.from('tenant-2').toString('base64url')}.${exp}.${sig}`;
    expect(verifyInstallToken(forged, secret, 0)).toBeNull();
    expect(verifyInstallToken(undefined, secret)).toBeNull();
    expect(verifyInstallToken('a.b', secret)).toBeNull();
  });

  it('builds the link on the public URL', () => {
    expect(installLink('https://tandem.example.com/', 't1', secret, 0)).toMatch(/^https:\/\/tandem\.example\.com\/slack\/install\?tenant=[\w.%-]+$/);
  });
});
