import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, filesContaining, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

type User = Awaited<ReturnType<typeof signup>>;

describe('social graph and engagement over HTTP', () => {
  let t: TestApp;
  let ana: User; // AU creator
  let ben: User; // US
  let cal: User; // US
  let dee: User; // EU
  const req = (method: 'GET' | 'PUT' | 'DELETE' | 'POST' | 'PATCH', url: string, user?: User, payload?: unknown) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: user ? bearer(user.token) : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  const userRow = (id: string) =>
    t.ctx.directory.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const videoRow = (id: string) =>
    t.ctx.directory.selectFrom('videos').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    // Embedded: the cross-region case scans the AU cell's and the directory's files.
    t = await startTestApp({ dialect: 'sqlite' });
    ana = await signup(t.app, { handle: 'ana', country: 'AU', email: 'ana.secret.4411@example.org' });
    ben = await signup(t.app, { handle: 'ben', country: 'US', email: 'ben.canary.9921@example.org' });
    cal = await signup(t.app, { handle: 'cal', country: 'US' });
    dee = await signup(t.app, { handle: 'dee', country: 'DE' });
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  it('follows and unfollows across regions with exact counts', async () => {
    expect((await req('PUT', '/users/ana/follow', ben)).statusCode).toBe(204);
    expect((await req('PUT', '/users/ana/follow', ben)).statusCode).toBe(204);
    expect((await userRow(ana.id)).follower_count).toBe(1);
    expect((await userRow(ben.id)).following_count).toBe(1);
    const followers = (await req('GET', '/users/ana/followers')).json();
    expect(followers.items.map((u: { handle: string }) => u.handle)).toEqual(['ben']);
    const following = (await req('GET', '/users/ben/following')).json();
    expect(following.items.map((u: { handle: string }) => u.handle)).toEqual(['ana']);

    const self = await req('PUT', '/users/ben/follow', ben);
    expect(self.statusCode).toBe(400);
    expect(self.json().error.code).toBe('follow.self');
    expect((await req('PUT', '/users/nobody_here/follow', ben)).json().error.code).toBe('user.not_found');
    expect((await req('PUT', '/users/ana/follow')).statusCode).toBe(401);

    expect((await req('DELETE', '/users/ana/follow', ben)).statusCode).toBe(204);
    expect((await req('DELETE', '/users/ana/follow', ben)).statusCode).toBe(204);
    expect((await userRow(ana.id)).follower_count).toBe(0);
    expect((await userRow(ben.id)).following_count).toBe(0);
    expect((await req('GET', '/users/ana/followers')).json().items).toEqual([]);
  });

  it('paginates followers with keyset cursors and refuses a tampered cursor', async () => {
    for (const u of [ben, cal, dee]) expect((await req('PUT', '/users/ana/follow', u)).statusCode).toBe(204);
    const first = (await req('GET', '/users/ana/followers?limit=2')).json();
    expect(first.items).toHaveLength(2);
    const second = (await req('GET', `/users/ana/followers?limit=2&cursor=${first.cursor}`)).json();
    expect(second.items).toHaveLength(1);
    expect(second.cursor).toBeNull();
    const all = [...first.items, ...second.items].map((u: { handle: string }) => u.handle).sort();
    expect(all).toEqual(['ben', 'cal', 'dee']);
    const bad = await req('GET', '/users/ana/followers?cursor=not-a-cursor');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('cursor.invalid');
  });

  it('turns a follow of a private account into a request to approve or deny', async () => {
    const eve = await signup(t.app, { handle: 'eve', country: 'NZ' });
    expect((await req('PATCH', '/me/privacy', eve, { privateAccount: true })).statusCode).toBe(200);
    expect((await req('PUT', '/users/eve/follow', ben)).statusCode).toBe(204);
    expect((await req('PUT', '/users/eve/follow', cal)).statusCode).toBe(204);
    expect((await userRow(eve.id)).follower_count).toBe(0);
    const lists = await req('GET', '/users/eve/followers', dee);
    expect(lists.statusCode).toBe(403);
    expect(lists.json().error.code).toBe('user.private');
    const requests = (await req('GET', '/me/follow-requests', eve)).json();
    expect(requests.items.map((u: { handle: string }) => u.handle).sort()).toEqual(['ben', 'cal']);
    expect((await req('POST', '/me/follow-requests/ben/approve', eve)).statusCode).toBe(204);
    expect((await req('POST', '/me/follow-requests/cal/deny', eve)).statusCode).toBe(204);
    expect((await req('POST', '/me/follow-requests/cal/deny', eve)).json().error.code).toBe('follow_request.not_found');
    expect((await userRow(eve.id)).follower_count).toBe(1);
    expect((await userRow(ben.id)).following_count).toBe(2); // ana and eve
    expect(
      (await req('GET', '/users/eve/followers', ben)).json().items.map((u: { handle: string }) => u.handle),
    ).toEqual(['ben']);
    const calFollows = await t.ctx.cells
      .get('us')
      .db.selectFrom('follows')
      .selectAll()
      .where('follower_id', '=', cal.id)
      .where('followee_id', '=', eve.id)
      .execute();
    expect(calFollows).toEqual([]);
    const notes = (await req('GET', '/notifications', eve)).json();
    expect(notes.items.filter((n: { type: string }) => n.type === 'follow_request')).toHaveLength(2);
  });

  it('likes idempotently with exact counts, keeps the likes list private, and notifies the creator', async () => {
    const clip = await publishTestVideo(t.ctx, ana, { caption: 'Reef dive #ocean' });
    const likes = await Promise.all([
      req('PUT', `/videos/${clip.id}/like`, ben),
      req('PUT', `/videos/${clip.id}/like`, ben),
      req('PUT', `/videos/${clip.id}/like`, cal),
    ]);
    expect(likes.map((r) => r.statusCode)).toEqual([204, 204, 204]);
    expect((await videoRow(clip.id)).like_count).toBe(2);
    expect((await userRow(ana.id)).like_count).toBe(2);
    expect((await req('DELETE', `/videos/${clip.id}/like`, cal)).statusCode).toBe(204);
    expect((await req('DELETE', `/videos/${clip.id}/like`, cal)).statusCode).toBe(204);
    expect((await videoRow(clip.id)).like_count).toBe(1);
    const mine = (await req('GET', '/me/likes', ben)).json();
    expect(mine.items.map((v: { id: string }) => v.id)).toEqual([clip.id]);
    expect(mine.items[0].viewer).toEqual({ liked: true, favorited: false, followingAuthor: true });
    expect((await req('GET', '/me/likes')).statusCode).toBe(401);
    expect((await req('PUT', '/videos/01hzzzzzzzzzzzzzzzzzzzzzzz/like', ben)).json().error.code).toBe(
      'video.not_found',
    );
    const notes = (await req('GET', '/notifications', ana)).json();
    const likeNotes = notes.items.filter((n: { type: string }) => n.type === 'like');
    expect(likeNotes.map((n: { actor: { handle: string } }) => n.actor.handle).sort()).toEqual(['ben', 'cal']);
    expect(likeNotes[0]).toMatchObject({ videoId: clip.id, read: false });
    expect(notes.unread).toBeGreaterThanOrEqual(2);
    expect((await req('POST', '/notifications/read', ana)).statusCode).toBe(204);
    expect((await req('GET', '/notifications', ana)).json().unread).toBe(0);
  });

  it('favorites, shares and not-interested', async () => {
    const clip = await publishTestVideo(t.ctx, ana, { caption: 'Shareable' });
    expect((await req('PUT', `/videos/${clip.id}/favorite`, cal)).statusCode).toBe(204);
    expect((await req('GET', '/me/favorites', cal)).json().items.map((v: { id: string }) => v.id)).toEqual([clip.id]);
    expect((await req('DELETE', `/videos/${clip.id}/favorite`, cal)).statusCode).toBe(204);
    expect((await req('GET', '/me/favorites', cal)).json().items).toEqual([]);
    const share = await req('POST', `/videos/${clip.id}/shares`, cal, { channel: 'copy_link' });
    expect(share.statusCode).toBe(201);
    expect(share.json().url).toBe(`/v/${clip.id}`);
    expect((await req('POST', `/videos/${clip.id}/shares`, undefined, { nope: 1 })).statusCode).toBe(400);
    expect((await videoRow(clip.id)).share_count).toBe(1);
    expect((await req('POST', `/videos/${clip.id}/not-interested`, cal)).statusCode).toBe(204);
  });

  it('validates watch events and counts them in the aggregates only', async () => {
    const clip = await publishTestVideo(t.ctx, ana, { caption: 'Watch me', durationMs: 10_000 });
    const bad = [
      { watchedMs: -1, completed: false },
      { watchedMs: 1.5, completed: false },
      { watchedMs: '100', completed: true },
      { watchedMs: 100 },
      { watchedMs: 100, completed: true, extra: 1 },
    ];
    for (const body of bad) {
      const res = await req('POST', `/videos/${clip.id}/views`, ben, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('request.invalid');
    }
    const tooLong = await req('POST', `/videos/${clip.id}/views`, ben, { watchedMs: 40_001, completed: true });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.code).toBe('view.watched_out_of_range');
    expect(
      (await req('POST', `/videos/${clip.id}/views`, ben, { watchedMs: 9_000, completed: false })).statusCode,
    ).toBe(204);
    expect(
      (await req('POST', `/videos/${clip.id}/views`, undefined, { watchedMs: 10_000, completed: true })).statusCode,
    ).toBe(204);
    const row = await videoRow(clip.id);
    expect([row.view_count, row.watch_ms_total, row.completion_count]).toEqual([2, 19_000, 1]);
    const events = await t.ctx.cells
      .get('us')
      .db.selectFrom('watch_events')
      .selectAll()
      .where('video_id', '=', clip.id)
      .execute();
    expect(events.map((e) => [e.user_id, e.watched_ms])).toEqual([[ben.id, 9000]]);
  });

  it('threads comments one level deep, with clear errors and exact counts', async () => {
    const clip = await publishTestVideo(t.ctx, ana, { caption: 'Talk to me' });
    const empty = await req('POST', `/videos/${clip.id}/comments`, ben, { text: '   ' });
    expect([empty.statusCode, empty.json().error.code]).toEqual([400, 'comment.empty']);
    const long = await req('POST', `/videos/${clip.id}/comments`, ben, { text: 'x'.repeat(5000) });
    expect([long.statusCode, long.json().error.code]).toEqual([400, 'comment.too_long']);
    expect((await req('POST', `/videos/${clip.id}/comments`, ben, { text: 'x'.repeat(1000) })).statusCode).toBe(201);

    const top = (await req('POST', `/videos/${clip.id}/comments`, ben, { text: 'Love it @dee' })).json().id;
    const reply = (await req('POST', `/videos/${clip.id}/comments`, ana, { text: 'thanks!', parentId: top })).json().id;
    const nested = await req('POST', `/videos/${clip.id}/comments`, cal, { text: 'me too', parentId: reply });
    expect(nested.statusCode).toBe(201);
    const replies = (await req('GET', `/comments/${top}/replies`)).json();
    expect(replies.items.map((c: { text: string; parentId: string }) => [c.text, c.parentId])).toEqual([
      ['thanks!', top],
      ['me too', top],
    ]);
    const list = (await req('GET', `/videos/${clip.id}/comments`, ben)).json();
    expect(list.items[0]).toMatchObject({
      id: top,
      replyCount: 2,
      author: { handle: 'ben' },
      viewer: { liked: false },
    });
    expect((await videoRow(clip.id)).comment_count).toBe(4);
    expect(
      (
        await req('POST', `/videos/${clip.id}/comments`, ben, { text: 'hi', parentId: '01hzzzzzzzzzzzzzzzzzzzzzzz' })
      ).json().error.code,
    ).toBe('comment.parent_not_found');

    // The comment lives in the clip's (AU) cell; the commenter's US cell holds none.
    expect(
      await t.ctx.cells.get('au').db.selectFrom('comments').select('id').where('id', '=', top).executeTakeFirst(),
    ).toBeDefined();
    expect(
      await t.ctx.cells.get('us').db.selectFrom('comments').select('id').where('id', '=', top).executeTakeFirst(),
    ).toBeUndefined();

    expect((await req('PUT', `/comments/${top}/like`, cal)).statusCode).toBe(204);
    expect((await req('PUT', `/comments/${top}/like`, cal)).statusCode).toBe(204);
    expect((await req('GET', `/videos/${clip.id}/comments`, cal)).json().items[0]).toMatchObject({
      likeCount: 1,
      viewer: { liked: true },
    });

    const benNotes = (await req('GET', '/notifications', ben)).json().items.map((n: { type: string }) => n.type);
    expect(benNotes).toEqual(expect.arrayContaining(['reply', 'comment_like']));
    const deeNotes = (await req('GET', '/notifications', dee)).json().items;
    expect(deeNotes.find((n: { type: string }) => n.type === 'mention')).toMatchObject({
      actor: { handle: 'ben' },
      text: 'Love it @dee',
    });

    const forbidden = await req('DELETE', `/comments/${top}`, cal);
    expect([forbidden.statusCode, forbidden.json().error.code]).toEqual([403, 'comment.not_yours']);
    const nestedId = nested.json().id;
    expect((await req('DELETE', `/comments/${nestedId}`, cal)).statusCode).toBe(204);
    expect((await videoRow(clip.id)).comment_count).toBe(3);
    expect((await req('DELETE', `/comments/${top}`, ana)).statusCode).toBe(204); // the creator removes it with its reply
    expect((await videoRow(clip.id)).comment_count).toBe(1);
    expect((await req('DELETE', `/comments/${top}`, ana)).json().error.code).toBe('comment.not_found');
  });

  it('refuses comments on private and deleted clips, and follows the creator’s comment setting', async () => {
    const hidden = await publishTestVideo(t.ctx, ana, { caption: 'just me', visibility: 'private' });
    expect((await req('POST', `/videos/${hidden.id}/comments`, ben, { text: 'hello' })).statusCode).toBe(404);
    expect((await req('GET', `/videos/${hidden.id}/comments`, ben)).statusCode).toBe(404);
    const gone = await publishTestVideo(t.ctx, ana, { caption: 'soon gone' });
    expect((await req('DELETE', `/videos/${gone.id}`, ana)).statusCode).toBe(204);
    expect((await req('POST', `/videos/${gone.id}/comments`, ben, { text: 'hello' })).statusCode).toBe(404);
    const friends = await publishTestVideo(t.ctx, ana, { caption: 'friends only', visibility: 'followers' });
    const fin = await signup(t.app, { handle: 'fin', country: 'US' });
    expect((await req('POST', `/videos/${friends.id}/comments`, fin, { text: 'hi' })).statusCode).toBe(404);
    expect((await req('POST', `/videos/${friends.id}/comments`, ben, { text: 'hi' })).statusCode).toBe(201); // ben follows ana
    expect((await t.ctx.media.access.audience('au', ana.id, [ben.id])).get(ben.id)!.following.has(ana.id)).toBe(true);

    const open = await publishTestVideo(t.ctx, ana, { caption: 'open' });
    // The first page of comments says up front what a comment would meet, for the app to show at once.
    const commenting = async (user?: User) => (await req('GET', `/videos/${open.id}/comments`, user)).json().commenting;
    expect(await commenting(fin)).toEqual({ allowed: true, reason: null });
    expect(await commenting()).toEqual({ allowed: false, reason: 'auth.required' });
    await req('PATCH', '/me/privacy', ana, { whoCanComment: 'followers' });
    const nonFollower = await req('POST', `/videos/${open.id}/comments`, fin, { text: 'hi' });
    expect([nonFollower.statusCode, nonFollower.json().error.code]).toEqual([403, 'comment.followers_only']);
    expect(await commenting(fin)).toEqual({ allowed: false, reason: 'comment.followers_only' });
    expect(await commenting(ben)).toEqual({ allowed: true, reason: null });
    expect((await req('POST', `/videos/${open.id}/comments`, ben, { text: 'hi' })).statusCode).toBe(201);
    await req('PATCH', '/me/privacy', ana, { whoCanComment: 'no_one' });
    expect((await req('POST', `/videos/${open.id}/comments`, ben, { text: 'hi' })).json().error.code).toBe(
      'comment.disabled',
    );
    expect(await commenting(ben)).toEqual({ allowed: false, reason: 'comment.disabled' });
    expect(await commenting(ana)).toEqual({ allowed: true, reason: null });
    await req('PATCH', '/me/privacy', ana, { whoCanComment: 'everyone' });
  });

  it('blocking ends follows both ways and stops follows, comments and visibility', async () => {
    const gus = await signup(t.app, { handle: 'gus', country: 'US' });
    const hal = await signup(t.app, { handle: 'hal', country: 'AU' });
    await req('PUT', '/users/hal/follow', gus);
    await req('PUT', '/users/gus/follow', hal);
    const clip = await publishTestVideo(t.ctx, hal, { caption: 'hal clip' });
    expect((await req('PUT', '/users/gus/block', hal)).statusCode).toBe(204);
    for (const u of [gus, hal]) {
      const row = await userRow(u.id);
      expect([row.follower_count, row.following_count]).toEqual([0, 0]);
    }
    const follow = await req('PUT', '/users/hal/follow', gus);
    expect([follow.statusCode, follow.json().error.code]).toEqual([403, 'follow.blocked']);
    const comment = await req('POST', `/videos/${clip.id}/comments`, gus, { text: 'let me in' });
    expect([comment.statusCode, comment.json().error.code]).toEqual([403, 'comment.blocked']);
    expect((await req('PUT', `/videos/${clip.id}/like`, gus)).statusCode).toBe(404);
    expect((await req('PUT', '/users/gus/follow', hal)).json().error.code).toBe('follow.blocking');
    expect((await req('PUT', '/users/hal/block', hal)).json().error.code).toBe('block.self');
    expect((await req('DELETE', '/users/gus/block', hal)).statusCode).toBe(204);
    expect((await req('PUT', '/users/hal/follow', gus)).statusCode).toBe(204);
  });

  it('keeps a US user’s protected data out of the AU cell and the directory', async () => {
    const ivy = await signup(t.app, { handle: 'ivy', country: 'US', email: 'ivy.protected.5150@example.org' });
    const clip = await publishTestVideo(t.ctx, ana, { caption: 'for ivy' });
    await req('PUT', '/users/ana/follow', ivy);
    await req('PUT', `/videos/${clip.id}/like`, ivy);
    await req('PUT', `/videos/${clip.id}/favorite`, ivy);
    await req('POST', `/videos/${clip.id}/views`, ivy, { watchedMs: 14_321, completed: true });
    await req('POST', `/videos/${clip.id}/comments`, ivy, { text: 'great dive' });
    const feed = (await req('GET', '/feed/following', ivy)).json();
    expect(feed.items.map((v: { id: string }) => v.id)).toContain(clip.id);

    const us = t.ctx.cells.get('us').db;
    const watch = await us
      .selectFrom('watch_events')
      .select('id')
      .where('user_id', '=', ivy.id)
      .executeTakeFirstOrThrow();
    await t.close(); // every byte on disk (WAL included) before scanning; reopened below
    const auDir = join(t.dataDir, 'cells', 'au');
    const directoryDir = join(t.dataDir, 'directory');
    for (const needle of ['ivy.protected.5150@example.org', watch.id]) {
      expect(filesContaining(auDir, needle), needle).toEqual([]);
      expect(filesContaining(directoryDir, needle), needle).toEqual([]);
    }
    expect(filesContaining(join(t.dataDir, 'cells', 'us'), watch.id).length).toBeGreaterThan(0);
    t = await startTestApp({ dialect: 'sqlite', dataDir: t.dataDir });
    const au = t.ctx.cells.get('au').db;
    for (const table of ['watch_events', 'likes', 'favorites', 'not_interested'] as const) {
      expect(await au.selectFrom(table).select('user_id').where('user_id', '=', ivy.id).execute(), table).toEqual([]);
    }
    expect(await au.selectFrom('follows').select('follower_id').where('follower_id', '=', ivy.id).execute()).toEqual(
      [],
    );
    const ledger = await t.ctx.border.ledger('us');
    const toAu = ledger.filter((l) => l.target === 'au').map((l) => l.flow);
    expect(toAu).toEqual(expect.arrayContaining(['follow.create', 'comment.create', 'notify.like']));
  });
});
