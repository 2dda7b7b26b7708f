import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, signup, startTestApp, TEST_MODE, type TestApp } from '../helpers/app.js';
import { publishTestVideo, sampleLadder } from '../helpers/videos.js';
import {
  arbPlan,
  Model,
  regionOf,
  who,
  type CommentPlan,
  type MClip,
  type MUser,
  type Plan,
  type Viewer,
} from './world.js';

/**
 * Model-based: random worlds (users in several regions, follows and requests, private accounts, blocks, clips in
 * every state, visibility and moderation, likes, favorites, comments with @mentions) are built through the HTTP
 * API, then narrowed and widened at random (blocks, unblocks, unfollows, privacy, visibility, deletion,
 * moderation, deactivation). Before and after the mutations, every surface that shows clips — for the visitor and
 * for every active user — must agree with the reference rule of ./world.ts.
 */

const PASSWORD = 'a long enough passphrase';
const CLUSTER = TEST_MODE === 'cluster';
const NUM_RUNS = 7;
const SIZES = { maxUsers: 6, minClips: 6, maxClips: 10 };
const CONCURRENCY = CLUSTER ? 12 : 6;
/** Mismatches shown per surface; the rest are counted. */
const SHOWN = 15;

type Phase = 'after setup' | 'after mutations';
type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';

interface Playback {
  v: Viewer;
  c: MClip;
  hls: string | null;
  poster: string | null;
}

interface CommentRecord {
  id: string;
  clip: MClip;
  commenter: MUser;
  /** Mentioned users, with whether the rule let them see the clip when the comment was posted. */
  mentions: { user: MUser; mayViewAtPost: boolean; blockAtPost: boolean }[];
}

interface World {
  run: number;
  users: MUser[];
  clips: MClip[];
  tag: string;
  word: string;
  comments: CommentRecord[];
  /** A comment per clip, for the replies endpoint. */
  firstComment: Map<string, string>;
  likes: Map<string, Set<string>>;
  favorites: Map<string, Set<string>>;
  /** Playback URLs each viewer got in the setup phase, by `viewer|clip`. */
  remembered: Map<string, Playback>;
  /** Playback URLs of the current phase. */
  fresh: Map<string, Playback>;
  /** Outcomes of access-dependent actions (likes, favorites, comments) that contradict the rule. */
  actions: string[];
  log: string[];
}

const pairKey = (v: Viewer, c: MClip) => `${v?.id ?? 'visitor'}|${c.id}`;

