import type { Kysely } from 'kysely';
import { randomInt } from 'node:crypto';
import { clampLimit } from '../db/pagination.js';
import type { DirectoryDb } from '../db/schema.js';
import type { CellRegistry } from '../regions/cells.js';
import type { GraphService, ViewerRelations } from '../social/graph.service.js';
import { indexClip, type IndexRow, type Viewer } from '../media/clip-access.js';
import type { VideoPresenter } from '../media/video-presenter.js';
import type { Reason, Video } from '../media/video.schema.js';
import { positionOf, type CandidatePools, type PoolItem, type PoolSnapshot } from './candidate-pools.js';
import { BestFirst } from './best-first.js';
import { TransparentRanker, type Candidate, type Ranker, type Ranking } from './ranker.js';
import type { RegionModels } from './region-models.js';
import { fillPage, type Draw } from './diverse-page.js';
import {
  decodeSession,
  encodeSession,
  newSession,
  seededRandom,
  type FeedSession,
  type ServedFilter,
} from './served-filter.js';
import type { ViewerActivity, ViewerActivityState } from './viewer-activity.js';
import type { MutedWords } from './muted-words.js';
import type { DirectoryRefs } from '../media/directory-refs.js';

export interface ForYouOptions {
  /** Fixed session seed (tests, reproducible runs); otherwise each session draws its own. */
  seed?: number;
  /** Share of each page given to exploration (clips that still need a first audience). */
  explorationShare: number;
}

export interface ForYouDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  presenter: VideoPresenter;
  graph: GraphService;
  pools: CandidatePools;
  models: RegionModels;
  ranker: Ranker;
  activity: ViewerActivity;
  muted: MutedWords;
  /** Sound titles of clips outside the pools (muted words match them). */
  refs: DirectoryRefs;
  now: () => Date;
}

/** What the viewer's own cell says: relations read per page, their engagement lists from a short-lived copy. */
interface ViewerState extends ViewerActivityState {
  relations: ViewerRelations;
}

const SOURCE_BOOST: Record<string, number> = {
  following: 0.15,
  similar: 0.1,
  hashtag: 0.08,
  sound: 0.08,
  trending: 0.05,
  fresh: 0,
  catalogue: -0.05,
};
// What one page draws from each source. A page shows ten clips, about two thirds from the model and two from
// exploration (measured on the feed bench's data), so each source offers a few times what it is likely to get:
// ranking costs grow with the candidates, and later pages reach further down because served clips are left out.

/** Trending and fresh clips pre-ranked per snapshot, and how many of them (the best unseen) a page ranks. */
const TRENDING_POOL = 150;
const FRESH_POOL = 60;
const GENERIC_CANDIDATES = 30;
/** Clips asked of the region's model per page. */
const RECOMMENDED = 30;
/** Newest clips of followed creators. */
const FOLLOWING_CANDIDATES = 24;
/** Hashtags and sounds of the recent history that bring candidates, and how many clips each brings. */
const AFFINITY_TAGS = 5;
const AFFINITY_SOUNDS = 3;
const PER_AFFINITY = 6;
/** Least-seen new clips the exploration slots choose among. */
const EXPLORATION_CANDIDATES = 20;
/** Reason words shared by every candidate of a source (add() copies them into a candidate's own list). */
const FOLLOWING_WORDS = ['you follow the creator'];
const SOUND_WORDS = ['uses a sound you watched'];

const CATALOGUE_WORDS = ['more from this instance'];
/** Seen clips a page of rewatching chooses among. */
const REWATCH_CANDIDATES = 100;
const REWATCH_REASON: Reason = { source: 'rewatch', signals: ["you've seen everything new", 'worth another look'] };

interface GenericItem {
  item: PoolItem;
  source: 'trending' | 'fresh' | 'catalogue';
  signals: string[];
}

/** A clip chosen for a page and why. */
interface Pick {
  clip: IndexRow;
  reason: Reason;
}

