import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

/** The feeds keep copies of the public index between requests (default options here): none may outlive a change. */
describe('feeds after a change to the public index', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('drops a clip made private or deleted, and shows a new one, on the next Following and For You page', async () => {
    const creator = await signup(t.app, { handle: 'fresh_maker', country: 'AU' });
    const fan = await signup(t.app, { handle: 'fresh_fan', country: 'US' });
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/fresh_maker/follow', headers: bearer(fan.token) });
    const a = await publishTestVideo(t.ctx, creator, {
      caption: 'first',
      publishedAt: new Date(Date.now() - 60_000).toISOString(),
    });
    const b = await publishTestVideo(t.ctx, creator, {
      caption: 'second',
      publishedAt: new Date(Date.now() - 30_000).toISOString(),
    });
    const following = async () =>
      (await t.app.inject({ method: 'GET', url: '/api/v1/feed/following', headers: bearer(fan.token) }))
        .json()
        .items.map((v: { id: string }) => v.id);
    const forYou = async () =>
      (await t.app.inject({ method: 'GET', url: '/api/v1/feed/for-you?limit=50' }))
        .json()
        .items.map((v: { id: string }) => v.id);
    expect(await following()).toEqual([b.id, a.id]);
    // A visitor's For You shows one clip of a creator per session (never one creator twice in a row); sessions differ.
    const seenInForYou = new Set<string>();
    for (let i = 0; i < 30 && seenInForYou.size < 2; i++) for (const id of await forYou()) seenInForYou.add(id);
    expect([...seenInForYou].sort()).toEqual([a.id, b.id].sort());

    const hide = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/videos/${b.id}`,
      headers: bearer(creator.token),
      payload: { visibility: 'private' },
    });
    expect(hide.statusCode, hide.body).toBe(200);
    expect(await following()).toEqual([a.id]);
    // For You rebuilds its pools at most once a second after a change.
    await new Promise((r) => setTimeout(r, 1_100));
    for (let i = 0; i < 10; i++) expect(await forYou()).not.toContain(b.id);

    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/videos/${a.id}`, headers: bearer(creator.token) }))
        .statusCode,
    ).toBe(204);
    expect(await following()).toEqual([]);

    const back = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/videos/${b.id}`,
      headers: bearer(creator.token),
      payload: { visibility: 'public' },
    });
    expect(back.statusCode, back.body).toBe(200);
    expect(await following()).toEqual([b.id]);
  });

  it('shows a new display name at once, and hides the clips of an account that just went private from strangers', async () => {
    const maker = await signup(t.app, { handle: 'renamer', country: 'DE' });
    const fan = await signup(t.app, { handle: 'renamer_fan', country: 'US' });
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/renamer/follow', headers: bearer(fan.token) });
    const clip = await publishTestVideo(t.ctx, maker, { caption: 'hello #renamed' });
    type Card = { id: string; author: { displayName: string } };
    const following = async () =>
      (await t.app.inject({ method: 'GET', url: '/api/v1/feed/following', headers: bearer(fan.token) })).json()
        .items as Card[];
    const visitorSees = async () => {
      for (let i = 0; i < 10; i++) {
        const items = (await t.app.inject({ method: 'GET', url: '/api/v1/feed/for-you?limit=50' })).json()
          .items as Card[];
        if (items.some((v) => v.id === clip.id)) return true;
      }
      return false;
    };
    expect((await following())[0]?.author.displayName).toBe('renamer');
    // For You rebuilds its pools at most once a second after a change.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await visitorSees()).toBe(true);

    const renamed = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: bearer(maker.token),
      payload: { displayName: 'Renée' },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect((await following())[0]?.author.displayName).toBe('Renée');

    await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me/privacy',
      headers: bearer(maker.token),
      payload: { privateAccount: true },
    });
    expect(await visitorSees()).toBe(false);
    // An approved follower still sees them.
    expect((await following()).map((v) => v.id)).toEqual([clip.id]);
  });
});
