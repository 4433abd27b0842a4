import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';

const dir = () => mkdtempSync(join(tmpdir(), 'tandem-config-'));

describe('loadConfig', () => {
  it('runs on the embedded default with nothing set, generating and keeping a secret key', () => {
    const dataDir = dir();
    const c = loadConfig({ TANDEM_DATA_DIR: dataDir });
    expect(c).toMatchObject({ embedded: true, demo: true, port: 3000, publicUrl: 'http://localhost:3000', databaseUrl: undefined, redisUrl: undefined });
    expect(c.secretKey).toHaveLength(32);
    expect(readFileSync(join(dataDir, 'secret.key'), 'utf8')).toBe(c.secretKey.toString('hex'));
    expect(loadConfig({ TANDEM_DATA_DIR: dataDir }).secretKey.equals(c.secretKey)).toBe(true);
  });

  it('requires a secret key with PostgreSQL, and turns the demo off', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' })).toThrow(/TANDEM_SECRET_KEY: is required when DATABASE_URL is set/);
    const c = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db', TANDEM_SECRET_KEY: 'ab'.repeat(32) });
    expect(c).toMatchObject({ embedded: false, demo: false, databasePoolSize: 10, workerConcurrency: 16, workerNice: 10 });
    expect(loadConfig({ TANDEM_DATA_DIR: dir(), WORKER_CONCURRENCY: '4', WORKER_NICE: '0' })).toMatchObject({ workerConcurrency: 4, workerNice: 0 });
    expect(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db', TANDEM_SECRET_KEY: 'ab'.repeat(32), DATABASE_POOL_SIZE: '4' }).databasePoolSize).toBe(4);
    expect(c.outboxRetentionDays).toBe(7);
    expect(loadConfig({ TANDEM_DATA_DIR: dir(), OUTBOX_RETENTION_DAYS: '30' }).outboxRetentionDays).toBe(30);
  });

  it('reads a numeric setting left blank (`DATABASE_POOL_SIZE=` in an env file) as unset: the default applies', () => {
    const blank = { PORT: '', DATABASE_POOL_SIZE: '', WORKER_CONCURRENCY: ' ', WORKER_NICE: '', OUTBOX_RETENTION_DAYS: '', OPENAI_DAILY_TOKEN_BUDGET: '' };
    const c = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db', TANDEM_SECRET_KEY: 'ab'.repeat(32), ...blank });
    expect(c).toMatchObject({ port: 3000, databasePoolSize: 10, workerConcurrency: 16, workerNice: 10, outboxRetentionDays: 7 });
    expect(c.env.OPENAI_DAILY_TOKEN_BUDGET).toBe(200_000);
  });

  it.each([
    [{ PORT: 'eighty' }, /^invalid configuration: PORT: /],
    [{ PUBLIC_URL: 'not a url' }, /^invalid configuration: PUBLIC_URL: /],
    [{ LOG_LEVEL: 'loud' }, /^invalid configuration: LOG_LEVEL: /],
    [{ DATABASE_POOL_SIZE: '0' }, /^invalid configuration: DATABASE_POOL_SIZE: /],
    [{ WORKER_CONCURRENCY: '0' }, /^invalid configuration: WORKER_CONCURRENCY: /],
    [{ WORKER_NICE: '20' }, /^invalid configuration: WORKER_NICE: /],
    [{ CAPTURE_RATE_PER_IP_PER_MINUTE: '0' }, /^invalid configuration: CAPTURE_RATE_PER_IP_PER_MINUTE: /],
    [{ CAPTURE_RATE_PER_IP_PER_MINUTE: '2.5' }, /^invalid configuration: CAPTURE_RATE_PER_IP_PER_MINUTE: /],
    [{ CAPTURE_RATE_PER_FORM_PER_MINUTE: 'lots' }, /^invalid configuration: CAPTURE_RATE_PER_FORM_PER_MINUTE: /],
    [{ OUTBOX_RETENTION_DAYS: '0' }, /^invalid configuration: OUTBOX_RETENTION_DAYS: /],
    [{ OUTBOX_RETENTION_DAYS: 'a week' }, /^invalid configuration: OUTBOX_RETENTION_DAYS: /],
    [{ TANDEM_ADMIN_TOKEN: 'short' }, /TANDEM_ADMIN_TOKEN must be at least 16 characters/],
    [{ TANDEM_SECRET_KEY: 'zz' }, /^invalid configuration: TANDEM_SECRET_KEY: /],
  ])('rejects %j with one clear line', (env, message) => {
    let err: unknown;
    try {
      loadConfig({ TANDEM_DATA_DIR: dir(), ...env });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('limits form submissions to 20 a minute per IP and 600 per form unless configured', () => {
    expect(loadConfig({ TANDEM_DATA_DIR: dir() })).toMatchObject({ captureRatePerIpPerMinute: 20, captureRatePerFormPerMinute: 600 });
    expect(loadConfig({ TANDEM_DATA_DIR: dir(), CAPTURE_RATE_PER_IP_PER_MINUTE: '5', CAPTURE_RATE_PER_FORM_PER_MINUTE: '3000' })).toMatchObject({
      captureRatePerIpPerMinute: 5,
      captureRatePerFormPerMinute: 3000,
    });
  });

  it('treats empty strings as unset and trims a trailing slash from PUBLIC_URL', () => {
    const c = loadConfig({ TANDEM_DATA_DIR: dir(), DATABASE_URL: '', PUBLIC_URL: 'https://tandem.example.com/' });
    expect(c.embedded).toBe(true);
    expect(c.publicUrl).toBe('https://tandem.example.com');
  });
});
