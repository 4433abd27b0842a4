import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { SecretBox } from '../core/index';

/**
 * The one place that reads process.env. Everything is optional: with nothing set, Tandem runs on its
 * embedded default (PGlite in ./.tandem, in-process queue, console SMS, offline AI).
 */
/** An empty value (`DATABASE_POOL_SIZE=` in an env file or a unit) means unset, as if the line were absent. */
const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalUrl = z.preprocess(blankAsUnset, z.string().trim().url().optional());
/** A whole number in [min, max]; blank or absent gives `fallback` (coerced to 0, it failed the minimum). */
const count = (min: number, max: number, fallback: number) => z.preprocess(blankAsUnset, z.coerce.number().int().min(min).max(max).default(fallback));

const envSchema = z.object({
  PORT: count(0, 65535, 3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: optionalUrl,
  DATABASE_URL: optionalUrl,
  DATABASE_POOL_SIZE: count(1, 200, 10),
  WORKER_CONCURRENCY: count(1, 256, 16),
  WORKER_NICE: count(0, 19, 10),
  OUTBOX_RETENTION_DAYS: count(1, 3650, 7),
  REDIS_URL: optionalUrl,
  CAPTURE_RATE_PER_IP_PER_MINUTE: count(1, 1_000_000, 20),
  CAPTURE_RATE_PER_FORM_PER_MINUTE: count(1, 1_000_000, 600),
  TANDEM_DATA_DIR: z.string().default('./.tandem'),
  TANDEM_SECRET_KEY: z.string().optional(),
  TANDEM_ADMIN_TOKEN: z.string().min(16, 'TANDEM_ADMIN_TOKEN must be at least 16 characters').optional(),
  TANDEM_DEMO: z.enum(['auto', 'on', 'off']).default('auto'),
  TANDEM_TRUST_PROXY: z.string().default('loopback'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL_CLASSIFY: z.string().default('gpt-4o-mini'),
  OPENAI_MODEL_REPLY: z.string().default('gpt-4o'),
  OPENAI_DAILY_TOKEN_BUDGET: count(0, Number.MAX_SAFE_INTEGER, 200_000),
  TWILIO_API_BASE_URL: optionalUrl,
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_BOT_TOKEN: z.string().optional(),
  SLACK_CLIENT_ID: z.string().optional(),
  SLACK_CLIENT_SECRET: z.string().optional(),
  SLACK_STATE_SECRET: z.string().optional(),
  SLACK_API_URL: optionalUrl,
  SLACK_CHANNEL_ID: z.string().regex(/^[CG][A-Z0-9]{6,20}$/, 'SLACK_CHANNEL_ID must be a Slack channel id such as C0123ABCD').optional(),
  SLACK_TENANT_ID: z.string().uuid('SLACK_TENANT_ID must be a tenant id (uuid)').optional(),
  HUBSPOT_CLIENT_ID: z.string().optional(),
  HUBSPOT_CLIENT_SECRET: z.string().optional(),
  HUBSPOT_BASE_PATH: optionalUrl,
  HUBSPOT_PRIVATE_APP_TOKEN: z.string().optional(),
  HUBSPOT_PORTAL_ID: z.string().regex(/^\d+$/, 'HUBSPOT_PORTAL_ID must be the numeric HubSpot account (portal) id').optional(),
  HUBSPOT_TENANT_ID: z.string().uuid('HUBSPOT_TENANT_ID must be a Tandem tenant id (uuid)').optional(),
  SALESFORCE_LOGIN_URL: optionalUrl,
  SALESFORCE_API_VERSION: z.string().trim().regex(/^v?\d{2,3}\.0$/, 'SALESFORCE_API_VERSION must look like v62.0').optional(),
  SALESFORCE_API_BASE_URL: optionalUrl,
});

export type Env = z.infer<typeof envSchema>;

export interface TandemConfig {
  env: Env;
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl?: string;
  /** PostgreSQL connections per process. */
  databasePoolSize: number;
  /** Jobs one process runs at once. */
  workerConcurrency: number;
  /** Niceness a `--role worker` process takes, so jobs yield the CPU to webhook acknowledgements on a shared machine. */
  workerNice: number;
  /** Days a finished outbox row is kept before workers delete it. */
  outboxRetentionDays: number;
  redisUrl?: string;
  /** Form submissions one client IP may make a minute, across all forms. */
  captureRatePerIpPerMinute: number;
  /** Form submissions one form takes a minute from everyone together. */
  captureRatePerFormPerMinute: number;
  dataDir: string;
  secretKey: Buffer;
  /** Embedded default: PGlite, in-process queue, console SMS, demo tenant. */
  embedded: boolean;
  demo: boolean;
}

/** A configuration problem, reported as one clear line at start-up. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates the environment. Throws ConfigError with a one-line message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): TandemConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.TANDEM_DATA_DIR);
  const embedded = !e.DATABASE_URL;
  let secretKey: Buffer;
  try {
    secretKey = e.TANDEM_SECRET_KEY ? SecretBox.parseKey(e.TANDEM_SECRET_KEY) : embeddedSecretKey(dataDir, embedded);
  } catch (err) {
    throw new ConfigError(`invalid configuration: TANDEM_SECRET_KEY: ${(err as Error).message}`);
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    env: e,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerNice: e.WORKER_NICE,
    outboxRetentionDays: e.OUTBOX_RETENTION_DAYS,
    redisUrl: e.REDIS_URL,
    captureRatePerIpPerMinute: e.CAPTURE_RATE_PER_IP_PER_MINUTE,
    captureRatePerFormPerMinute: e.CAPTURE_RATE_PER_FORM_PER_MINUTE,
    dataDir,
    secretKey,
    embedded,
    demo: e.TANDEM_DEMO === 'on' || (e.TANDEM_DEMO === 'auto' && embedded),
  };
}

/**
 * The embedded default keeps its own key in the data directory so a first run needs no setup.
 * With PostgreSQL the key must be given: secrets must not depend on one machine's disk.
 */
function embeddedSecretKey(dataDir: string, embedded: boolean): Buffer {
  if (!embedded) throw new Error('is required when DATABASE_URL is set (64 hex characters; e.g. `openssl rand -hex 32`)');
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return SecretBox.parseKey(readFileSync(file, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex'), { mode: 0o600 });
  return key;
}
