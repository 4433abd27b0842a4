import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The CRM sync job calls HubSpot or Salesforce with no transaction open, so a row lock can no longer keep
 * two syncs of one lead apart (two runs that both see no CRM id would both create a record). A run claims
 * the lead's link for a while instead: `sync_claim` names the run, `sync_claimed_until` ends a claim whose
 * worker died mid-call. Both are NULL when no sync is in flight.
 */
export class CrmSyncClaims1765100000000 implements MigrationInterface {
  name = 'CrmSyncClaims1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE crm_links ADD COLUMN sync_claim uuid, ADD COLUMN sync_claimed_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE crm_links DROP COLUMN IF EXISTS sync_claim, DROP COLUMN IF EXISTS sync_claimed_until`);
  }
}
