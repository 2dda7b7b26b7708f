import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * One id per test run. Every PostgreSQL database, Redis queue prefix and S3 server a test makes carries it,
 * so that whatever a test leaves behind (a failed test, an app that was only closed for a restart) is removed
 * when the run ends — and nothing of another run on the same services is touched.
 */
export default function setup(): () => Promise<void> {
  const run = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'reelm-run-'));
  process.env.REELM_TEST_RUN = run;
  process.env.REELM_TEST_RUN_DIR = dir;
  return async () => {
    const pids = join(dir, 'pids');
    if (existsSync(pids)) {
      for (const pid of readFileSync(pids, 'utf8').split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    const admin = new pg.Client({
      connectionString: process.env.REELM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    try {
      await admin.connect();
      const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [
        `reelm_t_${run}_%`,
      ]);
      for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    } catch {
      // PostgreSQL is not running: nothing was made there.
    } finally {
      await admin.end().catch(() => undefined);
    }
    const redis = new Redis(process.env.REELM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0', {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `reelm-t-${run}-*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } catch {
      // Redis is not running: nothing was made there.
    } finally {
      redis.disconnect();
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
