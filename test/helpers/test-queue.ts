import { BullMqJobQueue } from '../../core/jobs/bullmq.job-queue';
import { InProcessJobQueue } from '../../core/jobs/in-process.job-queue';
import type { JobQueue } from '../../core/ports/job-queue.port';
import { dropKeysWithPrefix } from './redis-keys';

const prefixes = new WeakMap<JobQueue, { redisUrl: string; prefix: string }>();

/**
 * The key prefix every test queue of this run starts with: the global teardown deletes what is left under
 * it (a queue's `meta`, `id` and `events` keys outlive its jobs), and no other run's keys.
 */
export function testRunKeyPrefix(): string {
  return `tandem-test-${process.env.TANDEM_TEST_RUN ?? 'adhoc'}-`;
}

/** BullMQ on REDIS_URL (own key prefix per call) in the real-services tier, in-process otherwise. */
export function createTestQueue(redisUrl = process.env.REDIS_URL): JobQueue {
  if (!redisUrl) return new InProcessJobQueue();
  const prefix = `${testRunKeyPrefix()}${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const queue = new BullMqJobQueue({ redisUrl, prefix });
  prefixes.set(queue, { redisUrl, prefix });
  return queue;
}

/**
 * Deletes a test queue's keys from Redis, for a test that queues jobs no worker takes (a relay alone):
 * they would otherwise stay in Redis after the run. Nothing to do for the in-process queue.
 */
export async function dropTestQueueKeys(queue: JobQueue): Promise<void> {
  const at = prefixes.get(queue);
  if (at) await dropKeysWithPrefix(at.redisUrl, at.prefix);
}

/** Polls until `check` returns a truthy value or the time is up. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms (last: ${last instanceof Error ? last.message : String(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
