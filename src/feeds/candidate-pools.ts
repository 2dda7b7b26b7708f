import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import { jsonList } from '../db/columns.js';
import type { IndexRow } from '../media/clip-access.js';
import { TtlCache } from '../ttl-cache.js';

/** A public clip held in memory with what ranking needs, parsed once when it is read. */
export interface PoolItem {
  row: IndexRow;
  tags: string[];
  /** Time-decayed engagement (the trending score). */
  trend: number;
  /** `row.published_at` in ms since the epoch. */
  publishedMs: number;
  /** Age when read (when the snapshot was built, for pooled clips). */
  ageHours: number;
}

export function poolItem(row: IndexRow, now: number): PoolItem {
  const publishedMs = Date.parse(row.published_at);
  return {
    row,
    tags: jsonList(row.hashtags),
    trend: trendScore(row, publishedMs),
    publishedMs,
    ageHours: Math.max(0, (now - publishedMs) / 3_600_000),
  };
}

export interface PoolSnapshot {
  builtAt: number;
  byId: Map<string, PoolItem>;
  /** Newest first. */
  fresh: PoolItem[];
  /** Highest time-decayed engagement first (ties: newest id first). */
  trending: PoolItem[];
  /** Clips that still need a first audience: fewest views first. */
  exploration: PoolItem[];
  byTag: Map<string, PoolItem[]>;
  bySound: Map<string, PoolItem[]>;
}

export interface PoolOptions {
  /** How long a snapshot serves before it is rebuilt (0 = rebuild on every read, for tests). */
  ttlMs: number;
  /** Newest public clips loaded per snapshot. */
  size: number;
  /** A clip with fewer views than this, published within `explorationMaxAgeHours`, is in the exploration pool. */
  explorationMaxViews: number;
  explorationMaxAgeHours: number;
  /** Rows per read while a snapshot is built (default 500). */
  buildPage?: number;
}

/** Bounds of the copies kept besides the snapshot (an index row is about half a kilobyte in memory). */
const ROW_CACHE_ENTRIES = 50_000;
const AUTHOR_CACHE_ENTRIES = 20_000;
/** Most creators read in one statement when their newest clips are not held. */
const AUTHORS_PER_READ = 100;

const MIN_REBUILD_MS = 1_000;

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  ttlMs: 30_000,
  size: 5000,
  explorationMaxViews: 100,
  explorationMaxAgeHours: 24 * 7,
};

/** Where a clip stands in the index's newest-first order, as `older` takes it. */
export function positionOf(row: IndexRow): string {
  return `${row.published_at}|${row.id}`;
}

function splitPosition(position: string): [string, string] {
  const cut = position.lastIndexOf('|');
  return cut > 0 ? [position.slice(0, cut), position.slice(cut + 1)] : ['', ''];
}

/** Hours of age that cost a factor of ten in engagement. */
const TREND_DECADE_HOURS = 12;

/**
 * Time-decayed engagement in log form (as Reddit's "hot"): log10 of effort-weighted interactions plus the
 * publication time in decades of decay. Ordering equals engagement × 10^(−age/12h), but a clip's score does
 * not drift with the clock, so trending pages stay stable between snapshots.
 */
export function trendScore(row: IndexRow, publishedMs = Date.parse(row.published_at)): number {
  const engagement =
    row.like_count * 2 + row.comment_count * 3 + row.share_count * 4 + row.completion_count + row.view_count * 0.2;
  return Math.log10(1 + engagement) + publishedMs / 3_600_000 / TREND_DECADE_HOURS;
}

/**
 * The newest `limit` of several lists that are each sorted newest first (by `newer`), merged: a page of Following
 * takes ten clips of two hundred creators' lists without sorting them all.
 */
export function newestOf<T>(lists: T[][], limit: number, newer: (a: T, b: T) => boolean): T[] {
  const out: T[] = [];
  for (const list of lists) {
    for (const item of list) {
      if (out.length === limit && !newer(item, out[limit - 1]!)) break; // the rest of this list is older still
      let i = out.length < limit ? out.length : limit - 1;
      while (i > 0 && newer(item, out[i - 1]!)) i--;
      out.splice(i, 0, item);
      if (out.length > limit) out.pop();
    }
  }
  return out;
}

/**
 * Candidate pools over the directory's public index, rebuilt at most every `ttlMs` and served from memory
 * in between (a stale snapshot keeps serving while the next one loads), so a feed request does no scan.
 * The index holds only clips anyone may see (clip-access.ts `indexable`); pages still pass the access rule
 * when presented, so a snapshot read just before an account went private shows nothing of it.
 */
export class CandidatePools {
  private snapshot: PoolSnapshot | undefined;
  private loading: Promise<PoolSnapshot> | undefined;
  private listeners: ((s: PoolSnapshot) => void)[] = [];

