import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLIPS, DEMO_USERS } from '../src/demo/demo-clips.js';
import { seedDemo } from '../src/demo/demo-seed.js';
import { startWorkers } from '../src/jobs/workers.js';
import type { JobRunner } from '../src/jobs/worker.js';
import { startTestApp, type TestApp } from './helpers/app.js';

describe('reelm start --demo', () => {
  let t: TestApp;
  let worker: JobRunner;
  let base = '';
  beforeAll(async () => {
    t = await startTestApp();
    worker = startWorkers(t.ctx, undefined, { pollMs: 50 });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await worker.stop();
    await t.destroy();
  });

  it('seeds accounts in several regions and generated clips through the real pipeline, with follows, likes and comments', async () => {
    const result = await seedDemo({ baseUrl: base, ffmpegPath: t.config.ffmpegPath, log: t.ctx.log, seconds: 1 });
    expect(result).toEqual({ users: DEMO_USERS.length, videos: DEMO_CLIPS.length });

    const regions = new Set(
      (await t.ctx.directory.selectFrom('users').select('region').execute()).map((r) => r.region),
    );
    expect(regions.size).toBeGreaterThanOrEqual(4);
    // Every clip is public and playable on its author's profile.
    type Clip = { id: string; playback: { hls: string }; stats: { likes: number; comments: number } };
    const clips: Clip[] = [];
    for (const user of DEMO_USERS) {
      const page = (await t.app.inject({ method: 'GET', url: `/api/v1/users/${user.handle}/videos?limit=50` })).json();
      clips.push(...page.items);
    }
    expect(clips).toHaveLength(DEMO_CLIPS.length);
    for (const v of clips) expect(v.playback.hls).toMatch(/master\.m3u8$/);
    // A visitor's For You serves them (a page may end early rather than show one creator twice in a row).
    const feed = (await t.app.inject({ method: 'GET', url: '/api/v1/feed/for-you?limit=20' })).json();
    expect(feed.items.length).toBeGreaterThanOrEqual(DEMO_CLIPS.length - 2);
    for (const v of feed.items) expect(clips.map((c) => c.id)).toContain(v.id);
    const liked = clips.reduce((n, v) => n + v.stats.likes, 0);
    const comments = clips.reduce((n, v) => n + v.stats.comments, 0);
    expect(liked).toBeGreaterThan(10);
    expect(comments).toBeGreaterThan(5);
    const mira = (await t.app.inject({ method: 'GET', url: '/api/v1/users/mira.waves' })).json();
    expect(mira.stats).toMatchObject({ followers: 2, following: 2, videos: 3 });
  }, 240_000);
});
