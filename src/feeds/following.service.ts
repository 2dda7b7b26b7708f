import type { Kysely } from 'kysely';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import type { DirectoryDb } from '../db/schema.js';
import type { CellRegistry } from '../regions/cells.js';
import type { Actor, GraphService, ViewerRelations } from '../social/graph.service.js';
import type { IndexRow, Viewer } from '../social/video-access.js';
import { newestOf, type CandidatePools } from './candidate-pools.js';
import type { DirectoryRefs } from './directory-refs.js';
import { indexRows, presentVideos, type Video } from './video-presenter.js';

export interface FollowingDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  refs?: DirectoryRefs;
  graph: GraphService;
  pools: CandidatePools;
}

type Page = { cursor?: string; limit?: number };

/** Most followed accounts one Following query spans (a SQL parameter list; beyond it, the newest follows). */
const MAX_FOLLOWED = 5000;
/** Up to this many followed creators, Following reads each one's newest clips by index and merges them. */
const PER_AUTHOR_QUERIES = 200;

/**
 * Following (newest first, by clip id which sorts by creation time, from followed creators, across regions: the follow list comes from the viewer's
 * cell, the clips from the directory's public index) and Trending (time-decayed engagement).
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
    // Clip ids sort by creation time. For a usual follow list, one short range of the (author_id, id) index per
    // creator, merged, beats one IN query that must sort every clip of every followed creator. Only ids are
    // read from the index (no table lookups); the full rows are read for the page alone.
    const { directory, pools } = this.deps;
    if (!after && authors.length <= PER_AUTHOR_QUERIES) {
      // The first page, which is most of Following's traffic: each creator's newest clips from the pools'
      // per-author copies (read once per creator and kept like the pools; a publish drops them).
      const lists = await pools.recentByAuthors(authors, limit + 1, Infinity);
      const newest = newestOf(lists, limit + 1, (a, b) => a.row.id > b.row.id);
      return this.page(
        viewer,
        rel,
        newest.map((i) => i.row),
        limit,
      );
    }
    let ids: string[];
    if (after && authors.length <= PER_AUTHOR_QUERIES) {
      // One statement: each creator's newest ids from the index, as subqueries joined by UNION ALL.
      const newest = authors.map((author, i) => {
        const q = directory.selectFrom('videos').select('id').where('author_id', '=', author).where('id', '<', after.v);
        return directory
          .selectFrom(
            q
              .orderBy('id', 'desc')
              .limit(limit + 1)
              .as(`a${i}`),
          )
          .select('id');
      });
      const union = newest.slice(1).reduce((all, q) => all.unionAll(q), newest[0]!);
      ids = (
        await directory
          .selectFrom(union.as('newest'))
          .select('id')
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute()
      ).map((r) => r.id);
    } else {
      let q = directory.selectFrom('videos').select('id').where('author_id', 'in', authors);
      if (after) q = q.where('id', '<', after.v);
      ids = (
        await q
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute()
      ).map((r) => r.id);
    }
    const rows = await indexRows(directory, ids.slice(0, limit));
    // A clip that left the index between the two reads is skipped; the cursor still follows the ids.
    return this.page(viewer, rel, rows, limit, ids.length > limit ? ids[limit - 1] : undefined);
  }

  private async page(
    viewer: Actor,
    rel: ViewerRelations,
    rows: IndexRow[],
    limit: number,
    next?: string,
  ): Promise<{ items: Video[]; cursor: string | null }> {
    const last = next ?? (rows.length > limit ? rows[limit - 1]!.id : undefined);
    return {
      items: await presentVideos(this.deps, rows.slice(0, limit), viewer, { relations: rel }),
      cursor: last ? encodeCursor({ v: last }) : null,
    };
  }

  /** Trending: the pooled clips by time-decayed engagement, keyset on (score, id) within the current snapshot. */
  async trending(viewer: Viewer, page: Page): Promise<{ items: Video[]; cursor: string | null }> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ t: number; v: string }>(page.cursor, ['t', 'v']);
    const snapshot = await this.deps.pools.get();
    const rel = viewer ? await this.deps.graph.relations(viewer) : undefined;
    const list = snapshot.trending.filter(
      (i) => !rel || (!rel.blocked.has(i.row.author_id) && !rel.muted.has(i.row.author_id)),
    );
    const start = after ? list.findIndex((i) => i.trend < after.t || (i.trend === after.t && i.row.id < after.v)) : 0;
    const slice = start < 0 ? [] : list.slice(start, start + limit + 1);
    const pageItems = slice.slice(0, limit);
    const last = pageItems[pageItems.length - 1];
    return {
      items: await presentVideos(
        this.deps,
        pageItems.map((i) => i.row),
        viewer,
        rel ? { relations: rel } : {},
      ),
      cursor: slice.length > limit && last ? encodeCursor({ t: last.trend, v: last.row.id }) : null,
    };
  }
}
