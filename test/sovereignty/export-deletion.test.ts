import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openField } from '../../src/regions/keys.js';
import { bearer, filesContaining, removeDir, signup, startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { createClip, createFixtureTables, fixtureCatalog, follow } from './fixtures.js';
import { runDueJobs, type TestUser } from './helpers.js';

const DAY = 86_400_000;

describe('download your data, and account deletion', () => {
  let t: TestApp;
  let now = Date.UTC(2032, 2, 1, 9);
  let ella: TestUser;
  let finn: TestUser;
  let clip: { id: string; dir: string };

  beforeAll(async () => {
    // Embedded: the test reads the job table and the clip folders of the cell.
    t = await startTestApp({ dialect: 'sqlite', clock: { now: () => new Date(now) }, overrides: { catalogParts: fixtureCatalog } });
    await createFixtureTables(t.ctx);
    ella = await signup(t.app, { handle: 'ella_exports', country: 'FR', email: 'ella.export.8812@example.org', birthdate: '1993-03-09' });
    finn = await signup(t.app, { handle: 'finn_follows', country: 'US' });
    await t.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { handle: 'ella_exports', password: 'a long enough passphrase' }, remoteAddress: '203.0.113.61', headers: { 'user-agent': 'EllaBrowser/9.1' } });
    await follow(t.ctx, finn, ella);
    await follow(t.ctx, ella, finn);
    clip = await createClip(t.ctx, ella, { caption: 'ella clip about paris', withSound: true });
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  const runJobs = () => runDueJobs(t);

  function unzip(file: string, entry?: string): string {
    return execFileSync('unzip', entry ? ['-p', file, entry] : ['-Z1', file], { encoding: 'utf8' });
  }

  it('builds a ZIP in the home cell with every category, decrypted, and the user’s clips', async () => {
    const req = await t.app.inject({ method: 'POST', url: '/api/v1/me/export', headers: bearer(ella.token) });
    expect(req.statusCode).toBe(202);
    const { id, status } = req.json();
    expect(status).toBe('queued');
    const job = await t.ctx.cells.get('eu').db.selectFrom('jobs').selectAll().where('name', '=', 'accounts.export').executeTakeFirstOrThrow();
    expect(JSON.parse(job.payload)).toEqual({ exportId: id });
    await runJobs();
    const ready = await t.app.inject({ method: 'GET', url: `/api/v1/me/exports/${id}`, headers: bearer(ella.token) });
    expect(ready.json()).toMatchObject({ id, status: 'ready', url: expect.stringContaining(`/api/v1/me/exports/${id}/download?`), expiresAt: new Date(now + 7 * DAY).toISOString() });
    const zipPath = join(t.dataDir, 'cells', 'eu', 'exports', id, 'reelm-export.zip');
    expect(existsSync(zipPath)).toBe(true);

    const download = await t.app.inject({ method: 'GET', url: ready.json().url, headers: bearer(ella.token) });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/zip');
    const local = join(tempDir(), 'export.zip');
    writeFileSync(local, download.rawPayload);
    const names = unzip(local).split('\n').filter(Boolean);
    for (const name of ['README.txt', 'profile.json', 'sessions.json', 'public.json', 'tables/accounts.json', 'tables/sessions.json', 'tables/test_follows.json', 'tables/videos.json', 'tables/sounds.json', `media/${clip.id}/master.m3u8`, `media/${clip.id}/720p/seg0.m4s`]) {
      expect(names, name).toContain(name);
    }
    expect(JSON.parse(unzip(local, 'profile.json'))).toMatchObject({ id: ella.id, email: 'ella.export.8812@example.org', birthdate: '1993-03-09', country: 'FR' });
    const sessions = JSON.parse(unzip(local, 'sessions.json'));
    expect(sessions).toContainEqual(expect.objectContaining({ ip: '203.0.113.61', userAgent: 'EllaBrowser/9.1' }));
    expect(JSON.parse(unzip(local, 'tables/test_follows.json'))).toHaveLength(2);
    const accountsTable = unzip(local, 'tables/accounts.json');
    expect(accountsTable).not.toContain('password_hash');
    expect(accountsTable).not.toContain('argon2');
    expect(JSON.parse(unzip(local, 'public.json')).videos).toHaveLength(1);
    removeDir(join(local, '..'));

    // Only the owner, only with the genuine signature, only until it expires.
    expect((await t.app.inject({ method: 'GET', url: ready.json().url, headers: bearer(finn.token) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: ready.json().url })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: ready.json().url.replace(/sig=./, 'sig=x'), headers: bearer(ella.token) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/me/exports/${id}`, headers: bearer(finn.token) })).statusCode).toBe(404);
    const later = now;
    now += 8 * DAY;
    expect((await t.app.inject({ method: 'GET', url: ready.json().url, headers: bearer(ella.token) })).json().error.code).toBe('export.link_expired');
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/me/exports/${id}`, headers: bearer(ella.token) })).json()).toEqual({ id, status: 'expired' });
    expect(existsSync(zipPath)).toBe(false);
    now = later;
  });

  it('deactivates at once, lets a login in the grace period cancel it, and purges after it', async () => {
    const wrong = await t.app.inject({ method: 'DELETE', url: '/api/v1/me', headers: bearer(ella.token), payload: { password: 'not my password at all' } });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('account.password_wrong');
    const del = await t.app.inject({ method: 'DELETE', url: '/api/v1/me', headers: bearer(ella.token), payload: { password: 'a long enough passphrase' } });
    expect(del.statusCode).toBe(202);
    expect(del.json()).toEqual({ deleteAfter: new Date(now + 30 * DAY).toISOString() });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(ella.token) })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/ella_exports' })).statusCode).toBe(404);
    const dir = await t.ctx.directory.selectFrom('users').select('status').where('id', '=', ella.id).executeTakeFirstOrThrow();
    expect(dir.status).toBe('deactivated');

    // Logging in during the grace period cancels the deletion.
    now += 3 * DAY;
    const back = await t.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { handle: 'ella_exports', password: 'a long enough passphrase' } });
    expect(back.statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/ella_exports' })).statusCode).toBe(200);

    const again = await t.app.inject({ method: 'DELETE', url: '/api/v1/me', headers: bearer(back.json().token), payload: { password: 'a long enough passphrase' } });
    const deleteAfter = again.json().deleteAfter as string;
    const purgeJob = await t.ctx.cells.get('eu').db.selectFrom('jobs').selectAll().where('name', '=', 'accounts.purge').where('run_at', '=', deleteAfter).executeTakeFirstOrThrow();
    expect(purgeJob.payload).toBe('{}');
    const eu = t.ctx.cells.get('eu');
    const oldAccount = await eu.db.selectFrom('accounts').selectAll().where('id', '=', ella.id).executeTakeFirstOrThrow();
    const oldKey = await eu.db.selectFrom('user_keys').selectAll().where('user_id', '=', ella.id).executeTakeFirstOrThrow();
    expect(openField(eu.keys.unwrapDek(ella.id, oldKey.wrapped_dek), ella.id, 'email', oldAccount.email_enc)).toBe('ella.export.8812@example.org');
    const finnBefore = await t.ctx.directory.selectFrom('users').selectAll().where('id', '=', finn.id).executeTakeFirstOrThrow();

    // Not yet: the purge job is not due, and a purge run now leaves the account alone.
    await runJobs();
    expect(await eu.db.selectFrom('accounts').select('id').where('id', '=', ella.id).executeTakeFirst()).toBeDefined();

    now = new Date(deleteAfter).getTime() + 60_000;
    await runJobs();
    expect(await eu.db.selectFrom('accounts').select('id').where('id', '=', ella.id).executeTakeFirst()).toBeUndefined();
    expect(await eu.db.selectFrom('user_keys').select('user_id').where('user_id', '=', ella.id).executeTakeFirst()).toBeUndefined();
    expect(await eu.db.selectFrom('videos').select('id').where('owner_id', '=', ella.id).execute()).toEqual([]);
    expect(await eu.db.selectFrom('data_exports').select('id').where('user_id', '=', ella.id).execute()).toEqual([]);
    for (const region of ['eu', 'us']) {
      const { rows } = await sql`select * from test_follows where follower_id = ${ella.id} or followee_id = ${ella.id}`.execute(t.ctx.cells.get(region).db);
      expect(rows, region).toEqual([]);
    }
    for (const table of ['users', 'videos', 'sounds'] as const) {
      const col = table === 'users' ? 'id' : 'author_id';
      expect(await (t.ctx.directory as any).selectFrom(table).select('id').where(col, '=', ella.id).execute(), table).toEqual([]);
    }
    const finnAfter = await t.ctx.directory.selectFrom('users').selectAll().where('id', '=', finn.id).executeTakeFirstOrThrow();
    expect(finnAfter.follower_count).toBe(finnBefore.follower_count - 1);
    expect(finnAfter.following_count).toBe(finnBefore.following_count - 1);
    expect(existsSync(clip.dir)).toBe(false);
    expect(existsSync(join(t.dataDir, 'cells', 'eu', 'exports'))).toBe(true);
    // The old sealed email cannot be opened: its data key is gone and no other key opens it.
    expect(() => eu.keys.unwrapDek(ella.id, 'v1.')).toThrow();
    for (const k of await eu.db.selectFrom('user_keys').selectAll().execute()) {
      expect(() => openField(eu.keys.unwrapDek(k.user_id, k.wrapped_dek), ella.id, 'email', oldAccount.email_enc)).toThrow();
    }
    // The handle and ids are gone from every store file, write-ahead logs included.
    expect(filesContaining(t.dataDir, 'ella_exports')).toEqual([]);
    expect(filesContaining(t.dataDir, ella.id)).toEqual([]);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { handle: 'ella_exports', password: 'a long enough passphrase' } })).statusCode).toBe(401);
  });

  it('purges every deactivated account at once on request (reelm accounts purge --now)', async () => {
    const gus = await signup(t.app, { handle: 'gus_goes_now', country: 'AU' });
    await t.app.inject({ method: 'DELETE', url: '/api/v1/me', headers: bearer(gus.token), payload: { password: 'a long enough passphrase' } });
    expect(await t.ctx.deletion.purgeDue('au')).toBe(0);
    expect(await t.ctx.deletion.purgeDue('au', { all: true })).toBe(1);
    expect(await t.ctx.cells.get('au').db.selectFrom('accounts').select('id').where('id', '=', gus.id).executeTakeFirst()).toBeUndefined();
  });
});
