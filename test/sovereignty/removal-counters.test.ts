import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carveOutFor } from '../../src/context.js';
import { COUNT_WINDOW_MS } from '../../src/social/view-marks.js';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';
import { moveOverHttp } from './moves.js';
import { social, type Person } from './social.js';

/**
 * Counters on other people's clips and profiles after a viewer leaves: purged (account deletion), carved out
 * with their region (detach), or moved to another region. The rule (docs/sovereignty.md): a removed viewer's
 * likes, comments, follows and views leave the counts; a visitor's anonymous views stay; a move changes nothing.
 */
describe('counters stay right across purge, detach and move', () => {
  // Mid-window, so each viewer's first watches fall in one window and a step of the clock opens the next.
  let at = (Math.floor(Date.now() / COUNT_WINDOW_MS) + 0.25) * COUNT_WINDOW_MS;
  const clock = { now: () => new Date(at) };
  let t: TestApp;
  let creator: Person;
  let stay: Person;
  let purged: Person;
  let mover: Person;
  let kiwi: Person;
  let clip: { id: string };
  let stayClip: { id: string };

  const clipStats = () =>
    t.ctx.directory
      .selectFrom('videos')
      .select(['view_count', 'watch_ms_total', 'completion_count', 'like_count', 'comment_count'])
      .where('id', '=', clip.id)
      .executeTakeFirstOrThrow();
  const profile = (who: Person) =>
    t.ctx.directory
      .selectFrom('users')
      .select(['follower_count', 'following_count', 'like_count'])
      .where('id', '=', who.id)
      .executeTakeFirstOrThrow();
  const apiStats = async () => (await social.get(t, null, `/videos/${clip.id}`)).stats;

  /** Each viewer follows the creator, likes and comments on the clip, and watches it. */
  async function engage(who: Person, watches: { ms: number; completed: boolean; later?: boolean }[]) {
    await social.follow(t, who, creator);
    await social.follow(t, creator, who);
    await social.like(t, who, clip.id);
    await social.like(t, who, stayClip.id);
    await social.comment(t, who, clip.id, `from ${who.handle}`);
    for (const w of watches) await social.watch(t, who, clip.id, w.ms, w.completed);
  }

  beforeAll(async () => {
    t = await startTestApp({ clock });
    creator = await signup(t.app, { handle: 'cora_creator', country: 'US' });
    stay = await signup(t.app, { handle: 'sam_stays', country: 'US' });
    purged = await signup(t.app, { handle: 'pia_purged', country: 'DE' });
    mover = await signup(t.app, { handle: 'max_mover', country: 'US' });
    kiwi = await signup(t.app, { handle: 'kim_kiwi', country: 'NZ' });
    clip = await publishTestVideo(t.ctx, creator, { caption: 'count me right', durationMs: 10_000 });
    stayClip = await publishTestVideo(t.ctx, stay, { caption: 'sam’s clip', durationMs: 10_000 });

    await engage(stay, [{ ms: 1000, completed: false }]);
    // Three watches, two windows: two views, the first watch of each window counted (5000 ms completed, 700 ms).
    await engage(purged, [
      { ms: 5000, completed: true },
      { ms: 9000, completed: true },
    ]);
    await engage(mover, [{ ms: 2000, completed: false }]);
    await engage(kiwi, [{ ms: 3000, completed: true }]);
    at += COUNT_WINDOW_MS;
    await social.watch(t, purged, clip.id, 700, false);
    // A visitor's view: counted in the aggregate, naming nobody.
    const visitor = await t.app.inject({
      method: 'POST',
      url: `/api/v1/videos/${clip.id}/views`,
      headers: { 'user-agent': 'visitor/1' },
      remoteAddress: '198.51.100.9',
      payload: { watchedMs: 400, completed: false },
    });
    expect(visitor.statusCode).toBe(204);
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('counts everyone at first', async () => {
    expect(await clipStats()).toEqual({
      view_count: 6,
      watch_ms_total: 1000 + 5000 + 700 + 2000 + 3000 + 400,
      completion_count: 2,
      like_count: 4,
      comment_count: 4,
    });
    expect(await profile(creator)).toEqual({ follower_count: 4, following_count: 4, like_count: 4 });
    expect(await profile(stay)).toMatchObject({ follower_count: 1, like_count: 4 });
  });

  it('a purged viewer’s views, watched time, completions, like, comment and follows leave the counts', async () => {
    const del = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/me',
      headers: bearer(purged.token),
      payload: { password: 'a long enough passphrase' },
    });
    expect(del.statusCode).toBe(202);
    expect(await t.ctx.deletion.purgeDue('eu', { all: true })).toBe(1);
    expect(await clipStats()).toEqual({
      view_count: 4,
      watch_ms_total: 1000 + 2000 + 3000 + 400,
      completion_count: 1,
      like_count: 3,
      comment_count: 3,
    });
    expect(await apiStats()).toMatchObject({ views: 4, likes: 3, comments: 3 });
    expect(await profile(creator)).toEqual({ follower_count: 3, following_count: 3, like_count: 3 });
    expect(await profile(stay)).toMatchObject({ follower_count: 1, like_count: 3 });
  });

  it('a viewer who moves home region changes no count', async () => {
    // A watch in this window counts; the move carries its mark, so watching again after the move does not.
    const counted = (await clipStats()).view_count;
    await social.watch(t, mover, clip.id, 1000, false);
    expect((await clipStats()).view_count).toBe(counted + 1);
    const before = { clip: await clipStats(), creator: await profile(creator), mover: await profile(mover) };
    const done = await moveOverHttp(t, mover, 'AU');
    expect(done.move.status).toBe('done');
    expect({ clip: await clipStats(), creator: await profile(creator), mover: await profile(mover) }).toEqual(before);
    await social.watch(t, mover, clip.id, 1500, false);
    expect(await clipStats()).toEqual(before.clip);
    // The mover's like and follow are still theirs: taking them back counts off once.
    await social.get(t, mover, '/me');
    const unlike = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/videos/${clip.id}/like`,
      headers: bearer(mover.token),
    });
    expect(unlike.statusCode).toBe(204);
    expect((await clipStats()).like_count).toBe(before.clip.like_count - 1);
    await social.like(t, mover, clip.id);
    expect((await clipStats()).like_count).toBe(before.clip.like_count);
  });

  it('a detached region’s viewers leave the counts too', async () => {
    const before = await clipStats();
    await carveOutFor(t.ctx).detach('nz');
    expect(await clipStats()).toEqual({
      view_count: before.view_count - 1,
      watch_ms_total: before.watch_ms_total - 3000,
      completion_count: before.completion_count - 1,
      like_count: before.like_count - 1,
      comment_count: before.comment_count - 1,
    });
    expect(await profile(creator)).toEqual({ follower_count: 2, following_count: 2, like_count: 2 });
    expect(await profile(stay)).toMatchObject({ follower_count: 1, like_count: 2 });
  });
});
