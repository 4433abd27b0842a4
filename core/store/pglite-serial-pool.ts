import { EventEmitter } from 'node:events';
import type { PGlite } from '@electric-sql/pglite';

/**
 * A pg-compatible pool over one PGlite instance for TypeORM's postgres driver.
 *
 * PGlite is a single connection. typeorm-pglite hands it to every query runner at once, so two
 * transactions would interleave their statements. Here a checked-out "client" holds an exclusive
 * lease until TypeORM releases it, which serialises transactions exactly like a pool of size one.
 */
export function createPGliteSerialPoolClass(db: PGlite) {
  let chain: Promise<void> = Promise.resolve();

  /** Wait for the connection; resolves with the function that gives it back. */
  function acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const ready = chain.then(() => release);
    chain = chain.then(() => next);
    return ready;
  }

  class PGliteClient extends EventEmitter {
    query(sql: string, params?: unknown[] | ((err: Error | null, res?: unknown) => void), cb?: (err: Error | null, res?: unknown) => void) {
      if (typeof params === 'function') {
        cb = params;
        params = undefined;
      }
      const run = runQuery(db, sql, params as unknown[] | undefined);
      if (cb) {
        const callback = cb;
        run.then((r) => callback(null, r), (e: Error) => callback(e));
        return undefined;
      }
      return run;
    }
  }

  return class PGliteSerialPool extends EventEmitter {
    connect(callback?: (err: Error | null, client?: PGliteClient, done?: (err?: unknown) => void) => void) {
      const leased = acquire().then((release) => {
        let released = false;
        const done = () => {
          if (!released) {
            released = true;
            release();
          }
        };
        return { client: new PGliteClient(), done };
      });
      if (callback) {
        leased.then(({ client, done }) => callback(null, client, done), (err: Error) => callback(err));
        return undefined;
      }
      return leased.then(({ client }) => client);
    }

    /** Pool-level query (no transaction): leases the connection for one statement. */
    async query(sql: string, params?: unknown[]) {
      const release = await acquire();
      try {
        return await runQuery(db, sql, params);
      } finally {
        release();
      }
    }

    end(cb?: (err?: Error | null) => void) {
      // The owner of the PGlite instance closes it (see data-source.ts).
      cb?.(null);
      return Promise.resolve();
    }
  };
}

/** Runs one statement (with params) or a script (without), shaped like a pg result. */
async function runQuery(db: PGlite, sql: string, params?: unknown[]) {
  if (params && params.length > 0) {
    const res = await db.query(sql, params);
    return toPgResult(sql, res.rows, res.affectedRows, res.fields);
  }
  const results = await db.exec(sql);
  const last = results[results.length - 1];
  return toPgResult(sql, last?.rows ?? [], last?.affectedRows, last?.fields ?? []);
}

function toPgResult(sql: string, rows: unknown[], affectedRows: number | undefined, fields: unknown[]) {
  const command = (/^\s*(\w+)/.exec(sql)?.[1] ?? '').toUpperCase();
  const rowCount = command === 'SELECT' ? rows.length : (affectedRows ?? rows.length);
  return { rows, rowCount, command, fields };
}
