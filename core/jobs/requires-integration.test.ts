import { randomBytes } from 'node:crypto';
import { createTestQueue, eventually } from '../../test/helpers/test-queue';
import { openTestStore } from '../../test/helpers/test-store';
import { IntegrationService } from '../integrations/integration.service';
import type { QueuedJob } from '../ports/job-queue.port';
import type { Store } from '../store/data-source';
import { SecretBox } from '../store/secret-box';
import { one } from '../store/sql';
import type { DomainEvent } from './job-registry';
import { JobSystem } from './job-system';
import { NOT_CONNECTED_NOTE_PREFIX } from './outbox-relay';

interface OutboxState {
  status: string;
  attempts: number;
  last_error: string | null;
  processed: boolean;
  dispatched: boolean;
}

describe(`jobs whose handler requires an integration (${process.env.REDIS_URL ? 'BullMQ on Redis' : 'in-process'})`, () => {
  let store: Store;
  let jobs: JobSystem;
  let integrations: IntegrationService;
  const queue = createTestQueue();
  const enqueued: QueuedJob[] = [];
  const synced: DomainEvent[] = [];
  const recorded: DomainEvent[] = [];
  let seq = 0;

  beforeAll(async () => {
    store = await openTestStore();
    integrations = new IntegrationService(store, new SecretBox(randomBytes(32)));
    const enqueue = queue.enqueue.bind(queue);
    jest.spyOn(queue, 'enqueue').mockImplementation(async (list) => {
      enqueued.push(...list);
      return enqueue(list);
    });
    jobs = new JobSystem({ store, queue, relay: { pollMs: 50, leaseMs: 600_000 }, runner: { backoffMs: () => 30 } });
    jobs.registry.register({
      name: 'sync.hubspot',
      queue: 'gate',
      events: ['lead.touched'],
      maxAttempts: 2,
      requiresIntegration: 'hubspot',
      async handle(event) {
        synced.push(event);
        if (event.payload.fail) throw new Error('hubspot down');
      },
    });
    jobs.registry.register({
      name: 'plain.record',
      queue: 'gate',
      events: ['lead.touched'],
      async handle(event) {
        recorded.push(event);
      },
    });
    await jobs.start({ relay: true, worker: true });
  });
  afterAll(async () => {
    await jobs.stop();
    await store.close();
  });

  const newTenant = async (hubspot: 'none' | 'enabled' | 'disabled') => {
    const id = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('T') RETURNING id`)))!.id;
    if (hubspot !== 'none') await integrations.put(id, 'hubspot', { externalId: null, enabled: hubspot === 'enabled', config: { token: 't' } });
    return id;
  };

  const publish = async (tenantId: string, extra: { fail?: boolean; only?: string[] } = {}) => {
    const marker = `m${++seq}`;
    await store.tenant(tenantId, (m) =>
      jobs.outbox.publish(m, [{ type: 'lead.touched', tenantId, payload: { marker, fail: extra.fail ?? false }, only: extra.only }]),
    );
    jobs.outbox.notifyCommitted();
    return marker;
  };

  const rowOf = (marker: string, topic: string) =>
    store.system((m) =>
      one<OutboxState & { id: string }>(
        m,
        `SELECT id::text AS id, status, attempts, last_error, processed_at IS NOT NULL AS processed, dispatched_at IS NOT NULL AS dispatched
           FROM outbox WHERE payload->>'marker' = $1 AND topic = $2`,
        [marker, topic],
      ),
    );

  /** Both rows of one event are finished (the plain one tells us the relay has passed it). */
  const settled = async (marker: string) => {
    await eventually(async () => (await rowOf(marker, 'plain.record'))?.status === 'done');
    return eventually(async () => {
      const row = await rowOf(marker, 'sync.hubspot');
      return row && row.status !== 'pending' ? row : null;
    });
  };

  /** Publishing wrote no row for the handler (the tenant lacked the integration then); the plain one ran. */
  const expectNoRow = async (marker: string) => {
    await eventually(async () => (await rowOf(marker, 'plain.record'))?.status === 'done');
    expect(await rowOf(marker, 'sync.hubspot')).toBeNull();
    expect(synced.filter((e) => e.payload.marker === marker)).toEqual([]);
    expect(recorded.filter((e) => e.payload.marker === marker)).toHaveLength(1);
  };

  /** The row was written, but the relay settled it unrun: the integration went away before the claim. */
  const expectSettledUnrun = async (marker: string) => {
    const row = (await settled(marker))!;
    expect(row).toEqual({
      id: row.id,
      status: 'done',
      attempts: 0,
      last_error: `${NOT_CONNECTED_NOTE_PREFIX} hubspot integration`,
      processed: true,
      dispatched: false,
    });
    expect(synced.filter((e) => e.payload.marker === marker)).toEqual([]);
    expect(enqueued.filter((j) => j.id === row.id)).toEqual([]);
    // The handler without a requirement ran as usual.
    expect(recorded.filter((e) => e.payload.marker === marker)).toHaveLength(1);
    return row;
  };

  const expectRan = async (marker: string) => {
    const row = (await settled(marker))!;
    expect(row).toMatchObject({ status: 'done', attempts: 1, last_error: null });
    expect(synced.filter((e) => e.payload.marker === marker)).toHaveLength(1);
    expect(enqueued.filter((j) => j.id === row.id)).toHaveLength(1);
  };

  it('writes no row for the handler when the tenant has no such integration, so nothing is queued or run', async () => {
    await expectNoRow(await publish(await newTenant('none')));
  });

  it('treats a disabled integration as none', async () => {
    await expectNoRow(await publish(await newTenant('disabled')));
  });

  it('queues and runs the job when the tenant has the integration enabled', async () => {
    await expectRan(await publish(await newTenant('enabled')));
  });

  it('sees an integration connected just before the event (no cache)', async () => {
    const tenantId = await newTenant('none');
    await expectNoRow(await publish(tenantId));
    await integrations.put(tenantId, 'hubspot', { externalId: null, enabled: true, config: { token: 't' } });
    await expectRan(await publish(tenantId));
  });

  it('settles a retried dead job once the integration is gone, and runs it when it is back', async () => {
    const tenantId = await newTenant('enabled');
    const marker = await publish(tenantId, { fail: true });
    const dead = (await settled(marker))!;
    expect(dead).toMatchObject({ status: 'dead', attempts: 2, last_error: 'hubspot down' });
    const runsBefore = synced.length;

    await integrations.put(tenantId, 'hubspot', { externalId: null, enabled: false, config: { token: 't' } });
    expect(await jobs.retryDead(tenantId, dead.id)).toBe(true);
    await eventually(async () => (await rowOf(marker, 'sync.hubspot'))!.status === 'done');
    expect(await rowOf(marker, 'sync.hubspot')).toMatchObject({ attempts: 0, last_error: `${NOT_CONNECTED_NOTE_PREFIX} hubspot integration` });
    expect(synced.length).toBe(runsBefore);
    expect(await jobs.deadLetters(tenantId)).toEqual([]);

    // Reconnected: a dead job retried runs again.
    await integrations.put(tenantId, 'hubspot', { externalId: null, enabled: true, config: { token: 't' } });
    const again = await publish(tenantId, { fail: true });
    const deadAgain = (await settled(again))!;
    expect(deadAgain.status).toBe('dead');
    await store.system((m) => m.query(`UPDATE outbox SET payload = jsonb_set(payload, '{fail}', 'false') WHERE id = $1`, [deadAgain.id]));
    expect(await jobs.retryDead(tenantId, deadAgain.id)).toBe(true);
    await eventually(async () => (await rowOf(again, 'sync.hubspot'))!.status === 'done');
    expect(await rowOf(again, 'sync.hubspot')).toMatchObject({ attempts: 1 });
    expect(synced.filter((e) => e.payload.marker === again && !e.payload.fail)).toHaveLength(1);
  });

  it('applies to an event targeted at that handler with `only`', async () => {
    const without = await newTenant('none');
    const withIt = await newTenant('enabled');
    const skipped = await publish(without, { only: ['sync.hubspot'] });
    const ran = await publish(withIt, { only: ['sync.hubspot'] });
    await eventually(async () => (await rowOf(ran, 'sync.hubspot'))?.status === 'done');
    expect(synced.map((e) => e.payload.marker)).toContain(ran);
    expect(synced.map((e) => e.payload.marker)).not.toContain(skipped);
    expect(await rowOf(skipped, 'sync.hubspot')).toBeNull();
    expect(await rowOf(skipped, 'plain.record')).toBeNull();
  });

  it('checks a whole claimed batch, across tenants, in the claim statement itself', async () => {
    await jobs.relay.stop();
    const tenants = [await newTenant('enabled'), await newTenant('enabled'), await newTenant('enabled')];
    const markers: string[] = [];
    for (const t of tenants) markers.push(await publish(t), await publish(t));
    // Between publish and claim, one tenant removes HubSpot and another disables it.
    await integrations.remove(tenants[0]!, 'hubspot');
    await integrations.put(tenants[2]!, 'hubspot', { externalId: null, enabled: false, config: { token: 't' } });

    // Record every statement while the relay claims (a worker may run jobs meanwhile: it never reads integrations).
    const statements: string[] = [];
    const system = store.system.bind(store);
    const spy = jest.spyOn(store, 'system').mockImplementation((work) =>
      system((m) =>
        work(new Proxy(m, { get: (target, key) => (key === 'query' ? (sql: string, params?: unknown[]) => (statements.push(sql), target.query(sql, params)) : Reflect.get(target, key)) })),
      ),
    );
    const enqueueCalls = jest.mocked(queue.enqueue).mock.calls.length;
    const enqueuedBefore = enqueued.length;
    const claimed = await jobs.relay.dispatchOnce();
    spy.mockRestore();
    jobs.relay.start();

    expect(claimed).toBe(12);
    const integrationReads = statements.filter((sql) => /\bintegrations\b/.test(sql));
    expect(integrationReads).toHaveLength(1);
    expect(integrationReads[0]).toMatch(/FOR UPDATE SKIP LOCKED/);
    // One enqueue: the plain rows of every tenant and the HubSpot rows of the connected tenant only.
    expect(jest.mocked(queue.enqueue).mock.calls.length - enqueueCalls).toBe(1);
    expect(enqueued.length - enqueuedBefore).toBe(8);
    for (const [i, marker] of markers.entries()) {
      if (i === 2 || i === 3) await expectRan(marker);
      else await expectSettledUnrun(marker);
    }
  });
});
