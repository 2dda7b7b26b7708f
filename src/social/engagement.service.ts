import type { Kysely } from 'kysely';
import { newId } from '../db/ids.js';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import type { DirectoryDb } from '../db/schema.js';
import { InvalidInputError } from '../errors.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import type { Actor } from './graph.service.js';
import type { NotificationService } from './notification.service.js';
import { hasPublicCounters, type ClipAccess, type ClipRef, type Viewer } from '../media/clip-access.js';
import type { CountedAction, ViewMarks } from './view-marks.js';

/** Longest plausible watch, as a multiple of the clip's duration: loops and replays count, inflated numbers do not. */
export const MAX_WATCH_FACTOR = 4;

/** Engagement signals for the region's online model (For You): positive weights draw, negative ones push away. */
export interface EngagementObserver {
  observe(region: string, userId: string, videoId: string, weight: number, at: Date): void;
  /** A row written to or removed from the user's own watch, like or "not interested" list (after the write). */
  recorded?(region: string, userId: string, change: EngagementChange): void;
}

export type EngagementChange =
  | { kind: 'watch'; videoId: string; completed: boolean; at: string }
  | { kind: 'like'; videoId: string; at: string }
  | { kind: 'unlike'; videoId: string }
  | { kind: 'not-interested'; videoId: string; authorId: string };

export interface EngagementServiceDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  access: ClipAccess;
  notifications: NotificationService;
  now: () => Date;
  observer?: EngagementObserver;
  /** Longest clip the deployment accepts, the cap on a watch when a clip's duration is unknown. */
  durationMaxMs: number;
  /** Who was already counted this window. */
  marks: ViewMarks;
}

type Page = { cursor?: string; limit?: number };

/**
 * Likes, favorites, shares, "not interested" and watch events. The user's own list of each stays in their
 * cell (protected); only counts leave, as directory aggregates through the border, and the creator's
 * notification crosses as a declared flow carrying ids.
 */
export class EngagementService {
  constructor(private readonly deps: EngagementServiceDeps) {}

  private db(region: string) {
    return this.deps.cells.get(region).db;
  }

  private async counters(from: string, clip: ClipRef, deltas: Record<string, number>): Promise<void> {
    if (hasPublicCounters(clip)) {
      await this.deps.border.adjustCounters(from, 'video.engagement', 'videos', { id: clip.id }, deltas);
    }
  }

  /** Likes a clip; liking twice is a no-op, so counts stay exact. */
  async like(me: Actor, videoId: string): Promise<void> {
    const ref = await this.deps.access.require(videoId, me);
    // The owner's notification would land in the old copy of a moving account.
    await this.deps.access.requireWritable(ref);
    const at = this.deps.now();
    const res = await this.db(me.region)
      .insertInto('likes')
      .values({ user_id: me.userId, video_id: ref.id, created_at: at.toISOString() })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return;
    this.deps.observer?.recorded?.(me.region, me.userId, { kind: 'like', videoId: ref.id, at: at.toISOString() });
    await this.counters(me.region, ref, { like_count: 1 });
    await this.deps.border.adjustCounters(
      me.region,
      'video.engagement',
      'users',
      { id: ref.ownerId },
      { like_count: 1 },
    );
    this.deps.observer?.observe(me.region, me.userId, ref.id, 1, at);
    await this.deps.notifications.notify(me.region, {
      recipient: { id: ref.ownerId, region: ref.region },
      type: 'like',
      actorId: me.userId,
      clip: ref,
    });
  }

