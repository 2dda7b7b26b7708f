import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

type User = Awaited<ReturnType<typeof signup>>;

/** The access rule's consequences a user notices at once: the index, media links and notifications follow it. */
describe('access follows every change at once', () => {
  let t: TestApp;
  const get = (url: string, who?: User) =>
    t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: who ? bearer(who.token) : {} });
  const send = (method: 'PUT' | 'DELETE' | 'PATCH' | 'POST', url: string, who: User, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(who.token), ...(payload ? { payload } : {}) });
  const media = async (url: string) => (await t.app.inject({ method: 'GET', url })).statusCode;
  const indexed = async (id: string) =>
    !!(await t.ctx.directory.selectFrom('videos').select('id').where('id', '=', id).executeTakeFirst());
  const tagCount = async (tag: string) =>
    (await t.ctx.directory.selectFrom('hashtags').select('video_count').where('tag', '=', tag).executeTakeFirst())
      ?.video_count;

  beforeAll(async () => {
    t = await startTestApp({ overrides: { feeds: { pools: { ttlMs: 0 } } } });
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('stops a follower’s signed links when the creator blocks them, and another’s when they unfollow', async () => {
    const creator = await signup(t.app, { handle: 'af_creator', country: 'US' });
    const fan = await signup(t.app, { handle: 'af_fan', country: 'DE' });
    const other = await signup(t.app, { handle: 'af_other', country: 'AU' });
    const clip = await publishTestVideo(t.ctx, creator, {
      caption: 'friends #afonly',
      visibility: 'followers',
      media: true,
    });
    for (const who of [fan, other]) expect((await send('PUT', '/users/af_creator/follow', who)).statusCode).toBe(204);
    const link = async (who: User) => (await get(`/videos/${clip.id}`, who)).json().playback as { hls: string };
    const fanLink = await link(fan);
    expect(fanLink.hls).toMatch(/\/s-\d+-/);
    expect(await media(fanLink.hls)).toBe(200);
    // The bare and keyed paths never open a followers-only clip.
    expect(await media(`/media/us/${clip.id}/master.m3u8`)).toBe(404);

    await send('PUT', '/users/af_fan/block', creator);
    expect(await media(fanLink.hls)).toBe(403);
    expect((await get(`/videos/${clip.id}`, fan)).statusCode).toBe(404);

    const otherLink = await link(other);
    expect(await media(otherLink.hls)).toBe(200);
    await send('DELETE', '/users/af_creator/follow', other);
    expect(await media(otherLink.hls)).toBe(403);
    expect((await get(`/videos/${clip.id}`, other)).statusCode).toBe(404);
    // The creator's own link is new and works.
    expect(await media((await link(creator)).hls)).toBe(200);
  });

  it('stops a former follower’s link to a private account’s public clip when they unfollow', async () => {
    const owner = await signup(t.app, { handle: 'af_private', country: 'US' });
    const fan = await signup(t.app, { handle: 'af_private_fan', country: 'AU' });
    const clip = await publishTestVideo(t.ctx, owner, { caption: 'for my followers', media: true });
    await send('PATCH', '/me/privacy', owner, { privateAccount: true });
    await send('PUT', '/users/af_private/follow', fan);
    await send('POST', '/me/follow-requests/af_private_fan/approve', owner);
    const hls = (await get(`/videos/${clip.id}`, fan)).json().playback.hls as string;
    expect(await media(hls)).toBe(200);
    await send('DELETE', '/users/af_private/follow', fan);
    expect(await media(hls)).toBe(403);
  });

  it('shows followers what only they may see in Following at once, however it came to be', async () => {
    const creator = await signup(t.app, { handle: 'af_feed_creator', country: 'DE' });
    const follower = await signup(t.app, { handle: 'af_feed_follower', country: 'NZ' });
    await send('PUT', '/users/af_feed_creator/follow', follower);
    const following = async () =>
      ((await get('/feed/following', follower)).json().items as { id: string; visibility: string }[]).map(
        (v) => `${v.id}:${v.visibility}`,
      );
    const open = await publishTestVideo(t.ctx, creator, { caption: 'open' });
    // A first page: the creator has nothing only followers see, and Following remembers that.
    expect(await following()).toEqual([`${open.id}:public`]);
    const friends = await publishTestVideo(t.ctx, creator, { caption: 'friends', visibility: 'followers' });
    expect(await following()).toEqual([`${friends.id}:followers`, `${open.id}:public`]);
    await send('PATCH', `/videos/${open.id}`, creator, { visibility: 'followers' });
    expect(await following()).toEqual([`${friends.id}:followers`, `${open.id}:followers`]);
    await send('PATCH', `/videos/${open.id}`, creator, { visibility: 'public' });
    await send('PATCH', '/me/privacy', creator, { privateAccount: true });
    expect(await following()).toEqual([`${friends.id}:followers`, `${open.id}:public`]);
    // A stranger sees none of it in their own Following (they follow nobody) nor by link to the followers-only clip.
    const stranger = await signup(t.app, { handle: 'af_feed_stranger', country: 'US' });
    expect((await get(`/videos/${friends.id}`, stranger)).statusCode).toBe(404);
    expect((await get(`/videos/${open.id}`, stranger)).statusCode).toBe(404);
  });

  it('takes a private account’s clips out of the index, hashtags, search and unsigned media, and back', async () => {
    const shy = await signup(t.app, { handle: 'af_shy', country: 'NZ' });
    const clip = await publishTestVideo(t.ctx, shy, { caption: 'quiet afquietword #afquiet', media: true });
    const open = (await get(`/videos/${clip.id}`)).json().playback.hls as string;
    expect(open).toMatch(/\/k-[A-Za-z0-9_-]{22}\/master\.m3u8$/);
    expect([await media(open), await tagCount('afquiet'), await indexed(clip.id)]).toEqual([200, 1, true]);

    await send('PATCH', '/me/privacy', shy, { privateAccount: true });
    expect([await media(open), await tagCount('afquiet'), await indexed(clip.id)]).toEqual([404, 0, false]);
    expect(await media(`/media/nz/${clip.id}/poster.jpg`)).toBe(404);
    expect((await get('/search?q=afquietword')).json().videos).toEqual([]);
    expect((await get(`/videos/${clip.id}`)).statusCode).toBe(404);
    expect((await get(`/users/af_shy/videos`)).json().items).toEqual([]);
    // The owner still plays it, through a signed link.
    expect(await media((await get(`/videos/${clip.id}`, shy)).json().playback.hls)).toBe(200);

    await send('PATCH', '/me/privacy', shy, { privateAccount: false });
    expect([await tagCount('afquiet'), await indexed(clip.id)]).toEqual([1, true]);
    expect((await get('/search?q=afquietword')).json().videos.map((v: { id: string }) => v.id)).toEqual([clip.id]);
    // The path handed out before stays dead: the clip's media epoch moved on.
    expect(await media(open)).toBe(404);
    expect(await media((await get(`/videos/${clip.id}`)).json().playback.hls)).toBe(200);
  });

  it('keeps a restricted clip viewable by link but out of discovery, and a removed one to its owner', async () => {
    const maker = await signup(t.app, { handle: 'af_maker', country: 'US' });
    const viewer = await signup(t.app, { handle: 'af_viewer', country: 'US' });
    const clip = await publishTestVideo(t.ctx, maker, { caption: 'edgy afedgyword #afedgy', media: true });
    await t.ctx.media.videos.moderate('us', clip.id, 'restricted');
    expect([await indexed(clip.id), await tagCount('afedgy')]).toEqual([false, 0]);
    expect((await get('/search?q=afedgyword')).json().videos).toEqual([]);
    const shown = await get(`/videos/${clip.id}`, viewer);
    expect(shown.statusCode).toBe(200);
    expect(await media(shown.json().playback.hls)).toBe(200);
    expect((await get('/users/af_maker/videos')).json().items.map((v: { id: string }) => v.id)).toEqual([clip.id]);

    await t.ctx.media.videos.moderate('us', clip.id, 'removed');
    expect(await media(shown.json().playback.hls)).toBe(404);
    expect((await get(`/videos/${clip.id}`, viewer)).statusCode).toBe(404);
    expect((await get('/users/af_maker/videos')).json().items).toEqual([]);
    expect((await get(`/videos/${clip.id}`, maker)).statusCode).toBe(200);
  });

  it('notifies a mention on a followers-only clip only to someone who may see it, without carrying its text', async () => {
    const owner = await signup(t.app, { handle: 'af_owner', country: 'AU' });
    const friend = await signup(t.app, { handle: 'af_friend', country: 'US' });
    const stranger = await signup(t.app, { handle: 'af_stranger', country: 'DE' });
    await send('PUT', '/users/af_owner/follow', friend);
    const clip = await publishTestVideo(t.ctx, owner, { caption: 'for friends', visibility: 'followers' });
    const comment = await send('POST', `/videos/${clip.id}/comments`, friend, {
      text: 'look @af_stranger and @af_owner',
    });
    expect(comment.statusCode).toBe(201);
    expect((await get('/notifications', stranger)).json().items).toEqual([]);
    const toOwner = (await get('/notifications', owner)).json().items as { type: string; text?: string }[];
    // The owner's cell holds the comment: the owner reads its text there; nothing of it crossed to another cell.
    // (Both arrive in the same millisecond: their order is not defined.)
    expect(
      toOwner
        .filter((n) => n.type !== 'follow')
        .map((n) => [n.type, n.text])
        .sort(),
    ).toEqual([
      ['comment', 'look @af_stranger and @af_owner'],
      ['mention', 'look @af_stranger and @af_owner'],
    ]);
    const ledger = await t.ctx.border.ledger('au');
    expect(ledger.some((f) => f.flow.startsWith('notify.') && !f.flow.endsWith('.restricted'))).toBe(false);

    // A reply from the owner reaches the friend (in the US cell) with ids only, and vanishes when they lose access.
    await send('POST', `/videos/${clip.id}/comments`, owner, { text: 'thanks!', parentId: comment.json().id });
    const reply = (await get('/notifications', friend)).json();
    expect(reply.items.map((n: { type: string; text?: string }) => [n.type, n.text])).toEqual([['reply', undefined]]);
    expect(reply.unread).toBe(1);
    await send('PUT', '/users/af_friend/block', owner);
    expect((await get('/notifications', friend)).json()).toMatchObject({ items: [], unread: 0 });
  });

  it('brings index rows of accounts that went private before the index followed accounts in line', async () => {
    const old = await signup(t.app, { handle: 'af_legacy', country: 'US' });
    const clip = await publishTestVideo(t.ctx, old, { caption: 'legacy #aflegacy' });
    // What an older server did: the flag changed, the index row stayed.
    await t.ctx.cells
      .get('us')
      .db.updateTable('accounts')
      .set({ private_account: 1 })
      .where('id', '=', old.id)
      .execute();
    await t.ctx.directory.updateTable('users').set({ private_account: 1 }).where('id', '=', old.id).execute();
    expect(await indexed(clip.id)).toBe(true);
    expect(await t.ctx.media.videos.reconcileIndex()).toBe(1);
    expect([await indexed(clip.id), await tagCount('aflegacy')]).toEqual([false, 0]);
    expect(await t.ctx.media.videos.reconcileIndex()).toBe(0);
  });
});
