import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Under row-level security PostgreSQL will not evaluate `lower(email)` before the tenant policy (lower()
 * is not leakproof), so an index on (tenant_id, lower(email)) was never used and an email lookup read
 * all of a tenant's leads: ~10 ms at 20,000 leads. A stored lower-cased column compares with a
 * leakproof `=` and can use its index (~0.06 ms).
 */
export class LeadEmailLookup1764700000000 implements MigrationInterface {
  name = 'LeadEmailLookup1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE leads ADD COLUMN email_lower text GENERATED ALWAYS AS (lower(email)) STORED;
      DROP INDEX IF EXISTS leads_tenant_email;
      CREATE INDEX leads_tenant_email_lower ON leads (tenant_id, email_lower, created_at DESC) WHERE email_lower IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS leads_tenant_email_lower;
      ALTER TABLE leads DROP COLUMN IF EXISTS email_lower;
      CREATE INDEX leads_tenant_email ON leads (tenant_id, lower(email)) WHERE email IS NOT NULL;
    `);
  }
}
