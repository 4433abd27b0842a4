import { Socket } from 'node:net';
import { openTestStore } from '../../test/helpers/test-store';
import type { Store } from './data-source';
import { PreparingClient } from './prepared-statements';
import { roundTripsOf } from '../../test/helpers/round-trips';
import { commitWith, one, rows } from './sql';

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

  const phones = () => store.system((m) => rows<{ phone: string }>(m, `SELECT phone FROM leads ORDER BY phone`)).then((r) => r.map((x) => x.phone));
  const cleanConnections = async () => {
    const plain = await Promise.all(
      Array.from({ length: 12 }, () => store.dataSource.query(`SELECT current_user AS who, current_setting('app.current_tenant', true) AS tenant, txid_current_if_assigned() AS xid`)),
    );
    for (const [row] of plain) expect([row.who === 'tandem_app', row.tenant ?? '', row.xid]).toEqual([false, '', null]);
  };

  it('sends the opening with the first statement, and COMMIT with the last one given to commitWith', async () => {
    const insert = `INSERT INTO leads (tenant_id, phone) VALUES ($1, $2)`;
    const plain = await roundTripsOf(() =>
      store.tenant(tenantId, async (m) => {
        await m.query(insert, [tenantId, '+14155550401']);
        await m.query(insert, [tenantId, '+14155550402']);
      }),
    );
    const folded = await roundTripsOf(() =>
      store.tenant(tenantId, async (m) => {
        await m.query(insert, [tenantId, '+14155550403']);
        return commitWith<{ phone: string }>(m, `${insert} RETURNING phone`, [tenantId, '+14155550404']);
      }),
    );
    // PostgreSQL: opening + first statement, second statement, COMMIT; then the same with COMMIT folded in.
    // PGlite is in-process: no round trips.
    expect([plain.roundTrips, folded.roundTrips]).toEqual(store.kind === 'postgres' ? [3, 2] : [0, 0]);
    expect(folded.result).toEqual([{ phone: '+14155550404' }]);
    expect(await phones()).toEqual(expect.arrayContaining(['+14155550401', '+14155550402', '+14155550403', '+14155550404']));
  });

  it('refuses a statement after commitWith: the role and tenant ended with that COMMIT', async () => {
    const work = store.tenant(tenantId, async (m) => {
      await commitWith(m, `INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550501')`, [tenantId]);
      await m.query(`INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550502')`, [tenantId]);
    });
    if (store.kind === 'postgres') await expect(work).rejects.toThrow('this transaction has already committed');
    else await work; // PGlite: commitWith is an ordinary statement, committed with the rest
    const stored = await phones();
    expect(stored).toContain('+14155550501');
    expect(stored.includes('+14155550502')).toBe(store.kind !== 'postgres');
    await cleanConnections();
  });

  it('rolls back the whole transaction when the statement given to commitWith fails, and reports its error', async () => {
    const before = await leadCount();
    await expect(
      store.tenant(tenantId, async (m) => {
        await m.query(`INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550601')`, [tenantId]);
        await commitWith(m, `INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550601')`, [tenantId]); // unique violation
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await leadCount()).toBe(before);
    await cleanConnections();
    await store.tenant(tenantId, (m) => commitWith(m, `INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550601')`, [tenantId]));
    expect(await leadCount()).toBe(before + 1);
  });

  it('reports a failing first statement behind the pipelined opening, and rolls back', async () => {
    const before = await leadCount();
    await expect(store.tenant(tenantId, (m) => m.query(`SELECT 1 / $1::int`, [0]))).rejects.toThrow(/division by zero/);
    await expect(
      store.tenant(tenantId, async (m) => {
        await m.query(`INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550701')`, [tenantId]);
        await m.query(`SELECT 1 / $1::int`, [0]);
      }),
    ).rejects.toThrow(/division by zero/);
    expect(await leadCount()).toBe(before);
    await cleanConnections();
  });

  it('writes the opening, a lone statement and its COMMIT to the socket at once', async () => {
    const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
    let writes = 0;
    const spies = (['_write', '_writev'] as const).map((method) => {
      const original = proto[method];
      return jest.spyOn(proto, method).mockImplementation(function (this: Socket, ...args: unknown[]) {
        writes += 1;
        return original.apply(this, args);
      });
    });
    try {
      const [row] = await store.tenant(tenantId, (m) => commitWith<{ n: number }>(m, `SELECT count(*)::int AS n FROM leads WHERE phone <> $1`, ['+10000000000']));
      expect(row!.n).toBeGreaterThanOrEqual(0);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // PostgreSQL: BEGIN with its settings, the statement's messages and COMMIT leave in one write.
    expect(writes).toBe(store.kind === 'postgres' ? 1 : 0);
  });

  it('refuses a malformed tenant id before touching the database', async () => {
    await expect(store.tenant(`x'; DROP TABLE leads; --`, async () => 1)).rejects.toThrow('invalid tenant id');
  });
});