/**
 * For You: candidate sources → filters → ranking → diversity re-ranking with exploration slots.
 * Sources: followed creators, the region model's co-engagement neighbours of what the viewer watched
 * through, hashtag and sound affinity, trending, fresh, and an exploration pool that gives new clips a
 * first audience, and behind them the rest of the pooled catalogue. Filters: blocked either way, muted, not
 * interested, own clips; already watched or served clips wait until nothing new is left, then come back as
 * rewatching, so the feed has an end only for a viewer with nothing at all to watch. The same creator or sound
 * appears twice in a row only when nothing else is left (across pages too: the cursor remembers).
 */
export class ForYouService {
  constructor(
    private readonly deps: ForYouDeps,
    private readonly options: ForYouOptions = { explorationShare: 0.2 },
  ) {}

  async page(
    viewer: Viewer,
    query: { cursor?: string; limit?: number },
  ): Promise<{ items: Video[]; cursor: string | null }> {
    const limit = clampLimit(query.limit, 10, 50);
    const session: FeedSession = query.cursor
      ? decodeSession(query.cursor)
      : newSession(this.options.seed ?? randomInt(0, 2 ** 31));
    const random = seededRandom((session.seed ^ Math.imul(session.page + 1, 0x9e3779b1)) >>> 0);
    const now = this.deps.now().getTime();
    const [snapshot, state, mutes] = await Promise.all([
      this.deps.pools.get(),
      viewer ? this.viewerState(viewer) : Promise.resolve(undefined),
      this.deps.muted.matcher(viewer),
    ]);
    // Titles of pooled sounds; those of other clips' sounds are read once the candidates are known.
    const pooledTitles = mutes.empty ? undefined : await this.deps.pools.soundTitles(snapshot);
    const otherTitles = new Map<string, string>();
    const titles = pooledTitles && {
      get: (id: string) => pooledTitles.get(id) ?? otherTitles.get(id),
      has: (id: string) => pooledTitles.has(id) || otherTitles.has(id),
    };

    // Never shown: own clips, creators blocked either way or muted, clips the viewer is not interested in, clips
    // their muted words match.
    const refused = ({ row, tags }: PoolItem): boolean =>
      row.author_id === viewer?.userId ||
      (state !== undefined &&
        (state.notInterested.has(row.id) ||
          state.relations.blocked.has(row.author_id) ||
          state.relations.muted.has(row.author_id))) ||
      (titles !== undefined && mutes.hidesItem({ row, tags }, titles));
    // Not new: served earlier in this session, or watched.
    const known = (row: IndexRow): boolean => session.served.has(row.id) || (state?.seen.has(row.id) ?? false);
    const excluded = (item: PoolItem): boolean => known(item.row) || refused(item);

    const candidates = new Map<string, Candidate>();
    const add = (
      item: PoolItem,
      source: string,
      signals: string[] | (() => string[]),
      modelScore?: number,
    ): Candidate | undefined => {
      const { row } = item;
      if (excluded(item)) return undefined;
      let c = candidates.get(row.id);
      if (!c) candidates.set(row.id, (c = { item, source, signals: [] }));
      if (typeof signals === 'function') {
        const before = c.explained;
        c.explained = before ? () => [...before(), ...signals()] : signals;
      } else for (const s of signals) if (!c.signals.includes(s)) c.signals.push(s);
      if (modelScore !== undefined) c.modelScore = modelScore;
      return c;
    };

    if (viewer && state) await this.personalSources(viewer, state, snapshot, session.served, add, random);
    // The generic sources (trending, fresh, then the rest of the catalogue) come pre-ranked per snapshot; only
    // the best the viewer may see are candidates, so a page ranks a few dozen of them rather than every pooled
    // one. No creator takes more than half a page of them while others wait further down, so a page can vary;
    // the creators held back come in when nobody else is left.
    const ordered = this.genericOf(snapshot);
    const budget = Math.max(GENERIC_CANDIDATES, limit);
    const perAuthor = Math.ceil(limit / 2);
    const byAuthor = new Map<string, number>();
    const heldBack: GenericItem[] = [];
    let generic = 0;
    for (const g of ordered) {
      if (generic >= budget) break;
      const n = byAuthor.get(g.item.row.author_id) ?? 0;
      if (n >= perAuthor) {
        if (heldBack.length < budget && !excluded(g.item)) heldBack.push(g);
      } else if (add(g.item, g.source, g.signals)) {
        byAuthor.set(g.item.row.author_id, n + 1);
        generic++;
      }
    }
    for (let i = 0; i < heldBack.length && generic < budget; i++) {
      const g = heldBack[i]!;
      if (add(g.item, g.source, g.signals)) generic++;
    }
    // Past everything pooled, the older clips of a large instance, newest first; the cursor remembers how far the
    // session has gone (past clips it has served or may not see), so each page reads only a little further.
    let older = session.older;
    if (generic < budget) {
      let done = true;
      for (const item of await this.deps.pools.older(snapshot, older, 2 * budget)) {
        if (excluded(item)) {
          if (done) older = positionOf(item.row);
        } else {
          done = false;
          if (generic < budget && add(item, 'catalogue', CATALOGUE_WORDS)) generic++;
        }
      }
    }

    if (titles) {
      // Clips from outside the pools (followed creators, the model, older clips) may use sounds not yet known.
      const unknown = [...candidates.values()]
        .map((c) => c.item.row.sound_id)
        .filter((id): id is string => id !== null && !titles.has(id));
      if (unknown.length > 0)
        for (const [id, title] of await this.deps.refs.soundTitles(unknown)) otherTitles.set(id, title);
      for (const [id, c] of candidates) if (refused(c.item)) candidates.delete(id);
    }

    const list = [...candidates.values()];
    const ranking = await this.deps.ranker.rank(list, {
      region: viewer?.region ?? '',
      history: state?.history ?? [],
      now,
    });
    const scores = new Float64Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      let score = ranking.scores[i]! + (SOURCE_BOOST[c.source] ?? 0) + (random() - 0.5) * 0.06;
      if (state && state.dislikedAuthors.size > 0)
        score -= 0.3 * (state.dislikedAuthors.get(c.item.row.author_id) ?? 0);
      scores[i] = score;
    }
    const main = new BestFirst(list, scores, 3 * limit);

