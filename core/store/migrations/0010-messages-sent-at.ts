import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a text went to the provider, kept apart from `updated_at`. The per-lead caps (texts per day, the
 * state rules) count a lead's texts of the last 24 hours by send time, and read `updated_at` for it, which a
 * later delivery callback or the stuck-send sweep moves: a text could be held longer than the rule says.
 * Texts sent in the last two days get their best known send time; older ones no cap can count any more.
 */
export class MessagesSentAt1765400000000 implements MigrationInterface {
  name = 'MessagesSentAt1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN sent_at timestamptz`);
    await q.query(
      `UPDATE messages SET sent_at = updated_at
        WHERE direction = 'out' AND status IN ('sending','sent','delivered','undelivered') AND updated_at > now() - interval '2 days'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN IF EXISTS sent_at`);
  }
}
