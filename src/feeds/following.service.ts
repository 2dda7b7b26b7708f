import { sql, type Kysely } from 'kysely';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import { PreparedQuery } from '../db/prepared-query.js';
import type { CellDb, DirectoryDb } from '../db/schema.js';
import {
  cellClipQuery,
  indexClip,
  type CellClip,
  type CellRow,
  type ClipAccess,
  type ClipRef,
  type IndexClip,
  type Viewer,
} from '../media/clip-access.js';
import type { VideoPresenter } from '../media/video-presenter.js';
import type { Video } from '../media/video.schema.js';
import type { CellRegistry } from '../regions/cells.js';
import type { Actor, GraphService } from '../social/graph.service.js';
import { TtlCache } from '../ttl-cache.js';
import { newestOf, type CandidatePools } from './candidate-pools.js';
import type { MutedWords } from './muted-words.js';

export interface FollowingDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  access: ClipAccess;
  presenter: VideoPresenter;
  graph: GraphService;
  pools: CandidatePools;
  muted: MutedWords;
  now: () => Date;
}

type Page = { cursor?: string; limit?: number };

/** Most followed accounts one Following query spans (a SQL parameter list; beyond it, the newest follows). */
const MAX_FOLLOWED = 5000;
/** Up to this many followed creators, Following reads each one's newest clips by index and merges them. */
const PER_AUTHOR_QUERIES = 200;
/** Sorts after every clip id: the upper bound of a first page. */
const NO_CURSOR = '~';

/** How long a creator is remembered as having nothing only followers see (a new such clip shows within it). */
const PLAIN_TTL_MS = 60_000;
const PLAIN_CAPACITY = 50_000;
/** Most creators one probe names (a longer follow list is probed in its first part; the rest count as unknown). */
const MAX_PROBED = 1000;

/**
 * Which of these creators have ready followers-only clips (`f`, answered by the partial index alone) and which are
 * private accounts (`p`): the creators whose cells Following must read.
 */
function audienceProbe(db: Kysely<CellDb>, owners: readonly string[]) {
  return db
    .selectFrom('videos')
    .select([sql<string>`'f'`.as('k'), 'owner_id as id'])
    .where('owner_id', 'in', owners)
    .where('visibility', '=', 'followers')
    .where('status', '=', 'ready')
    .groupBy('owner_id')
    .unionAll(
      db
        .selectFrom('accounts')
        .select([sql<string>`'p'`.as('k'), 'id'])
        .where('id', 'in', owners)
        .where('private_account', '=', 1),
    );
}
/** Probes of up to this many creators per cell are compiled once per length. */
const PREPARED_PROBE = 200;
const AUDIENCE_PROBE = new PreparedQuery((db: Kysely<CellDb>, owners: readonly string[]) => audienceProbe(db, owners));

/** Followed creators' newest followers-only clips in their cell (the partial index `videos_followers_only`). */
const FOLLOWERS_ONLY = new PreparedQuery(
  (db: Kysely<CellDb>, owners: readonly string[], before: string, limit: number) =>
    cellClipQuery(db)
      .where('videos.owner_id', 'in', owners)
      .where('videos.visibility', '=', 'followers')
      .where('videos.status', '=', 'ready')
      .where('videos.moderation', '=', 'none')
      .where('videos.id', '<', before)
      .orderBy('videos.id', 'desc')
      .limit(limit),
);

/**
 * Following: the newest clips of the accounts the viewer follows, by clip id (ids sort by creation time), across
 * regions. The follow list comes from the viewer's cell; public clips from the directory's index; followers-only
 * clips, and every clip of a followed private account, from the creators' own cells (they are never in the index).
 * Trending: the pooled clips by time-decayed engagement. Both pages pass the access rule when presented.
 */
export class FollowingService {
  constructor(private readonly deps: FollowingDeps) {}

