import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, removeDir, signup, startTestApp, TEST_MODE, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

type User = Awaited<ReturnType<typeof signup>>;
interface V {
  id: string;
  author: { id: string };
  reason?: { source: string };
}

/** A catalogue: how many clips each creator has (one busy creator and quiet ones, or anything between). */
interface Shape {
  clips: number[];
  /** Clips share one of this many sounds (0: each clip its own). */
  sounds: number;
  limit: number;
  viewer: 'visitor' | 'signed in';
  /** Clips the signed-in viewer has watched through before the walk. */
  watched: number;
}

const CREATORS = 5;
/** Clips the pools hold: larger catalogues are reached through the older clips behind them, as on a big instance. */
const POOLED = 12;
const RUNS = TEST_MODE === 'cluster' ? 8 : 14;

/**
 * For You on instances of every shape: a viewer who keeps scrolling reaches every clip they may see within as many
 * pages as the clips fill, pages keep their size, a creator repeats back to back only when nobody else is left, and
 * once everything has been seen the feed goes on with rewatching rather than ending.
 */
describe('For You reaches everything on an instance of any shape', () => {
  let t: TestApp;
  const creators: User[] = [];
  let published: { id: string; owner: User }[] = [];
  let viewers = 0;

  beforeAll(async () => {
    t = await startTestApp({ overrides: { feeds: { pools: { ttlMs: 0, size: POOLED } } } });
    for (let c = 0; c < CREATORS; c++)
      creators.push(await signup(t.app, { handle: `shape${c}`, country: ['US', 'AU', 'DE', 'NZ', 'US'][c]! }));
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  const get = async (url: string, user?: User) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: user ? bearer(user.token) : {} });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: V[]; cursor: string | null };
  };

  /** Replaces the instance's clips with the shape's catalogue. */
  async function build(shape: Shape): Promise<Set<string>> {
    for (const { id, owner } of published)
      await t.ctx.media.videos.delete(id, { userId: owner.id, region: owner.region });
    published = [];
    const soundOf: (string | undefined)[] = [];
    let n = 0;
    for (let c = 0; c < shape.clips.length; c++) {
      for (let k = 0; k < shape.clips[c]!; k++, n++) {
        const owner = creators[c]!;
        const slot = shape.sounds > 0 ? n % shape.sounds : -1;
        // A sound is used within its cell: the first clip of a cell makes it, the rest of that cell reuse it.
        const key = slot >= 0 ? slot * 10 + CREATORS_CELL[c]! : -1;
        const v = await publishTestVideo(t.ctx, owner, {
          caption: `clip ${n} of shape${c}`,
          publishedAt: new Date(Date.now() - (n + 1) * 60_000).toISOString(),
          counters: { view_count: 150 + ((n * 37) % 90), like_count: (n * 7) % 13 },
          ...(key >= 0 && soundOf[key] ? { soundId: soundOf[key] } : { soundTitle: `sound ${n}` }),
        });
        if (key >= 0 && !soundOf[key]) soundOf[key] = v.soundId ?? undefined;
        published.push({ id: v.id, owner });
      }
    }
    return new Set(published.map((p) => p.id));
  }

  async function walk(shape: Shape): Promise<void> {
    const all = await build(shape);
    let viewer: User | undefined;
    const watched = new Set<string>();
    if (shape.viewer === 'signed in') {
      viewer = await signup(t.app, { handle: `walker${viewers++}`, country: 'US' });
      for (const { id } of published.slice(0, shape.watched)) {
        const res = await t.app.inject({
          method: 'POST',
          url: `/api/v1/videos/${id}/views`,
          headers: bearer(viewer.token),
          payload: { watchedMs: 15_000, completed: true },
        });
        expect(res.statusCode).toBe(204);
        watched.add(id);
      }
    }
    const fresh = new Set([...all].filter((id) => !watched.has(id)));
    const authorOf = new Map(published.map((p) => [p.id, p.owner.id]));
    const pagesForNew = Math.ceil(fresh.size / shape.limit);
    const label = JSON.stringify(shape);

    let cursor: string | null = null;
    const stream: V[] = [];
    const left = new Set(fresh);
    for (let page = 0; page < pagesForNew + 3; page++) {
      const body = await get(`/feed/for-you?limit=${shape.limit}${cursor ? `&cursor=${cursor}` : ''}`, viewer);
      // Never a short page while the instance has clips, never an end.
      expect(body.items.length, `${label} page ${page}`).toBe(Math.min(shape.limit, all.size));
      expect(body.cursor, `${label} page ${page}`).not.toBeNull();
      expect(new Set(body.items.map((v) => v.id)).size).toBe(body.items.length);
      for (const v of body.items) {
        expect(all.has(v.id), `${label}: ${v.id} is not on this instance`).toBe(true);
        if (left.has(v.id)) {
          // A new clip, while new ones remain: it is not labelled a rewatch, and came after any other creator.
          expect(v.reason?.source, label).not.toBe('rewatch');
          left.delete(v.id);
        } else {
          expect(left.size, `${label}: ${v.id} shown again while ${left.size} new clips were left`).toBe(0);
          expect(v.reason?.source, label).toBe('rewatch');
        }
        const before = stream[stream.length - 1];
        if (before && before.author.id === v.author.id && stream.length < fresh.size) {
          const waiting = [...left, v.id].some((id) => id !== v.id && authorOf.get(id) !== v.author.id);
          expect(waiting, `${label}: creator back to back at ${stream.length} though another was waiting`).toBe(false);
        }
        stream.push(v);
      }
      cursor = body.cursor;
      if (page === pagesForNew - 1) expect([...left], `${label}: not reached in ${pagesForNew} pages`).toEqual([]);
    }
    // Rewatching goes through everything seen (of the pooled clips) before showing a clip a third time.
    const rewatched = stream.slice(fresh.size).map((v) => v.id);
    const firstRound = rewatched.slice(0, Math.min(all.size, POOLED));
    expect(new Set(firstRound).size, label).toBe(firstRound.length);
  }

  const arbShape: fc.Arbitrary<Shape> = fc
    .record({
      clips: fc.oneof(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: CREATORS }),
        // One very busy creator and many quiet ones.
        fc
          .tuple(fc.integer({ min: 8, max: 20 }), fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 4 }))
          .map(([busy, quiet]) => [busy, ...quiet]),
      ),
      sounds: fc.integer({ min: 0, max: 3 }),
      limit: fc.integer({ min: 1, max: 12 }),
      viewer: fc.constantFrom('visitor' as const, 'signed in' as const),
      watched: fc.integer({ min: 0, max: 6 }),
    })
    .filter((s) => s.clips.some((n) => n > 0));

  it('one creator with three clips: every viewer swipes through all three, then keeps watching', async () => {
    await walk({ clips: [3], sounds: 1, limit: 10, viewer: 'visitor', watched: 0 });
    await walk({ clips: [3], sounds: 0, limit: 1, viewer: 'signed in', watched: 0 });
  });

  it('a viewer who has seen everything gets the best of it again, marked as rewatching', async () => {
    await walk({ clips: [2, 1, 2], sounds: 0, limit: 4, viewer: 'signed in', watched: 5 });
    const viewer = await signup(t.app, { handle: `walker${viewers++}`, country: 'US' });
    for (const { id } of published)
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/videos/${id}/views`,
        headers: bearer(viewer.token),
        payload: { watchedMs: 15_000, completed: true },
      });
    const page = await get('/feed/for-you?limit=10', viewer);
    expect(page.items.map((v) => v.reason?.source)).toEqual(Array(5).fill('rewatch'));
  });

  it('random catalogues: one busy creator and quiet ones, a handful, shared sounds, any page size', async () => {
    await fc.assert(fc.asyncProperty(arbShape, walk), { numRuns: RUNS, endOnFailure: true });
  });
});

/** Which of a few cells each creator lives in (US, AU, DE, NZ, US): a sound is reused only inside one. */
const CREATORS_CELL = [0, 1, 2, 3, 0];
