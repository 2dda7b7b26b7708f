import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where tests may create and drop their own databases (trust auth on loopback on dev and CI machines). */
export const PG_ADMIN_URL = process.env.REELM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates one fresh database per store (directory + each region) and returns their URLs and a dropper. */
export async function createPgStores(
  regions: string[],
): Promise<{ directoryUrl: string; cellUrls: Record<string, string>; drop: () => Promise<void> }> {
  // The run id lets the suite's teardown drop whatever a test left behind.
  const prefix = `reelm_t_${process.env.REELM_TEST_RUN ?? 'solo'}_${randomBytes(4).toString('hex')}`;
  const names = [`${prefix}_dir`, ...regions.map((r) => `${prefix}_${r}`)];
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    for (const name of names) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    directoryUrl: withDatabase(PG_ADMIN_URL, names[0]!),
    cellUrls: Object.fromEntries(regions.map((r, i) => [r, withDatabase(PG_ADMIN_URL, names[i + 1]!)])),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        for (const name of names) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
