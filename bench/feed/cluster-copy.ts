import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Config } from '../../src/config.js';
import { createContext } from '../../src/context.js';

/** Where the cluster run may create and drop its databases (trust auth on loopback on dev and CI machines). */
const PG_ADMIN_URL = process.env.REELM_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ClusterStores {
  /** The env that points Reelm at these stores. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Makes PostgreSQL databases for the directory and every cell, migrates them, and copies the generated
 * embedded stores into them row for row, so both modes serve exactly the same data.
 */
export async function copyToPostgres(config: Config, log: (line: string) => void): Promise<ClusterStores> {
  const prefix = `reelm_bench_${randomBytes(3).toString('hex')}`;
  const names = {
    directory: `${prefix}_dir`,
    ...Object.fromEntries(config.regions.map((r) => [r, `${prefix}_${r}`])),
  } as Record<string, string>;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  for (const name of Object.values(names)) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const urls = Object.fromEntries(Object.entries(names).map(([k, n]) => [k, withDatabase(PG_ADMIN_URL, n)]));
  const env: Record<string, string> = { REELM_DIRECTORY_URL: urls.directory! };
  for (const r of config.regions) env[`REELM_CELL_${r.toUpperCase()}_URL`] = urls[r]!;

  // Opening a context on the new URLs runs every migration.
  const ctx = await createContext({
    ...config,
    directoryUrl: urls.directory,
    cellUrls: Object.fromEntries(config.regions.map((r) => [r, urls[r]])),
    logLevel: 'warn',
  });
  await ctx.close();

  const t0 = Date.now();
  let rows = 0;
  const pairs: [string, string][] = [[join(config.dataDir, 'directory', 'directory.sqlite'), urls.directory!]];
  for (const r of config.regions) pairs.push([join(config.dataDir, 'cells', r, 'cell.sqlite'), urls[r]!]);
  for (const [file, url] of pairs) {
    const lite = new SQLite(file, { readonly: true });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    for (const { table_name: table } of tables.rows) {
      if (table.startsWith('kysely_')) continue;
      const liteCols = new Set(
        (lite.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name),
      );
      if (liteCols.size === 0) continue;
      const pgCols = (
        await client.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
          [table],
        )
      ).rows.map((c) => c.column_name);
      const cols = pgCols.filter((c) => liteCols.has(c));
      const batch = Math.max(1, Math.floor(30_000 / cols.length));
      const all = lite
        .prepare(`SELECT ${cols.map((c) => `"${c}"`).join(', ')} FROM "${table}"`)
        .raw()
        .all() as unknown[][];
      await client.query('BEGIN');
      for (let i = 0; i < all.length; i += batch) {
        const chunk = all.slice(i, i + batch);
        const values = chunk
          .map((_, j) => `(${cols.map((_, k) => `$${j * cols.length + k + 1}`).join(', ')})`)
          .join(', ');
        await client.query(
          `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES ${values} ON CONFLICT DO NOTHING`,
          chunk.flat(),
        );
      }
      await client.query('COMMIT');
      rows += all.length;
    }
    await client.query('ANALYZE');
    await client.end();
    lite.close();
  }
  log(`copied ${rows} rows into PostgreSQL in ${Date.now() - t0} ms`);
  return {
    env,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      for (const name of Object.values(names)) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
