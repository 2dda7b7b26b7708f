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
    const get = (headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: `/api/v1/videos/${id}`, headers });

    expect((await get(bearer(fan.token))).json().viewer).toEqual({ liked: false, favorited: false, followingAuthor: false });
    for (const url of [`/api/v1/videos/${id}/like`, `/api/v1/videos/${id}/favorite`, '/api/v1/users/vs_creator/follow']) {
      expect((await t.app.inject({ method: 'PUT', url, headers: bearer(fan.token) })).statusCode).toBe(204);
    }
    expect((await get(bearer(fan.token))).json().viewer).toEqual({ liked: true, favorited: true, followingAuthor: true });
    expect((await get()).json().viewer).toBeUndefined();
  });
});
