import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION_REFS, NOT_HOME_REGIONS, movePlan } from '../../src/regions/home-move.js';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';
import { auditActions } from './helpers.js';
import { moveOverHttp } from './moves.js';
import { social, type Person } from './social.js';

const PASSWORD = 'a long enough passphrase';

describe('the catalog knows where every reference to a home region is', () => {
  it('every `*_region` column of a cell is re-pointed by a move or declared as saying something else', async () => {
    const t = await startTestApp({ dialect: 'sqlite' });
    try {
      const cell = t.ctx.catalog.tablesOf('cell');
      const regionColumns = Object.entries(cell).flatMap(([table, cols]) =>
        Object.keys(cols)
          .filter((c) => c.endsWith('_region'))
          .map((c) => `${table}.${c}`),
      );
      const known = new Set([...REGION_REFS.map((r) => `${r.table}.${r.column}`), ...NOT_HOME_REGIONS]);
      expect(regionColumns.filter((c) => !known.has(c))).toEqual([]);
      for (const r of REGION_REFS) expect(cell[r.table]?.[r.idColumn], `${r.table}.${r.idColumn}`).toBeDefined();
      // The account's own tables all travel: keys, sessions, settings, clips, sounds, history, notifications.
      const moved = movePlan(t.ctx.catalog).map((p) => p.table);
      for (const table of ['accounts', 'user_keys', 'sessions', 'videos', 'sounds', 'watch_events', 'likes'])
        expect(moved).toContain(table);
      for (const table of ['notifications', 'favorites', 'muted_words', 'followers', 'follows', 'comments'])
        expect(moved).toContain(table);
      expect(moved.slice(-2)).toEqual(['user_keys', 'accounts']);
    } finally {
      await t.destroy();
    }
  });
});

