#!/usr/bin/env -S npx tsx
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createEngine, type ProcessRole } from '../../core/index';
import { compose, connectors, routes, seedDemo } from '../compose';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { startServer } from '../main';
import { describeDatabaseError } from '../startup-errors';

const USAGE = `Usage:
  tandem start [--role all|api|worker]   serve the API and/or run background jobs (default: all)
  tandem migrate                         apply database migrations
  tandem tenant create --name NAME [--admin-email EMAIL]
                                         create a tenant and print its first admin API key (shown once)`;

/** Prints one clear line and exits non-zero: the contract for every start-up failure. */
function fail(message: string): never {
  process.stderr.write(`tandem: ${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const [command, sub, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : String(err));
  }
  const logger = createLogger(config.env.LOG_LEVEL);

  if (command === 'start') {
    const { values } = parseArgs({ args: [sub, ...rest].filter(Boolean) as string[], options: { role: { type: 'string', default: 'all' } } });
    const role = values.role as ProcessRole;
    if (!['all', 'api', 'worker'].includes(role)) fail(`--role must be all, api or worker (got "${role}")`);
    let running;
    try {
      running = await startServer({ config, logger, role, connectors, routes, compose, seedDemo });
    } catch (err) {
      fail((err as Error).message);
    }
    const mode = config.embedded ? 'embedded (PGlite, in-process queue)' : `PostgreSQL${config.redisUrl ? ' + Redis' : ''}`;
    process.stdout.write(`\nTandem is running (${role}, ${mode})\n  Local URL:    ${running.url}\n`);
    if (running.demo) process.stdout.write(`  Demo API key: ${running.demo.apiKey}\n  Data:         ${config.dataDir}\n`);
    process.stdout.write('\n');
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down: draining jobs in flight');
      const force = setTimeout(() => process.exit(1), 25_000);
      force.unref();
      running.stop().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err: (err as Error).message }, 'error during shutdown');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    return;
  }

  if (command === 'migrate' || (command === 'tenant' && sub === 'create')) {
    let engine;
    try {
      engine = await createEngine({
        store: config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: `${config.dataDir}/pgdata` },
        secretKey: config.secretKey,
        publicUrl: config.publicUrl,
        logger,
      });
    } catch (err) {
      fail(describeDatabaseError(err, config));
    }
    try {
      const ran = await engine.migrate();
      if (command === 'migrate') {
        process.stdout.write(ran.length ? `applied: ${ran.join(', ')}\n` : 'database is up to date\n');
        return;
      }
      const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, 'admin-email': { type: 'string' } } });
      if (!values.name) fail('tenant create needs --name');
      const { tenant, apiKey } = await engine.tenants.create({ name: values.name, adminEmail: values['admin-email'] ?? null });
      process.stdout.write(`tenant ${tenant.id} (${tenant.name})\nadmin API key (shown once): ${apiKey}\n`);
    } finally {
      await engine.stop();
    }
    return;
  }
  fail(`unknown command "${argv.join(' ')}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((err) => fail((err as Error).message));
