import { openTestStore } from '../../test/helpers/test-store';
import type { Store } from './data-source';
import { one, rows } from './sql';

/** The send job's read of a lead's earlier outbound texts must use an index under RLS, not the tenant's messages. */
describe("a lead's earlier outbound texts under RLS", () => {
  let store: Store;
  let tenantId: string;
  let leadId: string;
  beforeAll(async () => {
    store = await openTestStore();
    tenantId = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('T') RETURNING id`)))!.id;
    leadId = await store.tenant(tenantId, async (m) => {
      const leads = await rows<{ id: string }>(m, `INSERT INTO leads (tenant_id, phone) SELECT $1, '+1415555' || lpad(g::text, 4, '0') FROM generate_series(1, 200) g RETURNING id`, [tenantId]);
      await m.query(`INSERT INTO conversations (tenant_id, lead_id) SELECT $1, id FROM leads`, [tenantId]);
      await m.query(
        `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status)
         SELECT $1, c.id, c.lead_id, 'out', 'ai', 'Hello', 'sent' FROM conversations c, generate_series(1, 20)`,
        [tenantId],
      );
      return leads[0]!.id;
    });
    await store.dataSource.query(`ANALYZE messages`);
  });
  afterAll(() => store.close());

  it('finds them by lead with the messages_lead_out index', async () => {
    const { plan, sends } = await store.tenant(tenantId, async (m) => {
      await m.query(`SET LOCAL enable_seqscan = off`);
      const sql = `SELECT count(*)::int AS n FROM messages p WHERE p.lead_id = $1 AND p.direction = 'out' AND p.status IN ('sending','sent','delivered','undelivered')`;
      const explained = await rows<{ 'QUERY PLAN': string }>(m, `EXPLAIN ${sql}`, [leadId]);
      return { plan: explained.map((r) => r['QUERY PLAN']).join('\n'), sends: (await one<{ n: number }>(m, sql, [leadId]))!.n };
    });
    expect(sends).toBe(20);
    expect(plan).toContain('messages_lead_out');
  });
});
