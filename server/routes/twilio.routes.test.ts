import { unknownKeyWarner, UNKNOWN_KEY_WARNING_EVERY_MS } from './twilio.routes';

describe('unknownKeyWarner', () => {
  const setup = (maxKeys?: number) => {
    const said: Array<[Record<string, unknown>, string | undefined]> = [];
    const warn = unknownKeyWarner({ warn: (obj, msg) => said.push([obj as Record<string, unknown>, msg]) }, UNKNOWN_KEY_WARNING_EVERY_MS, maxKeys);
    return { said, warn };
  };

  it('says once per tenant and key id per window, however many webhooks are refused', () => {
    const { said, warn } = setup();
    const t0 = 1_000_000;
    for (let i = 0; i < 500; i++) warn('tenant-1', 'webhooks_sharedkey_A', t0 + i);
    expect(said).toHaveLength(1);
    expect(said[0]![0]).toEqual({ tenantId: 'tenant-1', signingKeyId: 'webhooks_sharedkey_A' });
    expect(said[0]![1]).toContain('SharedKey webhooks_sharedkey_A');
    expect(said[0]![1]).toContain('Integrations → Twilio');
    // Another key, another tenant, or the header naming none: each said once too.
    warn('tenant-1', 'webhooks_sharedkey_B', t0 + 600);
    warn('tenant-2', 'webhooks_sharedkey_A', t0 + 700);
    warn('tenant-1', null, t0 + 800);
    warn('tenant-1', null, t0 + 900);
    expect(said.map(([f]) => [f.tenantId, f.signingKeyId])).toEqual([
      ['tenant-1', 'webhooks_sharedkey_A'],
      ['tenant-1', 'webhooks_sharedkey_B'],
      ['tenant-2', 'webhooks_sharedkey_A'],
      ['tenant-1', null],
    ]);
    expect(said[3]![1]).toContain('holds no webhook signing key');
    // Said again once the window has passed, if Twilio still signs with it.
    warn('tenant-1', 'webhooks_sharedkey_A', t0 + UNKNOWN_KEY_WARNING_EVERY_MS - 1);
    expect(said).toHaveLength(4);
    warn('tenant-1', 'webhooks_sharedkey_A', t0 + UNKNOWN_KEY_WARNING_EVERY_MS);
    expect(said).toHaveLength(5);
  });

  it('remembers a bounded number of ids: a flood of made-up ones is not said one by one', () => {
    const { said, warn } = setup(3);
    for (let i = 0; i < 100; i++) warn('tenant-1', `made_up_${i}`, 5_000 + i);
    expect(said).toHaveLength(3);
    // Once the window passes, there is room again.
    warn('tenant-1', 'made_up_new', 5_000 + UNKNOWN_KEY_WARNING_EVERY_MS + 10);
    expect(said).toHaveLength(4);
  });

  it('shows only the id’s own characters, cut short', () => {
    const { said, warn } = setup();
    warn('tenant-1', `evil\nkey"with{junk}${'x'.repeat(200)}`, 1);
    expect(said[0]![0].signingKeyId).toBe(`evil?key?with?junk?${'x'.repeat(61)}`);
  });
});
