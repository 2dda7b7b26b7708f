import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.js';
import { createContext, type AppContext, type Clock, type ContextOverrides } from '../../src/context.js';
import { buildServer, type App } from '../../src/http/server.js';
import { createLogger } from '../../src/logging.js';

export interface TestApp {
  app: App;
  ctx: AppContext;
  config: Config;
  dataDir: string;
  /** Every log line written so far. */
  logs: () => string;
  close: () => Promise<void>;
}

export function tempDir(prefix = 'reelm-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Boots Reelm in-process on a fresh data folder (embedded stores), with logs captured for inspection. */
export async function startTestApp(
  options: { dataDir?: string; env?: Record<string, string>; clock?: Clock; configure?: (c: Config) => void; overrides?: Omit<ContextOverrides, 'log' | 'clock'> } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? tempDir();
  const config = loadConfig({ REELM_DATA_DIR: dataDir, REELM_SIGNUP_PER_MINUTE: '1000', REELM_LOGIN_PER_MINUTE: '1000', ...options.env });
  config.logLevel = 'info';
  options.configure?.(config);
  const chunks: string[] = [];
  const log = createLogger(config.logLevel, new Writable({ write(chunk, _enc, cb) { chunks.push(String(chunk)); cb(); } }));
  const ctx = await createContext(config, { log, ...options.overrides, ...(options.clock ? { clock: options.clock } : {}) });
  const app = await buildServer(ctx);
  await app.ready();
  return {
    app,
    ctx,
    config,
    dataDir,
    logs: () => chunks.join(''),
    close: async () => {
      await app.close();
      await ctx.close();
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

export async function signup(app: App, fields: SignupFields): Promise<{ id: string; handle: string; region: string; token: string }> {
  const body = {
    password: 'a long enough passphrase',
    email: `${fields.handle}@example.org`,
    birthdate: '1995-04-12',
    country: 'US',
    ...fields,
  };
  const res = await app.inject({ method: 'POST', url: '/api/v1/accounts', payload: body });
  if (res.statusCode !== 201) throw new Error(`signup ${fields.handle} failed: ${res.statusCode} ${res.body}`);
  const login = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { handle: body.handle, password: body.password } });
  if (login.statusCode !== 201) throw new Error(`login ${fields.handle} failed: ${login.statusCode} ${login.body}`);
  return { ...res.json(), token: login.json().token };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
