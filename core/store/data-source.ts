import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { DataSource, type EntityManager } from 'typeorm';
import { ALL_ENTITIES } from './entities';
import { InitialSchema1764500000000 } from './migrations/0001-initial-schema';
import { OutboxClaimIndex1764600000000 } from './migrations/0002-outbox-claim-index';
import { LeadEmailLookup1764700000000 } from './migrations/0003-lead-email-lookup';
import { MessagesByLead1764800000000 } from './migrations/0004-messages-by-lead';
import { StuckSends1764900000000 } from './migrations/0005-stuck-sends';
import { AgentReferencesInTenant1765000000000 } from './migrations/0006-agent-references-in-tenant';
import { CrmSyncClaims1765100000000 } from './migrations/0007-crm-sync-claims';
import { TextsAwaitingStatus1765200000000 } from './migrations/0008-texts-awaiting-status';
import { OutboxRetention1765300000000 } from './migrations/0009-outbox-retention';
import { createPGliteSerialPoolClass } from './pglite-serial-pool';
import { PreparingClient } from './prepared-statements';

export const MIGRATIONS = [InitialSchema1764500000000, OutboxClaimIndex1764600000000, LeadEmailLookup1764700000000, MessagesByLead1764800000000, StuckSends1764900000000, AgentReferencesInTenant1765000000000, CrmSyncClaims1765100000000, TextsAwaitingStatus1765200000000, OutboxRetention1765300000000];

export interface StoreOptions {
  /** PostgreSQL URL. When absent, Tandem runs on embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite data directory; `memory://` (or undefined with no databaseUrl) keeps it in memory. */
  dataDir?: string;
  poolSize?: number;
}

/**
 * The persistence boundary. Every tenant-scoped read or write goes through `tenant()`, which runs a
 * transaction as the `tandem_app` role with `app.current_tenant` set, so row-level security applies
 * even when a query forgets its tenant filter. `system()` is for the few cross-tenant jobs.
 */
export interface Store {
  readonly kind: 'postgres' | 'pglite';
  readonly dataSource: DataSource;
  tenant<T>(tenantId: string, work: (m: EntityManager) => Promise<T>): Promise<T>;
  system<T>(work: (m: EntityManager) => Promise<T>): Promise<T>;
  migrate(): Promise<string[]>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

type ScopeRole = 'tandem_app' | 'tandem_system';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** Opens the store: PostgreSQL when a URL is given, embedded PGlite otherwise. */
export async function openStore(options: StoreOptions): Promise<Store> {
  let pglite: import('@electric-sql/pglite').PGlite | null = null;
  let dataSource: DataSource;
  if (options.databaseUrl) {
    dataSource = new DataSource({
      type: 'postgres',
      url: options.databaseUrl,
      entities: ALL_ENTITIES,
      migrations: MIGRATIONS,
      synchronize: false,
      migrationsTransactionMode: 'each',
      poolSize: options.poolSize ?? 10,
      connectTimeoutMS: 5000,
      applicationName: 'tandem',
      extra: { Client: PreparingClient },
    });
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const dir = options.dataDir && options.dataDir !== 'memory://' ? options.dataDir : undefined;
    if (dir) mkdirSync(dir, { recursive: true });
    pglite = await PGlite.create(dir ? { dataDir: dir } : {});
    const Pool = createPGliteSerialPoolClass(pglite);
    dataSource = new DataSource({
      type: 'postgres',
      driver: { Pool },
      entities: ALL_ENTITIES,
      migrations: MIGRATIONS,
      synchronize: false,
      migrationsTransactionMode: 'each',
      installExtensions: false,
      uuidExtension: 'pgcrypto',
    });
  }
  await dataSource.initialize();

  const scoped = <T>(role: ScopeRole, tenantId: string, work: (m: EntityManager) => Promise<T>): Promise<T> =>
    pglite
      ? // In-process PGlite has no round trip to save: TypeORM's own transaction, then the scope.
        dataSource.transaction(async (m) => {
          await m.query(`SELECT set_config('role', $1, true), set_config('app.current_tenant', $2, true)`, [role, tenantId]);
          return work(m);
        })
      : scopedPostgresTransaction(dataSource, role, tenantId, work);

  return {
    kind: pglite ? 'pglite' : 'postgres',
    dataSource,
    tenant(tenantId, work) {
      // A malformed id would make the RLS cast fail loudly; refuse it here with a clear message instead.
      if (!isUuid(tenantId)) return Promise.reject(new Error(`invalid tenant id`));
      return scoped('tandem_app', tenantId, work);
    },
    system(work) {
      return scoped('tandem_system', '', work);
    },
    async migrate() {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      return ran.map((m) => m.name);
    },
    async ping() {
      try {
        await dataSource.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      if (pglite) await pglite.close();
    },
  };
}

/**
 * A PostgreSQL transaction that opens and takes its role and tenant in one round trip (`BEGIN; SELECT
 * set_config(...)` as one simple-protocol message) instead of two: every tenant transaction pays it, and on
 * this kind of machine each round trip is the dominant cost. Only constants and a checked UUID are inlined.
 * TypeORM is told a transaction is active, so nothing run on the manager opens one of its own.
 */
async function scopedPostgresTransaction<T>(dataSource: DataSource, role: ScopeRole, tenantId: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
  if (tenantId !== '' && !isUuid(tenantId)) throw new Error('invalid tenant id');
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as { query(sql: string): Promise<unknown> };
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  let failure: unknown = null;
  try {
    await client.query(`BEGIN; SELECT set_config('role', '${role}', true), set_config('app.current_tenant', '${tenantId}', true)`);
    state.isTransactionActive = true;
    state.transactionDepth = 1;
    const result = await work(runner.manager);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failure = err;
    if (state.isTransactionActive) {
      // A connection that cannot even roll back is dropped from the pool rather than reused.
      await client.query('ROLLBACK').then(
        () => (failure = null),
        () => undefined,
      );
    }
    throw err;
  } finally {
    state.isTransactionActive = false;
    state.transactionDepth = 0;
    if (failure) await (runner as unknown as { releasePostgresConnection(err: unknown): Promise<void> }).releasePostgresConnection(failure);
    else await runner.release();
  }
}
