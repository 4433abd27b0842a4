import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import type pg from 'pg';
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
import { MessagesSentAt1765400000000 } from './migrations/0010-messages-sent-at';
import { AgentsRemovedAt1765500000000 } from './migrations/0011-agents-removed-at';
import { FirstKeyIsFirstAdmins1765600000000 } from './migrations/0012-first-key-is-first-admins';
import { createPGliteSerialPoolClass } from './pglite-serial-pool';
import { PreparingClient } from './prepared-statements';

export const MIGRATIONS = [InitialSchema1764500000000, OutboxClaimIndex1764600000000, LeadEmailLookup1764700000000, MessagesByLead1764800000000, StuckSends1764900000000, AgentReferencesInTenant1765000000000, CrmSyncClaims1765100000000, TextsAwaitingStatus1765200000000, OutboxRetention1765300000000, MessagesSentAt1765400000000, AgentsRemovedAt1765500000000, FirstKeyIsFirstAdmins1765600000000];

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

/** What a scoped transaction offers the work running in it, on its query runner's `data`. */
export interface ScopeData {
  /** Runs `statement` (one query on the manager) with COMMIT right behind it, and ends the transaction. */
  commitWith<R>(statement: () => Promise<R>): Promise<R>;
}
export const SCOPE = Symbol('tandem.scope');

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** How long opening a PostgreSQL connection may take before it fails. */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * How long a transaction may wait for a free pooled connection. pg's pool reads one setting for this and
 * for opening a connection, and 5 s made a burst that kept the pool busy fail webhooks with a 500: Twilio
 * waits 15 s for an answer and does not retry a failed inbound text, so those texts never reached Tandem.
 * Waiting delays them instead. 30 s is HikariCP's default for the same wait; opening a connection keeps its
 * own CONNECT_TIMEOUT_MS (see `PooledClient`).
 */
export const POOL_WAIT_TIMEOUT_MS = 30_000;

/** The pool's client: the pool hands it the pool's wait as `connectionTimeoutMillis`; it connects within its own. */
class PooledClient extends PreparingClient {
  constructor(config?: pg.ClientConfig) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
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
      connectTimeoutMS: POOL_WAIT_TIMEOUT_MS,
      applicationName: 'tandem',
      // Pipelined: a query is written at once, not when the one before it is answered (see scoped transactions).
      extra: { Client: PooledClient, pipeline: true },
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
 * A PostgreSQL transaction that opens and takes its role and tenant (`BEGIN; SELECT set_config(...)` as one
 * simple-protocol message; only constants and a checked UUID are inlined) without waiting for the answer:
 * the client pipelines, so the work's first statement follows it in the same write and the two share a
 * round trip. PostgreSQL parses a simple-protocol message whole before running any of it, and this text is
 * constant but for a checked UUID, so it cannot fail to parse; once BEGIN has run, a failed setting aborts
 * the transaction, the statements behind it fail with it, and the opening's error is the one thrown. On this kind of machine each round trip is the dominant cost of a short transaction.
 * The work may end the transaction itself with `commitWith` (core/store/sql.ts): its last statement and
 * COMMIT then share a round trip too.
 * TypeORM is told a transaction is active, so nothing run on the manager opens one of its own.
 */
async function scopedPostgresTransaction<T>(dataSource: DataSource, role: ScopeRole, tenantId: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
  if (tenantId !== '' && !isUuid(tenantId)) throw new Error('invalid tenant id');
  const runner = dataSource.createQueryRunner();
  const client = (await runner.connect()) as PreparingClient;
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  // Set by commitWith: COMMIT is on the wire behind the work's last statement.
  const end: { committed: Promise<unknown> | null } = { committed: null };
  const scope: ScopeData = {
    commitWith: async (statement) => {
      end.committed = client.commitAfterNext();
      const [result, commit] = await Promise.allSettled([statement(), end.committed]);
      // A failed statement aborted the transaction, and COMMIT then rolled it back: its error is the news.
      if (result.status === 'rejected') throw result.reason;
      if (commit.status === 'rejected') throw commit.reason;
      return result.value;
    },
  };
  Object.assign(runner.data, { [SCOPE]: scope });
  let failure: unknown = null;
  try {
    const opening = client.open(`BEGIN; SELECT set_config('role', '${role}', true), set_config('app.current_tenant', '${tenantId}', true)`).then(
      () => null,
      (err: unknown) => err ?? new Error('opening the transaction failed'),
    );
    state.isTransactionActive = true;
    state.transactionDepth = 1;
    let result: T;
    try {
      result = await work(runner.manager);
    } catch (err) {
      throw (await opening) ?? err;
    }
    const openFailure = await opening;
    if (openFailure) throw openFailure;
    if (end.committed) await end.committed;
    else await client.query('COMMIT');
    return result;
  } catch (err) {
    failure = err;
    if (state.isTransactionActive && !end.committed) {
      // A connection that cannot even roll back is dropped from the pool rather than reused.
      await client.query('ROLLBACK').then(
        () => (failure = null),
        () => undefined,
      );
    } else if (end.committed) {
      // COMMIT went out with the last statement: the transaction is over either way, the connection clean.
      failure = await end.committed.then(
        () => null,
        (commitErr: unknown) => commitErr,
      );
    }
    throw err;
  } finally {
    state.isTransactionActive = false;
    state.transactionDepth = 0;
    client.unseal();
    delete (runner.data as Record<symbol, unknown>)[SCOPE];
    if (failure) await (runner as unknown as { releasePostgresConnection(err: unknown): Promise<void> }).releasePostgresConnection(failure);
    else await runner.release();
  }
}
