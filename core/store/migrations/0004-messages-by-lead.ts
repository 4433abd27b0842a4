import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The send job reads a lead's earlier outbound texts under the lead's lock (first-text notice, per-lead
 * caps). Messages were indexed by conversation and by tenant only, so that read scanned every message of
 * the tenant's and grew with it, on the hottest path of all.
 */
export class MessagesByLead1764800000000 implements MigrationInterface {
  name = 'MessagesByLead1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX messages_lead_out ON messages (lead_id, updated_at) WHERE direction = 'out'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS messages_lead_out`);
  }
}
