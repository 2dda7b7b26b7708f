import type { Kysely } from 'kysely';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import type { DirectoryDb } from '../db/schema.js';
import type { CellRegistry } from '../regions/cells.js';
import type { Actor, GraphService } from '../social/graph.service.js';
import type { Viewer } from '../social/video-access.js';
import type { CandidatePools } from './candidate-pools.js';
import { presentVideos, type Video } from './video-presenter.js';

export interface FollowingDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  graph: GraphService;
  pools: CandidatePools;
}

type Page = { cursor?: string; limit?: number };

/** Most followed accounts one Following query spans (a SQL parameter list; beyond it, the newest follows). */
const MAX_FOLLOWED = 5000;

/**
 * Following (newest first from followed creators, across regions: the follow list comes from the viewer's
 * cell, the clips from the directory's public index) and Trending (time-decayed engagement).
 */
export class FollowingService {
  constructor(private readonly deps: FollowingDeps) {}

  async following(viewer: Actor, page: Page): Promise<{ items: Video[]; cursor: string | null }> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ p: string; v: string }>(page.cursor, ['p', 'v']);
    const rel = await this.deps.graph.relations(viewer);
    const authors = [...rel.following].filter((id) => !rel.blocked.has(id) && !rel.muted.has(id)).slice(0, MAX_FOLLOWED);
    if (authors.length === 0) return { items: [], cursor: null };
    let q = this.deps.directory.selectFrom('videos').selectAll().where('author_id', 'in', authors);
    if (after) q = q.where((eb) => eb.or([eb('published_at', '<', after.p), eb.and([eb('published_at', '=', after.p), eb('id', '<', after.v)])]));
    const rows = await q.orderBy('published_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const pageRows = rows.slice(0, limit);
    const last = pageRows[pageRows.length - 1];
    return {
      items: await presentVideos(this.deps, pageRows, viewer),
      cursor: rows.length > limit && last ? encodeCursor({ p: last.published_at, v: last.id }) : null,
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
      items: await presentVideos(this.deps, pageItems.map((i) => i.row), viewer),
      cursor: slice.length > limit && last ? encodeCursor({ t: last.trend, v: last.row.id }) : null,
    };
  }
}
