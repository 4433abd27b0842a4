import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { openStore, type Store, type StoreOptions } from '../../core/store/data-source';

/**
 * A migrated, empty store for one test file.
 * - DATABASE_URL set: a fresh database on that server, dropped on close (the real-services tier).
 * - otherwise: embedded PGlite, copied from a migrated template made once per run (cold PGlite start
 *   costs seconds; reopening a data directory costs well under one).
 */
export async function openTestStore(): Promise<Store & { databaseUrl?: string; dataDir?: string }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `tandem_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const dbUrl = withDatabase(url, name);
    const store = await openStore({ databaseUrl: dbUrl, poolSize: 10 });
    await store.migrate();
    const close = store.close.bind(store);
    return Object.assign(store, {
      databaseUrl: dbUrl,
      async close() {
        await close();
        const c = new Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    });
  }
  const dataDir = copyTemplate();
  const store = await openStore({ dataDir });
  await store.migrate();
  const close = store.close.bind(store);
  return Object.assign(store, {
    dataDir,
    async close() {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/**
 * An empty, not yet opened database for one test: store options plus a cleanup. For code that opens
 * its own store (the engine), so PGlite is never opened twice.
 */
export async function provisionTestDatabase(): Promise<{ options: StoreOptions; cleanup: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `tandem_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return {
      options: { databaseUrl: withDatabase(url, name), poolSize: 10 },
      async cleanup() {
        const c = new Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const dataDir = copyTemplate();
  return { options: { dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A copy of the migrated PGlite template (see test/global-setup.ts). */
export function copyTemplate(): string {
  const template = process.env.TANDEM_TEST_PGLITE_TEMPLATE;
  const dir = mkdtempSync(join(tmpdir(), 'tandem-test-'));
  if (template && existsSync(template)) cpSync(template, dir, { recursive: true });
  return dir;
}
