import { provisionTestDatabase } from '../../test/helpers/test-store';
import { CONNECT_TIMEOUT_MS, openStore } from './data-source';
import { one } from './sql';

/**
 * A burst that keeps every pooled connection busy delays the transactions behind it instead of failing
 * them: a webhook that failed here was a text Twilio never delivers again.
 */
describe(`waiting for a pooled connection (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('waits for a busy pool longer than a connection may take to open, and then runs', async () => {
    const db = await provisionTestDatabase();
    const store = await openStore({ ...db.options, poolSize: 1 });
    try {
      await store.migrate();
      // The one connection stays in a transaction until released, longer than a connection may take to open.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const held = store.system(async (m) => {
        await m.query(`SELECT 1`);
        await gate;
      });
      await new Promise((r) => setTimeout(r, 200));
      setTimeout(release, CONNECT_TIMEOUT_MS + 1_000);
      const started = Date.now();
      const row = await store.system((m) => one<{ ok: number }>(m, `SELECT 1 AS ok`));
      expect(row).toEqual({ ok: 1 });
      expect(Date.now() - started).toBeGreaterThan(CONNECT_TIMEOUT_MS);
      await held;
    } finally {
      await store.close();
      await db.cleanup();
    }
  }, 30_000);
});