/** Runs tasks with bounded concurrency. */
async function pool<T>(items: readonly T[], fn: (item: T) => Promise<void>, width = CONCURRENCY): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/** Playlists must not be cached for long: max-age (and s-maxage) at most 60 s; no-cache / no-store count as 0. */
function playlistCacheProblem(header: string | string[] | number | undefined): string | undefined {
  const h = header === undefined ? '' : String(header);
  if (!h) return 'no cache-control';
  const ages = [...h.matchAll(/(?:^|[\s,])(max-age|s-maxage)\s*=\s*"?(\d+)/gi)].map((m) => Number(m[2]));
  if (ages.length > 0) return ages.every((a) => a <= 60) ? undefined : `cache-control "${h}"`;
  return /(?:^|[\s,])(no-cache|no-store)(?:$|[\s,])/i.test(h) ? undefined : `cache-control "${h}" has no max-age`;
}

describe('who may see a clip: every surface agrees with the reference rule (model-based)', () => {
  let t: TestApp;
  let base: string;
  const model = new Model();
  let run = 0;

  const api = (v: Viewer, method: Method, url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: v ? bearer(v.token) : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

  /** An action the world needs; anything but the documented status is a broken setup, not a finding. */
  async function must(v: Viewer, method: Method, url: string, status: number, payload?: unknown): Promise<void> {
    const res = await api(v, method, url, payload);
    if (res.statusCode !== status)
      throw new Error(`setup: ${who(v)} ${method} ${url} answered ${res.statusCode}, expected ${status}: ${res.body}`);
  }

  /** Every page of a list (`items` and `cursor`), or the first status that is not 200. */
  async function list(
    v: Viewer,
    path: string,
    limit: number,
    maxPages = 20,
  ): Promise<{ status: number; items: any[]; first: any; complete: boolean; body?: string }> {
    const items: any[] = [];
    let first: any;
    let cursor: string | null = null;
    for (let page = 0; page < maxPages; page++) {
      const sep = path.includes('?') ? '&' : '?';
      const res = await api(
        v,
        'GET',
        `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      if (res.statusCode !== 200)
        return { status: res.statusCode, items, first, complete: false, body: res.body.slice(0, 200) };
      const body = res.json();
      first ??= body;
      items.push(...(body.items as any[]));
      cursor = (body.cursor as string | null) ?? null;
      if (!cursor) return { status: 200, items, first, complete: true };
    }
    return { status: 200, items, first, complete: false };
  }

  const viewersOf = (w: World): Viewer[] => [null, ...w.users.filter((u) => u.active)];
  const pairsOf = (w: World): [Viewer, MClip][] =>
    viewersOf(w).flatMap((v) => w.clips.map((c) => [v, c] as [Viewer, MClip]));
  const describeId = (v: Viewer, id: string) => {
    const c = model.clips.get(id);
    return c ? model.describe(v, c) : `unknown clip ${id}`;
  };
  const statusMismatch = (v: Viewer, c: MClip, surface: string, got: number, ref: boolean, wanted: number) =>
    `${who(v)} ${model.describe(v, c)} ${surface}: got ${got}, reference ${ref} (wants ${wanted})`;

  /** Set equality of listed clip ids against the reference's clips. */
  function compare(v: Viewer, surface: string, gotIds: string[], expected: MClip[]): string[] {
    const out: string[] = [];
    const got = new Set(gotIds);
    const want = new Set(expected.map((c) => c.id));
    for (const c of expected) if (!got.has(c.id)) out.push(`${who(v)} ${surface}: missing ${model.describe(v, c)}`);
    for (const id of got)
      if (!want.has(id)) out.push(`${who(v)} ${surface}: lists ${describeId(v, id)}, which the reference leaves out`);
    return out;
  }

  /** Soundness only: every listed clip is discoverable and viewable by this viewer. */
  function sound(v: Viewer, surface: string, ids: string[]): string[] {
    const out: string[] = [];
    for (const id of new Set(ids)) {
      const c = model.clips.get(id);
      if (!c) out.push(`${who(v)} ${surface}: lists unknown clip ${id}`);
      else if (!model.discoverable(c) || !model.mayView(v, c))
        out.push(
          `${who(v)} ${surface}: lists ${model.describe(v, c)}; reference discoverable ${model.discoverable(c)}, mayView ${model.mayView(v, c)}`,
        );
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Surfaces

  /** 1. GET /videos/:id → 200 iff mayView, else 404; keeps the playback URLs for the media checks. */
  async function checkVideo(w: World): Promise<string[]> {
    const out: string[] = [];
    w.fresh = new Map();
    await pool(pairsOf(w), async ([v, c]) => {
      const res = await api(v, 'GET', `/videos/${c.id}`);
      const ref = model.mayView(v, c);
      const wanted = ref ? 200 : 404;
      if (res.statusCode !== wanted) out.push(statusMismatch(v, c, 'GET /videos/:id', res.statusCode, ref, wanted));
      if (res.statusCode === 200 && ref) {
        const body = res.json();
        if (body.id !== c.id) out.push(`${who(v)} ${model.describe(v, c)} GET /videos/:id: answered clip ${body.id}`);
        w.fresh.set(pairKey(v, c), { v, c, hls: body.playback?.hls ?? null, poster: body.playback?.poster ?? null });
      }
    });
    return out;
  }

  /** 2. GET /users/:handle/videos, every page → exactly the owner's clips the viewer may see; gone owner → 404. */
  async function checkProfiles(w: World): Promise<string[]> {
    const out: string[] = [];
    const jobs = viewersOf(w).flatMap((v) => w.users.map((u) => [v, u] as const));
    await pool(jobs, async ([v, u]) => {
      const surface = `GET /users/@${u.handle}/videos`;
      const page = await list(v, `/users/${u.handle}/videos`, 3);
      if (v === null) {
        const profile = await api(null, 'GET', `/users/${u.handle}`);
        const wanted = u.active ? 200 : 404;
        if (profile.statusCode !== wanted)
          out.push(
            `visitor GET /users/@${u.handle}${u.active ? '' : ' (deactivated)'}: got ${profile.statusCode}, wants ${wanted}`,
          );
      }
      if (!u.active) {
        if (page.status !== 404) out.push(`${who(v)} ${surface} (deactivated owner): got ${page.status}, wants 404`);
        return;
      }
      if (page.status !== 200) {
        out.push(`${who(v)} ${surface}: got ${page.status} ${page.body ?? ''}, wants 200`);
        return;
      }
      if (!page.complete) out.push(`${who(v)} ${surface}: still a cursor after 20 pages`);
      const expected = w.clips.filter((c) => c.ownerId === u.id && model.mayView(v, c));
      out.push(
        ...compare(
          v,
          surface,
          page.items.map((i) => i.id as string),
          expected,
        ),
      );
    });
    return out;
  }

  /** 3. Comments of a clip and replies to one of its comments → 200 iff mayView, else 404. */
  async function checkComments(w: World): Promise<string[]> {
    const out: string[] = [];
    await pool(pairsOf(w), async ([v, c]) => {
      const ref = model.mayView(v, c);
      const wanted = ref ? 200 : 404;
      const list = await api(v, 'GET', `/videos/${c.id}/comments`);
      if (list.statusCode !== wanted)
        out.push(statusMismatch(v, c, 'GET /videos/:id/comments', list.statusCode, ref, wanted));
      const commentId = w.firstComment.get(c.id);
      if (commentId) {
        const replies = await api(v, 'GET', `/comments/${commentId}/replies`);
        if (replies.statusCode !== wanted)
          out.push(statusMismatch(v, c, 'GET /comments/:id/replies', replies.statusCode, ref, wanted));
      }
    });
    return out;
  }

  /** 4. POST /videos/:id/shares → 201 iff mayView, else 404. */
  async function checkShares(w: World): Promise<string[]> {
    const out: string[] = [];
    await pool(pairsOf(w), async ([v, c]) => {
      const ref = model.mayView(v, c);
      const wanted = ref ? 201 : 404;
      const res = await api(v, 'POST', `/videos/${c.id}/shares`, {});
      if (res.statusCode !== wanted)
        out.push(statusMismatch(v, c, 'POST /videos/:id/shares', res.statusCode, ref, wanted));
    });
    return out;
  }

  /** 5. POST /videos/:id/views → 204 iff mayView, else 404. */
  async function checkViews(w: World): Promise<string[]> {
    const out: string[] = [];
    await pool(pairsOf(w), async ([v, c]) => {
      const ref = model.mayView(v, c);
      const wanted = ref ? 204 : 404;
      const res = await api(v, 'POST', `/videos/${c.id}/views`, { watchedMs: 1000, completed: false });
      if (res.statusCode !== wanted)
        out.push(statusMismatch(v, c, 'POST /videos/:id/views', res.statusCode, ref, wanted));
    });
    return out;
  }

  /** 6. Following, every page → exactly the followed (approved) owners' clips the viewer may see, unrestricted. */
  async function checkFollowing(w: World): Promise<string[]> {
    const out: string[] = [];
    await pool(
      w.users.filter((u) => u.active),
      async (v) => {
        const page = await list(v, '/feed/following', 3);
        if (page.status !== 200) {
          out.push(`${who(v)} GET /feed/following: got ${page.status} ${page.body ?? ''}, wants 200`);
          return;
        }
        if (!page.complete) out.push(`${who(v)} GET /feed/following: still a cursor after 20 pages`);
        const expected = [...model.clips.values()].filter(
          (c) => model.followState(v, model.owner(c)) === 'approved' && model.mayView(v, c) && c.moderation === 'none',
        );
        out.push(
          ...compare(
            v,
            'GET /feed/following',
            page.items.map((i) => i.id as string),
            expected,
          ),
        );
      },
    );
    return out;
  }

  /** 7. For You (up to 10 pages): every item is discoverable and viewable by this viewer (all worlds so far). */
  async function checkForYou(w: World): Promise<string[]> {
    const out: string[] = [];
    await pool(viewersOf(w), async (v) => {
      const page = await list(v, '/feed/for-you', 10, 10);
      if (page.status !== 200) out.push(`${who(v)} GET /feed/for-you: got ${page.status} ${page.body ?? ''}`);
      out.push(
        ...sound(
          v,
          'GET /feed/for-you',
          page.items.map((i) => i.id as string),
        ),
      );
    });
    return out;
  }

  /** 8. Trending, every page: the same soundness. */
  async function checkTrending(w: World): Promise<string[]> {
    const out: string[] = [];
    await pool(viewersOf(w), async (v) => {
      const page = await list(v, '/trending', 25);
      if (page.status !== 200) out.push(`${who(v)} GET /trending: got ${page.status} ${page.body ?? ''}`);
      out.push(
        ...sound(
          v,
          'GET /trending',
          page.items.map((i) => i.id as string),
        ),
      );
    });
    return out;
  }

  /** 9. The world's hashtag: exactly its discoverable clips this viewer may see; videoCount counts the discoverable. */
  async function checkHashtag(w: World): Promise<string[]> {
    const out: string[] = [];
    const discoverable = w.clips.filter((c) => model.discoverable(c));
    await pool(viewersOf(w), async (v) => {
      const surface = `GET /hashtags/${w.tag}`;
      const page = await list(v, `/hashtags/${w.tag}`, 3);
      if (page.status === 404) {
        if (discoverable.length > 0)
          out.push(`${who(v)} ${surface}: got 404 with ${discoverable.length} discoverable clips with the tag`);
        return;
      }
      if (page.status !== 200) {
        out.push(`${who(v)} ${surface}: got ${page.status} ${page.body ?? ''}`);
        return;
      }
      if (page.first.videoCount !== discoverable.length)
        out.push(`${who(v)} ${surface}: videoCount ${page.first.videoCount}, reference ${discoverable.length}`);
      if (!page.complete) out.push(`${who(v)} ${surface}: still a cursor after 20 pages`);
      const expected = discoverable.filter((c) => model.mayView(v, c));
      out.push(
        ...compare(
          v,
          surface,
          page.items.map((i) => i.id as string),
          expected,
        ),
      );
    });
    return out;
  }

  /** 10. Each clip's own sound: 200 iff the clip is discoverable, listing it iff this viewer may see it. */
  async function checkSounds(w: World): Promise<string[]> {
    const out: string[] = [];
    const withSound = w.clips.filter((c) => c.soundId);
    await pool(
      viewersOf(w).flatMap((v) => withSound.map((c) => [v, c] as const)),
      async ([v, c]) => {
        const surface = `GET /sounds/:id of ${c.key}`;
        const ref = model.discoverable(c);
        const page = await list(v, `/sounds/${c.soundId}`, 5);
        if (page.status !== (ref ? 200 : 404)) {
          out.push(`${who(v)} ${model.describe(v, c)} ${surface}: got ${page.status}, reference discoverable ${ref}`);
          return;
        }
        if (page.status !== 200) return;
        out.push(
          ...compare(
            v,
            surface,
            page.items.map((i) => i.id as string),
            model.mayView(v, c) ? [c] : [],
          ),
        );
      },
    );
    return out;
  }

  /** 11. Search for the world's word: exactly the discoverable clips with it that this viewer may see. */
  async function checkSearch(w: World): Promise<string[]> {
    const out: string[] = [];
    await pool(viewersOf(w), async (v) => {
      const surface = `GET /search?q=${w.word}`;
      const res = await api(v, 'GET', `/search?q=${w.word}`);
      if (res.statusCode !== 200) {
        out.push(`${who(v)} ${surface}: got ${res.statusCode} ${res.body.slice(0, 200)}`);
        return;
      }
      const expected = w.clips.filter((c) => c.hasWord && model.discoverable(c) && model.mayView(v, c));
      out.push(
        ...compare(
          v,
          surface,
          (res.json().videos as { id: string }[]).map((i) => i.id),
          expected,
        ),
      );
    });
    return out;
  }

  /** 12. Likes and favorites: exactly the clips the user liked (favorited) and may see now. */
  async function checkOwnLists(w: World): Promise<string[]> {
    const out: string[] = [];
    const jobs = w.users
      .filter((u) => u.active)
      .flatMap((u) => (['likes', 'favorites'] as const).map((kind) => [u, kind] as const));
    await pool(jobs, async ([v, kind]) => {
      const surface = `GET /me/${kind}`;
      const page = await list(v, `/me/${kind}`, 3);
      if (page.status !== 200) {
        out.push(`${who(v)} ${surface}: got ${page.status} ${page.body ?? ''}`);
        return;
      }
      if (!page.complete) out.push(`${who(v)} ${surface}: still a cursor after 20 pages`);
      const mine = (kind === 'likes' ? w.likes : w.favorites).get(v.id) ?? new Set<string>();
      const expected = [...mine].map((id) => model.clips.get(id)!).filter((c) => model.mayView(v, c));
      out.push(
        ...compare(
          v,
          surface,
          page.items.map((i) => i.id as string),
          expected,
        ),
      );
    });
    return out;
  }

  /** 13. The processing events stream of a clip: 200 iff mayView, else 404 (a real connection, closed at once). */
  async function checkEvents(w: World): Promise<string[]> {
    const out: string[] = [];
    await pool(pairsOf(w), async ([v, c]) => {
      const ref = model.mayView(v, c);
      const wanted = ref ? 200 : 404;
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 10_000);
      let status: number | string;
      try {
        const res = await fetch(`${base}/api/v1/videos/${c.id}/events`, {
          headers: v ? bearer(v.token) : {},
          signal: ac.signal,
        });
        status = res.status;
        await res.body?.cancel().catch(() => undefined);
      } catch (err) {
        status = `no answer (${(err as Error).message})`;
      } finally {
        clearTimeout(timer);
        ac.abort();
      }
      if (status !== wanted)
        out.push(
          `${who(v)} ${model.describe(v, c)} GET /videos/:id/events: got ${status}, reference ${ref} (wants ${wanted})`,
        );
    });
    return out;
  }

  /**
   * 14. Notifications: every one about a clip names a clip the user may see now; a mention reaches a mentioned
   * user iff the rule let them see the clip when the comment was posted and lets them now.
   */
  async function checkNotifications(w: World): Promise<string[]> {
    const out: string[] = [];
    await pool(
      w.users.filter((u) => u.active),
      async (u) => {
        const page = await list(u, '/notifications', 10);
        if (page.status !== 200) {
          out.push(`${who(u)} GET /notifications: got ${page.status} ${page.body ?? ''}`);
          return;
        }
        if (!page.complete) out.push(`${who(u)} GET /notifications: still a cursor after 20 pages`);
        const items = page.items as { type: string; videoId?: string; commentId?: string }[];
        for (const n of items) {
          if (!n.videoId) continue;
          const c = model.clips.get(n.videoId);
          if (!c) out.push(`${who(u)} GET /notifications: a ${n.type} about unknown clip ${n.videoId}`);
          else if (!model.mayView(u, c))
            out.push(
              `${who(u)} GET /notifications: a ${n.type} about ${model.describe(u, c)}, which the reference hides`,
            );
        }
        for (const cm of w.comments) {
          for (const m of cm.mentions) {
            if (m.user.id !== u.id) continue;
            const expected = m.mayViewAtPost && model.mayView(u, cm.clip);
            const present = items.some((n) => n.type === 'mention' && n.commentId === cm.id);
            const context = `comment by @${cm.commenter.handle} on ${model.describe(u, cm.clip)}, mayView when posted ${m.mayViewAtPost}`;
            if (present && !expected) out.push(`${who(u)} GET /notifications: has the mention in a ${context}`);
            // Whether a notification reaches someone across a block with its author, or from an author who left,
            // is a rule of its own (not the clip rule): presence is only required without either.
            const actorRule = m.blockAtPost || model.blockedEither(u, cm.commenter) || !cm.commenter.active;
            if (!present && expected && !actorRule)
              out.push(`${who(u)} GET /notifications: lacks the mention in a ${context}`);
          }
        }
        // What was delivered, not only what is listed: a mention on a clip the recipient could not see when it was
        // posted must never have reached their cell (not even hidden).
        const stored = await t.ctx.cells
          .get(u.region)
          .db.selectFrom('notifications')
          .select(['type', 'comment_id'])
          .where('user_id', '=', u.id)
          .execute();
        for (const cm of w.comments) {
          for (const m of cm.mentions) {
            if (m.user.id !== u.id || m.mayViewAtPost) continue;
            if (stored.some((r) => r.type === 'mention' && r.comment_id === cm.id)) {
              out.push(
                `${who(u)} notifications delivered: the mention in a comment by @${cm.commenter.handle} on ${model.describe(u, cm.clip)}, which the recipient could not see when it was posted`,
              );
            }
          }
        }
      },
    );
    return out;
  }

  /** Fetches a media path; checks a playlist's caching when it answers 200. */
  async function fetchMedia(url: string): Promise<{ status: number; cache?: string }> {
    const res = await t.app.inject({ method: 'GET', url });
    const path = url.split('?')[0]!;
    const cache =
      res.statusCode === 200 && path.endsWith('.m3u8') ? playlistCacheProblem(res.headers['cache-control']) : undefined;
    return { status: res.statusCode, ...(cache ? { cache } : {}) };
  }

  /**
   * 15. Media. Unsigned playlists are open exactly for clips anyone may see; URLs handed out stop answering once
   * the viewer may no longer see the clip; a fresh GET /videos/:id always gives URLs that play.
   */
  async function checkMedia(w: World, phase: Phase): Promise<string[]> {
    const out: string[] = [];
    const urlsOf = (p: Playback) =>
      [
        ['hls', p.hls],
        ['poster', p.poster],
      ].filter((e): e is [string, string] => typeof e[1] === 'string');
    // Unsigned master playlist of every clip.
    await pool(w.clips, async (c) => {
      const url = `/media/${c.region}/${c.id}/master.m3u8`;
      const ref = model.mayView(null, c);
      const r = await fetchMedia(url);
      if (r.status !== (ref ? 200 : 404))
        out.push(`${model.describe(null, c)} unsigned ${url}: got ${r.status}, reference open to anyone ${ref}`);
      if (r.cache) out.push(`${model.describe(null, c)} unsigned ${url}: ${r.cache}`);
    });
    // URLs of this phase, for every pair the rule allows: they must play.
    await pool([...w.fresh.values()], async (p) => {
      if (p.c.state === 'ready' && (!p.hls || !p.poster))
        out.push(
          `${who(p.v)} ${model.describe(p.v, p.c)} GET /videos/:id: playback ${JSON.stringify({ hls: p.hls, poster: p.poster })} for a ready clip`,
        );
      for (const [kind, url] of urlsOf(p)) {
        const r = await fetchMedia(url);
        if (r.status !== 200)
          out.push(`${who(p.v)} ${model.describe(p.v, p.c)} fresh ${kind} URL: got ${r.status}, wants 200`);
        if (r.cache) out.push(`${who(p.v)} ${model.describe(p.v, p.c)} fresh ${kind} URL: ${r.cache}`);
      }
    });
    if (phase === 'after mutations') {
      // URLs handed out before the mutations: dead for anyone who lost the clip.
      await pool([...w.remembered.values()], async (p) => {
        const viewerGone = p.v !== null && !p.v.active;
        const lost = viewerGone ? model.closed(p.c) : !model.mayView(p.v, p.c);
        if (!lost) return;
        for (const [kind, url] of urlsOf(p)) {
          const r = await fetchMedia(url);
          if (r.status !== 403 && r.status !== 404)
            out.push(
              `${who(p.v)}${viewerGone ? ' (deactivated since)' : ''} ${model.describe(p.v, p.c)} ${kind} URL from before the mutations: got ${r.status}, wants 403/404${model.mayView(null, p.c) ? ' (clip open to anyone now)' : ''}`,
            );
        }
      });
    }
    return out;
  }

  const SURFACES: [string, (w: World, phase: Phase) => Promise<string[]>][] = [
    ['GET /videos/:id', checkVideo],
    ['GET /users/:handle/videos', checkProfiles],
    ['comments and replies', checkComments],
    ['shares', checkShares],
    ['views', checkViews],
    ['Following feed', checkFollowing],
    ['For You', checkForYou],
    ['trending', checkTrending],
    ['hashtag page', checkHashtag],
    ['sound pages', checkSounds],
    ['search', checkSearch],
    ['likes and favorites lists', checkOwnLists],
    ['events stream', checkEvents],
    ['notifications', checkNotifications],
    ['media', checkMedia], // after GET /videos/:id, whose URLs it plays
    ['likes, favorites and comments as actions', async (w) => w.actions.splice(0)],
  ];

  async function checkAll(w: World, phase: Phase): Promise<void> {
    const report: Record<string, string[]> = {};
    for (const [name, check] of SURFACES) {
      const found = (await check(w, phase)).sort();
      report[name] = found.length > SHOWN ? [...found.slice(0, SHOWN), `… and ${found.length - SHOWN} more`] : found;
    }
    if (phase === 'after setup') w.remembered = new Map(w.fresh);
    // fast-check shows the assertion's message, not its diff: the message names each failing surface and case.
    const failing = Object.entries(report).filter(([, found]) => found.length > 0);
    const message = [
      `world ${w.run}, ${phase}: ${failing.length} surface(s) disagree with the reference`,
      ...failing.flatMap(([name, found]) => [`[${name}]`, ...found.map((f) => `  - ${f}`)]),
      'What happened:',
      ...w.log.map((l) => `  ${l}`),
      '',
    ].join('\n');
    const clean = Object.fromEntries(SURFACES.map(([name]) => [name, []]));
    expect(report, message).toEqual(clean);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Building and changing a world

  async function comment(w: World, u: MUser, c: MClip, mentioned: MUser[]): Promise<void> {
    const text = `${mentioned.length ? mentioned.map((m) => `@${m.handle}`).join(' ') : 'nice'} on ${c.key}`;
    const mayView = model.mayView(u, c);
    const mentions = mentioned.map((m) => ({
      user: m,
      mayViewAtPost: model.mayView(m, c),
      blockAtPost: model.blockedEither(m, u),
    }));
    const res = await api(u, 'POST', `/videos/${c.id}/comments`, { text });
    w.log.push(`@${u.handle} comments "${text}" → ${res.statusCode}`);
    if (res.statusCode === 201 && !mayView)
      w.actions.push(`@${u.handle} POST /videos/:id/comments on ${model.describe(u, c)}: got 201, reference false`);
    if (res.statusCode !== 201) return;
    const id = res.json().id as string;
    w.comments.push({ id, clip: c, commenter: u, mentions });
    if (!w.firstComment.has(c.id)) w.firstComment.set(c.id, id);
  }

  async function plannedComment(w: World, p: CommentPlan): Promise<void> {
    const active = w.users.filter((u) => u.active);
    const u = active[p.u % active.length]!;
    const c = w.clips[p.c % w.clips.length]!;
    const mentioned = [...new Set(p.mentions.map((i) => active[i % active.length]!))].filter((m) => m.id !== u.id);
    await comment(w, u, c, mentioned);
  }

  async function build(plan: Plan): Promise<World> {
    const r = ++run;
    const w: World = {
      run: r,
      users: [],
      clips: [],
      tag: `tagw${r}x`,
      word: `w${r}word`,
      comments: [],
      firstComment: new Map(),
      likes: new Map(),
      favorites: new Map(),
      remembered: new Map(),
      fresh: new Map(),
      actions: [],
      log: [],
    };
    const made = await Promise.all(
      plan.countries.map((country, i) => signup(t.app, { handle: `m${r}u${i}`, country, password: PASSWORD })),
    );
    made.forEach((m, i) => {
      const country = plan.countries[i]!;
      if (m.region !== regionOf(country)) throw new Error(`setup: ${m.handle} from ${country} landed in ${m.region}`);
      const user: MUser = {
        id: m.id,
        handle: m.handle,
        region: m.region,
        token: m.token,
        world: r,
        private: false,
        active: true,
      };
      model.users.set(user.id, user);
      w.users.push(user);
    });
    w.log.push(`users: ${w.users.map((u) => `@${u.handle} (${u.region})`).join(', ')}`);
    const n = w.users.length;
    const user = (i: number) => w.users[i % n]!;

    for (const [i, u] of w.users.entries()) {
      if (!plan.privateUsers[i]) continue;
      await must(u, 'PATCH', '/me/privacy', 200, { privateAccount: true });
      u.private = true;
      w.log.push(`@${u.handle} goes private`);
    }
    for (const f of plan.follows) {
      const a = user(f.a);
      const b = user(f.b);
      if (a === b || model.blockedEither(a, b)) continue;
      await must(a, 'PUT', `/users/${b.handle}/follow`, 204);
      model.follow(a, b);
      w.log.push(`@${a.handle} follows @${b.handle} (${model.followState(a, b)})`);
      if (model.followState(a, b) === 'pending' && f.approve) {
        await must(b, 'POST', `/me/follow-requests/${a.handle}/approve`, 204);
        model.approve(b, a);
        w.log.push(`@${b.handle} approves @${a.handle}`);
      }
    }
    for (const bl of plan.blocks) {
      const a = user(bl.a);
      const b = user(bl.b);
      if (a === b) continue;
      await must(a, 'PUT', `/users/${b.handle}/block`, 204);
      model.block(a, b);
      w.log.push(`@${a.handle} blocks @${b.handle}`);
    }
    for (const [i, cp] of plan.clips.entries()) {
      const owner = user(cp.owner);
      const hasWord = cp.word;
      const caption = `clip ${r}.${i} #${w.tag}${hasWord ? ` ${w.word}` : ''}`;
      const made = await publishTestVideo(t.ctx, owner, {
        caption,
        visibility: cp.visibility,
        state: cp.state,
        media: true,
        soundTitle: `sound ${r}.${i}`,
      });
      const clip: MClip = {
        id: made.id,
        key: `${r}.${i}`,
        world: r,
        ownerId: owner.id,
        region: owner.region,
        visibility: cp.visibility,
        state: cp.state,
        moderation: 'none',
        deleted: false,
        soundId: made.soundId,
        hasWord,
      };
      if (cp.moderation !== 'none') {
        await t.ctx.media.videos.moderate(owner.region, clip.id, cp.moderation);
        clip.moderation = cp.moderation;
      }
      model.clips.set(clip.id, clip);
      w.clips.push(clip);
      w.log.push(`${model.describe(null, clip)}${hasWord ? ` with "${w.word}"` : ''}`);
    }
    // A comment by the owner on each clip (for the replies endpoint), then the planned engagement.
    for (const c of w.clips) await comment(w, model.owner(c), c, []);
    for (const e of plan.engagements) {
      const u = user(e.u);
      const c = w.clips[e.c % w.clips.length]!;
      const ref = model.mayView(u, c);
      const res = await api(u, 'PUT', `/videos/${c.id}/${e.kind}`);
      w.log.push(`@${u.handle} ${e.kind}s ${c.key} → ${res.statusCode}`);
      if (res.statusCode !== (ref ? 204 : 404))
        w.actions.push(
          `@${u.handle} PUT /videos/:id/${e.kind} on ${model.describe(u, c)}: got ${res.statusCode}, reference ${ref}`,
        );
      if (res.statusCode === 204) {
        const sets = e.kind === 'like' ? w.likes : w.favorites;
        (sets.get(u.id) ?? sets.set(u.id, new Set()).get(u.id)!).add(c.id);
      }
    }
    for (const p of plan.comments) await plannedComment(w, p);
    return w;
  }

  async function mutate(w: World, plan: Plan): Promise<void> {
    let deactivated = false;
    for (const m of plan.mutations) {
      const active = w.users.filter((u) => u.active);
      if (active.length < 2) break;
      const a = active[m.a % active.length]!;
      const others = active.filter((u) => u !== a);
      const b = others[m.b % others.length]!;
      const clips = w.clips.filter((c) => !c.deleted && model.owner(c).active);
      let kind = m.kind;
      const blocks = model.blockPairs(active);
      const follows = model.followPairs(active);
      if (kind === 'unblock' && blocks.length === 0) kind = 'block';
      if (kind === 'unfollow' && follows.length === 0) kind = 'follow';
      if (kind === 'follow' && model.blockedEither(a, b)) kind = 'unblock';
      if (kind === 'unblock' && blocks.length === 0) kind = 'block';
      if (kind === 'privateOn' && a.private) kind = 'privateOff';
      else if (kind === 'privateOff' && !a.private) kind = 'privateOn';
      if (kind === 'deactivate' && (deactivated || active.length < 3)) kind = 'block';
      if ((kind === 'visibility' || kind === 'delete' || kind === 'moderate') && clips.length === 0) kind = 'block';
      switch (kind) {
        case 'block':
          await must(a, 'PUT', `/users/${b.handle}/block`, 204);
          model.block(a, b);
          w.log.push(`mutation: @${a.handle} blocks @${b.handle}`);
          break;
        case 'unblock': {
          const [x, y] = blocks[m.a % blocks.length]!;
          await must(x, 'DELETE', `/users/${y.handle}/block`, 204);
          model.unblock(x, y);
          w.log.push(`mutation: @${x.handle} unblocks @${y.handle}`);
          break;
        }
        case 'follow':
          await must(a, 'PUT', `/users/${b.handle}/follow`, 204);
          model.follow(a, b);
          w.log.push(`mutation: @${a.handle} follows @${b.handle} (${model.followState(a, b)})`);
          if (model.followState(a, b) === 'pending' && m.approve) {
            await must(b, 'POST', `/me/follow-requests/${a.handle}/approve`, 204);
            model.approve(b, a);
            w.log.push(`mutation: @${b.handle} approves @${a.handle}`);
          }
          break;
        case 'unfollow': {
          const [x, y] = follows[m.a % follows.length]!;
          await must(x, 'DELETE', `/users/${y.handle}/follow`, 204);
          w.log.push(`mutation: @${x.handle} unfollows @${y.handle} (was ${model.followState(x, y)})`);
          model.unfollow(x, y);
          break;
        }
        case 'privateOn':
          await must(a, 'PATCH', '/me/privacy', 200, { privateAccount: true });
          a.private = true;
          w.log.push(`mutation: @${a.handle} goes private`);
          break;
        case 'privateOff':
          // Pending requests are denied first: what going public does to them is not the rule under test.
          for (const requester of model.pendingRequestsTo(a)) {
            await must(a, 'POST', `/me/follow-requests/${requester.handle}/deny`, 204);
            model.deny(a, requester);
            w.log.push(`mutation: @${a.handle} denies @${requester.handle}`);
          }
          await must(a, 'PATCH', '/me/privacy', 200, { privateAccount: false });
          a.private = false;
          w.log.push(`mutation: @${a.handle} goes public`);
          break;
        case 'visibility': {
          const c = clips[m.a % clips.length]!;
          const owner = model.owner(c);
          await must(owner, 'PATCH', `/videos/${c.id}`, 200, { visibility: m.visibility });
          w.log.push(`mutation: @${owner.handle} sets ${c.key} from ${c.visibility} to ${m.visibility}`);
          c.visibility = m.visibility;
          break;
        }
        case 'delete': {
          const c = clips[m.a % clips.length]!;
          const owner = model.owner(c);
          await must(owner, 'DELETE', `/videos/${c.id}`, 204);
          c.deleted = true;
          w.log.push(`mutation: @${owner.handle} deletes ${c.key}`);
          break;
        }
        case 'moderate': {
          const c = clips[m.a % clips.length]!;
          await t.ctx.media.videos.moderate(c.region, c.id, m.moderation);
          w.log.push(`mutation: moderation sets ${c.key} from ${c.moderation} to ${m.moderation}`);
          c.moderation = m.moderation;
          break;
        }
        case 'deactivate':
          await must(a, 'DELETE', '/me', 202, { password: PASSWORD });
          a.active = false;
          deactivated = true;
          w.log.push(`mutation: @${a.handle} deactivates their account`);
          {
            const after = await api(a, 'GET', '/feed/following');
            if (after.statusCode !== 401)
              w.actions.push(
                `@${a.handle} deactivated, yet their session still answers ${after.statusCode} (wants 401)`,
              );
          }
          break;
      }
    }
    for (const p of plan.lateComments) await plannedComment(w, p);
  }

  beforeAll(async () => {
    await sampleLadder();
    t = await startTestApp({ overrides: { feeds: { seed: 1234, pools: { ttlMs: 0 } } } });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it(
    'answers every surface exactly as the reference, before and after random narrowing and widening',
    async () => {
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(arbPlan(SIZES), async (plan) => {
          const w = await build(plan);
          await checkAll(w, 'after setup');
          await mutate(w, plan);
          await checkAll(w, 'after mutations');
        }),
        // Each run builds a world in a shared app: shrinking would replay worlds for minutes, so the first
        // failing world is reported as it is (its seed, its plan and what happened).
        { numRuns: NUM_RUNS, endOnFailure: true },
      );
      console.log(
        `visibility model: ${NUM_RUNS} worlds in ${((Date.now() - started) / 1000).toFixed(1)} s (${TEST_MODE})`,
      );
    },
    CLUSTER ? 400_000 : 180_000,
  );
});