  constructor(
    private readonly deps: {
      directory: Kysely<DirectoryDb>;
      now: () => Date;
      /** Sound titles by id (the presenter's short-lived copies), for `soundTitles`. */
      titles?: (ids: string[]) => Promise<Map<string, string>>;
    },
    readonly options: PoolOptions = DEFAULT_POOL_OPTIONS,
  ) {
    this.rowCache = new TtlCache({ ttlMs: options.ttlMs, capacity: ROW_CACHE_ENTRIES });
    this.authorCache = new TtlCache({ ttlMs: options.ttlMs, capacity: AUTHOR_CACHE_ENTRIES });
  }

  /** The titles of a snapshot's sounds, read once per snapshot when first asked (muted words match them). */
  soundTitles(snapshot: PoolSnapshot): Promise<Map<string, string>> {
    let titles = this.titles.get(snapshot);
    if (!titles) {
      titles = this.deps.titles ? this.deps.titles([...snapshot.bySound.keys()]) : Promise.resolve(new Map());
      this.titles.set(snapshot, titles);
    }
    return titles;
  }

  private readonly titles = new WeakMap<PoolSnapshot, Promise<Map<string, string>>>();

  /** Called with each new snapshot (the models register new clips' captions from it). */
  onRefresh(listener: (s: PoolSnapshot) => void): void {
    this.listeners.push(listener);
  }

  async get(): Promise<PoolSnapshot> {
    const now = this.deps.now().getTime();
    const current = this.snapshot;
    // A clip just entered or left the index: rebuild now (at most once a second), so a new clip finds its
    // first audience at once rather than after the TTL.
    if (current && this.builtGeneration < this.generation && now - current.builtAt >= MIN_REBUILD_MS)
      return this.refresh();
    if (current && now - current.builtAt < this.options.ttlMs) return current;
    if (current && this.options.ttlMs > 0) {
      void this.refresh().catch(() => undefined);
      return current;
    }
    return this.refresh();
  }

  /** The public index changed (a clip was published, edited or removed). */
  changed(): void {
    this.generation++;
    this.rowCache.clear();
    this.authorCache.clear();
  }

  // Each change bumps `generation`; a snapshot remembers the generation its read started at, so a load that
  // was already running when a clip came in is never taken for one that includes it.
  private generation = 0;
  private builtGeneration = 0;
  private loadingGeneration = -1;

  invalidate(): void {
    this.snapshot = undefined;
    this.rowCache.clear();
    this.authorCache.clear();
  }

  /** Index rows by id; `undefined` remembers an id that is not in the index (a clip the model knows that left it). */
  private readonly rowCache: TtlCache<PoolItem | undefined>;
  /** Per author: the newest `perAuthor` clips read (fewer when the author has fewer), newest id first. */
  private readonly authorCache: TtlCache<{ perAuthor: number; items: PoolItem[] }>;

  /** Clips by id (pooled, cached for `ttlMs`, else read in one query), in the order of `ids`; ids not in the index are left out. */
  async clips(snapshot: PoolSnapshot, ids: string[]): Promise<PoolItem[]> {
    const now = this.deps.now().getTime();
    const out: (PoolItem | string)[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const pooled = snapshot.byId.get(id);
      if (pooled) {
        out.push(pooled);
        continue;
      }
      const held = this.rowCache.entry(id, now);
      if (!held) {
        missing.push(id);
        out.push(id);
      } else if (held.value) out.push(held.value);
    }
    if (missing.length === 0) return out as PoolItem[];
    const unique = [...new Set(missing)];
    const since = this.rowCache.version;
    const rows = await this.deps.directory.selectFrom('videos').selectAll().where('id', 'in', unique).execute();
    const read = new Map(rows.map((row) => [row.id, poolItem(row, now)]));
    // A read that overlapped a change may predate it: used once, not kept.
    for (const id of unique) this.rowCache.set(id, read.get(id), now, since);
    const items: PoolItem[] = [];
    for (const entry of out) {
      const item = typeof entry === 'string' ? read.get(entry) : entry;
      if (item) items.push(item);
    }
    return items;
  }

  /**
   * The newest `perAuthor` public clips of each author (newest id first, one list per author held), cached per
   * author for `ttlMs`. Authors not held are read together (one statement per hundred); at most `maxReads` of
   * them per call, the rest are left out.
   */
  async recentByAuthors(authorIds: string[], perAuthor: number, maxReads = 50): Promise<PoolItem[][]> {
    const now = this.deps.now().getTime();
    const held = new Map<string, PoolItem[]>();
    const missing: string[] = [];
    for (const author of authorIds) {
      const entry = this.authorCache.entry(author, now)?.value;
      // An entry read with a smaller limit that came back full may lack clips this call wants.
      if (entry && !(entry.perAuthor < perAuthor && entry.items.length === entry.perAuthor))
        held.set(author, entry.items);
      else if (missing.length < maxReads) missing.push(author);
    }
    const since = this.authorCache.version;
    const { directory } = this.deps;
    for (let i = 0; i < missing.length; i += AUTHORS_PER_READ) {
      const chunk = missing.slice(i, i + AUTHORS_PER_READ);
      const parts = chunk.map((author, k) =>
        directory
          .selectFrom(
            directory
              .selectFrom('videos')
              .selectAll()
              .where('author_id', '=', author)
              .orderBy('id', 'desc')
              .limit(perAuthor)
              .as(`a${k}`),
          )
          .selectAll(),
      );
      const rows = await parts
        .slice(1)
        .reduce((all, q) => all.unionAll(q), parts[0]!)
        .execute();
      const byAuthor = new Map<string, PoolItem[]>(chunk.map((a) => [a, []]));
      for (const row of rows) byAuthor.get(row.author_id)?.push(poolItem(row, now));
      for (const [author, list] of byAuthor) {
        list.sort((a, b) => (a.row.id < b.row.id ? 1 : -1));
        held.set(author, list);
        this.authorCache.set(author, { perAuthor, items: list }, now, since);
      }
    }
    const out: PoolItem[][] = [];
    for (const author of authorIds) {
      const items = held.get(author);
      if (items && items.length > 0) out.push(items.length > perAuthor ? items.slice(0, perAuthor) : items);
    }
    return out;
  }

