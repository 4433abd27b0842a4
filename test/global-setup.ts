import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Builds a migrated PGlite data directory once per test run; each test file copies it. Keyed by the
 * migrations' content so a changed migration never reuses a stale template.
 */
export default async function globalSetup(): Promise<void> {
  // Names this run's Redis keys (test/helpers/test-queue.ts), so the teardown removes them and only them.
  process.env.TANDEM_TEST_RUN = randomBytes(6).toString('hex');
  if (process.env.DATABASE_URL) return;
  const migrationsDir = join(__dirname, '..', 'core', 'store', 'migrations');
  const hash = createHash('sha256');
  for (const f of readdirSync(migrationsDir).sort()) hash.update(readFileSync(join(migrationsDir, f)));
  const dir = join(tmpdir(), `tandem-pglite-template-${hash.digest('hex').slice(0, 12)}`);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    require('reflect-metadata');
    const { openStore } = require('../core/store/data-source');
    const store = await openStore({ dataDir: dir });
    await store.migrate();
    await store.close();
  }
  process.env.TANDEM_TEST_PGLITE_TEMPLATE = dir;
}