  async following(viewer: Actor, page: Page): Promise<{ items: Video[]; cursor: string | null }> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ v: string }>(page.cursor, ['v']);
    const rel = await this.deps.graph.relations(viewer);
    const authors = [...rel.following]
      .filter((id) => !rel.blocked.has(id) && !rel.muted.has(id))
      .slice(0, MAX_FOLLOWED);
    if (authors.length === 0) return { items: [], cursor: null };
    const [fromIndex, fromCells] = await Promise.all([
      this.indexed(authors, after?.v, limit + 1),
      this.audienceOnly(authors, rel.followingRegions, after?.v ?? NO_CURSOR, limit + 1),
    ]);
    const merged = newestOf<ClipRef>([fromIndex, fromCells], limit + 1, (a, b) => a.id > b.id);
    const pageClips = merged.slice(0, limit);
    // Muted words leave a page short rather than reading on: the cursor still goes on from the last clip.
    const shown = await this.deps.presenter.present(viewer, pageClips, { relations: rel });
    return {
      items: await this.deps.muted.filter(viewer, shown),
      cursor: merged.length > limit ? encodeCursor({ v: pageClips[limit - 1]!.id }) : null,
    };
  }

  /** The authors' newest public clips from the index, newest first. */
  private async indexed(authors: string[], after: string | undefined, want: number): Promise<IndexClip[]> {
    // Clip ids sort by creation time. For a usual follow list, one short range of the (author_id, id) index per
    // creator, merged, beats one IN query that must sort every clip of every followed creator. Only ids are
    // read from the index (no table lookups); the full rows are read for the page alone.
    const { directory, pools } = this.deps;
    if (!after && authors.length <= PER_AUTHOR_QUERIES) {
      // The first page, which is most of Following's traffic: each creator's newest clips from the pools'
      // per-author copies (read once per creator and kept like the pools; a publish drops them).
      const lists = await pools.recentByAuthors(authors, want, Infinity);
      return newestOf(lists, want, (a, b) => a.row.id > b.row.id).map((i) => indexClip(i.row));
    }
    let ids: string[];
    if (after && authors.length <= PER_AUTHOR_QUERIES) {
      // One statement: each creator's newest ids from the index, as subqueries joined by UNION ALL.
      const newest = authors.map((author, i) => {
        const q = directory.selectFrom('videos').select('id').where('author_id', '=', author).where('id', '<', after);
        return directory.selectFrom(q.orderBy('id', 'desc').limit(want).as(`a${i}`)).select('id');
      });
      const union = newest.slice(1).reduce((all, q) => all.unionAll(q), newest[0]!);
      ids = (
        await directory.selectFrom(union.as('newest')).select('id').orderBy('id', 'desc').limit(want).execute()
      ).map((r) => r.id);
    } else {
      let q = directory.selectFrom('videos').select('id').where('author_id', 'in', authors);
      if (after) q = q.where('id', '<', after);
      ids = (await q.orderBy('id', 'desc').limit(want).execute()).map((r) => r.id);
    }
    // A clip that left the index between the two reads is skipped.
    return this.deps.access.fromIndex(ids);
  }

  /**
   * What only followers may see, from the creators' cells: followers-only clips of every followed creator, and all
   * clips of followed private accounts. Most creators have neither: they are remembered as such for a while (`plain`)
   * and cost nothing; the others are read fresh each time, one statement per region (two with private accounts).
   */
  private async audienceOnly(
    authors: string[],
    regions: ReadonlyMap<string, string>,
    before: string,
    want: number,
  ): Promise<CellClip[]> {
    const { access, cells, now } = this.deps;
    const at = now().getTime();
    const since = this.plain.version;
    const byRegion = new Map<string, string[]>();
    for (const id of authors) {
      const region = regions.get(id);
      if (!region || !cells.has(region) || this.plain.entry(id, at)) continue;
      (byRegion.get(region) ?? byRegion.set(region, []).get(region)!).push(id);
    }
    if (byRegion.size === 0) return [];
    const lists = await Promise.all(
      [...byRegion].map(async ([region, all]) => {
        const db = cells.get(region).db;
        const probed = all.slice(0, MAX_PROBED);
        const found = await (probed.length <= PREPARED_PROBE
          ? AUDIENCE_PROBE.execute(db, probed)
          : audienceProbe(db, probed).execute());
        const withFollowersOnly = found.filter((r) => r.k === 'f').map((r) => r.id);
        const privateAccounts = found.filter((r) => r.k === 'p').map((r) => r.id);
        for (const id of probed) {
          // Remembered only when the read did not overlap a change; a new followers-only clip or a switch to private
          // drops the memory at once (`clipChanged`, `authorChanged`).
          if (!withFollowersOnly.includes(id) && !privateAccounts.includes(id)) this.plain.set(id, true, at, since);
        }
        const { query, wrap } = access.cellClipsOf(region);
        const reads: Promise<CellRow[]>[] = [];
        if (withFollowersOnly.length > 0) reads.push(FOLLOWERS_ONLY.execute(db, withFollowersOnly, before, want));
        if (privateAccounts.length > 0) {
          reads.push(
            query
              .where('videos.owner_id', 'in', privateAccounts)
              .where('videos.visibility', '=', 'public')
              .where('videos.status', '=', 'ready')
              .where('videos.moderation', '=', 'none')
              .where('videos.id', '<', before)
              .orderBy('videos.id', 'desc')
              .limit(want)
              .execute(),
          );
        }
        return (await Promise.all(reads)).map((rows) => wrap(rows));
      }),
    );
    return newestOf(lists.flat(), want, (a, b) => a.id > b.id);
  }

  /** Creators known to have no followers-only clips and a public account (their clips are all in the index). */
  private readonly plain = new TtlCache<true>({ ttlMs: PLAIN_TTL_MS, capacity: PLAIN_CAPACITY });

  /** A clip changed who may see it (media's `clip.changed`): its creator is read again. */
  clipChanged(ownerId: string): void {
    this.plain.delete(ownerId);
  }

  /** An account changed who may see its clips (went private or back): read again. */
  authorChanged(userId: string): void {
    this.plain.delete(userId);
  }

  /** Trending: the pooled clips by time-decayed engagement, keyset on (score, id) within the current snapshot. */
  async trending(viewer: Viewer, page: Page): Promise<{ items: Video[]; cursor: string | null }> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ t: number; v: string }>(page.cursor, ['t', 'v']);
    const [snapshot, rel, mutes] = await Promise.all([
      this.deps.pools.get(),
      viewer ? this.deps.graph.relations(viewer) : undefined,
      this.deps.muted.matcher(viewer),
    ]);
    const titles = mutes.empty ? undefined : await this.deps.pools.soundTitles(snapshot);
    const list = snapshot.trending.filter(
      (i) =>
        (!rel || (!rel.blocked.has(i.row.author_id) && !rel.muted.has(i.row.author_id))) &&
        (!titles || !mutes.hidesItem(i, titles)),
    );
    const start = after ? list.findIndex((i) => i.trend < after.t || (i.trend === after.t && i.row.id < after.v)) : 0;
    const slice = start < 0 ? [] : list.slice(start, start + limit + 1);
    const pageItems = slice.slice(0, limit);
    const last = pageItems[pageItems.length - 1];
    return {
      items: await this.deps.presenter.present(
        viewer,
        pageItems.map((i) => indexClip(i.row)),
        rel ? { relations: rel } : {},
      ),
      cursor: slice.length > limit && last ? encodeCursor({ t: last.trend, v: last.row.id }) : null,
    };
  }
}
