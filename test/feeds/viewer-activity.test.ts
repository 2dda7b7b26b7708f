import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

describe('For You’s copy of a viewer’s own lists', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  it('follows the viewer’s watches, likes, unlikes and "not interested" as they are recorded', async () => {
    const maker = await signup(t.app, { handle: 'maker', country: 'US' });
    const viewer = await signup(t.app, { handle: 'watcher', country: 'US' });
    const [a, b, c] = [
      await publishTestVideo(t.ctx, maker),
      await publishTestVideo(t.ctx, maker),
      await publishTestVideo(t.ctx, maker),
    ];
    const me = { userId: viewer.id, region: viewer.region };
    const post = (url: string, payload?: object) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1${url}`,
        headers: bearer(viewer.token),
        ...(payload ? { payload } : {}),
      });
    const state = () => t.ctx.feeds.activity.state(me);

    expect((await state()).seen.size).toBe(0);
    await post(`/videos/${a!.id}/views`, { watchedMs: 1000, completed: false });
    await post(`/videos/${b!.id}/views`, { watchedMs: 15_000, completed: true });
    expect([...(await state()).seen].sort()).toEqual([a!.id, b!.id].sort());
    expect((await state()).history).toEqual([b!.id]);

    await t.app.inject({ method: 'PUT', url: `/api/v1/videos/${c!.id}/like`, headers: bearer(viewer.token) });
    expect((await state()).history).toEqual([b!.id, c!.id]);
    await t.app.inject({ method: 'DELETE', url: `/api/v1/videos/${c!.id}/like`, headers: bearer(viewer.token) });
    expect((await state()).history).toEqual([b!.id]);

    await post(`/videos/${c!.id}/not-interested`);
    const after = await state();
    expect(after.notInterested.has(c!.id)).toBe(true);
    expect(after.dislikedAuthors.get(maker.id)).toBe(1);
  });
});