    // Exploration draws among the least-seen new clips, so each gets its first impressions in turn.
    const explore: PoolItem[] = [];
    for (const item of snapshot.exploration) {
      if (explore.length >= EXPLORATION_CANDIDATES) break;
      if (!excluded(item)) explore.push(item);
    }
    for (let i = explore.length - 1; i > 0; i--) {
      const j = Math.floor(random() * Math.min(i + 1, 8));
      [explore[i], explore[i - j]] = [explore[i - j]!, explore[i]!];
    }

    const picked = this.compose(main, ranking, explore, limit, session);
    if (picked.length < limit) {
      const onPage = new Set(picked.map((p) => p.clip.id));
      const gone = (item: PoolItem) => onPage.has(item.row.id) || refused(item) || !known(item.row);
      picked.push(...this.rewatch(ordered, gone, limit - picked.length, picked[picked.length - 1], session));
    }
    const reasons = new Map<string, Reason>(picked.map((p) => [p.clip.id, p.reason]));
    const items = await this.deps.presenter.present(
      viewer,
      picked.map((p) => indexClip(p.clip)),
      { reasons, ...(state ? { relations: state.relations } : {}) },
    );
    // Only a viewer with nothing at all to watch reaches an end.
    if (picked.length === 0) return { items, cursor: null };
    for (const p of picked) session.served.add(p.clip.id);
    const last = picked[picked.length - 1]!.clip;
    return {
      items,
      cursor: encodeSession({
        seed: session.seed,
        page: session.page + 1,
        lastAuthor: last.author_id,
        lastSound: last.sound_id ?? '',
        served: session.served,
        replayed: session.replayed,
        ...(older ? { older } : {}),
      }),
    };
  }

  /**
   * Fills a page: every k-th slot goes to exploration, the rest to the ranked list, varied by creator and sound
   * as far as the candidates allow (diverse-page.ts). What neither can fill is left to rewatching.
   */
  private compose(
    main: BestFirst<Candidate>,
    ranking: Ranking,
    explore: PoolItem[],
    limit: number,
    session: FeedSession,
  ): Pick[] {
    const every =
      this.options.explorationShare > 0 ? Math.max(2, Math.round(1 / this.options.explorationShare)) : Infinity;
    const fromMain: Draw<Pick> = (fits) => {
      const hit = main.find((m) => fits(m.c.item.row));
      // Signals are joined for the picked clips only (a page shows ten of a few hundred candidates).
      if (!hit) return undefined;
      const { c } = hit;
      // The sources' words, then the model's (built only now), then the ranker's.
      const own = [...c.signals, ...(c.explained?.() ?? [])];
      return {
        clip: c.item.row,
        reason: { source: c.source, signals: [...new Set([...own, ...ranking.signals(hit.i)])].slice(0, 6) },
      };
    };
    const fromExplore: Draw<Pick> = (fits) => {
      const hit = explore.find((i) => fits(i.row));
      return (
        hit && {
          clip: hit.row,
          reason: {
            source: 'exploration',
            signals: ['new clip finding its audience', `${hit.row.view_count} views so far`],
          },
        }
      );
    };
    const mainFirst = [fromMain, fromExplore];
    const exploreFirst = [fromExplore, fromMain];
    return fillPage(limit, { author: session.lastAuthor, sound: session.lastSound }, (slot) =>
      slot % every === Math.min(2, every - 1) ? exploreFirst : mainFirst,
    );
  }

  /**
   * When nothing new is left for the viewer, the feed goes on with what they have seen, best first (the generic
   * order, which follows engagement), each clip once per round: `replayed` remembers the round, and a round that
   * has shown everything starts over.
   */
  private rewatch(
    ordered: GenericItem[],
    gone: (item: PoolItem) => boolean,
    slots: number,
    after: Pick | undefined,
    session: FeedSession,
  ): Pick[] {
    const collect = (skip: (row: IndexRow) => boolean) => {
      const out: IndexRow[] = [];
      for (const { item } of ordered) {
        if (out.length >= REWATCH_CANDIDATES) break;
        if (!gone(item) && !skip(item.row)) out.push(item.row);
      }
      return out;
    };
    const fill = (rows: IndexRow[], n: number, last: Pick | undefined) =>
      fillPage(
        n,
        last
          ? { author: last.clip.author_id, sound: last.clip.sound_id ?? '' }
          : { author: session.lastAuthor, sound: session.lastSound },
        () => [
          (fits) => {
            const row = rows.find(fits);
            return row && { clip: row, reason: REWATCH_REASON };
          },
        ],
      );
    const round = collect((row) => session.replayed.has(row.id));
    const picked = fill(round, slots, after);
    if (picked.length < slots) {
      // This round has shown everything: the next one starts on this page, with what this round did not just show.
      const inRound = new Set(round.map((r) => r.id));
      session.replayed.clear();
      picked.push(
        ...fill(
          collect((row) => inRound.has(row.id)),
          slots - picked.length,
          picked.at(-1) ?? after,
        ),
      );
    }
    for (const p of picked) session.replayed.add(p.clip.id);
    return picked;
  }

  private async personalSources(
    viewer: NonNullable<Viewer>,
    state: ViewerState,
    snapshot: PoolSnapshot,
    served: ServedFilter,
    add: (item: PoolItem, source: string, signals: string[] | (() => string[]), modelScore?: number) => unknown,
    random: () => number,
  ): Promise<void> {
    const { pools } = this.deps;
    const following = [...state.relations.following];
    if (following.length > 0) {
      // A sample of followed creators per page (seeded), the newest of their newest clips (per-author cache).
      const sample = following.length <= 60 ? following : following.sort(() => random() - 0.5).slice(0, 60);
      const items = (await pools.recentByAuthors(sample, 3)).flat();
      if (items.length > FOLLOWING_CANDIDATES) items.sort((a, b) => b.publishedMs - a.publishedMs);
      for (let i = 0; i < items.length && i < FOLLOWING_CANDIDATES; i++) add(items[i]!, 'following', FOLLOWING_WORDS);
    }
    if (state.history.length === 0) return;

    // Clips already served this session are left out too, so later pages reach further down the model's list.
    const exclude = { has: (id: string) => state.seen.has(id) || served.has(id) };
    const recs = await this.deps.models.recommend(viewer.region, state.history, RECOMMENDED, exclude);
    const items = await pools.clips(
      snapshot,
      recs.map((r) => r.itemKey),
    );
    // clips() keeps the order of the ids it is given and leaves out clips no longer in the index.
    for (let i = 0, r = 0; i < items.length; i++) {
      const item = items[i]!;
      while (recs[r]!.itemKey !== item.row.id) r++;
      const rec = recs[r]!;
      add(item, 'similar', () => rec.signals.map((s) => s.replace(/^transition from /, 'watched after ')), rec.score);
    }

    // Affinity: the hashtags and sounds of what the viewer recently watched through or liked.
    const recent = await pools.clips(snapshot, state.history.slice(-20));
    const tags = new Map<string, number>();
    const sounds = new Map<string, number>();
    for (const { row, tags: own } of recent) {
      for (const tag of own) tags.set(tag, (tags.get(tag) ?? 0) + 1);
      if (row.sound_id) sounds.set(row.sound_id, (sounds.get(row.sound_id) ?? 0) + 1);
    }
    const top = <K>(m: Map<K, number>, n: number) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([k]) => k);
    for (const tag of top(tags, AFFINITY_TAGS)) {
      const words = [`#${tag}`];
      const list = snapshot.byTag.get(tag) ?? [];
      for (let i = 0; i < list.length && i < PER_AFFINITY; i++) add(list[i]!, 'hashtag', words);
    }
    for (const sound of top(sounds, AFFINITY_SOUNDS)) {
      const list = snapshot.bySound.get(sound) ?? [];
      for (let i = 0; i < list.length && i < PER_AFFINITY; i++) add(list[i]!, 'sound', SOUND_WORDS);
    }
  }

  /** Trending and fresh clips of a snapshot by their prior score (the transparent ranker's plus the source's boost). */
  private genericOf(snapshot: PoolSnapshot): GenericItem[] {
    let list = this.generic.get(snapshot);
    if (list) return list;
    const byId = new Map<string, GenericItem>();
    for (const item of snapshot.trending.slice(0, TRENDING_POOL))
      byId.set(item.row.id, { item, source: 'trending', signals: ['trending now'] });
    for (const item of snapshot.fresh.slice(0, FRESH_POOL)) {
      const known = byId.get(item.row.id);
      if (known) known.signals = [...known.signals, 'new'];
      else byId.set(item.row.id, { item, source: 'fresh', signals: ['new'] });
    }
    const prior = (g: GenericItem) => TransparentRanker.score(g.item, snapshot.builtAt) + SOURCE_BOOST[g.source]!;
    const best = (items: GenericItem[]) =>
      items
        .map((g) => ({ g, p: prior(g) }))
        .sort((a, b) => b.p - a.p || (a.g.item.row.id < b.g.item.row.id ? 1 : -1))
        .map(({ g }) => g);
    // Behind the pools, every other pooled clip, so a viewer who keeps scrolling reaches all of them.
    const rest: GenericItem[] = [];
    for (const item of snapshot.byId.values())
      if (!byId.has(item.row.id)) rest.push({ item, source: 'catalogue', signals: CATALOGUE_WORDS });
    list = [...best([...byId.values()]), ...best(rest)];
    this.generic.set(snapshot, list);
    return list;
  }

  private readonly generic = new WeakMap<PoolSnapshot, GenericItem[]>();

  private async viewerState(viewer: NonNullable<Viewer>): Promise<ViewerState> {
    const [relations, activity] = await Promise.all([
      this.deps.graph.relations(viewer),
      this.deps.activity.state(viewer),
    ]);
    return { relations, ...activity };
  }
}
