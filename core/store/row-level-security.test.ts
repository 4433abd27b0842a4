import { openTestStore } from '../../test/helpers/test-store';
import type { Store } from './data-source';
import { affected, one, rows } from './sql';
import { TENANT_TABLES } from './migrations/0001-initial-schema';

/** Tenant isolation is enforced by PostgreSQL itself, not only by the queries we remember to write. */
describe('row-level security', () => {
  let store: Store;
  let a: string;
  let b: string;
  let leadB: string;

  beforeAll(async () => {
    store = await openTestStore();
    [a, b] = await store.system(async (m) => {
      const r = await rows<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('A'), ('B') RETURNING id`);
      return r.map((x) => x.id);
    });
    leadB = (await store.tenant(b, (m) => one<{ id: string }>(m, `INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550100') RETURNING id`, [b])))!.id;
  });
  afterAll(() => store.close());

  it("runs tenant work as a role RLS applies to, not the owner or a superuser", async () => {
    const r = await store.tenant(a, (m) =>
      one<{ u: string; su: string; bypass: boolean }>(
        m,
        `SELECT current_user AS u, current_setting('is_superuser') AS su, (SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user) AS bypass`,
      ),
    );
    expect(r).toEqual({ u: 'tandem_app', su: 'off', bypass: false });
  });

  it('hides tenant B rows from tenant A, even when queried by id', async () => {
    const seen = await store.tenant(a, (m) => rows(m, `SELECT id FROM leads WHERE id = $1`, [leadB]));
    expect(seen).toEqual([]);
    const all = await store.tenant(a, (m) => rows(m, `SELECT id FROM leads`));
    expect(all).toEqual([]);
  });

  it('refuses to change tenant B rows from tenant A', async () => {
    const n = await store.tenant(a, (m) => affected(m, `UPDATE leads SET first_name = 'hacked' WHERE id = $1`, [leadB]));
    expect(n).toBe(0);
    const d = await store.tenant(a, (m) => affected(m, `DELETE FROM leads WHERE id = $1`, [leadB]));
    expect(d).toBe(0);
    const still = await store.tenant(b, (m) => one<{ first_name: string | null }>(m, `SELECT first_name FROM leads WHERE id = $1`, [leadB]));
    expect(still).toEqual({ first_name: null });
  });

  it('refuses to write a row into another tenant with a forged tenant_id', async () => {
    await expect(
      store.tenant(a, (m) => m.query(`INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550111')`, [b])),
    ).rejects.toThrow(/row-level security/);
    await expect(
      store.tenant(a, (m) => m.query(`UPDATE leads SET tenant_id = $1`, [b])),
    ).resolves.toBeDefined();
    const leadsOfB = await store.tenant(b, (m) => rows(m, `SELECT id FROM leads`));
    expect(leadsOfB).toHaveLength(1);
  });

  it('covers every tenant table with forced RLS', async () => {
    const r = await store.system((m) =>
      rows<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
        m,
        `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY($1) AND relkind = 'r'`,
        [[...TENANT_TABLES, 'tenants']],
      ),
    );
    expect(r).toHaveLength(TENANT_TABLES.length + 1);
    for (const t of r) expect([t.relname, t.relrowsecurity, t.relforcerowsecurity]).toEqual([t.relname, true, true]);
  });

  it('keeps the audit log append-only', async () => {
    await store.tenant(a, (m) =>
      m.query(`INSERT INTO audit_log (tenant_id, actor_name, surface, action, entity) VALUES ($1, 'x', 'api', 'test', 'lead')`, [a]),
    );
    await expect(store.tenant(a, (m) => m.query(`UPDATE audit_log SET action = 'changed'`))).rejects.toThrow();
    await expect(store.system((m) => m.query(`DELETE FROM audit_log`))).rejects.toThrow(/append-only/);
  });

  it('refuses a malformed tenant id before touching the database', async () => {
    await expect(store.tenant("' OR 1=1 --", async () => 1)).rejects.toThrow(/invalid tenant id/);
  });
});
