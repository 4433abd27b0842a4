import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay's claim scanned every dispatched-but-unfinished row on each pass (they stayed in the
 * pending index), so claims slowed as work was in flight. Claimable rows (pending, not dispatched) get
 * their own index; in-flight rows get one for the lease sweep, which hands expired leases back.
 */
export class OutboxClaimIndex1764600000000 implements MigrationInterface {
  name = 'OutboxClaimIndex1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS outbox_due;
      CREATE INDEX outbox_claimable ON outbox (available_at, id) WHERE status = 'pending' AND dispatched_at IS NULL;
      CREATE INDEX outbox_in_flight ON outbox (dispatched_at) WHERE status = 'pending' AND dispatched_at IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS outbox_claimable;
      DROP INDEX IF EXISTS outbox_in_flight;
      CREATE INDEX outbox_due ON outbox (available_at, id) WHERE status = 'pending';
    `);
  }
}
