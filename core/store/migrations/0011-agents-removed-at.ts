import type { MigrationInterface, QueryRunner } from 'typeorm';

const UNIQUE = [
  { index: 'agents_tenant_email', on: 'lower(email)', where: 'email IS NOT NULL' },
  { index: 'agents_tenant_slack', on: 'slack_user_id', where: 'slack_user_id IS NOT NULL' },
  { index: 'agents_tenant_hubspot', on: 'hubspot_user_id', where: 'hubspot_user_id IS NOT NULL' },
  { index: 'agents_tenant_salesforce', on: 'salesforce_user_id', where: 'salesforce_user_id IS NOT NULL' },
];

/**
 * A person can leave the team. The row stays (texts, notes and the audit log keep their author), but a
 * removed person no longer maps from Slack or a CRM, and their email and platform ids are free for
 * someone else, or for them if they come back: the unique indexes cover people still on the team only.
 */
export class AgentsRemovedAt1765500000000 implements MigrationInterface {
  name = 'AgentsRemovedAt1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents ADD COLUMN removed_at timestamptz`);
    for (const u of UNIQUE) {
      await q.query(`DROP INDEX ${u.index}`);
      await q.query(`CREATE UNIQUE INDEX ${u.index} ON agents (tenant_id, ${u.on}) WHERE ${u.where} AND removed_at IS NULL`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const u of UNIQUE) {
      await q.query(`DROP INDEX ${u.index}`);
      await q.query(`CREATE UNIQUE INDEX ${u.index} ON agents (tenant_id, ${u.on}) WHERE ${u.where}`);
    }
    await q.query(`ALTER TABLE agents DROP COLUMN removed_at`);
  }
}
