import { dropKeysMatching } from './helpers/redis-keys';
import { testRunKeyPrefix } from './helpers/test-queue';

/**
 * Removes the Redis keys this run's test queues left behind: BullMQ keeps a queue's `meta`, `id` and
 * `events` keys after its jobs are gone, and a test file that closes its queue cannot tell whether a worker
 * of another file still uses the same Redis. Runs once, after every test file.
 */
export default async function globalTeardown(): Promise<void> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl || !process.env.TANDEM_TEST_RUN) return;
  await dropKeysMatching(redisUrl, `${testRunKeyPrefix()}*`);
}
