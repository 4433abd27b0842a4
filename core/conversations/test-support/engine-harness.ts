import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { createTestQueue, eventually as poll } from '../../../test/helpers/test-queue';
import { copyTemplate, withDatabase } from '../../../test/helpers/test-store';
import { createEngine, type Engine } from '../../engine/create-engine';
import type { TenantSettings } from '../../tenants/tenant-settings';
import type { OutboundSms, SentLookup, SentSms, SmsProvider, SmsSendResult } from '../../ports/sms-provider.port';
import type { Store } from '../../store/data-source';
import { one, rows } from '../../store/sql';

/** Polls until `check` gives a truthy value and returns it (typed without the falsy cases). */
export function eventually<T>(check: () => Promise<T> | T, timeoutMs?: number): Promise<NonNullable<Exclude<T, false | '' | 0>>> {
  return poll(check, timeoutMs) as Promise<NonNullable<Exclude<T, false | '' | 0>>>;
}

/** A mutable clock for quiet hours and follow-ups. */
export function fakeClock(iso: string) {
  let now = new Date(iso);
  const clock = () => new Date(now);
  return Object.assign(clock, {
    set(next: string) {
      now = new Date(next);
    },
  });
}

/**
 * A whole engine for one test file on the tier's services: a fresh PostgreSQL database (DATABASE_URL) or a
 * copy of the migrated PGlite template; BullMQ on REDIS_URL or the in-process queue.
 */
