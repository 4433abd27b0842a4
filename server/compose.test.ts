import { ConsoleSmsProvider, SimulatedPhoneBook, TwilioSmsProvider } from '../core/index';
import { createTestApp, type TestApp } from '../test/helpers/test-app';
import { tenantSmsProviders } from './compose';

/**
 * The SMS provider resolver the server wires in. The send job calls it inside the transaction that claims a
 * text, so with a transaction given it must read there and open none of its own.
 */
describe('tenantSmsProviders', () => {
  let t: TestApp;
  let tenantId: string;
  beforeAll(async () => {
    t = await createTestApp();
    ({ tenant: { id: tenantId } } = await t.engine.tenants.create({ name: 'Compose Realty' }));
    await t.engine.store.tenant(tenantId, (m) => m.query(`INSERT INTO phone_numbers (tenant_id, e164) VALUES ($1, '+12125550100')`, [tenantId]));
  });
  afterAll(() => t.close());

  /** Resolves inside one tenant transaction and counts the transactions the store opened meanwhile. */
  async function resolveInside(resolve: ReturnType<typeof tenantSmsProviders>) {
    const store = t.engine.store;
    const opened = { n: 0 };
    const original = store.tenant.bind(store);
    const result = await original(tenantId, async (m) => {
      store.tenant = ((id: string, work: never) => {
        opened.n++;
        return original(id, work);
      }) as typeof store.tenant;
      try {
        return await resolve(tenantId, m);
      } finally {
        store.tenant = original;
      }
    });
    return { ...result, transactionsOpened: opened.n };
  }

  it('reads the Twilio integration inside the given transaction', async () => {
    await t.engine.integrations.put(tenantId, 'twilio', {
      externalId: 'AC' + 'a'.repeat(32),
      enabled: true,
      config: { accountSid: 'AC' + 'a'.repeat(32), authToken: 'token', fromNumber: '+12125550100' },
    });
    const r = await resolveInside(tenantSmsProviders(t.engine, t.config, null));
    expect(r.provider).toBeInstanceOf(TwilioSmsProvider);
    expect(r.from).toBe('+12125550100');
    expect(r.transactionsOpened).toBe(0);
  });

  it('falls back to the console provider and the tenant number, also inside the transaction', async () => {
    await t.engine.integrations.put(tenantId, 'twilio', { externalId: 'AC' + 'a'.repeat(32), enabled: false, config: { accountSid: 'AC' + 'a'.repeat(32), authToken: 'token' } });
    const fallback = new ConsoleSmsProvider({ phoneBook: new SimulatedPhoneBook() });
    const r = await resolveInside(tenantSmsProviders(t.engine, t.config, fallback));
    expect(r.provider).toBe(fallback);
    expect(r.from).toBe('+12125550100');
    expect(r.transactionsOpened).toBe(0);
  });

  it('reads nothing when the send job hands it the integration it already read', async () => {
    const resolve = tenantSmsProviders(t.engine, t.config, null);
    const config = { accountSid: 'AC' + 'b'.repeat(32), authToken: 'token', messagingServiceSid: 'MG' + 'c'.repeat(32) };
    const statements: string[] = [];
    const r = await t.engine.store.tenant(tenantId, (m) => {
      const query = m.query.bind(m);
      jest.spyOn(m, 'query').mockImplementation(((sql: string, params?: unknown[]) => {
        statements.push(sql);
        return query(sql, params);
      }) as typeof m.query);
      return resolve(tenantId, m, { twilio: { kind: 'twilio', externalId: config.accountSid, enabled: true, config } });
    });
    expect(r.provider).toBeInstanceOf(TwilioSmsProvider);
    // A Messaging Service picks the sender.
    expect(r.from).toBeNull();
    expect(statements).toEqual([]);
  });

  it('without a transaction opens its own (callers outside a send)', async () => {
    const fallback = new ConsoleSmsProvider({ phoneBook: new SimulatedPhoneBook() });
    await expect(tenantSmsProviders(t.engine, t.config, fallback)(tenantId)).resolves.toMatchObject({ provider: fallback, from: '+12125550100' });
  });
});
