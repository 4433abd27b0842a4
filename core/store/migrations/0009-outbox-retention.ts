import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbox retention deletes `done` rows finished before a cutoff, oldest first, a batch at a time: this index
 * finds them without reading the rows kept. On PostgreSQL it is built CONCURRENTLY (so outside a
 * transaction): on an outbox that has grown for a while, a plain build would hold up every publish until it
 * finished. Embedded PGlite is one connection with nothing to hold up, and cannot build concurrently.
 */
export class OutboxRetention1765300000000 implements MigrationInterface {
  name = 'OutboxRetention1765300000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const concurrently = embedded(q) ? '' : 'CONCURRENTLY';
    // A concurrent build interrupted halfway leaves an invalid index behind: drop it so a retry builds it afresh.
    await q.query(`DROP INDEX ${concurrently} IF EXISTS outbox_done`);
    await q.query(`CREATE INDEX ${concurrently} outbox_done ON outbox (processed_at) WHERE status = 'done'`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Plain: TypeORM undoes a migration inside a transaction whatever `transaction` says, and a drop is quick.
    await q.query(`DROP INDEX IF EXISTS outbox_done`);
  }
}

/** PGlite is wired in as a driver of its own (core/store/data-source.ts); PostgreSQL uses node-postgres. */
function embedded(q: QueryRunner): boolean {
  return Boolean((q.connection.options as { driver?: unknown }).driver);
}