export async function openTestEngine(options: { clock?: () => Date; publicUrl?: string } = {}): Promise<{ engine: Engine; close(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  let cleanup: () => Promise<void>;
  let store: { databaseUrl?: string; dataDir?: string; poolSize?: number };
  if (url) {
    const name = `tandem_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    store = { databaseUrl: withDatabase(url, name), poolSize: 10 };
    cleanup = async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    const dataDir = copyTemplate();
    store = { dataDir };
    cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
  }
  const engine = await createEngine({
    store,
    redisUrl: process.env.REDIS_URL,
    secretKey: randomBytes(32),
    publicUrl: options.publicUrl ?? 'https://tandem.example.com',
    clock: options.clock,
    jobs: { queue: createTestQueue(), pollMs: 50, leaseMs: 5000, backoffMs: () => 50 },
  });
  await engine.migrate();
  return {
    engine,
    async close() {
      await engine.stop();
      await cleanup();
    },
  };
}

/** A tenant with an agent key, optionally a number and settings. */
export async function createTenant(engine: Engine, input: { name?: string; settings?: Partial<TenantSettings>; number?: string } = {}) {
  const { tenant, apiKey } = await engine.tenants.create({ name: input.name ?? 'Acme Homes', settings: input.settings, adminName: 'Ada Admin' });
  if (input.number) {
    await engine.store.tenant(tenant.id, (m) => m.query(`INSERT INTO phone_numbers (tenant_id, e164) VALUES ($1, $2)`, [tenant.id, input.number]));
  }
  const agent = await engine.agents.create(tenant.id, { name: 'Sam Agent', email: `sam+${tenant.id.slice(0, 6)}@example.com` });
  const { key: agentKey } = await engine.apiKeys.create(tenant.id, { name: 'Sam', role: 'agent', agentId: agent.id });
  return { tenantId: tenant.id, adminKey: apiKey, agentKey, agentId: agent.id };
}

/** A lead with form consent and an open conversation, as capture leaves them. */
export async function createLead(engine: Engine, tenantId: string, input: { phone: string; firstName?: string; consent?: 'granted' | 'none' }) {
  return engine.store.tenant(tenantId, async (m) => {
    const lead = await one<{ id: string }>(
      m,
      `INSERT INTO leads (tenant_id, phone, first_name, consent_state) VALUES ($1, $2, $3, $4) RETURNING id`,
      [tenantId, input.phone, input.firstName ?? 'Jamie', input.consent ?? 'granted'],
    );
    if ((input.consent ?? 'granted') === 'granted') {
      await m.query(`INSERT INTO consent_events (tenant_id, lead_id, kind, source, proof) VALUES ($1, $2, 'opt_in', 'form', '{}'::jsonb)`, [tenantId, lead!.id]);
    }
    const c = await one<{ id: string }>(m, `INSERT INTO conversations (tenant_id, lead_id) VALUES ($1, $2) RETURNING id`, [tenantId, lead!.id]);
    return { leadId: lead!.id, conversationId: c!.id };
  });
}

/** An SMS provider that records what it was asked to send. */
export class RecordingSmsProvider implements SmsProvider {
  readonly name = 'recording';
  readonly sent: OutboundSms[] = [];
  /** Texts the provider holds, as `findSent` answers from them. */
  readonly accepted: Array<{ sms: OutboundSms; id: string; at: Date }> = [];
  private n = 0;
  /** Make the next send fail with this error. */
  failNext: Error | null = null;
  /** Accept the next text, then fail with this error as if the answer was lost on the way back. */
  loseNextAnswer: Error | null = null;
  /** Make lookups fail with this error while set. */
  failLookups: Error | null = null;
  lookups = 0;
  /** What `fetchStatus` answers per provider id (null: deleted); unset, `queued` for a text it took and null for any other id. */
  readonly statuses = new Map<string, SentSms | null>();
  fetches: string[] = [];

  async send(sms: OutboundSms): Promise<SmsSendResult> {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    this.sent.push(sms);
    this.n += 1;
    const id = `SMrec${this.n.toString().padStart(29, '0')}${Math.random().toString(36).slice(2, 5)}`;
    this.accepted.push({ sms, id, at: new Date() });
    if (this.loseNextAnswer) {
      const e = this.loseNextAnswer;
      this.loseNextAnswer = null;
      throw e;
    }
    return { providerMessageId: id, status: 'queued' };
  }

  async findSent(lookup: SentLookup): Promise<SentSms[]> {
    this.lookups += 1;
    if (this.failLookups) throw this.failLookups;
    return this.accepted
      .filter((a) => a.sms.to === lookup.to && a.sms.body === lookup.body && a.at.getTime() >= lookup.since.getTime())
      .map((a) => ({ providerMessageId: a.id, status: 'queued' as const, errorCode: null }));
  }

  async fetchStatus(providerMessageId: string): Promise<SentSms | null> {
    this.fetches.push(providerMessageId);
    if (this.failLookups) throw this.failLookups;
    if (this.statuses.has(providerMessageId)) return this.statuses.get(providerMessageId)!;
    return this.accepted.some((a) => a.id === providerMessageId) ? { providerMessageId, status: 'queued', errorCode: null } : null;
  }
}

export async function messagesOf(engine: Engine, tenantId: string, conversationId: string) {
  return engine.store.tenant(tenantId, (m) =>
    rows<{ id: string; direction: string; author: string; body: string; status: string; meta: Record<string, unknown>; scheduled_for: Date | null; error_code: string | null; provider_message_id: string | null }>(
      m,
      `SELECT id, direction, author, body, status, meta, scheduled_for, error_code, provider_message_id FROM messages WHERE conversation_id = $1 ORDER BY created_at, id`,
      [conversationId],
    ),
  );
}

/**
 * Runs `run` and returns the statements each tenant transaction ran meanwhile, transaction by transaction
 * (the statements issued on its EntityManager; opening and committing are not among them). Only for runs
 * with nothing else in flight: every `store.tenant` call is recorded.
 */
export async function statementsPerTransaction(store: Store, run: () => Promise<unknown>): Promise<string[][]> {
  const tenant = store.tenant;
  const original: Store['tenant'] = tenant.bind(store);
  const transactions: string[][] = [];
  store.tenant = (tenantId, work) =>
    original(tenantId, (m) => {
      const statements: string[] = [];
      transactions.push(statements);
      const recording = new Proxy(m, {
        get(target, property, receiver) {
          if (property !== 'query') return Reflect.get(target, property, receiver);
          return (sql: string, params?: unknown[]) => {
            statements.push(sql);
            return target.query(sql, params);
          };
        },
      });
      return work(recording);
    });
  try {
    await run();
  } finally {
    store.tenant = tenant;
  }
  return transactions;
}

