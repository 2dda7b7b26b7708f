import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { MOVE_STEPS, movePlan } from '../../src/regions/home-move.js';
import { S3_TEST_ENV } from '../helpers/s3.js';
import { bearer, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';
import { social, type Person } from './social.js';

/**
 * Needs the compiled CLI (`dist/`): `npm test` builds it in `pretest`; alone, run `npm run build:server` first.
 * `reelm accounts move` runs in a real child process that SIGKILLs itself after each step's work and before the
 * step is recorded (REELM_MOVE_CRASH_AFTER, the CLI's test hook); each run resumes the move, the last finishes it.
 */
const ROOT = resolve(import.meta.dirname, '../..');

let runs = 0;
/** Runs the CLI; its output goes to a file (writes to a file are synchronous, so a line before `exit` is kept). */
function runCli(
  dir: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  const file = join(dir, `cli-${++runs}.log`);
  const fd = openSync(file, 'w');
  return new Promise((ok) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/reelm.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, REELM_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', fd, fd],
    });
    child.on('exit', (code, signal) => {
      closeSync(fd);
      ok({ code, signal, out: readFileSync(file, 'utf8') });
    });
  });
}

async function sha(stream: Readable | undefined): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of stream!) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The account's rows per table in one cell, and its clips' objects with their hashes in that region's store. */
async function holdings(ctx: AppContext, region: string, userId: string, clipIds: string[]) {
  const db = ctx.cells.get(region).db as any;
  const rows: Record<string, number> = {};
  for (const part of movePlan(ctx.catalog)) {
    const values = part.by === 'user' ? [userId] : clipIds;
    const found = await db
      .selectFrom(part.table)
      .selectAll()
      .where((eb: any) => eb.or(part.columns.map((c) => eb(c, 'in', values))))
      .execute();
    if (found.length) rows[part.table] = found.length;
  }
  const store = ctx.media.stores.get(region)!;
  const media: Record<string, string> = {};
  for (const id of clipIds) for (const key of await store.list(id)) media[key] = await sha(await store.read(key));
  return { rows, media };
}

describe('a home-region move killed at every step boundary', () => {
  let t: TestApp;
  let mo: Person;
  let fr: Person;
  let eve: Person;
  let clipIds: string[];
  let env: Record<string, string>;
  let original: Awaited<ReturnType<typeof holdings>>;
  let counts: unknown;

  const stats = (ctx: AppContext) =>
    ctx.directory
      .selectFrom('videos')
      .select(['id', 'view_count', 'like_count', 'comment_count'])
      .where('id', 'in', clipIds)
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/src/cli.js'))) throw new Error('build first: npm run build:server');
    t = await startTestApp();
    mo = await signup(t.app, { handle: 'mo_crash', country: 'US' });
    fr = await signup(t.app, { handle: 'fr_crash', country: 'US' });
    eve = await signup(t.app, { handle: 'eve_crash', country: 'DE' });
    const a = await publishTestVideo(t.ctx, mo, { caption: 'first #crash', media: true, soundTitle: 'crash sound' });
    const b = await publishTestVideo(t.ctx, mo, { caption: 'second', media: true });
    clipIds = [a.id, b.id].sort();
    await social.follow(t, fr, mo);
    await social.follow(t, mo, eve);
    await social.like(t, eve, a.id);
    await social.like(t, fr, b.id);
    await social.comment(t, fr, a.id, 'crash-proof?');
    await social.comment(t, eve, b.id, 'hoffentlich');
    await social.watch(t, mo, a.id, 800);
    original = await holdings(t.ctx, 'us', mo.id, clipIds);
    counts = await stats(t.ctx);
    expect(Object.keys(original.media).length).toBeGreaterThan(6);
    // The child processes open the same stores: the data folder (keys, SQLite files) or the PostgreSQL and S3 URLs.
    env = { REELM_CONFIG: '', REELM_DATA_DIR: t.dataDir };
    if (t.config.directoryUrl) env.REELM_DIRECTORY_URL = t.config.directoryUrl;
    for (const [r, url] of Object.entries(t.config.cellUrls)) env[`REELM_CELL_${r.toUpperCase()}_URL`] = url!;
    for (const [r, url] of Object.entries(t.config.mediaUrls)) env[`REELM_MEDIA_${r.toUpperCase()}_URL`] = url!;
    if (t.s3) Object.assign(env, S3_TEST_ENV(t.config.regions));
    await t.close();
  }, 60_000);
  afterAll(async () => {
    await t.pg?.drop();
    await t.s3?.close();
    removeDir(t.dataDir);
  });

  it('resumes after each kill and ends with everything moved once, nothing left behind', async () => {
    const logs = mkdtempSync(join(tmpdir(), 'reelm-move-cli-'));
    const args = ['accounts', 'move', '--handle', mo.handle, '--country', 'DE'];
    for (const step of MOVE_STEPS) {
      const run = await runCli(logs, args, { ...env, REELM_MOVE_CRASH_AFTER: step });
      expect(run.signal, `${step}: ${run.out}`).toBe('SIGKILL');
      if (step !== 'copied') expect(run.out).toContain('resuming move');
    }
    // Killed after the shred's work but before its record: the last run finds the move still to finish.
    const last = await runCli(logs, args, env);
    expect(last.code, last.out).toBe(0);
    expect(last.out).toContain(`moved @${mo.handle} from us to eu`);
    const again = await runCli(logs, args, env);
    expect(again.code).toBe(1);
    expect(again.out).toContain('already lives in region eu');

    const back = await startTestApp({
      dataDir: t.dataDir,
      ...(t.pg ? { pg: t.pg } : {}),
      ...(t.s3 ? { s3: t.s3 } : {}),
    });
    try {
      // Every row and object once in the new cell, none in the old; the counts as they were.
      expect(await holdings(back.ctx, 'eu', mo.id, clipIds)).toEqual(original);
      expect(await holdings(back.ctx, 'us', mo.id, clipIds)).toEqual({ rows: {}, media: {} });
      expect(await stats(back.ctx)).toEqual(counts);
      const moves = await back.ctx.cells.get('eu').db.selectFrom('home_moves').selectAll().execute();
      expect(moves.map((m) => [m.status, m.step])).toEqual([['done', 'shredded']]);
      expect(await back.ctx.cells.get('us').db.selectFrom('home_moves').selectAll().execute()).toEqual([]);
      const outs = await back.ctx.cells
        .get('us')
        .db.selectFrom('audit_entries')
        .select(['actor', 'subject'])
        .where('action', '=', 'account.move_out')
        .execute();
      expect(outs).toEqual([{ actor: 'cli', subject: mo.id }]);
      expect((await back.ctx.audit.for('us').verify()).ok).toBe(true);
      expect((await back.ctx.audit.for('eu').verify()).ok).toBe(true);
      // The session from before the move still works, with the sealed address readable under the new key.
      const me = await back.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(mo.token) });
      expect(me.json()).toMatchObject({ region: 'eu', email: 'mo_crash@example.org' });
      const v = await back.app.inject({ method: 'GET', url: `/api/v1/videos/${clipIds[0]}` });
      expect(v.json().playback.hls).toMatch(/^\/media\/eu\//);
      expect((await back.app.inject({ method: 'GET', url: v.json().playback.hls })).statusCode).toBe(200);
    } finally {
      await back.close();
    }
  });
});
