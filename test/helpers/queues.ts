import { Redis } from 'ioredis';
import type { TestApp } from './app.js';

/**
 * Every job payload an app has queued, as stored: the cells' `jobs` tables (the embedded queue) and the `data`
 * field of each BullMQ job hash under the app's queue prefix in Redis (the cluster queue, which never writes to
 * the table). For checks that no payload holds protected data, whichever queue carries the jobs.
 */
export async function storedJobPayloads(t: TestApp): Promise<string[]> {
  const payloads: string[] = [];
  for (const cell of t.ctx.cells.all())
    payloads.push(...(await cell.db.selectFrom('jobs').select('payload').execute()).map((j) => j.payload));
  const urls = [...new Set(Object.values(t.config.queueUrls).filter((u): u is string => !!u))];
  for (const url of urls) {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${t.queuePrefix}:*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          // A job is a hash `<prefix>:<queue>:<id>` with a `data` field; the queue's other keys have none.
          if ((await redis.type(key)) !== 'hash') continue;
          const data = await redis.hget(key, 'data');
          if (data !== null) payloads.push(data);
        }
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
  return payloads;
}
