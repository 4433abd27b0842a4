import IORedis from 'ioredis';

/** Deletes every Redis key under `prefix:` (a test's or a bench run's BullMQ queues), by SCAN, not KEYS. */
export function dropKeysWithPrefix(redisUrl: string, prefix: string): Promise<void> {
  return dropKeysMatching(redisUrl, `${prefix}:*`);
}

/** Deletes every Redis key matching the glob `pattern`, by SCAN, not KEYS. */
export async function dropKeysMatching(redisUrl: string, pattern: string): Promise<void> {
  const redis = new IORedis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
