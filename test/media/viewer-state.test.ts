import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

describe('a clip page knows what the viewer did', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('answers liked, favorited and following for a signed-in viewer, and nothing for a visitor', async () => {
    const creator = await signup(t.app, { handle: 'vs_creator', country: 'AU' });
    const fan = await signup(t.app, { handle: 'vs_fan', country: 'US' });
    const { id } = await publishTestVideo(t.ctx, creator, { caption: 'state #check' });
    const get = (headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'GET', url: `/api/v1/videos/${id}`, headers });

    expect((await get(bearer(fan.token))).json().viewer).toEqual({
      liked: false,
      favorited: false,
      followingAuthor: false,
    });
    for (const url of [
      `/api/v1/videos/${id}/like`,
      `/api/v1/videos/${id}/favorite`,
      '/api/v1/users/vs_creator/follow',
    ]) {
      expect((await t.app.inject({ method: 'PUT', url, headers: bearer(fan.token) })).statusCode).toBe(204);
    }
    expect((await get(bearer(fan.token))).json().viewer).toEqual({
      liked: true,
      favorited: true,
      followingAuthor: true,
    });
    expect((await get()).json().viewer).toBeUndefined();
  });

  it('lists a profile’s clips by the same rule as one clip: followers see followers-only clips, strangers of a private account see none', async () => {
    const owner = await signup(t.app, { handle: 'vs_private', country: 'NZ' });
    const follower = await signup(t.app, { handle: 'vs_follower', country: 'DE' });
    const stranger = await signup(t.app, { handle: 'vs_stranger', country: 'US' });
    const pub = await publishTestVideo(t.ctx, owner, { caption: 'for everyone' });
    const fol = await publishTestVideo(t.ctx, owner, { caption: 'for followers', visibility: 'followers' });
    await publishTestVideo(t.ctx, owner, { caption: 'just me', visibility: 'private' });
    const list = async (token?: string) =>
      (
        await t.app.inject({
          method: 'GET',
          url: '/api/v1/users/vs_private/videos',
          headers: token ? bearer(token) : {},
        })
      )
        .json()
        .items.map((v: { id: string }) => v.id);

    expect(await list()).toEqual([pub.id]);
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/vs_private/follow', headers: bearer(follower.token) });
    expect(await list(follower.token)).toEqual([fol.id, pub.id]);

    await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me/privacy',
      headers: bearer(owner.token),
      payload: { privateAccount: true },
    });
    expect(await list()).toEqual([]);
    expect(await list(stranger.token)).toEqual([]);
    expect(await list(follower.token)).toEqual([fol.id, pub.id]);
    expect((await list(owner.token)).length).toBe(3);
  });
});
