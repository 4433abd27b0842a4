import { openTestStore } from '../../test/helpers/test-store';
import type { Store } from './data-source';
import { one, rows } from './sql';

/**
 * A row names only an agent of its own tenant, enforced by the schema (migration 0006): checked as
 * tandem_system, which row-level security does not restrict, so only the foreign key can refuse.
 */
const MIGRATION = 'AgentReferencesInTenant1765000000000';

describe('agent references stay inside the tenant', () => {
  let store: Store;
  let a: string;
  let b: string;
  let agentA: string;
  let agentB: string;
  let conversationA: string;
  let leadA: string;

  const insertAgent = (tenantId: string, name: string) =>
    store.system(async (m) => (await one<{ id: string }>(m, `INSERT INTO agents (tenant_id, name) VALUES ($1, $2) RETURNING id`, [tenantId, name]))!.id);

  /** One row of each table that names an agent, for tenant A, naming `agentId`. */
  const writers: Record<string, (agentId: string) => Promise<unknown>> = {
    api_keys: (agentId) =>
      store.system((m) => m.query(`INSERT INTO api_keys (tenant_id, name, prefix, hash, role, agent_id) VALUES ($1, 'k', substr(md5(random()::text), 1, 10), 'h', 'agent', $2)`, [a, agentId])),
    conversations: (agentId) => store.system((m) => m.query(`UPDATE conversations SET assignee_agent_id = $2 WHERE id = $1`, [conversationA, agentId])),
    messages: (agentId) =>
      store.system((m) =>
        m.query(
          `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, author_agent_id, author_name, body, status)
           VALUES ($1, $2, $3, 'out', 'agent', $4, 'Agent', 'hi', 'queued')`,
          [a, conversationA, leadA, agentId],
        ),
      ),
    notes: (agentId) =>
      store.system((m) => m.query(`INSERT INTO notes (tenant_id, conversation_id, author_agent_id, author_name, surface, body) VALUES ($1, $2, $3, 'Agent', 'api', 'n')`, [a, conversationA, agentId])),
  };
  const references = () =>
    store.system((m) =>
      rows<{ t: string; tenant_id: string; agent: string | null }>(
        m,
        `SELECT 'api_keys' AS t, tenant_id, agent_id AS agent FROM api_keys
         UNION ALL SELECT 'conversations', tenant_id, assignee_agent_id FROM conversations
         UNION ALL SELECT 'messages', tenant_id, author_agent_id FROM messages
         UNION ALL SELECT 'notes', tenant_id, author_agent_id FROM notes ORDER BY 1`,
      ),
    );

  beforeAll(async () => {
    store = await openTestStore();
    [a, b] = await store.system(async (m) => (await rows<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('A'), ('B') RETURNING id`)).map((x) => x.id));
    agentA = await insertAgent(a, 'Ann');
    agentB = await insertAgent(b, 'Bob');
    leadA = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO leads (tenant_id, phone) VALUES ($1, '+14155550100') RETURNING id`, [a])))!.id;
    conversationA = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO conversations (tenant_id, lead_id) VALUES ($1, $2) RETURNING id`, [a, leadA])))!.id;
  });
  afterAll(() => store.close());

  it.each(['api_keys', 'conversations', 'messages', 'notes'])("refuses a row of %s naming another tenant's agent", async (table) => {
    const before = await references();
    await expect(writers[table]!(agentB)).rejects.toThrow(/foreign key/);
    expect(await references()).toEqual(before);
  });

  it("accepts the tenant's own agent in each, and clears only the agent column when the agent goes", async () => {
    const doomed = await insertAgent(a, 'Dee');
    for (const write of Object.values(writers)) await write(doomed);
    expect((await references()).filter((r) => r.agent === doomed).map((r) => r.t)).toEqual(['api_keys', 'conversations', 'messages', 'notes']);
    await store.system((m) => m.query(`DELETE FROM agents WHERE id = $1`, [doomed]));
    const after = await references();
    expect(after.filter((r) => r.agent === doomed)).toEqual([]);
    expect(after.every((r) => r.tenant_id === a)).toBe(true);
    expect(after.length).toBeGreaterThanOrEqual(4);
  });

  it('migrating clears references a row already had to another tenant, and keeps the rest', async () => {
    // Back to the schema before 0006 (undoing any later migration first), where the plain foreign key let such a row in.
    const applied = async () => ((await store.dataSource.query(`SELECT name FROM migrations`)) as Array<{ name: string }>).map((r) => r.name);
    while ((await applied()).includes(MIGRATION)) await store.dataSource.undoLastMigration({ transaction: 'each' });
    try {
      for (const write of Object.values(writers)) await write(agentB);
      await writers.api_keys!(agentA);
    } finally {
      expect(await store.migrate()).toContain(MIGRATION);
    }
    const after = await references();
    expect(after.filter((r) => r.agent === agentB)).toEqual([]);
    expect(after.filter((r) => r.agent === agentA).map((r) => r.t)).toEqual(['api_keys']);
    await expect(writers.notes!(agentB)).rejects.toThrow(/foreign key/);
  });
});
