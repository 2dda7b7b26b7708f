import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openField } from '../../src/regions/keys.js';
import { bearer, filesContaining, removeDir, signup, tempDir } from '../helpers/app.js';
import { readZip } from '../helpers/zip.js';
import { publishTestVideo } from '../helpers/videos.js';
import { startMediaApp, type MediaTestApp } from '../media/helpers.js';
import { runDueJobs, type TestUser } from './helpers.js';
import { social, uploadClip } from './social.js';

const DAY = 86_400_000;

describe('download your data, and account deletion', () => {
  let t: MediaTestApp;
  let now = Date.UTC(2032, 2, 1, 9);
  let ella: TestUser;
  let finn: TestUser;
  let hal: TestUser;
  let ivy: TestUser;
  let clip: { id: string; dir: string };
  let finnClip: string;
  let ellaComment: string;
  let finnReply: string;

  beforeAll(async () => {
    // Embedded: the test reads the job table and the clip folders of the cell.
    t = await startMediaApp({ dialect: 'sqlite', clock: { now: () => new Date(now) } });
    ella = await signup(t.app, {
      handle: 'ella_exports',
      country: 'FR',
      email: 'ella.export.8812@example.org',
      birthdate: '1993-03-09',
    });
    finn = await signup(t.app, { handle: 'finn_follows', country: 'US' });
    hal = await signup(t.app, { handle: 'hal_private_au', country: 'AU' });
    ivy = await signup(t.app, { handle: 'ivy_blocked', country: 'US' });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      payload: { handle: 'ella_exports', password: 'a long enough passphrase' },
      remoteAddress: '203.0.113.61',
      headers: { 'user-agent': 'EllaBrowser/9.1' },
    });
    const id = await uploadClip(t, ella, 'ella clip about #paris');
    clip = { id, dir: join(t.dataDir, 'cells', 'eu', 'media', id) };
    finnClip = (await publishTestVideo(t.ctx, finn, { caption: 'finn in #ohio', durationMs: 8000 })).id;

    // Ella's own social life: follows (one a request to a private account), likes, favorites, history,
    // comments on a clip in another region, a block; and what others do to her: a follower, a reply, a like.
    await social.privateAccount(t, hal);
    await social.follow(t, finn, ella);
    await social.follow(t, ella, finn);
    await social.follow(t, ella, hal);
    await social.like(t, ella, finnClip);
    await social.favorite(t, ella, finnClip);
    await social.watch(t, ella, finnClip, 4000, true);
    ellaComment = await social.comment(t, ella, finnClip, 'ella says bonjour from paris');
    finnReply = await social.comment(t, finn, finnClip, 'finn answers ella', ellaComment);
    await social.comment(t, finn, clip.id, 'finn likes the eiffel tower');
    await social.like(t, finn, clip.id);
    await social.favorite(t, finn, clip.id);
    await social.watch(t, finn, clip.id);
    await social.block(t, ella, ivy);
    await social.mute(t, finn, ivy);
    const muted = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/me/muted-words',
      headers: bearer(ella.token),
      payload: { words: ['Spoilers', '#louvre'] },
    });
    expect(muted.statusCode, muted.body).toBe(200);
  });
  const runJobs = () => runDueJobs(t);

  it('builds a ZIP in the home cell with every category, decrypted, and the user’s clips', async () => {
    const req = await t.app.inject({ method: 'POST', url: '/api/v1/me/export', headers: bearer(ella.token) });
    expect(req.statusCode).toBe(202);
    const { id, status } = req.json();
    expect(status).toBe('queued');
    const job = await t.ctx.cells
      .get('eu')
      .db.selectFrom('jobs')
      .selectAll()
      .where('name', '=', 'accounts.export')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(job.payload)).toEqual({ exportId: id });
    await runJobs();
    const ready = await t.app.inject({ method: 'GET', url: `/api/v1/me/exports/${id}`, headers: bearer(ella.token) });
    expect(ready.json()).toMatchObject({
      id,
      status: 'ready',
      url: expect.stringContaining(`/api/v1/me/exports/${id}/download?`),
      expiresAt: new Date(now + 7 * DAY).toISOString(),
    });
    const zipPath = join(t.dataDir, 'cells', 'eu', 'exports', id, 'reelm-export.zip');
    expect(existsSync(zipPath)).toBe(true);

    const download = await t.app.inject({ method: 'GET', url: ready.json().url, headers: bearer(ella.token) });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/zip');
    const local = join(tempDir(), 'export.zip');
    writeFileSync(local, download.rawPayload);
    const zip = await readZip(local);
    const names = [...zip.keys()];
    const unzip = (entry: string) => {
      const bytes = zip.get(entry);
      if (!bytes) throw new Error(`${entry} is not in the export`);
      return bytes.toString('utf8');
    };
    const tables = [
      'accounts',
      'sessions',
      'follows',
      'followers',
      'likes',
      'favorites',
      'watch_events',
      'comments',
      'notifications',
      'blocks',
      'videos',
      'muted_words',
    ];
    for (const name of [
      'README.txt',
      'profile.json',
      'sessions.json',
      'public.json',
      ...tables.map((x) => `tables/${x}.json`),
      `media/${clip.id}/master.m3u8`,
    ]) {
      expect(names, name).toContain(name);
    }
    expect(names.some((n) => n.startsWith(`media/${clip.id}/`) && n.endsWith('.m4s'))).toBe(true);
    expect(JSON.parse(unzip('profile.json'))).toMatchObject({
      id: ella.id,
      email: 'ella.export.8812@example.org',
      birthdate: '1993-03-09',
      country: 'FR',
    });
    const sessions = JSON.parse(unzip('sessions.json'));
    expect(sessions).toContainEqual(expect.objectContaining({ ip: '203.0.113.61', userAgent: 'EllaBrowser/9.1' }));
    const table = (name: string) => JSON.parse(unzip(`tables/${name}.json`)) as Record<string, unknown>[];
    // Only Ella's own rows: her follows (one still a request), her followers, her marks and history.
    expect(
      table('follows')
        .map((r) => [r.follower_id, r.followee_id, r.status])
        .sort(),
    ).toEqual(
      [
        [ella.id, finn.id, 'active'],
        [ella.id, hal.id, 'pending'],
      ].sort(),
    );
    expect(table('followers').map((r) => [r.followee_id, r.follower_id])).toEqual([[ella.id, finn.id]]);
    for (const name of ['likes', 'favorites', 'watch_events'])
      expect(
        table(name).map((r) => [r.user_id, r.video_id]),
        name,
      ).toEqual([[ella.id, finnClip]]);
    expect(table('watch_events')[0]).toMatchObject({ watched_ms: 4000, completed: 1 });
    expect(table('blocks').map((r) => [r.blocker_id, r.blocked_id])).toEqual([[ella.id, ivy.id]]);
    expect(table('muted_words').map((r) => r.word)).toEqual(expect.arrayContaining(['Spoilers', '#louvre']));
    expect(table('muted_words')).toHaveLength(2);
    // Her comment is kept with Finn's clip in the us cell and still comes back; Finn's comment on her clip does not.
    expect(table('comments').map((r) => [r.id, r.author_id, r.text])).toEqual([
      [ellaComment, ella.id, 'ella says bonjour from paris'],
    ]);
    const notifications = table('notifications');
    expect(notifications.every((r) => r.user_id === ella.id)).toBe(true);
    expect(notifications.map((r) => r.type).sort()).toEqual(['comment', 'follow', 'like', 'reply']);
    expect(names).not.toContain('tables/mutes.json');
    const accountsTable = unzip('tables/accounts.json');
    expect(accountsTable).not.toContain('password_hash');
    expect(accountsTable).not.toContain('argon2');
    expect(JSON.parse(unzip('public.json')).videos).toHaveLength(1);
    removeDir(join(local, '..'));

    // Only the owner, only with the genuine signature, only until it expires.
    expect((await t.app.inject({ method: 'GET', url: ready.json().url, headers: bearer(finn.token) })).statusCode).toBe(
      404,
    );
    expect((await t.app.inject({ method: 'GET', url: ready.json().url })).statusCode).toBe(401);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          // A signature one character off (never the same one: a signature may begin with x).
          url: ready.json().url.replace(/sig=(.)/, (_: string, c: string) => `sig=${c === 'x' ? 'y' : 'x'}`),
          headers: bearer(ella.token),
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/me/exports/${id}`, headers: bearer(finn.token) })).statusCode,
    ).toBe(404);
    const later = now;
    now += 8 * DAY;
    expect(
      (await t.app.inject({ method: 'GET', url: ready.json().url, headers: bearer(ella.token) })).json().error.code,
    ).toBe('export.link_expired');
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/me/exports/${id}`, headers: bearer(ella.token) })).json(),
    ).toEqual({ id, status: 'expired' });
    expect(existsSync(zipPath)).toBe(false);
    now = later;
  });

  it('deactivates at once, lets a login in the grace period cancel it, and purges after it', async () => {
    const wrong = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/me',
      headers: bearer(ella.token),
      payload: { password: 'not my password at all' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('account.password_wrong');
    const del = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/me',
      headers: bearer(ella.token),
      payload: { password: 'a long enough passphrase' },
    });
    expect(del.statusCode).toBe(202);
    expect(del.json()).toEqual({ deleteAfter: new Date(now + 30 * DAY).toISOString() });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(ella.token) })).statusCode).toBe(
      401,
    );
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/ella_exports' })).statusCode).toBe(404);
    const dir = await t.ctx.directory
      .selectFrom('users')
      .select('status')
      .where('id', '=', ella.id)
      .executeTakeFirstOrThrow();
    expect(dir.status).toBe('deactivated');

    // Logging in during the grace period cancels the deletion.
    now += 3 * DAY;
    const back = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      payload: { handle: 'ella_exports', password: 'a long enough passphrase' },
    });
    expect(back.statusCode).toBe(201);
    // The answer says so (the app tells her), and a later login does not.
    expect(back.json().deletionCancelled).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/ella_exports' })).statusCode).toBe(200);
    const later = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      payload: { handle: 'ella_exports', password: 'a long enough passphrase' },
    });
    expect(later.json().deletionCancelled).toBe(false);
    // Her clips came back into the public index with her; a deactivation takes them out again at once.
    const paris = () =>
      t.ctx.directory.selectFrom('hashtags').select('video_count').where('tag', '=', 'paris').executeTakeFirst();
    expect(await paris()).toEqual({ video_count: 1 });

    const again = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/me',
      headers: bearer(back.json().token),
      payload: { password: 'a long enough passphrase' },
    });
    const deleteAfter = again.json().deleteAfter as string;
    const purgeJob = await t.ctx.cells
      .get('eu')
      .db.selectFrom('jobs')
      .selectAll()
      .where('name', '=', 'accounts.purge')
      .where('run_at', '=', deleteAfter)
      .executeTakeFirstOrThrow();
    expect(purgeJob.payload).toBe('{}');
    const eu = t.ctx.cells.get('eu');
    const oldAccount = await eu.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', ella.id)
      .executeTakeFirstOrThrow();
    const oldKey = await eu.db
      .selectFrom('user_keys')
      .selectAll()
      .where('user_id', '=', ella.id)
      .executeTakeFirstOrThrow();
    expect(openField(eu.keys.unwrapDek(ella.id, oldKey.wrapped_dek), ella.id, 'email', oldAccount.email_enc)).toBe(
      'ella.export.8812@example.org',
    );
    const finnBefore = await t.ctx.directory
      .selectFrom('users')
      .selectAll()
      .where('id', '=', finn.id)
      .executeTakeFirstOrThrow();
    const finnClipBefore = await t.ctx.directory
      .selectFrom('videos')
      .selectAll()
      .where('id', '=', finnClip)
      .executeTakeFirstOrThrow();
    expect(finnClipBefore).toMatchObject({ like_count: 1, comment_count: 2 });
    expect(await paris()).toEqual({ video_count: 0 });

    // Not yet: the purge job is not due, and a purge run now leaves the account alone.
    await runJobs();
    expect(await eu.db.selectFrom('accounts').select('id').where('id', '=', ella.id).executeTakeFirst()).toBeDefined();

    now = new Date(deleteAfter).getTime() + 60_000;
    await runJobs();
    expect(
      await eu.db.selectFrom('accounts').select('id').where('id', '=', ella.id).executeTakeFirst(),
    ).toBeUndefined();
    expect(
      await eu.db.selectFrom('user_keys').select('user_id').where('user_id', '=', ella.id).executeTakeFirst(),
    ).toBeUndefined();
    expect(await eu.db.selectFrom('videos').select('id').where('owner_id', '=', ella.id).execute()).toEqual([]);
    expect(await eu.db.selectFrom('data_exports').select('id').where('user_id', '=', ella.id).execute()).toEqual([]);
    // Every row naming her or her clip is gone, in every cell: her follows and followers, her comment and the
    // reply to it, Finn's like, favorite, view and comment on her clip, the notifications, the pending request.
    for (const region of ['eu', 'us', 'au']) {
      const dump = JSON.stringify(
        await Promise.all(
          [
            'follows',
            'followers',
            'follow_requests',
            'likes',
            'favorites',
            'watch_events',
            'comments',
            'notifications',
            'blocks',
            'blocked_by',
          ].map((x) =>
            t.ctx.cells
              .get(region)
              .db.selectFrom(x as 'likes')
              .selectAll()
              .execute(),
          ),
        ),
      );
      expect(dump, region).not.toContain(ella.id);
      expect(dump, region).not.toContain(clip.id);
    }
    expect(
      await t.ctx.cells
        .get('us')
        .db.selectFrom('comments')
        .select('id')
        .where('id', 'in', [ellaComment, finnReply])
        .execute(),
    ).toEqual([]);
    expect(await t.ctx.cells.get('us').db.selectFrom('blocked_by').select('user_id').execute()).toEqual([]);
    expect(await t.ctx.cells.get('us').db.selectFrom('mutes').select('muted_id').execute()).toEqual([
      { muted_id: ivy.id },
    ]);
    // Counters follow: Finn's follows, his clip's like and comment counts (the reply went with her comment), his total likes.
    const finnClipAfter = await t.ctx.directory
      .selectFrom('videos')
      .selectAll()
      .where('id', '=', finnClip)
      .executeTakeFirstOrThrow();
    expect(finnClipAfter).toMatchObject({ like_count: 0, comment_count: 0 });
    // Her clip left the public index: its hashtag count and search row follow.
    expect(
      await t.ctx.directory.selectFrom('hashtags').select('video_count').where('tag', '=', 'paris').executeTakeFirst(),
    ).toEqual({ video_count: 0 });
    expect(
      await t.ctx.directory.selectFrom('video_hashtags').select('tag').where('video_id', '=', clip.id).execute(),
    ).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/search?q=eiffel' })).json().videos).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/search?q=paris' })).json().videos).toEqual([]);
    for (const table of ['users', 'videos', 'sounds'] as const) {
      const col = table === 'users' ? 'id' : 'author_id';
      expect(
        await (t.ctx.directory as any).selectFrom(table).select('id').where(col, '=', ella.id).execute(),
        table,
      ).toEqual([]);
    }
    const finnAfter = await t.ctx.directory
      .selectFrom('users')
      .selectAll()
      .where('id', '=', finn.id)
      .executeTakeFirstOrThrow();
    expect(finnAfter.follower_count).toBe(finnBefore.follower_count - 1);
    expect(finnAfter.following_count).toBe(finnBefore.following_count - 1);
    expect(finnAfter.like_count).toBe(finnBefore.like_count - 1);
    expect(finnAfter.follower_count).toBe(0);
    expect(existsSync(clip.dir)).toBe(false);
    expect(existsSync(join(t.dataDir, 'cells', 'eu', 'exports'))).toBe(true);
    // The old sealed email cannot be opened: its data key is gone and no other key opens it.
    expect(() => eu.keys.unwrapDek(ella.id, 'v1.')).toThrow();
    for (const k of await eu.db.selectFrom('user_keys').selectAll().execute()) {
      expect(() =>
        openField(eu.keys.unwrapDek(k.user_id, k.wrapped_dek), ella.id, 'email', oldAccount.email_enc),
      ).toThrow();
    }
    // The handle and ids are gone from every store file, write-ahead logs included.
    expect(filesContaining(t.dataDir, 'ella_exports')).toEqual([]);
    expect(filesContaining(t.dataDir, ella.id)).toEqual([]);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          payload: { handle: 'ella_exports', password: 'a long enough passphrase' },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('purges every deactivated account at once on request (reelm accounts purge --now), requests to it included', async () => {
    const gus = await signup(t.app, { handle: 'gus_goes_now', country: 'AU' });
    const kai = await signup(t.app, { handle: 'kai_requests', country: 'US' });
    await social.privateAccount(t, gus);
    // Kai's request to follow Gus counts for nobody: when Gus goes, it goes without touching Kai's count.
    await social.follow(t, kai, ivy);
    await social.follow(t, kai, gus);
    const kaiBefore = await t.ctx.directory
      .selectFrom('users')
      .select(['following_count'])
      .where('id', '=', kai.id)
      .executeTakeFirstOrThrow();
    expect(
      await t.ctx.cells
        .get('au')
        .db.selectFrom('follow_requests')
        .select('requester_id')
        .where('target_id', '=', gus.id)
        .execute(),
    ).toEqual([{ requester_id: kai.id }]);
    await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/me',
      headers: bearer(gus.token),
      payload: { password: 'a long enough passphrase' },
    });
    expect(await t.ctx.deletion.purgeDue('au')).toBe(0);
    expect(await t.ctx.deletion.purgeDue('au', { all: true })).toBe(1);
    expect(
      await t.ctx.cells.get('au').db.selectFrom('accounts').select('id').where('id', '=', gus.id).executeTakeFirst(),
    ).toBeUndefined();
    expect(
      await t.ctx.cells
        .get('au')
        .db.selectFrom('follow_requests')
        .select('requester_id')
        .where('target_id', '=', gus.id)
        .execute(),
    ).toEqual([]);
    expect(
      await t.ctx.cells.get('us').db.selectFrom('follows').select('status').where('followee_id', '=', gus.id).execute(),
    ).toEqual([]);
    expect(kaiBefore.following_count).toBe(1);
    expect(
      await t.ctx.directory
        .selectFrom('users')
        .select(['following_count'])
        .where('id', '=', kai.id)
        .executeTakeFirstOrThrow(),
    ).toEqual(kaiBefore);
  });

  it('purges a requester: the request leaves the private account’s cell, the notification with it', async () => {
    const jo = await signup(t.app, { handle: 'jo_requests', country: 'DE' });
    await social.follow(t, jo, hal);
    const au = t.ctx.cells.get('au').db;
    expect(
      await au.selectFrom('follow_requests').select('requester_id').where('target_id', '=', hal.id).execute(),
    ).toContainEqual({ requester_id: jo.id });
    await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/me',
      headers: bearer(jo.token),
      payload: { password: 'a long enough passphrase' },
    });
    expect(await t.ctx.deletion.purgeDue('eu', { all: true })).toBe(1);
    expect(
      await au.selectFrom('follow_requests').select('requester_id').where('requester_id', '=', jo.id).execute(),
    ).toEqual([]);
    expect(await au.selectFrom('notifications').select('id').where('actor_id', '=', jo.id).execute()).toEqual([]);
  });
});
