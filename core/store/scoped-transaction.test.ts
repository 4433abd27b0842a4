import { openTestStore } from '../../test/helpers/test-store';
import type { Store } from './data-source';
import { PreparingClient } from './prepared-statements';
import { one } from './sql';

/**
 * `tenant()` and `system()` open a transaction that takes its role and tenant in the same round trip on
 * PostgreSQL. Whatever the work does, the connection goes back to the pool as it came: no role, no tenant,
 * no open transaction.
 */
describe('scoped transactions', () => {
  let store: Store;
  let tenantId: string;
  beforeAll(async () => {
    store = await openTestStore();
    tenantId = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('T') RETURNING id`)))!.id;
  });
  afterAll(() => store.close());

  const leadCount = () => store.system((m) => one<{ n: number }>(m, `SELECT count(*)::int AS n FROM leads`)).then((r) => r!.n);

  it('runs the work as the tenant role with the tenant set, inside one transaction', async () => {
    const seen = await store.tenant(tenantId, async (m) => {
      const first = await one<{ who: string; tenant: string; xid: string }>(
        m,
        `SELECT current_user AS who, current_setting('app.current_tenant') AS tenant, txid_current()::text AS xid`,
      );
      const second = await one<{ xid: string }>(m, `SELECT txid_current()::text AS xid`);
      return { ...first!, sameTransaction: first!.xid === second!.xid };
    });
    expect(seen).toMatchObject({ who: 'tandem_app', tenant: tenantId, sameTransaction: true });
    const system = await store.system((m) => one<{ who: string }>(m, `SELECT current_user AS who`));
    expect(system!.who).toBe('tandem_system');
  });

  it('commits every statement of the work together', async () => {
    const before = await leadCount();
    await store.tenant(tenantId, async (m) => {
      await m.query(`INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550101')`, [tenantId]);
      await m.query(`INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550102')`, [tenantId]);
    });
    expect(await leadCount()).toBe(before + 2);
  });

  it('rolls back everything when the work throws, and the connection comes back clean', async () => {
    const before = await leadCount();
    await expect(
      store.tenant(tenantId, async (m) => {
        await m.query(`INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550201')`, [tenantId]);
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(await leadCount()).toBe(before);
    // Every pooled connection, used outside a scope, is the owner again with no tenant set.
    const plain = await Promise.all(
      Array.from({ length: 12 }, () => store.dataSource.query(`SELECT current_user AS who, current_setting('app.current_tenant', true) AS tenant`)),
    );
    for (const [row] of plain) {
      expect(row.who).not.toBe('tandem_app');
      expect(row.tenant ?? '').toBe('');
    }
  });

  it('rolls back after a failed statement, and the next transaction works', async () => {
    const before = await leadCount();
    await expect(
      store.tenant(tenantId, async (m) => {
        await m.query(`INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550301')`, [tenantId]);
        await m.query(`INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550301')`, [tenantId]); // unique violation
      }),
    ).rejects.toThrow();
    expect(await leadCount()).toBe(before);
    await store.tenant(tenantId, (m) => m.query(`INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550301')`, [tenantId]));
    expect(await leadCount()).toBe(before + 1);
  });

  it('prepares a parameterised statement once per PostgreSQL connection and reuses it', async () => {
    const statement = `SELECT count(*)::int AS n FROM leads WHERE phone <> $1`;
    const prepared = await store.tenant(tenantId, async (m) => {
      await m.query(statement, ['+10000000000']);
      await m.query(statement, ['+10000000001']);
      return m.query(`SELECT statement FROM pg_prepared_statements WHERE statement = $1`, [statement]);
    });
    // PGlite is in-process: there is no round trip or parse to save, so it keeps unnamed statements.
    expect(prepared).toHaveLength(store.kind === 'postgres' ? 1 : 0);
  });

  it('replaces a prepared statement once it is older than the replan interval, deallocating the old one', async () => {
    const statement = `SELECT count(*)::int AS n FROM leads WHERE phone <> $1 AND $1 IS NOT NULL`;
    const interval = PreparingClient.replanAfterMs;
    PreparingClient.replanAfterMs = -1; // every use is "too old"
    try {
      const prepared = await store.tenant(tenantId, async (m) => {
        for (let i = 0; i < 3; i += 1) await m.query(statement, [`+1000000000${i}`]);
        return m.query(`SELECT name FROM pg_prepared_statements WHERE statement = $1`, [statement]);
      });
      expect(prepared).toHaveLength(store.kind === 'postgres' ? 1 : 0);
    } finally {
      PreparingClient.replanAfterMs = interval;
    }
  });

  it('refuses a malformed tenant id before touching the database', async () => {
    await expect(store.tenant(`x'; DROP TABLE leads; --`, async () => 1)).rejects.toThrow('invalid tenant id');
  });
});