  async unlike(me: Actor, videoId: string): Promise<void> {
    const res = await this.db(me.region)
      .deleteFrom('likes')
      .where('user_id', '=', me.userId)
      .where('video_id', '=', videoId)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) return;
    this.deps.observer?.recorded?.(me.region, me.userId, { kind: 'unlike', videoId });
    const ref = await this.deps.access.locate(videoId, me);
    if (!ref) return;
    await this.counters(me.region, ref, { like_count: -1 });
    await this.deps.border.adjustCounters(
      me.region,
      'video.engagement',
      'users',
      { id: ref.ownerId },
      { like_count: -1 },
    );
  }

  async favorite(me: Actor, videoId: string, on: boolean): Promise<void> {
    const db = this.db(me.region);
    if (!on) {
      await db.deleteFrom('favorites').where('user_id', '=', me.userId).where('video_id', '=', videoId).execute();
      return;
    }
    const ref = await this.deps.access.require(videoId, me);
    await db
      .insertInto('favorites')
      .values({ user_id: me.userId, video_id: ref.id, created_at: this.deps.now().toISOString() })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /**
   * Whether this action of the viewer (or of the visitor's client) is the first on the clip this window, and so
   * counts. A visitor's client is `client` (address and user agent, hashed at once); without one nothing counts.
   */
  private async counts(action: CountedAction, viewer: Viewer, ref: ClipRef, client?: string): Promise<boolean> {
    if (viewer) return this.deps.marks.first(viewer.region, action, ref.id, { userId: viewer.userId });
    if (!client) return false;
    return this.deps.marks.first(ref.region, action, ref.id, { client });
  }

  /**
   * Counts a share (once per sharer or visitor client per window) and answers the link to share. Only the count
   * leaves the sharer's cell.
   */
  async share(viewer: Viewer, videoId: string, client?: string): Promise<{ url: string }> {
    const ref = await this.deps.access.require(videoId, viewer);
    if (await this.counts('share', viewer, ref, client))
      await this.counters(viewer?.region ?? ref.region, ref, { share_count: 1 });
    if (viewer) this.deps.observer?.observe(viewer.region, viewer.userId, ref.id, 1, this.deps.now());
    return { url: `/v/${ref.id}` };
  }

  async notInterested(me: Actor, videoId: string): Promise<void> {
    const ref = await this.deps.access.require(videoId, me);
    const at = this.deps.now();
    const res = await this.db(me.region)
      .insertInto('not_interested')
      .values({ user_id: me.userId, video_id: ref.id, author_id: ref.ownerId, created_at: at.toISOString() })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0) {
      this.deps.observer?.recorded?.(me.region, me.userId, {
        kind: 'not-interested',
        videoId: ref.id,
        authorId: ref.ownerId,
      });
      this.deps.observer?.observe(me.region, me.userId, ref.id, -1, at);
    }
  }

  /**
   * Records a watch. The event (history) is kept in the viewer's cell and teaches their region's model, replays
   * included; the clip's public aggregates (views, watched time, completions) move once per viewer — or visitor
   * client — per window. A visitor's watch counts only in the aggregates and never reaches a model.
   */
  async view(
    viewer: Viewer,
    videoId: string,
    input: { watchedMs: number; completed: boolean },
    client?: string,
  ): Promise<void> {
    const ref = await this.deps.access.require(videoId, viewer);
    const durationMs = ref.row.duration_ms ?? 0;
    const cap = durationMs > 0 ? durationMs * MAX_WATCH_FACTOR : this.deps.durationMaxMs;
    if (!Number.isInteger(input.watchedMs) || input.watchedMs < 0 || input.watchedMs > cap) {
      throw new InvalidInputError(
        'view.watched_out_of_range',
        `watchedMs must be a whole number of milliseconds between 0 and ${cap} (${MAX_WATCH_FACTOR}× the clip's length).`,
      );
    }
    const at = this.deps.now();
    if (viewer) {
      await this.db(viewer.region)
        .insertInto('watch_events')
        .values({
          id: newId(at.getTime()),
          user_id: viewer.userId,
          video_id: ref.id,
          author_id: ref.ownerId,
          watched_ms: input.watchedMs,
          completed: input.completed ? 1 : 0,
          created_at: at.toISOString(),
        })
        .execute();
      this.deps.observer?.recorded?.(viewer.region, viewer.userId, {
        kind: 'watch',
        videoId: ref.id,
        completed: input.completed,
        at: at.toISOString(),
      });
      const fraction = durationMs > 0 ? Math.min(1, input.watchedMs / durationMs) : 0.5;
      this.deps.observer?.observe(viewer.region, viewer.userId, ref.id, input.completed ? 1 : fraction, at);
    }
    if (!(await this.counts('view', viewer, ref, client))) return;
    await this.counters(viewer?.region ?? ref.region, ref, {
      view_count: 1,
      watch_ms_total: input.watchedMs,
      completion_count: input.completed ? 1 : 0,
    });
  }

  /** The viewer's own likes or favorites (newest first): video ids, to be presented by the caller. */
  async list(
    me: Actor,
    kind: 'likes' | 'favorites',
    page: Page,
  ): Promise<{ videoIds: string[]; cursor: string | null }> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ t: string; v: string }>(page.cursor, ['t', 'v']);
    let q = this.db(me.region).selectFrom(kind).select(['video_id', 'created_at']).where('user_id', '=', me.userId);
    if (after)
      q = q.where((eb) =>
        eb.or([eb('created_at', '<', after.t), eb.and([eb('created_at', '=', after.t), eb('video_id', '<', after.v)])]),
      );
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('video_id', 'desc')
      .limit(limit + 1)
      .execute();
    const pageRows = rows.slice(0, limit);
    const last = pageRows[pageRows.length - 1];
    return {
      videoIds: pageRows.map((r) => r.video_id),
      cursor: rows.length > limit && last ? encodeCursor({ t: last.created_at, v: last.video_id }) : null,
    };
  }

  /** Which of `videoIds` the viewer liked and favorited, from the viewer's cell. */
  async marks(viewer: Actor, videoIds: string[]): Promise<{ liked: Set<string>; favorited: Set<string> }> {
    if (videoIds.length === 0) return { liked: new Set(), favorited: new Set() };
    const db = this.db(viewer.region);
    const [liked, favorited] = await Promise.all([
      db
        .selectFrom('likes')
        .select('video_id')
        .where('user_id', '=', viewer.userId)
        .where('video_id', 'in', videoIds)
        .execute(),
      db
        .selectFrom('favorites')
        .select('video_id')
        .where('user_id', '=', viewer.userId)
        .where('video_id', 'in', videoIds)
        .execute(),
    ]);
    return { liked: new Set(liked.map((r) => r.video_id)), favorited: new Set(favorited.map((r) => r.video_id)) };
  }
}