describe('moving a home region: POST /me/home-region', () => {
  let t: TestApp;
  let mo: Person;
  let fr: Person;
  let eve: Person;
  let moClip: { id: string; soundId: string | null };
  let frClip: { id: string };
  let eveClip: { id: string };
  let oldMedia: string;
  let commentOnMo: string;
  let moComment: string;

  const directoryStats = async () => ({
    users: await t.ctx.directory
      .selectFrom('users')
      .select(['id', 'follower_count', 'following_count', 'like_count', 'video_count'])
      .where('id', 'in', [mo.id, fr.id, eve.id])
      .orderBy('id')
      .execute(),
    videos: await t.ctx.directory
      .selectFrom('videos')
      .select(['id', 'view_count', 'like_count', 'comment_count', 'share_count', 'watch_ms_total'])
      .where('id', 'in', [moClip.id, frClip.id, eveClip.id])
      .orderBy('id')
      .execute(),
  });
  let before: Awaited<ReturnType<typeof directoryStats>>;

  beforeAll(async () => {
    t = await startTestApp();
    mo = await signup(t.app, { handle: 'mo_mover', country: 'US' });
    fr = await signup(t.app, { handle: 'fr_friend', country: 'US' });
    eve = await signup(t.app, { handle: 'eve_europe', country: 'DE' });
    moClip = await publishTestVideo(t.ctx, mo, { caption: 'moving day #boxes', media: true, soundTitle: 'mo sound' });
    frClip = await publishTestVideo(t.ctx, fr, { caption: 'stays put' });
    eveClip = await publishTestVideo(t.ctx, eve, { caption: 'already in europe' });
    for (const [a, b] of [
      [fr, mo],
      [mo, fr],
      [eve, mo],
      [mo, eve],
    ] as const)
      await social.follow(t, a, b);
    await social.like(t, fr, moClip.id);
    await social.like(t, eve, moClip.id);
    await social.like(t, mo, frClip.id);
    await social.like(t, mo, eveClip.id);
    await social.watch(t, fr, moClip.id, 2000);
    await social.watch(t, mo, eveClip.id, 1000);
    commentOnMo = await social.comment(t, fr, moClip.id, 'nice boxes');
    await social.comment(t, eve, moClip.id, 'willkommen');
    moComment = await social.comment(t, mo, frClip.id, 'see you');
    await social.likeComment(t, eve, commentOnMo);
    const v = await social.get(t, null, `/videos/${moClip.id}`);
    oldMedia = v.playback.hls;
    expect(oldMedia).toMatch(/^\/media\/us\//);
    expect((await t.app.inject({ method: 'GET', url: oldMedia })).statusCode).toBe(200);
    // The uploaded original, kept after the transcode: it moves with the clip.
    const original = join(t.dataDir, 'original.mp4');
    writeFileSync(original, 'the bytes of an upload');
    await t.ctx.media.sources.get('us')!.adoptFile(moClip.id, original);
    before = await directoryStats();
  });
  afterAll(async () => {
    await t.destroy();
  });

  const post = (who: Person, payload: object) =>
    t.app.inject({ method: 'POST', url: '/api/v1/me/home-region', headers: bearer(who.token), payload });

  it('refuses a wrong password, the same region, an unknown country, and a second move while one runs', async () => {
    const wrong = await post(mo, { country: 'DE', password: 'not my password at all' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('account.password_wrong');
    const same = await post(mo, { country: 'PR', password: PASSWORD });
    expect(same.statusCode).toBe(409);
    expect(same.json().error.code).toBe('move.same_region');
    const unknown = await post(mo, { country: 'XX', password: PASSWORD });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('account.country_unknown');
    const none = await t.app.inject({ method: 'GET', url: '/api/v1/me/home-region', headers: bearer(mo.token) });
    expect(none.json()).toEqual({ region: 'us', move: null });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me/home-region' })).statusCode).toBe(401);
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths['/api/v1/me/home-region'] ?? {}).sort()).toEqual(['get', 'post']);

    const pat = await signup(t.app, { handle: 'pat_processing', country: 'US' });
    await publishTestVideo(t.ctx, pat, { caption: 'still processing', state: 'processing' });
    const busy = await post(pat, { country: 'DE', password: PASSWORD });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error.code).toBe('move.clips_processing');

    const first = await post(fr, { country: 'AU', password: PASSWORD });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ status: 'running', step: 'queued', from: 'us', to: 'au', country: 'AU' });
    const second = await post(fr, { country: 'AU', password: PASSWORD });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe('move.in_progress');
    // fr's move is left queued: it is removed so the rest of the file sees fr at home in us.
    await t.ctx.cells.get('us').db.deleteFrom('home_moves').where('user_id', '=', fr.id).execute();
    await t.ctx.cells.get('us').db.deleteFrom('jobs').where('name', '=', 'accounts.move').execute();
  });

  it('moves the account, its clips and media, keeps sessions, follows, likes, comments and every count', async () => {
    // A profile picture and a clip scheduled for later: both follow the account.
    const picture = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#3366aa' } })
      .png()
      .toBuffer();
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/me/avatar',
      headers: { ...bearer(mo.token), 'content-type': 'image/png' },
      payload: picture,
    });
    expect(put.statusCode, put.body).toBe(200);
    const oldAvatar: string = put.json().avatarUrl;
    expect(oldAvatar).toMatch(/^\/avatars\/us\//);
    const later = await publishTestVideo(t.ctx, mo, { caption: 'later on' });
    const publishAt = new Date(Date.now() + 3600_000).toISOString();
    for (const payload of [{ draft: true }, { publishAt }]) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/videos/${later.id}`,
        headers: bearer(mo.token),
        payload,
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    // Every job eu's queue holds or has finished (finished ones are kept for days): the move adds the clip's.
    const euJobs = async () => Object.values(await t.ctx.queues.get('eu')!.counts()).reduce((a, b) => a + b, 0);
    const jobsBefore = await euJobs();
    before = await directoryStats();

    const done = await moveOverHttp(t, mo, 'DE');
    expect(done).toMatchObject({ region: 'eu', move: { status: 'done', step: 'shredded', from: 'us', to: 'eu' } });

    // The session made in us still works, and opens sealed fields with the re-wrapped key.
    const me = await social.get(t, mo, '/me');
    expect(me).toMatchObject({ id: mo.id, region: 'eu', email: 'mo_mover@example.org' });
    const route = await t.ctx.directory.selectFrom('users').select('region').where('id', '=', mo.id).executeTakeFirst();
    expect(route?.region).toBe('eu');
    const clipRoute = await t.ctx.directory
      .selectFrom('videos')
      .select('region')
      .where('id', '=', moClip.id)
      .executeTakeFirst();
    expect(clipRoute?.region).toBe('eu');

    // Nothing of the account is left in us: its rows, its clips' rows and comments, its media.
    const us = t.ctx.cells.get('us').db;
    const eu = t.ctx.cells.get('eu').db;
    for (const [table, column] of [
      ['accounts', 'id'],
      ['user_keys', 'user_id'],
      ['sessions', 'user_id'],
      ['videos', 'owner_id'],
      ['sounds', 'owner_id'],
      ['likes', 'user_id'],
      ['follows', 'follower_id'],
      ['followers', 'followee_id'],
      ['watch_events', 'user_id'],
      ['notifications', 'user_id'],
      ['account_emails', 'user_id'],
    ] as const) {
      const left = await (us as any).selectFrom(table).select(column).where(column, '=', mo.id).execute();
      expect(left, `us.${table}`).toHaveLength(0);
      const there = await (eu as any).selectFrom(table).select(column).where(column, '=', mo.id).execute();
      expect(there.length, `eu.${table}`).toBeGreaterThan(0);
    }
    expect(await us.selectFrom('comments').select('id').where('video_id', '=', moClip.id).execute()).toHaveLength(0);
    expect(await eu.selectFrom('comments').select('id').where('video_id', '=', moClip.id).execute()).toHaveLength(2);
    expect(await t.ctx.media.stores.get('us')!.list(moClip.id)).toEqual([]);
    expect((await t.ctx.media.stores.get('eu')!.list(moClip.id)).length).toBeGreaterThan(3);
    const work = join(t.dataDir, 'fetched');
    mkdirSync(work, { recursive: true });
    expect(await t.ctx.media.sources.get('us')!.fetch(moClip.id, work)).toBeUndefined();
    const moved = await t.ctx.media.sources.get('eu')!.fetch(moClip.id, work);
    expect(readFileSync(moved!, 'utf8')).toBe('the bytes of an upload');

    // Other users' rows point to the new region; the comment mo left on fr's clip stays with the clip.
    const frFollow = await us
      .selectFrom('follows')
      .select('followee_region')
      .where('follower_id', '=', fr.id)
      .where('followee_id', '=', mo.id)
      .executeTakeFirstOrThrow();
    expect(frFollow.followee_region).toBe('eu');
    const moOnFr = await us
      .selectFrom('comments')
      .select('author_region')
      .where('id', '=', moComment)
      .executeTakeFirstOrThrow();
    expect(moOnFr.author_region).toBe('eu');
    const eveLike = await eu
      .selectFrom('comment_likes')
      .select('comment_region')
      .where('comment_id', '=', commentOnMo)
      .executeTakeFirstOrThrow();
    expect(eveLike.comment_region).toBe('eu');

    // Counts on everyone's clips and profiles are what they were.
    expect(await directoryStats()).toEqual(before);

    // Follows both ways, likes and comments, as people see them.
    const followers = await social.get(t, fr, `/users/${mo.handle}/followers`);
    expect(followers.items.map((u: { handle: string }) => u.handle).sort()).toEqual([eve.handle, fr.handle].sort());
    const following = await social.get(t, mo, `/users/${mo.handle}/following`);
    expect(following.items.map((u: { handle: string }) => u.handle).sort()).toEqual([eve.handle, fr.handle].sort());
    const frFollowers = await social.get(t, fr, `/users/${fr.handle}/followers`);
    expect(frFollowers.items.map((u: { handle: string }) => u.handle)).toContain(mo.handle);
    const comments = await social.get(t, eve, `/videos/${moClip.id}/comments`);
    expect(comments.items.map((c: { text: string }) => c.text).sort()).toEqual(['nice boxes', 'willkommen']);
    const frComments = await social.get(t, fr, `/videos/${frClip.id}/comments`);
    expect(frComments.items.map((c: { author: { handle: string } }) => c.author.handle)).toContain(mo.handle);
    const frView = await social.get(t, mo, `/videos/${frClip.id}`);
    expect(frView.viewer.liked).toBe(true);
    // A new like after the move lands on the clip where it now lives.
    await social.like(t, fr, eveClip.id);

    // The clip plays from the new region; the old links stop serving.
    const v = await social.get(t, fr, `/videos/${moClip.id}`);
    expect(v.playback.hls).toMatch(new RegExp(`^/media/eu/${moClip.id}/`));
    const master = await t.app.inject({ method: 'GET', url: v.playback.hls });
    expect(master.statusCode).toBe(200);
    expect(master.body).toContain('#EXTM3U');
    expect((await t.app.inject({ method: 'GET', url: oldMedia })).statusCode).toBe(404);

    // The picture is served from the new region's store under the same version; the old URL stops serving.
    const avatarUrl: string = (await social.get(t, fr, `/users/${mo.handle}`)).avatarUrl;
    expect(avatarUrl).toBe(oldAvatar.replace('/avatars/us/', '/avatars/eu/'));
    expect((await t.app.inject({ method: 'GET', url: avatarUrl })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: oldAvatar })).statusCode).toBe(404);
    // The scheduled clip is still scheduled, for its owner only, and its publish job waits in the new cell's queue.
    expect((await social.get(t, mo, `/videos/${later.id}`)).scheduledFor).toBe(publishAt);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/videos/${later.id}`, headers: bearer(fr.token) })).statusCode,
    ).toBe(404);
    expect(await euJobs()).toBe(jobsBefore + 1);

    // Both chains record the move, naming the user by id only.
    const out = (await auditActions(t, 'us')).filter((e) => e.action === 'account.move_out');
    expect(out).toEqual([
      { actor: mo.id, action: 'account.move_out', subject: mo.id, details: { moveId: done.move.id, to: 'eu' } },
    ]);
    const inn = (await auditActions(t, 'eu')).filter((e) => e.action === 'account.move_in');
    expect(inn).toHaveLength(1);
    expect(JSON.stringify(await auditActions(t, 'us'))).not.toContain(mo.handle);
    expect((await t.ctx.audit.for('us').verify()).ok).toBe(true);
    expect((await t.ctx.audit.for('eu').verify()).ok).toBe(true);

    // A fresh sign-in lands in the new cell.
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      payload: { handle: mo.handle, password: PASSWORD },
    });
    expect(login.statusCode).toBe(201);
    expect(login.json().token).toMatch(/^eu\./);
  });

  it('rolls back a copy that does not verify: the account stays, the new copy is gone', async () => {
    const ro = await signup(t.app, { handle: 'ro_rollback', country: 'US' });
    const roClip = await publishTestVideo(t.ctx, ro, { caption: 'does not verify', media: true });
    await social.like(t, fr, roClip.id);
    const statsBefore = await t.ctx.directory
      .selectFrom('videos')
      .select(['like_count', 'view_count'])
      .where('id', '=', roClip.id)
      .executeTakeFirstOrThrow();
    // A disk that truncates what it is given (fault injection): every copy of the media differs from the original.
    const stores = t.ctx.media.stores;
    const real = stores.get('au')!;
    stores.set('au', {
      ...real,
      list: (p) => real.list(p),
      size: (k) => real.size(k),
      read: (k, r) => real.read(k, r),
      exists: (k) => real.exists(k),
      deletePrefix: (p) => real.deletePrefix(p),
      putDir: (p, d) => real.putDir(p, d),
      putFile: async (key, local) => {
        const cut = `${local}.cut`;
        writeFileSync(cut, readFileSync(local).subarray(0, 10));
        await real.putFile(key, cut);
        rmSync(cut);
      },
    });
    try {
      const end = await moveOverHttp(t, ro, 'AU');
      expect(end).toMatchObject({ region: 'us', move: { status: 'failed', error: { code: 'move.verify_failed' } } });
    } finally {
      stores.set('au', real);
    }
    expect(await social.get(t, ro, '/me')).toMatchObject({ region: 'us', email: 'ro_rollback@example.org' });
    const au = t.ctx.cells.get('au').db;
    expect(await au.selectFrom('accounts').select('id').where('id', '=', ro.id).execute()).toEqual([]);
    expect(await au.selectFrom('videos').select('id').where('owner_id', '=', ro.id).execute()).toEqual([]);
    expect(await au.selectFrom('home_moves').select('id').execute()).toEqual([]);
    expect(await real.list(roClip.id)).toEqual([]);
    expect((await t.ctx.media.stores.get('us')!.list(roClip.id)).length).toBeGreaterThan(3);
    const v = await social.get(t, fr, `/videos/${roClip.id}`);
    expect(v.playback.hls).toMatch(/^\/media\/us\//);
    expect((await t.app.inject({ method: 'GET', url: v.playback.hls })).statusCode).toBe(200);
    expect(
      await t.ctx.directory
        .selectFrom('videos')
        .select(['like_count', 'view_count'])
        .where('id', '=', roClip.id)
        .executeTakeFirstOrThrow(),
    ).toEqual(statsBefore);
    // A failed move leaves the way open for another.
    expect((await moveOverHttp(t, ro, 'AU')).move).toMatchObject({ status: 'done' });
  });
});
