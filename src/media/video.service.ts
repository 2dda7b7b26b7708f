import { rm } from 'node:fs/promises';
import type { Kysely, Selectable } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import { newId } from '../db/ids.js';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Logger } from '../logging.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import type { MediaEvents } from './media-events.js';
import { mediaPaths } from './media-paths.js';
import type { MediaStore } from './media-store.js';
import type { MediaUrls, Playback } from './media-urls.js';
import type { SourceStore } from './source-store.js';
import type { DirectoryVideosTable, VideosTable } from './media.tables.js';
import type { VideoAccess, Viewer } from './video-access.js';
import {
  checkCaption,
  checkVisibility,
  cleanFilename,
  parseHashtags,
  parseMentions,
  type Visibility,
} from './video-text.js';

export type VideoRow = Selectable<VideosTable>;
export type VideoStatus = 'uploading' | 'processing' | 'ready' | 'failed';

export interface UserRef {
  id: string;
  handle: string;
  displayName: string;
  avatarUrl: string | null;
}

/** The `Video` object of docs/api.md. */
export interface VideoView {
  id: string;
  status: VideoStatus;
  error?: { code: string; message: string };
  progress?: number;
  caption: string;
  hashtags: string[];
  mentions: string[];
  visibility: Visibility;
  author: UserRef;
  durationMs: number | null;
  width: number | null;
  height: number | null;
  playback: Playback;
  sound: { id: string; title: string } | null;
  stats: { views: number; likes: number; comments: number; shares: number };
  createdAt: string;
}

export interface NewVideoInput {
  caption?: unknown;
  visibility?: unknown;
  filename?: unknown;
}

export interface VideoPatch {
  caption?: string;
  visibility?: string;
}

export interface VideoServiceDeps {
  cells: CellRegistry;
  directory: Kysely<DirectoryDb>;
  border: Border;
  queues: Map<string, JobQueue>;
  stores: Map<string, MediaStore>;
  sources: Map<string, SourceStore>;
  urls: MediaUrls;
  access: VideoAccess;
  events: MediaEvents;
  now: () => Date;
  log: Logger;
}

/** Called when a clip enters or leaves the directory's public index. */
export interface IndexHooks {
  published(videoId: string): Promise<void>;
  /** Called while the clip's index row still exists (derived indexes read its tags). */
  removed(videoId: string): Promise<void>;
  /** Called once the index row is written or gone: copies of the index read before must be dropped now. */
  settled(videoId: string): void;
}

/** Transcodes are retried this often before a clip is marked failed. */
export const TRANSCODE_ATTEMPTS = 3;

const ZERO_STATS = { views: 0, likes: 0, comments: 0, shares: 0 };

function notFound(): NotFoundError {
  return new NotFoundError('video.not_found', 'This video does not exist or is not visible to you.');
}

