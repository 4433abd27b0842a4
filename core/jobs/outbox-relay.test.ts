import { createTestQueue, dropTestQueueKeys, eventually } from '../../test/helpers/test-queue';
import { openTestStore } from '../../test/helpers/test-store';
import type { Store } from '../store/data-source';
import { one } from '../store/sql';
import type { JobQueue } from '../ports/job-queue.port';
import { JobSystem } from './job-system';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Long enough that eight embedded commits fit in one window on a slow, busy 2-core machine (200 ms did not). */
const KICK_DELAY_MS = 500;

/**
 * Kicks after commits are coalesced: the relay claims once per kick delay, not once per commit, and a
 * steady stream of kicks never postpones the claim indefinitely.
 */
describe('outbox relay kicks', () => {
  let store: Store;
  let queue: JobQueue;
  let jobs: JobSystem;
  let tenantId: string;
  let claims = 0;

  beforeAll(async () => {
    store = await openTestStore();
    tenantId = (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('T') RETURNING id`)))!.id;
    // A long kick delay and no polling make the batching visible in the count of claims.
    queue = createTestQueue();
    jobs = new JobSystem({ store, queue, relay: { pollMs: 60_000, kickDelayMs: KICK_DELAY_MS } });
    jobs.registry.register({ name: 'test.noop', queue: 'test', events: ['thing.happened'], async handle() {} });
    await jobs.start({ relay: true, worker: false });
    await sleep(100); // the first pass at start
    const dispatchOnce = jobs.relay.dispatchOnce.bind(jobs.relay);
    jobs.relay.dispatchOnce = () => {
      claims += 1;
      return dispatchOnce();
    };
  });
  afterAll(async () => {
    await jobs.stop();
    await store.close();
    await dropTestQueueKeys(queue); // a relay alone: no worker took the jobs it queued
  });

  const publishAndKick = (marker: string) =>
    store.tenant(tenantId, (m) => jobs.outbox.publish(m, [{ type: 'thing.happened', tenantId, payload: { marker } }])).then(() => jobs.outbox.notifyCommitted());
  const undispatched = async () =>
    Number((await store.system((m) => one<{ n: string }>(m, `SELECT count(*)::text AS n FROM outbox WHERE dispatched_at IS NULL AND status = 'pending'`)))!.n);

  it('claims the events of several commits in one pass', async () => {
    claims = 0;
    for (let i = 0; i < 8; i += 1) {
      await publishAndKick(`batch-${i}`);
      await sleep(10);
    }
    await eventually(async () => (await undispatched()) === 0, 5_000);
    expect(claims).toBe(1);
  });

  it('keeps claiming while kicks keep coming', async () => {
    claims = 0;
    const until = Date.now() + 3.5 * KICK_DELAY_MS;
    let i = 0;
    while (Date.now() < until) {
      await publishAndKick(`stream-${i++}`);
      await sleep(10);
    }
    // Kicks every ~10 ms for 3.5 kick delays: claims happened during the stream, not only after it.
    expect(claims).toBeGreaterThanOrEqual(2);
    await eventually(async () => (await undispatched()) === 0, 5_000);
  });
});
