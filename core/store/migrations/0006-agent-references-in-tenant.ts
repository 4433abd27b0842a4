import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The rows that name an agent, and the column that does. */
const AGENT_REFERENCES = [
  { table: 'api_keys', column: 'agent_id' },
  { table: 'conversations', column: 'assignee_agent_id' },
  { table: 'messages', column: 'author_agent_id' },
  { table: 'notes', column: 'author_agent_id' },
] as const;

/**
 * A row may name only an agent of its own tenant. A plain foreign key to agents(id) cannot say so:
 * PostgreSQL checks references without row-level security, so an API key of tenant A could name
 * tenant B's agent, and every text, note and assignment made with that key would carry it. The key
 * (tenant_id, agent_id) → agents (tenant_id, id) makes the database refuse that, whatever code writes.
 *
 * Rows that already name another tenant's agent (only that bug could make them) lose the reference
 * first; their author_name is kept. `ON DELETE SET NULL (column)` (PostgreSQL 15+) clears only the
 * agent column when an agent goes, never tenant_id.
 */
export class AgentReferencesInTenant1765000000000 implements MigrationInterface {
  name = 'AgentReferencesInTenant1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents ADD CONSTRAINT agents_tenant_id_id_key UNIQUE (tenant_id, id)`);
    // Tables FORCE row-level security: even the owner sees their rows only as tandem_system.
    await q.query(`SET LOCAL ROLE tandem_system`);
    for (const { table, column } of AGENT_REFERENCES) {
      await q.query(`
        UPDATE ${table} t SET ${column} = NULL
         WHERE ${column} IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.id = t.${column} AND a.tenant_id = t.tenant_id)`);
    }
    await q.query(`RESET ROLE`);
    for (const { table, column } of AGENT_REFERENCES) {
      await q.query(`
        ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_fkey,
          ADD CONSTRAINT ${table}_${column}_in_tenant FOREIGN KEY (tenant_id, ${column})
            REFERENCES agents (tenant_id, id) ON DELETE SET NULL (${column})`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const { table, column } of AGENT_REFERENCES) {
      await q.query(`
        ALTER TABLE ${table} DROP CONSTRAINT ${table}_${column}_in_tenant,
          ADD CONSTRAINT ${table}_${column}_fkey FOREIGN KEY (${column}) REFERENCES agents (id) ON DELETE SET NULL`);
    }
    await q.query(`ALTER TABLE agents DROP CONSTRAINT agents_tenant_id_id_key`);
  }
}
