import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The send sweeper looks every minute for texts left `sending` without the provider's answer. Only texts
 * in the middle of a send match, so this index stays a handful of rows while the table grows.
 */
export class StuckSends1764900000000 implements MigrationInterface {
  name = 'StuckSends1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX messages_sending_unanswered ON messages (updated_at) WHERE status = 'sending' AND provider_message_id IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS messages_sending_unanswered`);
  }
}