function jsonArray(text: string): string[] {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Clips: created by an upload in the owner's home cell, published to the directory's public index only
 * while public and ready. A clip id does not say which cell holds it: the caller's own cell is asked first,
 * then the directory (public clips), then the other cells — there are only a few, and the directory must
 * not learn about private clips.
 */
export class VideoService {
  private indexHooks: IndexHooks | undefined;

  constructor(private readonly deps: VideoServiceDeps) {}

  store(region: string): MediaStore {
    const store = this.deps.stores.get(region);
    if (!store) throw new Error(`no media store for region ${region}`);
    return store;
  }

  /** The region's store of uploads in progress and clip sources. */
  sources(region: string): SourceStore {
    const sources = this.deps.sources.get(region);
    if (!sources) throw new Error(`no source store for region ${region}`);
    return sources;
  }

  /** Validates the caption and visibility; throws before anything is written. */
  checkInput(input: NewVideoInput): { caption: string; visibility: Visibility; filename: string | null } {
    return {
      caption: checkCaption(input.caption),
      visibility: checkVisibility(input.visibility),
      filename: cleanFilename(input.filename),
    };
  }

  /** Creates the clip's row in the owner's cell, status `uploading`. */
  async create(owner: Viewer, input: NewVideoInput, id = newId(this.deps.now().getTime())): Promise<VideoRow> {
    const { caption, visibility, filename } = this.checkInput(input);
    const at = this.deps.now().toISOString();
    const row: VideoRow = {
      id,
      owner_id: owner.userId,
      status: 'uploading',
      error_code: null,
      error_message: null,
      progress: 0,
      playable: 0,
      caption,
      hashtags: JSON.stringify(parseHashtags(caption)),
      mentions: JSON.stringify(parseMentions(caption)),
      visibility,
      duration_ms: null,
      width: null,
      height: null,
      has_audio: 0,
      source_name: filename,
      sound_id: null,
      created_at: at,
      updated_at: at,
      size_bytes: null,
    };
    await this.deps.cells.get(owner.region).db.insertInto('videos').values(row).execute();
    return row;
  }

  /**
   * The upload is complete: makes it (or `file`, a local multipart upload) the clip's source in the cell,
   * marks the clip `processing` and queues its transcode in the same cell.
   */
  async uploaded(region: string, videoId: string, file?: string): Promise<void> {
    const cell = this.deps.cells.get(region);
    const sources = this.sources(region);
    const row = await cell.db
      .selectFrom('videos')
      .select(['id', 'status'])
      .where('id', '=', videoId)
      .executeTakeFirst();
    if (!row) {
      if (file) await rm(file, { force: true });
      await sources.remove(videoId);
      throw notFound();
    }
    const size = file ? await sources.adoptFile(videoId, file) : await sources.adoptUpload(videoId);
    // Queue first: a crash after this leaves a queued job whose handler moves the clip on anyway.
    await this.deps.queues
      .get(region)!
      .enqueue('video.transcode', { videoId }, { dedupeKey: `transcode:${videoId}`, maxAttempts: TRANSCODE_ATTEMPTS });
    await cell.db
      .updateTable('videos')
      .set({ status: 'processing', size_bytes: size, updated_at: this.deps.now().toISOString() })
      .where('id', '=', videoId)
      .where('status', '=', 'uploading')
      .execute();
    this.deps.events.emit(videoId, { type: 'status', status: 'processing' });
  }

  async row(region: string, videoId: string): Promise<VideoRow | undefined> {
    return this.deps.cells.get(region).db.selectFrom('videos').selectAll().where('id', '=', videoId).executeTakeFirst();
  }

  /** Finds a clip's row and cell (see the class comment for the order). */
  async locate(videoId: string, viewer?: Viewer | null): Promise<{ region: string; row: VideoRow } | undefined> {
    const tried = new Set<string>();
    const tryCell = async (region: string) => {
      if (tried.has(region) || !this.deps.cells.has(region)) return undefined;
      tried.add(region);
      const row = await this.row(region, videoId);
      return row ? { region, row } : undefined;
    };
    if (viewer) {
      const own = await tryCell(viewer.region);
      if (own) return own;
    }
    const indexed = await this.deps.directory
      .selectFrom('videos')
      .select('region')
      .where('id', '=', videoId)
      .executeTakeFirst();
    if (indexed) {
      const found = await tryCell(indexed.region);
      if (found) return found;
    }
    for (const region of this.deps.cells.regions()) {
      const found = await tryCell(region);
      if (found) return found;
    }
    return undefined;
  }

  /** A clip the viewer may see, or `video.not_found` (also when it exists but is not theirs to see). */
  async visible(videoId: string, viewer: Viewer | null): Promise<{ region: string; row: VideoRow }> {
    const found = await this.locate(videoId, viewer);
    if (!found || !(await this.deps.access.canView(viewer, this.subject(found.region, found.row)))) throw notFound();
    return found;
  }

  /** A clip the viewer owns: 404 when they cannot see it, 403 when they can but it is someone else's. */
  async owned(videoId: string, viewer: Viewer | null): Promise<{ region: string; row: VideoRow }> {
    if (!viewer) throw new UnauthorizedError();
    const found = await this.visible(videoId, viewer);
    if (found.row.owner_id !== viewer.userId)
      throw new ForbiddenError('video.forbidden', 'Only the author of this video can change or delete it.');
    return found;
  }

  subject(region: string, row: VideoRow) {
    return { ownerId: row.owner_id, region, visibility: row.visibility, status: row.status };
  }

  async get(videoId: string, viewer: Viewer | null): Promise<VideoView> {
    const { region, row } = await this.visible(videoId, viewer);
    return (await this.viewsOfRows(region, [row]))[0]!;
  }

  async update(videoId: string, viewer: Viewer | null, patch: VideoPatch): Promise<VideoView> {
    const { region } = await this.owned(videoId, viewer);
    const set: Partial<VideoRow> = { updated_at: this.deps.now().toISOString() };
    if (patch.caption !== undefined) {
      const caption = checkCaption(patch.caption);
      Object.assign(set, {
        caption,
        hashtags: JSON.stringify(parseHashtags(caption)),
        mentions: JSON.stringify(parseMentions(caption)),
      });
    }
    if (patch.visibility !== undefined) set.visibility = checkVisibility(patch.visibility);
    const db = this.deps.cells.get(region).db;
    await db.updateTable('videos').set(set).where('id', '=', videoId).execute();
    const updated = (await this.row(region, videoId))!;
    await this.syncDirectory(region, updated);
    return (await this.viewsOfRows(region, [updated]))[0]!;
  }

  async delete(videoId: string, viewer: Viewer | null): Promise<void> {
    const { region, row } = await this.owned(videoId, viewer);
    await this.unpublish(region, row);
    await this.removeFiles(region, videoId);
    const db = this.deps.cells.get(region).db;
    await db.deleteFrom('sounds').where('video_id', '=', videoId).execute();
    await db.deleteFrom('videos').where('id', '=', videoId).execute();
    this.deps.log.info({ videoId, region }, 'video deleted');
  }

  /** Removes every byte of a clip in its cell: upload leftovers, source, work area, published media. */
  async removeFiles(region: string, videoId: string): Promise<void> {
    const cell = this.deps.cells.get(region);
    await Promise.all([
      this.sources(region).remove(videoId),
      rm(mediaPaths.work(cell.dir, videoId), { recursive: true, force: true }),
      this.store(region).deletePrefix(videoId),
    ]);
  }

  /**
   * Makes the directory index agree with the clip: present (with its sound) while public and ready, absent
   * otherwise. The author's public video count moves with it. Safe to call again after a crash.
   */
  async syncDirectory(region: string, row: VideoRow): Promise<void> {
    if (row.status === 'ready' && row.visibility === 'public') await this.publish(region, row);
    else await this.unpublish(region, row);
  }

  /** Lets the domains derived from the public index (hashtags, search, mentions) follow it. */
  setIndexHooks(hooks: IndexHooks): void {
    this.indexHooks = hooks;
  }

  private async publish(region: string, row: VideoRow): Promise<void> {
    const { border, directory } = this.deps;
    const existing = await directory.selectFrom('videos').select('id').where('id', '=', row.id).executeTakeFirst();
    const text = { caption: row.caption, hashtags: row.hashtags, mentions: row.mentions };
    if (existing) {
      // A new caption may bring new tags: take the clip out of the derived indexes and put it back.
      await this.indexHooks?.removed(row.id);
      await border.update(region, 'video.publish', 'videos', { id: row.id }, text);
      await this.indexHooks?.published(row.id);
      this.indexHooks?.settled(row.id);
      return;
    }
    const sound = row.sound_id
      ? await this.deps.cells
          .get(region)
          .db.selectFrom('sounds')
          .selectAll()
          .where('id', '=', row.sound_id)
          .executeTakeFirst()
      : undefined;
    if (sound) {
      await border.publish(
        region,
        'sound.publish',
        'sounds',
        {
          id: sound.id,
          title: sound.title,
          author_id: row.owner_id,
          region,
          video_id: row.id,
          duration_ms: sound.duration_ms,
          created_at: sound.created_at,
        },
        ['id'],
      );
    }
    await border.publish(
      region,
      'video.publish',
      'videos',
      {
        id: row.id,
        author_id: row.owner_id,
        region,
        ...text,
        duration_ms: row.duration_ms ?? 0,
        width: row.width ?? 0,
        height: row.height ?? 0,
        sound_id: sound ? sound.id : null,
        created_at: row.created_at,
        published_at: this.deps.now().toISOString(),
      },
      ['id'],
    );
    if (sound) await border.adjustCounters(region, 'sound.count', 'sounds', { id: sound.id }, { video_count: 1 });
    await border.adjustCounters(region, 'profile.count', 'users', { id: row.owner_id }, { video_count: 1 });
    await this.indexHooks?.published(row.id);
    this.indexHooks?.settled(row.id);
  }

  private async unpublish(region: string, row: VideoRow): Promise<void> {
    const { border, directory } = this.deps;
    const existing = await directory
      .selectFrom('videos')
      .select(['id', 'sound_id'])
      .where('id', '=', row.id)
      .executeTakeFirst();
    if (!existing) return;
    await this.indexHooks?.removed(row.id);
    await border.remove(region, 'video.unpublish', 'videos', { id: row.id });
    // The clip's own sound is its audio: it leaves the public index with the clip.
    await border.remove(region, 'sound.unpublish', 'sounds', { video_id: row.id });
    this.indexHooks?.settled(row.id);
    await border.adjustCounters(region, 'profile.count', 'users', { id: row.owner_id }, { video_count: -1 });
  }

  /** A user's clips: all of them from their own cell for the owner, the public index for everyone else. */
  async listByUser(
    handle: string,
    viewer: Viewer | null,
    page: { cursor?: string; limit?: number },
  ): Promise<{ items: VideoView[]; cursor: string | null }> {
    const user = await this.deps.directory
      .selectFrom('users')
      .select(['id', 'region'])
      .where('handle', '=', handle.replace(/^@/, '').toLowerCase())
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (!user) throw new NotFoundError('user.not_found', `There is no user @${handle.replace(/^@/, '')}.`);
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ id: string }>(page.cursor, ['id']);
    if (viewer && viewer.userId === user.id) {
      let q = this.deps.cells.get(user.region).db.selectFrom('videos').selectAll().where('owner_id', '=', user.id);
      if (after) q = q.where('id', '<', after.id);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const items = await this.viewsOfRows(user.region, rows.slice(0, limit));
      return { items, cursor: rows.length > limit ? encodeCursor({ id: rows[limit - 1]!.id }) : null };
    }
    // The same rule as for one clip: an approved follower also sees followers-only clips (read from the
    // owner's cell for this viewer only); a private account's clips need a follow; a block hides all.
    const as = (visibility: Visibility) =>
      this.deps.access.canView(viewer, { ownerId: user.id, region: user.region, visibility, status: 'ready' });
    if (await as('followers')) {
      let q = this.deps.cells
        .get(user.region)
        .db.selectFrom('videos')
        .selectAll()
        .where('owner_id', '=', user.id)
        .where('status', '=', 'ready')
        .where('visibility', 'in', ['public', 'followers']);
      if (after) q = q.where('id', '<', after.id);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const items = await this.viewsOfRows(user.region, rows.slice(0, limit));
      return { items, cursor: rows.length > limit ? encodeCursor({ id: rows[limit - 1]!.id }) : null };
    }
    if (!(await as('public'))) return { items: [], cursor: null };
    let q = this.deps.directory.selectFrom('videos').selectAll().where('author_id', '=', user.id);
    if (after) q = q.where('id', '<', after.id);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = await this.viewsOfIndex(rows.slice(0, limit));
    return { items, cursor: rows.length > limit ? encodeCursor({ id: rows[limit - 1]!.id }) : null };
  }

  private async authors(ids: string[]): Promise<Map<string, UserRef>> {
    if (ids.length === 0) return new Map();
    const rows = await this.deps.directory
      .selectFrom('users')
      .select(['id', 'handle', 'display_name', 'avatar_url'])
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return new Map(
      rows.map((r) => [r.id, { id: r.id, handle: r.handle, displayName: r.display_name, avatarUrl: r.avatar_url }]),
    );
  }

  private unknownAuthor(id: string): UserRef {
    return { id, handle: '', displayName: '', avatarUrl: null };
  }

  /** Views of rows from one cell (the owner's, or a viewer allowed by VideoAccess). */
  async viewsOfRows(region: string, rows: VideoRow[]): Promise<VideoView[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const authors = await this.authors(rows.map((r) => r.owner_id));
    const indexed = await this.deps.directory
      .selectFrom('videos')
      .select(['id', 'view_count', 'like_count', 'comment_count', 'share_count'])
      .where('id', 'in', ids)
      .execute();
    const stats = new Map(
      indexed.map((r) => [
        r.id,
        { views: r.view_count, likes: r.like_count, comments: r.comment_count, shares: r.share_count },
      ]),
    );
    const soundIds = rows.map((r) => r.sound_id).filter((s): s is string => !!s);
    const sounds = soundIds.length
      ? new Map(
          (
            await this.deps.cells
              .get(region)
              .db.selectFrom('sounds')
              .select(['id', 'title'])
              .where('id', 'in', soundIds)
              .execute()
          ).map((s) => [s.id, s]),
        )
      : new Map<string, { id: string; title: string }>();
    return rows.map((row) => {
      const status = row.status as VideoStatus;
      const open = status === 'ready' && row.visibility === 'public';
      const view: VideoView = {
        id: row.id,
        status,
        caption: row.caption,
        hashtags: jsonArray(row.hashtags),
        mentions: jsonArray(row.mentions),
        visibility: row.visibility as Visibility,
        author: authors.get(row.owner_id) ?? this.unknownAuthor(row.owner_id),
        durationMs: row.duration_ms,
        width: row.width,
        height: row.height,
        playback: this.deps.urls.playback(region, row.id, {
          playable: row.playable === 1 && status !== 'failed',
          signed: !open,
        }),
        sound:
          row.sound_id && sounds.has(row.sound_id)
            ? { id: row.sound_id, title: sounds.get(row.sound_id)!.title }
            : null,
        stats: stats.get(row.id) ?? ZERO_STATS,
        createdAt: row.created_at,
      };
      if (status === 'failed')
        view.error = {
          code: row.error_code ?? 'media.failed',
          message: row.error_message ?? 'This video could not be processed.',
        };
      if (status === 'uploading' || status === 'processing') view.progress = row.progress;
      return view;
    });
  }

  /** Views of public, ready clips from the directory index alone (feeds, profiles, search). */
  async viewsOfIndex(rows: Selectable<DirectoryVideosTable>[]): Promise<VideoView[]> {
    if (rows.length === 0) return [];
    const authors = await this.authors(rows.map((r) => r.author_id));
    const soundIds = rows.map((r) => r.sound_id).filter((s): s is string => !!s);
    const sounds = soundIds.length
      ? new Map(
          (
            await this.deps.directory.selectFrom('sounds').select(['id', 'title']).where('id', 'in', soundIds).execute()
          ).map((s) => [s.id, s]),
        )
      : new Map<string, { id: string; title: string }>();
    return rows.map((row) => ({
      id: row.id,
      status: 'ready' as const,
      caption: row.caption,
      hashtags: jsonArray(row.hashtags),
      mentions: jsonArray(row.mentions),
      visibility: 'public' as const,
      author: authors.get(row.author_id) ?? this.unknownAuthor(row.author_id),
      durationMs: row.duration_ms,
      width: row.width,
      height: row.height,
      playback: this.deps.urls.playback(row.region, row.id, { playable: true, signed: false }),
      sound:
        row.sound_id && sounds.has(row.sound_id) ? { id: row.sound_id, title: sounds.get(row.sound_id)!.title } : null,
      stats: { views: row.view_count, likes: row.like_count, comments: row.comment_count, shares: row.share_count },
      createdAt: row.created_at,
    }));
  }
}
