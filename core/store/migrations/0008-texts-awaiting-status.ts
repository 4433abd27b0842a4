import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The status sweep looks every minute for texts the provider took whose status callback never came: still
 * `sending`, with a provider id. A text leaves this index when its first callback moves it on, so it holds
 * the texts in flight, not the table's history.
 */
export class TextsAwaitingStatus1765200000000 implements MigrationInterface {
  name = 'TextsAwaitingStatus1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX messages_sending_answered ON messages (updated_at) WHERE status = 'sending' AND provider_message_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS messages_sending_answered`);
  }
}
