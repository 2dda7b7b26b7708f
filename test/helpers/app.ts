import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.js';
import { createContext, type AppContext, type Clock, type ContextOverrides } from '../../src/context.js';
import { buildServer, type App } from '../../src/http/server.js';
import { createLogger } from '../../src/logging.js';
import { createPgStores } from './postgres.js';
import { S3_TEST_ENV, startS3 } from './s3.js';

export type Dialect = 'sqlite' | 'postgres';
/** Store tests run the same cases against every dialect. */
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];
/**
 * `REELM_TEST_MODE=cluster` runs the integration suite on the cluster engines: PostgreSQL per cell, an S3
 * bucket per cell (s3rver on loopback) and a BullMQ queue per cell on the local Redis.
 */
export const TEST_MODE: 'embedded' | 'cluster' = process.env.REELM_TEST_MODE === 'cluster' ? 'cluster' : 'embedded';
const TEST_REDIS = process.env.REELM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export type PgStores = Awaited<ReturnType<typeof createPgStores>>;
export type S3Server = Awaited<ReturnType<typeof startS3>>;

export interface TestApp {
  app: App;
  /** The PostgreSQL databases behind this app, when it runs on PostgreSQL. */
  pg: PgStores | undefined;
  /** The S3 server behind this app in cluster mode. */
  s3: S3Server | undefined;
  queuePrefix: string;
  ctx: AppContext;
  config: Config;
  dataDir: string;
  /** Every log line written so far. */
  logs: () => string;
  close: () => Promise<void>;
  /** Closes and removes the data folder and any databases made for this app. */
  destroy: () => Promise<void>;
}

export function tempDir(prefix = 'reelm-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Boots Reelm in-process on a fresh data folder (embedded stores), with logs captured for inspection. */
export async function startTestApp(
  options: {
    dataDir?: string;
    env?: Record<string, string>;
    clock?: Clock;
    configure?: (c: Config) => void;
    dialect?: Dialect;
    /** Reuse the stores of an earlier start (a restart). */
    pg?: PgStores;
    s3?: S3Server;
    queuePrefix?: string;
    overrides?: ContextOverrides;
  } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? tempDir();
  const cluster = TEST_MODE === 'cluster' && options.dialect !== 'sqlite';
  const env: Record<string, string> = {
    REELM_CONFIG: '',
    REELM_DATA_DIR: dataDir,
    REELM_SIGNUP_PER_MINUTE: '1000',
    REELM_LOGIN_PER_MINUTE: '1000',
    ...options.env,
  };
  const regions = loadConfig(env).regions;
  const s3 = cluster ? (options.s3 ?? (await startS3(regions))) : undefined;
  if (cluster) {
    Object.assign(env, S3_TEST_ENV(regions), {
      REELM_QUEUE_PREFIX:
        options.queuePrefix ?? `reelm-t-${process.env.REELM_TEST_RUN ?? 'solo'}-${randomBytes(4).toString('hex')}`,
    });
    for (const r of regions) env[`REELM_QUEUE_${r.toUpperCase()}_URL`] = TEST_REDIS;
  }
  const config = loadConfig(env);
  config.logLevel = 'info';
  if (s3) config.mediaUrls = { ...s3.urls };
  // A restart on PostgreSQL reuses the stores of the first start; otherwise fresh databases are made.
  const pgStores =
    options.pg ?? (options.dialect === 'postgres' || cluster ? await createPgStores(config.regions) : undefined);
  if (pgStores) {
    config.directoryUrl = pgStores.directoryUrl;
    config.cellUrls = { ...pgStores.cellUrls };
  }
  options.configure?.(config);
  const chunks: string[] = [];
  const log = createLogger(
    config.logLevel,
    new Writable({
      write(chunk, _enc, cb) {
        chunks.push(String(chunk));
        cb();
      },
    }),
  );
  const ctx = await createContext(config, {
    ...options.overrides,
    log,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const app = await buildServer(ctx);
  await app.ready();
  return {
    app,
    pg: pgStores,
    s3,
    queuePrefix: config.queuePrefix,
    ctx,
    config,
    dataDir,
    logs: () => chunks.join(''),
    close: async () => {
      await app.close();
      await ctx.close();
    },
    destroy: async () => {
      await app.close();
      await ctx.close();
      if (pgStores && !options.pg) await pgStores.drop();
      if (s3 && !options.s3) await s3.close();
      removeDir(dataDir);
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Every file under a folder, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (statSync(p).isFile()) out.push(p);
  }
  return out;
}

/** Files under `dir` whose bytes contain `needle` (UTF-8). */
export function filesContaining(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  return filesUnder(dir).filter((f) => readFileSync(f).includes(bytes));
}

export interface SignupFields {
  handle: string;
  password?: string;
  email?: string;
  birthdate?: string;
  country?: string;
}

export async function signup(
  app: App,
  fields: SignupFields,
): Promise<{ id: string; handle: string; region: string; token: string }> {
  const body = {
    password: 'a long enough passphrase',
    email: `${fields.handle}@example.org`,
    birthdate: '1995-04-12',
    country: 'US',
    ...fields,
  };
  const res = await app.inject({ method: 'POST', url: '/api/v1/accounts', payload: body });
  if (res.statusCode !== 201) throw new Error(`signup ${fields.handle} failed: ${res.statusCode} ${res.body}`);
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    payload: { handle: body.handle, password: body.password },
  });
  if (login.statusCode !== 201) throw new Error(`login ${fields.handle} failed: ${login.statusCode} ${login.body}`);
  return { ...res.json(), token: login.json().token };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Every row of every table of a store as one string, to search for values that must not be there. */
export async function dumpStore(db: Kysely<any>): Promise<string> {
  const parts: string[] = [];
  for (const table of await db.introspection.getTables()) {
    if (table.isView) continue;
    const rows = await db.selectFrom(table.name).selectAll().execute();
    parts.push(`${table.name}: ${JSON.stringify(rows)}`);
  }
  return parts.join('\n');
}
