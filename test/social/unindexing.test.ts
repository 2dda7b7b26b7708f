import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSearchIndex } from '../../src/feeds/search-index.js';
import { signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

/** Many clips leaving the public index at once (a region's detach sends a page of them per event). */
describe('clips leaving the index in a batch', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.destroy();
  });

  const count = async (tag: string) =>
    (await t.ctx.directory.selectFrom('hashtags').select('video_count').where('tag', '=', tag).executeTakeFirst())
      ?.video_count;
  const search = (q: string) => createSearchIndex(t.ctx.directory).search(q, 50);

  it('counts each tag off once per clip that had it, once even when told twice at once, and drops their search documents', async () => {
    const ana = await signup(t.app, { handle: 'unindex_ana' });
    const clips = [];
    for (const caption of [
      'dunes #sandy #gold',
      'waves #sandy',
      'peaks #gold #snowy',
      'dunes again #sandy',
      'keep #sandy',
    ])
      clips.push((await publishTestVideo(t.ctx, ana, { caption })).id);
    expect([await count('sandy'), await count('gold'), await count('snowy')]).toEqual([4, 2, 1]);
    expect((await search('dunes')).sort()).toEqual([clips[0], clips[3]].sort());

    const leaving = clips.slice(0, 4);
    await Promise.all([t.ctx.social.hashtags.unindexing(leaving), t.ctx.social.hashtags.unindexing(leaving)]);
    expect([await count('sandy'), await count('gold'), await count('snowy')]).toEqual([1, 0, 0]);
    expect(await search('dunes')).toEqual([]);
    expect(await search('peaks')).toEqual([]);
    expect(await search('keep')).toEqual([clips[4]]);
    const tagged = await t.ctx.directory.selectFrom('video_hashtags').select('video_id').execute();
    expect(tagged.map((r) => r.video_id)).toEqual([clips[4]]);
  });
});
