import type { Kysely } from 'kysely';
import { randomInt } from 'node:crypto';
import { clampLimit } from '../db/pagination.js';
import type { DirectoryDb } from '../db/schema.js';
import type { CellRegistry } from '../regions/cells.js';
import type { GraphService, ViewerRelations } from '../social/graph.service.js';
import { indexClip, type IndexRow, type Viewer } from '../media/clip-access.js';
import type { VideoPresenter } from '../media/video-presenter.js';
import type { Reason, Video } from '../media/video.schema.js';
import type { CandidatePools, PoolItem, PoolSnapshot } from './candidate-pools.js';
import { BestFirst } from './best-first.js';
import { TransparentRanker, type Candidate, type Ranker, type Ranking } from './ranker.js';
import type { RegionModels } from './region-models.js';
import { decodeSession, encodeSession, seededRandom, ServedFilter, type FeedSession } from './served-filter.js';
import type { ViewerActivity, ViewerActivityState } from './viewer-activity.js';

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

interface GenericItem {
  item: PoolItem;
  source: 'trending' | 'fresh';
  signals: string[];
}

/**
 * For You: candidate sources → filters → ranking → diversity re-ranking with exploration slots.
 * Sources: followed creators, the region model's co-engagement neighbours of what the viewer watched
 * through, hashtag and sound affinity, trending, fresh, and an exploration pool that gives new clips a
 * first audience. Filters: already watched or served, blocked either way, muted, not interested, own clips.
 * The same creator or sound never appears twice in a row, across pages too (the cursor remembers).
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
      : {
          seed: this.options.seed ?? randomInt(0, 2 ** 31),
          page: 0,
          lastAuthor: '',
          lastSound: '',
          served: new ServedFilter(),
        };
    const random = seededRandom((session.seed ^ Math.imul(session.page + 1, 0x9e3779b1)) >>> 0);
    const now = this.deps.now().getTime();
    const [snapshot, state] = await Promise.all([
      this.deps.pools.get(),
      viewer ? this.viewerState(viewer) : Promise.resolve(undefined),
    ]);

    const excluded = (row: IndexRow): boolean =>
      session.served.has(row.id) ||
      row.author_id === viewer?.userId ||
      (state !== undefined &&
        (state.seen.has(row.id) ||
          state.notInterested.has(row.id) ||
          state.relations.blocked.has(row.author_id) ||
          state.relations.muted.has(row.author_id)));

    const candidates = new Map<string, Candidate>();
    const add = (
      item: PoolItem,
      source: string,
      signals: string[] | (() => string[]),
      modelScore?: number,
    ): Candidate | undefined => {
      const { row } = item;
      if (excluded(row)) return undefined;
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
    // The generic sources (trending, fresh) come pre-ranked per snapshot; only the best the viewer may see
    // are candidates, so a page ranks a few dozen of them rather than every pooled one.
    let generic = 0;
    for (const g of this.genericOf(snapshot)) {
      if (generic >= GENERIC_CANDIDATES) break;
      if (add(g.item, g.source, g.signals)) generic++;
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
      if (!excluded(item.row)) explore.push(item);
    }
    for (let i = explore.length - 1; i > 0; i--) {
      const j = Math.floor(random() * Math.min(i + 1, 8));
      [explore[i], explore[i - j]] = [explore[i - j]!, explore[i]!];
    }

    const picked = this.compose(main, ranking, explore, limit, session);
    const reasons = new Map<string, Reason>(picked.map((p) => [p.row.id, p.reason]));
    const items = await this.deps.presenter.present(
      viewer,
      picked.map((p) => indexClip(p.row)),
      { reasons, ...(state ? { relations: state.relations } : {}) },
    );
    if (picked.length === 0) return { items, cursor: null };
    for (const p of picked) session.served.add(p.row.id);
    const last = picked[picked.length - 1]!.row;
    return {
      items,
      cursor: encodeSession({
        seed: session.seed,
        page: session.page + 1,
        lastAuthor: last.author_id,
        lastSound: last.sound_id ?? '',
        served: session.served,
      }),
    };
  }

  /**
   * Fills a page: every k-th slot goes to exploration, the rest to the ranked list; each pick must differ
   * in creator and sound from the one before. When nothing fits, the page ends short rather than repeat.
   */
  private compose(
    main: BestFirst<Candidate>,
    ranking: Ranking,
    explore: PoolItem[],
    limit: number,
    session: FeedSession,
  ): { row: IndexRow; reason: Reason }[] {
    const taken = new Set<string>();
    const out: { row: IndexRow; reason: Reason }[] = [];
    let lastAuthor = session.lastAuthor;
    let lastSound = session.lastSound;
    const every =
      this.options.explorationShare > 0 ? Math.max(2, Math.round(1 / this.options.explorationShare)) : Infinity;
    const fits = (row: IndexRow) =>
      !taken.has(row.id) && row.author_id !== lastAuthor && (!row.sound_id || row.sound_id !== lastSound);
    const fromMain = () => {
      const hit = main.find((m) => fits(m.c.item.row));
      // Signals are joined for the picked clips only (a page shows ten of a few hundred candidates).
      if (!hit) return undefined;
      const { c } = hit;
      // The sources' words, then the model's (built only now), then the ranker's.
      const own = [...c.signals, ...(c.explained?.() ?? [])];
      return {
        row: c.item.row,
        reason: { source: c.source, signals: [...new Set([...own, ...ranking.signals(hit.i)])].slice(0, 6) },
      };
    };
    const fromExplore = () => {
      const hit = explore.find((i) => fits(i.row));
      return (
        hit && {
          row: hit.row,
          reason: {
            source: 'exploration',
            signals: ['new clip finding its audience', `${hit.row.view_count} views so far`],
          },
        }
      );
    };
    for (let slot = 0; out.length < limit; slot++) {
      const wantExplore = slot % every === Math.min(2, every - 1);
      const pick = wantExplore ? (fromExplore() ?? fromMain()) : (fromMain() ?? fromExplore());
      if (!pick) break;
      taken.add(pick.row.id);
      out.push(pick);
      lastAuthor = pick.row.author_id;
      lastSound = pick.row.sound_id ?? '';
    }
    return out;
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
    list = [...byId.values()]
      .map((g) => ({ g, p: prior(g) }))
      .sort((a, b) => b.p - a.p || (a.g.item.row.id < b.g.item.row.id ? 1 : -1))
      .map(({ g }) => g);
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
