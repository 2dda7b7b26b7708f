import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, dumpStore, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

type User = Awaited<ReturnType<typeof signup>>;
interface V {
  id: string;
  caption: string;
}

/** Muted words hide what they match on every feed and discovery surface, and nowhere else. */
describe('muted words', () => {
  let t: TestApp;
  let ana: User;
  let ben: User;
  let viewer: User;
  const clips: Record<string, string> = {};
  let spookySound: string;

  const req = (method: 'GET' | 'PUT', url: string, user?: User, payload?: unknown) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: user ? bearer(user.token) : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  const ids = async (url: string, user?: User) => {
    const res = await req('GET', url, user);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    return ((body.items ?? body.videos) as V[]).map((v) => v.id);
  };
  /** Every clip For You shows before it starts rewatching. */
  const forYou = async (user?: User) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await req('GET', `/feed/for-you?limit=5${cursor ? `&cursor=${cursor}` : ''}`, user);
      const body = res.json() as { items: (V & { reason: { source: string } })[]; cursor: string | null };
      const fresh = body.items.filter((v) => v.reason.source !== 'rewatch');
      seen.push(...fresh.map((v) => v.id));
      if (fresh.length < body.items.length || !body.cursor) break;
      cursor = body.cursor;
    }
    return seen;
  };

  beforeAll(async () => {
    t = await startTestApp({ overrides: { feeds: { pools: { ttlMs: 0 } } } });
    ana = await signup(t.app, { handle: 'ana_cooks', country: 'US' });
    ben = await signup(t.app, { handle: 'ben_films', country: 'DE' });
    viewer = await signup(t.app, { handle: 'picky', country: 'US' });
    const make = async (
      key: string,
      user: User,
      caption: string,
      sound?: { soundId?: string; soundTitle?: string },
    ) => {
      const v = await publishTestVideo(t.ctx, user, { caption, ...sound });
      clips[key] = v.id;
      return v;
    };
    await make('pasta', ana, 'Cooking PASTA tonight #dinner');
    await make('pastas', ana, 'Three pastas compared #dinner');
    spookySound = (await make('spooky', ana, 'Night walk #dinner', { soundTitle: 'Spooky Tune' })).soundId!;
    await make('spooky2', ana, 'Reusing the tune', { soundId: spookySound });
    await make('cats', ben, 'My two #Cats at breakfast');
    await make('catsword', ben, 'cats everywhere in the garden');
    await make('surf', ben, 'Morning surf #beach');
    for (const creator of ['ana_cooks', 'ben_films']) await req('PUT', `/users/${creator}/follow`, viewer);
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  it('stores a list per user, checks it, and refuses visitors', async () => {
    expect((await req('GET', '/me/muted-words')).statusCode).toBe(401);
    expect((await req('PUT', '/me/muted-words', undefined, { words: ['x'] })).statusCode).toBe(401);
    expect((await req('GET', '/me/muted-words', viewer)).json()).toEqual({ words: [] });
    for (const [words, code] of [
      [Array.from({ length: 201 }, (_, i) => `w${i}`), 'muted_words.too_many'],
      [['ok', '   '], 'muted_words.invalid_word'],
      [['x'.repeat(51)], 'muted_words.invalid_word'],
      [['#'], 'muted_words.invalid_word'],
      [['bad\u202eword'], 'muted_words.invalid_word'],
    ] as const) {
      const res = await req('PUT', '/me/muted-words', viewer, { words });
      expect(res.statusCode, JSON.stringify(words).slice(0, 40)).toBe(400);
      expect(res.json().error.code).toBe(code);
      expect(res.json().error.message.length).toBeGreaterThan(10);
    }
    expect((await req('PUT', '/me/muted-words', viewer, { words: 'pasta' })).statusCode).toBe(400);
    // Nothing was kept of the refused lists.
    expect((await req('GET', '/me/muted-words', viewer)).json()).toEqual({ words: [] });
    const saved = await req('PUT', '/me/muted-words', viewer, {
      words: ['  pasta ', 'Pasta', '#cats', 'spooky tune', 'x'.repeat(50)],
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toEqual({ words: ['pasta', '#cats', 'spooky tune', 'x'.repeat(50)] });
    expect((await req('GET', '/me/muted-words', viewer)).json()).toEqual(saved.json());
    // Another user's list is their own.
    expect((await req('GET', '/me/muted-words', ben)).json()).toEqual({ words: [] });
  });

  it('hides what they match from For You, Following, trending, hashtag and sound pages, and search', async () => {
    await req('PUT', '/me/muted-words', viewer, { words: ['pasta', '#cats', 'spooky tune'] });
    const hidden = [clips.pasta!, clips.cats!, clips.spooky!, clips.spooky2!];
    // "pasta" is a whole word: "pastas" stays; "#cats" is the hashtag only: a caption saying "cats" stays.
    const kept = [clips.pastas!, clips.catsword!, clips.surf!];
    const surfaces: [string, string[]][] = [
      ['For You', await forYou(viewer)],
      ['Following', await ids('/feed/following?limit=50', viewer)],
      ['trending', await ids('/trending?limit=50', viewer)],
      ['#dinner', await ids('/hashtags/dinner', viewer)],
      ['#cats', await ids('/hashtags/cats', viewer)],
      ['sound', await ids(`/sounds/${spookySound}`, viewer)],
      ['search pasta', await ids('/search?q=pasta', viewer)],
      ['search cats', await ids('/search?q=cats', viewer)],
    ];
    for (const [name, shown] of surfaces) for (const id of hidden) expect(shown, name).not.toContain(id);
    const everything = new Set(surfaces.flatMap(([, shown]) => shown));
    for (const id of kept) expect([...everything]).toContain(id);
    expect(new Set(await forYou(viewer))).toEqual(new Set(kept));
    expect(new Set(await ids('/feed/following?limit=50', viewer))).toEqual(new Set(kept));

    // Everyone else still sees everything, and the viewer can still open a muted clip by its link.
    expect(new Set(await forYou())).toEqual(new Set([...hidden, ...kept]));
    expect(await ids('/hashtags/cats')).toEqual([clips.cats]);
    expect((await req('GET', `/videos/${clips.pasta}`, viewer)).statusCode).toBe(200);
  });

  it('applies a change at once, and unmuting brings everything back', async () => {
    await req('PUT', '/me/muted-words', viewer, { words: ['surf'] });
    expect(await ids('/trending?limit=50', viewer)).not.toContain(clips.surf);
    expect(await ids('/trending?limit=50', viewer)).toContain(clips.pasta);
    await req('PUT', '/me/muted-words', viewer, { words: [] });
    expect(new Set(await ids('/trending?limit=50', viewer)).size).toBe(Object.keys(clips).length);
  });

  it('keeps the words in the home cell: not in the directory or another cell', async () => {
    await req('PUT', '/me/muted-words', viewer, { words: ['unmistakablemuteword'] });
    expect(await dumpStore(t.ctx.directory)).not.toContain('unmistakablemuteword');
    for (const cell of t.ctx.cells.all()) {
      const dump = await dumpStore(cell.db);
      if (cell.region === viewer.region) expect(dump).toContain('unmistakablemuteword');
      else expect(dump, cell.region).not.toContain('unmistakablemuteword');
    }
    expect(t.logs()).not.toContain('unmistakablemuteword');
  });
});
