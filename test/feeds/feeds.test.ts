import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

type User = Awaited<ReturnType<typeof signup>>;
interface V {
  id: string;
  author: { id: string; handle: string };
  sound: { id: string } | null;
  reason?: { source: string; signals: string[] };
  viewer?: unknown;
}

describe('feeds, discovery and search', () => {
  let t: TestApp;
  const creators: User[] = [];
  let nova: User;
  let newClip: string;
  let hitSound: string;
  const req = (method: 'GET' | 'PUT' | 'DELETE' | 'POST' | 'PATCH', url: string, user?: User, payload?: unknown) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: user ? bearer(user.token) : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

  /** Pages through For You and returns every page's items. */
  async function forYou(user: User | undefined, pages: number, limit = 8): Promise<V[][]> {
    const out: V[][] = [];
    let cursor: string | null = null;
    for (let i = 0; i < pages; i++) {
      const res = await req('GET', `/feed/for-you?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, user);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      out.push(body.items);
      cursor = body.cursor;
      if (!cursor) break;
    }
    return out;
  }

  beforeAll(async () => {
    t = await startTestApp({ overrides: { feeds: { seed: 1234, pools: { ttlMs: 0 } } } });
    const countries = ['US', 'AU', 'DE', 'US', 'NZ', 'AU'];
    for (let c = 0; c < countries.length; c++)
      creators.push(await signup(t.app, { handle: `maker${c}`, country: countries[c]! }));
    const day = 3_600_000 * 24;
    for (let c = 0; c < creators.length; c++) {
      for (let k = 0; k < 6; k++) {
        const topic = ['cats', 'surf', 'cooking'][(c + k) % 3]!;
        const options: Parameters<typeof publishTestVideo>[2] = {
          caption: `Clip ${k} by maker${c} #${topic}${k === 0 ? ' #everyone' : ''}`,
          publishedAt: new Date(Date.now() - (c * 6 + k + 1) * 3_600_000 - day).toISOString(),
          counters: {
            view_count: 200 + 37 * ((c * 7 + k * 3) % 11),
            like_count: 10 + k * c,
            completion_count: 80 + 5 * k,
            share_count: c,
            comment_count: k,
          },
        };
        // Two US creators share a sound (a sound is used within its cell until "use this sound" crosses cells).
        if ((c === 0 || c === 3) && k === 0) {
          if (hitSound) options.soundId = hitSound;
          else options.soundTitle = 'Hit song';
        }
        const v = await publishTestVideo(t.ctx, creators[c]!, options);
        if ((c === 0 || c === 3) && k === 0) hitSound = v.soundId!;
      }
    }
    nova = await signup(t.app, { handle: 'nova', country: 'US' });
    newClip = (await publishTestVideo(t.ctx, nova, { caption: 'My very first clip #debut' })).id;
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  it('serves a visitor a mixed For You with reasons, no repeats and no creator twice in a row', async () => {
    const pages = await forYou(undefined, 6);
    // 37 clips: every one of them, then rewatching (the feed does not end).
    const items = pages.flat().slice(0, 37);
    expect(new Set(items.map((v) => v.id)).size).toBe(37);
    expect(
      pages
        .flat()
        .slice(37)
        .map((v) => v.reason?.source),
    ).toEqual(Array(48 - 37).fill('rewatch'));
    for (let i = 1; i < items.length; i++) {
      expect(items[i]!.author.id, `position ${i}`).not.toBe(items[i - 1]!.author.id);
      if (items[i]!.sound && items[i - 1]!.sound) expect(items[i]!.sound!.id).not.toBe(items[i - 1]!.sound!.id);
    }
    for (const v of items) {
      expect(v.reason?.source).toMatch(/^(trending|fresh|catalogue|exploration|following|similar|hashtag|sound)$/);
      expect(v.reason?.signals.length).toBeGreaterThan(0);
      expect(v.viewer).toBeUndefined();
    }
    expect(new Set(items.slice(0, 10).map((v) => v.author.id)).size).toBeGreaterThanOrEqual(4);
  });

  it('gives a brand-new clip its first audience through exploration', async () => {
    const fresh = await signup(t.app, { handle: 'newcomer', country: 'US' });
    const [first] = await forYou(fresh, 1, 10);
    const hit = first!.find((v) => v.id === newClip);
    expect(hit?.reason?.source).toBe('exploration');
  });

  it('is reproducible under a fixed seed', async () => {
    const a = (await forYou(undefined, 2)).flat().map((v) => v.id);
    const b = (await forYou(undefined, 2)).flat().map((v) => v.id);
    expect(a).toEqual(b);
  });

  it('never shows blocked (either way) or muted creators, and never repeats watched clips', async () => {
    const viewer = await signup(t.app, { handle: 'viewer1', country: 'US' });
    // A page first, so the viewer's relations are held in memory when the blocks and the mute arrive.
    await forYou(viewer, 1, 5);
    await req('PUT', '/users/maker0/block', viewer);
    await req('PUT', '/users/maker2/mute', viewer);
    await req('PUT', '/users/viewer1/block', creators[3]);
    const before = (await forYou(viewer, 1, 5)).flat();
    const watched = before[0]!.id;
    await req('POST', `/videos/${watched}/views`, viewer, { watchedMs: 15_000, completed: true });
    const items = (await forYou(viewer, 10)).flat();
    const hidden = new Set([creators[0]!.id, creators[2]!.id, creators[3]!.id]);
    expect(items.filter((v) => hidden.has(v.author.id))).toEqual([]);
    // A watched clip comes back only as rewatching, once nothing new is left.
    const firstRewatch = items.findIndex((v) => v.reason?.source === 'rewatch');
    expect(firstRewatch).toBeGreaterThan(0);
    expect(items.slice(0, firstRewatch).map((v) => v.id)).not.toContain(watched);
    expect(items.slice(firstRewatch).every((v) => v.reason?.source === 'rewatch')).toBe(true);
    const trending = (await req('GET', '/trending?limit=100', viewer)).json().items as V[];
    expect(trending.filter((v) => hidden.has(v.author.id))).toEqual([]);
  });

  it('learns from the region’s own events: clips watched after the same clip are recommended', async () => {
    const [a, b] = (
      await t.ctx.directory
        .selectFrom('videos')
        .select(['id', 'author_id'])
        .where('author_id', '=', creators[4]!.id)
        .orderBy('id')
        .limit(2)
        .execute()
    ).map((r) => r.id);
    const fans = [];
    for (let i = 0; i < 3; i++) fans.push(await signup(t.app, { handle: `fan${i}`, country: 'US' }));
    await t.ctx.feeds.models.get('us');
    for (const fan of fans) {
      await req('POST', `/videos/${a}/views`, fan, { watchedMs: 15_000, completed: true });
      await req('POST', `/videos/${b}/views`, fan, { watchedMs: 15_000, completed: true });
    }
    const me = await signup(t.app, { handle: 'learner', country: 'US' });
    await req('POST', `/videos/${a}/views`, me, { watchedMs: 15_000, completed: true });
    const items = (await forYou(me, 1, 10)).flat();
    const rec = items.find((v) => v.id === b);
    expect(rec?.reason?.source).toBe('similar');
    expect(rec?.reason?.signals.join(' ')).toContain(a);
    // Another region's model never saw those events.
    const eu = await t.ctx.feeds.models.get('eu');
    expect(eu.recommend([a!], 5).map((r) => r.itemKey)).not.toContain(b);
  });

  it('shows followed creators newest first across regions, with keyset pages', async () => {
    const fol = await signup(t.app, { handle: 'follower1', country: 'DE' });
    await req('PUT', '/users/maker1/follow', fol);
    await req('PUT', '/users/maker4/follow', fol);
    const seen: V[] = [];
    let cursor: string | null = null;
    do {
      const res = await req('GET', `/feed/following?limit=5${cursor ? `&cursor=${cursor}` : ''}`, fol);
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().items);
      cursor = res.json().cursor;
    } while (cursor);
    expect(seen).toHaveLength(12);
    expect(new Set(seen.map((v) => v.author.handle))).toEqual(new Set(['maker1', 'maker4']));
    const order = seen.map((v) => v.id); // ids sort by creation time
    expect([...order].sort().reverse()).toEqual(order);
    expect((seen[0] as { viewer?: { followingAuthor: boolean } }).viewer?.followingAuthor).toBe(true);
    await req('PUT', '/users/maker4/mute', fol);
    const muted = (await req('GET', '/feed/following?limit=50', fol)).json().items as V[];
    expect(new Set(muted.map((v) => v.author.handle))).toEqual(new Set(['maker1']));
    expect((await req('GET', '/feed/following')).statusCode).toBe(401);
  });

  it('refuses tampered cursors with cursor.invalid', async () => {
    const fol = await signup(t.app, { handle: 'tamper', country: 'US' });
    const page = (await req('GET', '/feed/for-you?limit=3', fol)).json();
    const [head, body] = page.cursor.split('.');
    for (const url of [
      `/feed/for-you?cursor=${head}.${body}.AAAAAAAAAAAA`,
      '/feed/for-you?cursor=zzz',
      '/feed/following?cursor=%7B%7D',
      '/trending?cursor=eyJ4IjoxfQ',
    ]) {
      const res = await req('GET', url, fol);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe('cursor.invalid');
    }
  });

  it('ranks trending by time-decayed engagement, page by page', async () => {
    const first = (await req('GET', '/trending?limit=10')).json();
    const second = (await req('GET', `/trending?limit=10&cursor=${first.cursor}`)).json();
    const ids = [...first.items, ...second.items].map((v: V) => v.id);
    expect(new Set(ids).size).toBe(20);
    const snapshot = await t.ctx.feeds.pools.get();
    expect(ids).toEqual(snapshot.trending.slice(0, 20).map((i) => i.row.id));
    const scores = snapshot.trending.slice(0, 20).map((i) => i.trend);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
  });

  it('searches users, hashtags and captions, and forgets removed clips', async () => {
    const res = await req('GET', '/search?q=maker');
    expect(res.statusCode).toBe(200);
    expect(res.json().users.map((u: { handle: string }) => u.handle)).toEqual([
      'maker0',
      'maker1',
      'maker2',
      'maker3',
      'maker4',
      'maker5',
    ]);
    const debut = (await req('GET', '/search?q=very%20first')).json();
    expect(debut.videos.map((v: V) => v.id)).toEqual([newClip]);
    const tags = (await req('GET', '/search?q=cook')).json();
    expect(tags.hashtags).toEqual([{ tag: 'cooking', videoCount: 12 }]);
    expect(tags.videos.length).toBe(12);
    expect((await req('GET', '/search?q=')).statusCode).toBe(400);
    const punct = await req('GET', '/search?q=%22*%29');
    expect([punct.statusCode, punct.json().error.code]).toEqual([400, 'search.query_invalid']);
    const gone = await publishTestVideo(t.ctx, nova, { caption: 'ephemeral #vanish' });
    expect((await req('GET', '/search?q=ephemeral')).json().videos).toHaveLength(1);
    expect((await req('DELETE', `/videos/${gone.id}`, nova)).statusCode).toBe(204);
    expect((await req('GET', '/search?q=ephemeral')).json().videos).toHaveLength(0);
    expect((await req('GET', '/hashtags/vanish')).json()).toMatchObject({ tag: 'vanish', videoCount: 0, items: [] });
  });

  it('serves hashtag and sound pages', async () => {
    const surf = (await req('GET', '/hashtags/surf?limit=5')).json();
    expect(surf.videoCount).toBe(12);
    expect(surf.items).toHaveLength(5);
    const rest = (await req('GET', `/hashtags/SURF?limit=20&cursor=${surf.cursor}`)).json();
    expect(rest.items).toHaveLength(7);
    expect(rest.cursor).toBeNull();
    expect((await req('GET', '/hashtags/nothing_here')).statusCode).toBe(404);
    const sound = (await req('GET', `/sounds/${hitSound}`)).json();
    expect(sound).toMatchObject({ id: hitSound, title: 'Hit song', author: { handle: 'maker0' }, videoCount: 2 });
    expect(sound.items).toHaveLength(2);
    expect((await req('GET', '/sounds/nope')).json().error.code).toBe('sound.not_found');
  });

  it('keeps private accounts’ clips to their followers, out of hashtags and search', async () => {
    const shy = await signup(t.app, { handle: 'shy', country: 'US' });
    const clip = await publishTestVideo(t.ctx, shy, { caption: 'shy clip #shyonly' });
    await req('PATCH', '/me/privacy', shy, { privateAccount: true });
    const stranger = await signup(t.app, { handle: 'stranger', country: 'AU' });
    expect((await req('GET', '/hashtags/shyonly', stranger)).json().items).toEqual([]);
    expect((await req('PUT', `/videos/${clip.id}/like`, stranger)).statusCode).toBe(404);
    await req('PUT', '/users/shy/follow', stranger);
    await req('POST', '/me/follow-requests/stranger/approve', shy);
    // Out of the public index while the account is private: discovery shows it to nobody, Following to followers.
    expect((await req('GET', '/hashtags/shyonly', stranger)).json()).toMatchObject({ videoCount: 0, items: [] });
    expect((await req('GET', '/search?q=shy', stranger)).json().videos).toEqual([]);
    expect((await req('GET', '/feed/following', stranger)).json().items.map((v: V) => v.id)).toEqual([clip.id]);
    expect((await req('GET', `/videos/${clip.id}`, stranger)).statusCode).toBe(200);
    expect((await req('GET', '/users/shy/videos', stranger)).json().items.map((v: V) => v.id)).toEqual([clip.id]);
    // Public again: back in the index, its tag counted again.
    await req('PATCH', '/me/privacy', shy, { privateAccount: false });
    expect((await req('GET', '/hashtags/shyonly')).json()).toMatchObject({ videoCount: 1 });
    expect((await req('GET', '/hashtags/shyonly')).json().items.map((v: V) => v.id)).toEqual([clip.id]);
  });
});
