import { BullMqJobQueue } from '../../core/jobs/bullmq.job-queue';
import { InProcessJobQueue } from '../../core/jobs/in-process.job-queue';
import type { JobQueue } from '../../core/ports/job-queue.port';

/** BullMQ on REDIS_URL (own key prefix per call) in the real-services tier, in-process otherwise. */
export function createTestQueue(redisUrl = process.env.REDIS_URL): JobQueue {
  if (redisUrl) return new BullMqJobQueue({ redisUrl, prefix: `tandem-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}` });
  return new InProcessJobQueue();
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
