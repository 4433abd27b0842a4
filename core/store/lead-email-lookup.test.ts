import { openTestStore } from '../../test/helpers/test-store';
import type { Store } from './data-source';
import { one, rows } from './sql';

/** The email lookups (capture dedupe, CRM cards) must use an index under row-level security. */
describe('finding a lead by email under RLS', () => {
  let store: Store;
  let tenantId: string;
  beforeAll(async () => {
    store = await openTestStore();
    tenantId = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('T') RETURNING id`)))!.id;
    await store.tenant(tenantId, (m) =>
      m.query(
        `INSERT INTO leads (tenant_id, phone, email)
         SELECT $1, '+1415555' || lpad(g::text, 4, '0'), 'Lead' || g || '@Example.com' FROM generate_series(1, 2000) g`,
        [tenantId],
      ),
    );
    await store.system((m) => m.query(`ANALYZE leads`));
  });
  afterAll(() => store.close());

  it('matches case-insensitively', async () => {
    const hit = await store.tenant(tenantId, (m) => one<{ email: string }>(m, `SELECT email FROM leads WHERE email_lower = lower($1)`, ['LEAD42@example.COM']));
    expect(hit).toEqual({ email: 'Lead42@Example.com' });
  });

  it('uses the (tenant_id, email_lower) index as the tenant role', async () => {
    const plan = await store.tenant(tenantId, async (m) => {
      // Forbid the sequential scan: if the index cannot serve the lookup under RLS, the plan still says Seq Scan.
      await m.query(`SET LOCAL enable_seqscan = off`);
      return rows<{ 'QUERY PLAN': string }>(m, `EXPLAIN SELECT id FROM leads WHERE email_lower = lower($1) ORDER BY created_at DESC LIMIT 1`, ['lead42@example.com']);
    });
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('leads_tenant_email_lower');
    expect(text).not.toContain('Seq Scan');
  });
});
