import type { Kysely, Selectable } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import type { DirectoryVideosTable } from '../media/media.tables.js';
import { NotFoundError } from '../errors.js';
import type { CellRegistry } from '../regions/cells.js';

export type Visibility = 'public' | 'followers' | 'private';
export type IndexRow = Selectable<DirectoryVideosTable>;

/** Who is looking: a signed-in user (id and home region) or a visitor (null). */
export type Viewer = { userId: string; region: string } | null;

/** Where a clip lives and who may see it. `index` is its public index row when it is public and ready. */
export interface VideoRef {
  id: string;
  region: string;
  ownerId: string;
  visibility: Visibility;
  durationMs: number;
  index: IndexRow | undefined;
}

export interface VideoAccessDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
}

/**
 * Finds clips and decides who may see them. Public clips are found in the directory's index; other ready
 * clips are looked up by primary key in each cell (one single-cell query each, never a join).
 */
export class VideoAccess {
  constructor(private readonly deps: VideoAccessDeps) {}

  async locate(videoId: string): Promise<VideoRef | undefined> {
    const index = await this.deps.directory
      .selectFrom('videos')
      .selectAll()
      .where('id', '=', videoId)
      .executeTakeFirst();
    if (index)
      return {
        id: index.id,
        region: index.region,
        ownerId: index.author_id,
        visibility: 'public',
        durationMs: index.duration_ms,
        index,
      };
    for (const cell of this.deps.cells.all()) {
      const row = await cell.db
        .selectFrom('videos')
        .select(['id', 'owner_id', 'visibility', 'duration_ms'])
        .where('id', '=', videoId)
        .where('status', '=', 'ready')
        .executeTakeFirst();
      if (row)
        return {
          id: row.id,
          region: cell.region,
          ownerId: row.owner_id,
          visibility: row.visibility as Visibility,
          durationMs: row.duration_ms ?? 0,
          index: undefined,
        };
    }
    return undefined;
  }

  /** True when `viewerId` is an approved follower of `ownerId` (read from the owner's cell, where follows arrive). */
  async isFollower(ownerRegion: string, ownerId: string, viewerId: string): Promise<boolean> {
    const row = await this.deps.cells
      .get(ownerRegion)
      .db.selectFrom('followers')
      .select('follower_id')
      .where('followee_id', '=', ownerId)
      .where('follower_id', '=', viewerId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** True when `blockerId` has blocked the viewer (read from the viewer's own cell). */
  async isBlockedBy(viewer: { userId: string; region: string }, blockerId: string): Promise<boolean> {
    const row = await this.deps.cells
      .get(viewer.region)
      .db.selectFrom('blocked_by')
      .select('blocker_id')
      .where('user_id', '=', viewer.userId)
      .where('blocker_id', '=', blockerId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Visibility: the owner sees everything; a blocked viewer sees nothing of the blocker; private clips are
   * the owner's; followers-only clips, and every clip of a private account, need an approved follow.
   */
  async canView(ref: VideoRef, viewer: Viewer): Promise<boolean> {
    if (viewer?.userId === ref.ownerId) return true;
    if (ref.visibility === 'private') return false;
    if (viewer && (await this.isBlockedBy(viewer, ref.ownerId))) return false;
    const owner = await this.deps.directory
      .selectFrom('users')
      .select(['private_account', 'status'])
      .where('id', '=', ref.ownerId)
      .executeTakeFirst();
    if (!owner || owner.status !== 'active') return false;
    if (ref.visibility === 'followers' || owner.private_account === 1) {
      return viewer !== null && (await this.isFollower(ref.region, ref.ownerId, viewer.userId));
    }
    return true;
  }

  /** The clip if the viewer may see it; otherwise the same 404 as a clip that does not exist (nothing is revealed). */
  async requireViewable(videoId: string, viewer: Viewer): Promise<VideoRef> {
    const ref = await this.locate(videoId);
    if (!ref || !(await this.canView(ref, viewer)))
      throw new NotFoundError('video.not_found', 'This video does not exist or is not available to you.');
    return ref;
  }
}