  /**
   * Public clips older than everything pooled (the snapshot holds the newest `size`), newest first, after `after`
   * (a position `published_at|id` of an earlier call) or else after the snapshot's oldest clip. Empty while the
   * snapshot holds the whole index.
   */
  async older(snapshot: PoolSnapshot, after: string | undefined, limit: number): Promise<PoolItem[]> {
    if (snapshot.byId.size < this.options.size) return [];
    const edge = snapshot.fresh[snapshot.fresh.length - 1];
    const [at, id] = after ? splitPosition(after) : edge ? [edge.row.published_at, edge.row.id] : ['', ''];
    if (!at) return [];
    const now = this.deps.now().getTime();
    const rows = await this.deps.directory
      .selectFrom('videos')
      .selectAll()
      .where('published_at', '<=', at)
      .where((eb) => eb.or([eb('published_at', '<', at), eb('id', '<', id)]))
      .orderBy('published_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => poolItem(row, now));
  }

  private refresh(): Promise<PoolSnapshot> {
    const wanted = this.generation;
    if (this.loading && this.loadingGeneration >= wanted) return this.loading;
    // One load at a time: a newer one waits for the one in flight, then reads again.
    const load: Promise<PoolSnapshot> = (this.loading ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.build(wanted))
      .finally(() => {
        if (this.loading === load) this.loading = undefined;
      });
    this.loading = load;
    this.loadingGeneration = wanted;
    return load;
  }

  private async build(generation: number): Promise<PoolSnapshot> {
    const now = this.deps.now().getTime();
    // Read in keyset pages with a turn of the event loop between them: on SQLite a query blocks the process,
    // and one read of the whole pool (5,000 rows out of a million) would stall every request for ~150 ms.
    const rows: IndexRow[] = [];
    let last: IndexRow | undefined;
    while (rows.length < this.options.size) {
      const want = Math.min(this.options.buildPage ?? 500, this.options.size - rows.length);
      let q = this.deps.directory.selectFrom('videos').selectAll();
      if (last) {
        const { published_at: at, id } = last;
        // `published_at <= at` first, so the index range is used (an OR of both cases makes SQLite scan).
        q = q.where('published_at', '<=', at).where((eb) => eb.or([eb('published_at', '<', at), eb('id', '<', id)]));
      }
      const page = await q.orderBy('published_at', 'desc').orderBy('id', 'desc').limit(want).execute();
      rows.push(...page);
      if (page.length < want) break;
      last = page[page.length - 1];
      await new Promise((resolve) => setImmediate(resolve));
    }
    const items: PoolItem[] = rows.map((row) => poolItem(row, now));
    const byTag = new Map<string, PoolItem[]>();
    const bySound = new Map<string, PoolItem[]>();
    for (const item of items) {
      for (const tag of item.tags) (byTag.get(tag) ?? byTag.set(tag, []).get(tag)!).push(item);
      if (item.row.sound_id)
        (bySound.get(item.row.sound_id) ?? bySound.set(item.row.sound_id, []).get(item.row.sound_id)!).push(item);
    }
    const byTrend = (a: PoolItem, b: PoolItem) => b.trend - a.trend || (a.row.id < b.row.id ? 1 : -1);
    for (const list of byTag.values()) list.sort(byTrend);
    for (const list of bySound.values()) list.sort(byTrend);
    const o = this.options;
    const snapshot: PoolSnapshot = {
      builtAt: now,
      byId: new Map(items.map((i) => [i.row.id, i])),
      fresh: items,
      trending: [...items].sort(byTrend),
      exploration: items
        .filter((i) => i.row.view_count < o.explorationMaxViews && i.ageHours <= o.explorationMaxAgeHours)
        .sort((a, b) => a.row.view_count - b.row.view_count || (a.row.id < b.row.id ? 1 : -1)),
      byTag,
      bySound,
    };
    this.snapshot = snapshot;
    this.builtGeneration = Math.max(this.builtGeneration, generation);
    for (const l of this.listeners) l(snapshot);
    return snapshot;
  }
}
