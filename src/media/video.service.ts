import { mkdir, rm } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import { newId } from '../db/ids.js';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, UnauthorizedError } from '../errors.js';
import type { Events } from '../events.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Logger } from '../logging.js';
import type { TextPolicy } from '../moderation/blocked-terms.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import {
  indexable,
  mayView,
  MODERATION_STATES,
  NO_RELATIONS,
  stateOf,
  type CellClip,
  type ClipAccess,
  type ClipRef,
  type ModerationState,
  type VideoRow,
  type Viewer,
  isUnpublished,
  publishedOnly,
} from './clip-access.js';
import { buildCoverArgs } from './ffmpeg/cover-args.js';
import type { FfmpegRunner } from './ffmpeg/ffmpeg-runner.js';
import { mediaPaths } from './media-paths.js';
import { posterName } from './media-urls.js';
import type { MediaStore } from './media-store.js';
import type { ProcessingEvents } from './processing-events.js';
import type { RemixInput, RemixRules } from './remix-rules.js';
import type { SourceStore } from './source-store.js';
import {
  checkCaption,
  checkDraft,
  checkPublishAt,
  checkVisibility,
  cleanFilename,
  parseHashtags,
  parseMentions,
  type Visibility,
} from './video-text.js';

export type { VideoRow } from './clip-access.js';

export interface NewVideoInput extends RemixInput {
  caption?: unknown;
  visibility?: unknown;
  filename?: unknown;
  /** "true": the clip stays its owner's alone until published. */
  draft?: unknown;
  /** An ISO time (≤ 30 days ahead) the clip is published at. */
  publishAt?: unknown;
}

export interface VideoPatch {
  caption?: string;
  visibility?: string;
  /** What the author lets others do with the clip. */
  allowDuets?: boolean;
  allowStitches?: boolean;
  allowComments?: boolean;
  /** false publishes a draft (or a scheduled clip) now; true takes a clip back to drafts. */
  draft?: boolean;
  /** Schedules (or, with null, unschedules into drafts) an unpublished clip. */
  publishAt?: string | null;
  /** Re-extracts the poster from the source at this moment. */
  coverMs?: number;
}

/** What probing found in the upload. */
export interface ProbedMedia {
  durationMs: number;
  width: number;
  height: number;
  hasAudio: boolean;
  sizeBytes: number;
}

export interface VideoServiceDeps {
  cells: CellRegistry;
  directory: Kysely<DirectoryDb>;
  border: Border;
  queues: Map<string, JobQueue>;
  stores: Map<string, MediaStore>;
  sources: Map<string, SourceStore>;
  access: ClipAccess;
  processing: ProcessingEvents;
  events: Events;
  now: () => Date;
  log: Logger;
  /** The region's blocked terms, for captions. */
  text: TextPolicy;
  /** What an upload may be made from: sounds, duets, stitches. */
  remix: RemixRules;
  /** ffmpeg, for a poster taken at the moment the owner picks. */
  ffmpeg: { runner: FfmpegRunner; path: string };
}

/** Transcodes are retried this often before a clip is marked failed. */
export const TRANSCODE_ATTEMPTS = 3;

function notFound(): NotFoundError {
  return new NotFoundError('video.not_found', 'This video does not exist or is not visible to you.');
}

type Page = { cursor?: string; limit?: number };

/**
 * Clips: created by an upload in the owner's home cell, published to the directory's public index exactly while
 * `indexable` (clip-access.ts) says so — public, ready, unmoderated, of an active account that is not private.
 * Every change that may move a clip in or out of the index ends in `syncDirectory`; the index's followers (hashtag
 * counts, search, the feeds' copies) hear of it through the `clip.*` events.
 */
export class VideoService {
  constructor(private readonly deps: VideoServiceDeps) {}

  store(region: string): MediaStore {
    const store = this.deps.stores.get(region);
    if (!store) throw new Error(`no media store for region ${region}`);
    return store;
  }

  /** The access rule's reads (for the clip services beside this one). */
  access(): ClipAccess {
    return this.deps.access;
  }

  /** The region's store of uploads in progress and clip sources. */
  sources(region: string): SourceStore {
    const sources = this.deps.sources.get(region);
    if (!sources) throw new Error(`no source store for region ${region}`);
    return sources;
  }

  private db(region: string) {
    return this.deps.cells.get(region).db;
  }

  /** Validates the caption, visibility and publishing; throws before anything is written. */
  checkInput(input: NewVideoInput): {
    caption: string;
    visibility: Visibility;
    filename: string | null;
    draft: boolean;
    publishAt: string | null;
  } {
    const draft = checkDraft(input.draft);
    const publishAt = checkPublishAt(input.publishAt, this.deps.now());
    if (draft && publishAt) {
      throw new InvalidInputError(
        'video.publish_at_invalid',
        'A clip is either a draft or scheduled: send draft or publishAt, not both.',
      );
    }
    return {
      caption: checkCaption(input.caption),
      visibility: checkVisibility(input.visibility),
      filename: cleanFilename(input.filename),
      draft,
      publishAt,
    };
  }

  /** Queues the durable job that publishes a scheduled clip at its time (one job per clip and time). */
  private async schedule(region: string, videoId: string, publishAt: string): Promise<void> {
    await this.deps.queues
      .get(region)!
      .enqueue(
        'video.publish',
        { videoId },
        { runAt: new Date(publishAt), dedupeKey: `publish:${videoId}:${publishAt}` },
      );
  }

  /** Creates the clip's row in the owner's cell, status `uploading` (`at`: when it was made, for imports). */
  async create(
    owner: NonNullable<Viewer>,
    input: NewVideoInput,
    options: { id?: string; at?: string } = {},
  ): Promise<VideoRow> {
    const { caption, visibility, filename, draft, publishAt } = this.checkInput(input);
    await this.deps.text.check(owner.region, caption);
    const remix = await this.deps.remix.check(owner, input);
    const at = options.at ?? this.deps.now().toISOString();
    const id = options.id ?? newId(Date.parse(at));
    // Queued first: a crash after it leaves a job that finds no clip, never a scheduled clip that is not published.
    if (publishAt) await this.schedule(owner.region, id, publishAt);
    const row = {
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
      ...remix,
      created_at: at,
      updated_at: at,
      size_bytes: null,
      draft: draft ? 1 : 0,
      publish_at: publishAt,
      cover_ms: null,
    };
    await this.db(owner.region).insertInto('videos').values(row).execute();
    return (await this.row(owner.region, id))!;
  }

  /** The uploader's clip whose bytes are still arriving (tus HEAD and PATCH), or `upload.not_found`. */
  async upload(owner: NonNullable<Viewer>, videoId: string): Promise<VideoRow> {
    const row = await this.row(owner.region, videoId);
    if (!row || row.owner_id !== owner.userId) {
      throw new NotFoundError('upload.not_found', 'There is no such upload of yours; start a new one.');
    }
    return row;
  }

  /** Ends an upload before its bytes are all in: the clip and every byte of it go. */
  async cancelUpload(owner: NonNullable<Viewer>, videoId: string): Promise<void> {
    const row = await this.upload(owner, videoId);
    if (row.status !== 'uploading') {
      throw new ConflictError('upload.finished', 'This upload is complete; delete the video instead.');
    }
    await this.abandon(owner.region, videoId);
  }

  /** Removes a clip that never got its bytes (an upload that was refused or cancelled). */
  async abandon(region: string, videoId: string): Promise<void> {
    await this.db(region).deleteFrom('videos').where('id', '=', videoId).where('status', '=', 'uploading').execute();
    await this.removeFiles(region, videoId);
  }

  /**
   * The upload is complete: makes it (or `file`, a local multipart upload) the clip's source in the cell,
   * marks the clip `processing` and queues its transcode in the same cell.
   */
  async uploaded(region: string, videoId: string, file?: string): Promise<void> {
    const sources = this.sources(region);
    const row = await this.row(region, videoId);
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
    await this.db(region)
      .updateTable('videos')
      .set({ status: 'processing', size_bytes: size, updated_at: this.deps.now().toISOString() })
      .where('id', '=', videoId)
      .where('status', '=', 'uploading')
      .execute();
    this.deps.processing.emit(videoId, { type: 'status', status: 'processing' });
  }

  async row(region: string, videoId: string): Promise<VideoRow | undefined> {
    return this.db(region).selectFrom('videos').selectAll().where('id', '=', videoId).executeTakeFirst();
  }

  /** Records what probing found; false when the clip was deleted meanwhile. */
  async probed(region: string, videoId: string, media: ProbedMedia): Promise<boolean> {
    const res = await this.db(region)
      .updateTable('videos')
      .set({
        status: 'processing',
        progress: 0,
        playable: 0,
        error_code: null,
        error_message: null,
        duration_ms: media.durationMs,
        width: media.width,
        height: media.height,
        has_audio: media.hasAudio ? 1 : 0,
        size_bytes: media.sizeBytes,
        updated_at: this.deps.now().toISOString(),
      })
      .where('id', '=', videoId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /**
   * The whole ladder is published: the clip keeps its audio as a sound (or uses `soundId`, a sound of its cell),
   * enters the public index if it may, and is marked ready — the index first, so a crash in between re-runs the
   * job and publishing again changes nothing. `at`: when it was published (imports keep the original time).
   * False when the clip was deleted meanwhile.
   */
  async ready(
    region: string,
    videoId: string,
    media: { hasSound: boolean; durationMs: number; soundId?: string; soundTitle?: string; at?: string },
  ): Promise<boolean> {
    const db = this.db(region);
    const row = await this.row(region, videoId);
    if (!row) return false;
    const at = media.at ?? this.deps.now().toISOString();
    let soundId = media.soundId ?? row.sound_id;
    if (media.hasSound && !soundId) {
      // A re-run after a crash finds the sound it made before.
      const existing = await db.selectFrom('sounds').select('id').where('video_id', '=', videoId).executeTakeFirst();
      soundId = existing?.id ?? newId(Date.parse(at));
      if (!existing) {
        const owner = await db
          .selectFrom('accounts')
          .select('handle')
          .where('id', '=', row.owner_id)
          .executeTakeFirst();
        await db
          .insertInto('sounds')
          .values({
            id: soundId,
            video_id: videoId,
            owner_id: row.owner_id,
            title: media.soundTitle ?? `original sound - @${owner?.handle ?? 'unknown'}`,
            duration_ms: media.durationMs,
            created_at: at,
          })
          .execute();
      }
    }
    const ready = { status: 'ready', progress: 1, playable: 1, sound_id: soundId ?? null };
    const clip = await this.deps.access.inCell(region, videoId);
    if (!clip) return false;
    await this.syncDirectory({ ...clip, row: { ...clip.row, ...ready } }, at);
    const res = await db
      .updateTable('videos')
      .set({ ...ready, updated_at: this.deps.now().toISOString() })
      .where('id', '=', videoId)
      .executeTakeFirst();
    await this.deps.events.emit({ type: 'clip.changed', region, videoId, ownerId: row.owner_id });
    return Number(res.numUpdatedRows) > 0;
  }

  /** The clip cannot be used: its bytes go first, so once it reads `failed` none of them remain. */
  async failed(region: string, videoId: string, error: { code: string; message: string }): Promise<void> {
    await this.removeFiles(region, videoId);
    await this.db(region)
      .updateTable('videos')
      .set({
        status: 'failed',
        error_code: error.code,
        error_message: error.message,
        playable: 0,
        progress: 0,
        updated_at: this.deps.now().toISOString(),
      })
      .where('id', '=', videoId)
      .execute();
    this.deps.processing.emit(videoId, { type: 'status', status: 'failed', error });
  }

  /** A clip the viewer owns: 404 when they cannot see it, 403 when they can but it is someone else's. */
  async owned(videoId: string, viewer: Viewer): Promise<CellClip> {
    if (!viewer) throw new UnauthorizedError();
    const clip = await this.deps.access.require(videoId, viewer);
    if (clip.ownerId !== viewer.userId) {
      throw new ForbiddenError('video.forbidden', 'Only the author of this video can change or delete it.');
    }
    // An owner changes the clip's row in its cell, whatever the index says.
    if (clip.from === 'cell') return clip;
    const inCell = await this.deps.access.inCell(clip.region, videoId);
    if (!inCell) throw notFound();
    return inCell;
  }

  async update(videoId: string, viewer: Viewer, patch: VideoPatch): Promise<CellClip> {
    const { region, row } = await this.owned(videoId, viewer);
    if (patch.coverMs !== undefined) await this.setCover(region, row, patch.coverMs);
    const set: Partial<VideoRow> = { updated_at: this.deps.now().toISOString() };
    const wasUnpublished = isUnpublished(row);
    if (patch.publishAt !== undefined && patch.publishAt !== null) {
      const publishAt = checkPublishAt(patch.publishAt, this.deps.now());
      if (patch.draft === true) {
        throw new InvalidInputError(
          'video.publish_at_invalid',
          'A clip is either a draft or scheduled: send draft or publishAt, not both.',
        );
      }
      await this.schedule(region, videoId, publishAt!);
      Object.assign(set, { draft: 0, publish_at: publishAt });
    } else if (patch.publishAt === null || patch.draft === true) {
      Object.assign(set, { draft: 1, publish_at: null });
    } else if (patch.draft === false) {
      Object.assign(set, { draft: 0, publish_at: null });
    }
    if (patch.caption !== undefined) {
      const caption = checkCaption(patch.caption);
      await this.deps.text.check(region, caption);
      Object.assign(set, {
        caption,
        hashtags: JSON.stringify(parseHashtags(caption)),
        mentions: JSON.stringify(parseMentions(caption)),
      });
    }
    if (patch.allowDuets !== undefined) set.allow_duets = patch.allowDuets ? 1 : 0;
    if (patch.allowStitches !== undefined) set.allow_stitches = patch.allowStitches ? 1 : 0;
    if (patch.allowComments !== undefined) set.allow_comments = patch.allowComments ? 1 : 0;
    let q = this.db(region).updateTable('videos').set(set);
    const unpublishing = !wasUnpublished && (set.draft === 1 || typeof set.publish_at === 'string');
    let narrowed = unpublishing;
    if (patch.visibility !== undefined) {
      const visibility = checkVisibility(patch.visibility);
      if (visibility !== row.visibility) {
        q = q.set({ visibility });
        narrowed = true;
      }
    }
    // Any change of audience moves the media epoch: links handed out for the old audience stop working.
    if (narrowed) q = q.set({ media_epoch: sql`media_epoch + 1` });
    await q.where('id', '=', videoId).execute();
    const updated = (await this.deps.access.inCell(region, videoId))!;
    await this.syncDirectory(updated);
    if (narrowed || wasUnpublished !== isUnpublished(updated.row)) {
      await this.deps.events.emit({ type: 'clip.changed', region, videoId, ownerId: row.owner_id });
    }
    return updated;
  }

  /**
   * The owner's scheduled clips, in a cell they just moved into: their publish jobs are queued there (the old
   * cell's queue, and its jobs, go with the old copy). Idempotent: one job per clip and time.
   */
  async rescheduleAll(region: string, ownerId: string): Promise<void> {
    const rows = await this.db(region)
      .selectFrom('videos')
      .select(['id', 'publish_at'])
      .where('owner_id', '=', ownerId)
      .where('publish_at', 'is not', null)
      .execute();
    for (const r of rows) await this.schedule(region, r.id, r.publish_at!);
  }

  /**
   * `video.publish`: a scheduled clip's time has come. Idempotent: a clip published, rescheduled (its job for the
   * new time will come), taken back to drafts or deleted meanwhile is left alone.
   */
  async publishScheduled(region: string, videoId: string): Promise<'published' | 'skipped'> {
    const row = await this.row(region, videoId);
    if (!row || row.draft === 1 || row.publish_at === null) return 'skipped';
    if (Date.parse(row.publish_at) > this.deps.now().getTime()) return 'skipped';
    await this.db(region)
      .updateTable('videos')
      .set({ publish_at: null, updated_at: this.deps.now().toISOString() })
      .where('id', '=', videoId)
      .where('publish_at', '=', row.publish_at)
      .execute();
    const clip = await this.deps.access.inCell(region, videoId);
    if (!clip) return 'skipped';
    await this.syncDirectory(clip);
    await this.deps.events.emit({ type: 'clip.changed', region, videoId, ownerId: row.owner_id });
    this.deps.log.info({ videoId, region }, 'scheduled clip published');
    return 'published';
  }

  /**
   * The owner picked the poster's moment: a frame is taken from the source there, published under a new name (so
   * the poster's URL changes and caches keep the old one apart), and the row names it.
   */
  private async setCover(region: string, row: VideoRow, coverMs: number): Promise<void> {
    if (!Number.isInteger(coverMs) || coverMs < 0 || row.duration_ms === null || coverMs > row.duration_ms) {
      throw new InvalidInputError(
        'video.cover_invalid',
        `coverMs is a moment of the clip in milliseconds, from 0 to ${row.duration_ms ?? 0}.`,
      );
    }
    if (row.status !== 'ready') {
      throw new ConflictError('video.not_ready', 'The cover can be picked once the video has finished processing.');
    }
    const cell = this.deps.cells.get(region);
    const work = `${mediaPaths.work(cell.dir, row.id)}-cover-${newId()}`;
    try {
      await mkdir(work, { recursive: true });
      const source = await this.sources(region).fetch(row.id, work);
      if (!source) throw new ConflictError('video.source_missing', 'The uploaded file of this video is missing.');
      const out = `${work}/cover.jpg`;
      // Never past the last frame: a frame a little before the end always exists.
      const at = Math.max(0, Math.min(coverMs, row.duration_ms! - 100));
      await this.deps.ffmpeg.runner.run(
        this.deps.ffmpeg.path,
        buildCoverArgs({ input: source, output: out, atMs: at, width: row.width ?? 0, height: row.height ?? 0 }),
      );
      await this.store(region).putFile(`${row.id}/${posterName(coverMs)}`, out);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    await this.db(region)
      .updateTable('videos')
      .set({ cover_ms: coverMs, updated_at: this.deps.now().toISOString() })
      .where('id', '=', row.id)
      .execute();
  }

  async delete(videoId: string, viewer: Viewer): Promise<void> {
    const { region, row } = await this.owned(videoId, viewer);
    await this.unpublish(region, row);
    await this.removeFiles(region, videoId);
    const db = this.db(region);
    await db.deleteFrom('sounds').where('video_id', '=', videoId).execute();
    await db.deleteFrom('videos').where('id', '=', videoId).execute();
    this.deps.log.info({ videoId, region }, 'video deleted');
  }

  /**
   * What moderation decided for a clip: `removed` leaves it to its owner alone, `restricted` keeps it viewable but
   * out of every feed and discovery list, `withheld` hides it in the named regions. Media links handed out before
   * stop working either way.
   */
  async moderate(
    region: string,
    videoId: string,
    state: ModerationState,
    grounds: { policy?: string | null; decisionId?: string | null; regions?: readonly string[] } = {},
  ): Promise<CellClip> {
    if (!(MODERATION_STATES as readonly string[]).includes(state)) {
      throw new InvalidInputError('video.moderation_invalid', `Moderation is one of ${MODERATION_STATES.join(', ')}.`);
    }
    const none = state === 'none';
    const res = await this.db(region)
      .updateTable('videos')
      .set({
        moderation: state,
        moderation_policy: none ? null : (grounds.policy ?? null),
        moderation_decision_id: none ? null : (grounds.decisionId ?? null),
        withheld_regions: JSON.stringify(state === 'withheld' ? [...(grounds.regions ?? [])] : []),
        media_epoch: sql`media_epoch + 1`,
        updated_at: this.deps.now().toISOString(),
      })
      .where('id', '=', videoId)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw notFound();
    const clip = (await this.deps.access.inCell(region, videoId))!;
    await this.syncDirectory(clip);
    await this.deps.events.emit({ type: 'clip.changed', region, videoId, ownerId: clip.ownerId });
    return clip;
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
   * Makes the directory index agree with the clip: present (with its sound) while `indexable`, absent otherwise.
   * The author's public video count moves with it. Safe to call again after a crash.
   */
  async syncDirectory(clip: CellClip, publishedAt?: string): Promise<void> {
    if (indexable(stateOf(clip))) await this.publish(clip.region, clip.row, publishedAt);
    else await this.unpublish(clip.region, clip.row);
  }

  /**
   * Access to an owner's clips narrowed for someone: every media URL handed out for the clips concerned stops
   * resolving. An unfollow concerns only the clips not open to anyone (the former follower may still see the rest,
   * whose cached paths are worth keeping): their own epochs move. A block either way, or the account going private
   * or away, concerns them all (`everything`): the owner's epoch moves, in the cell and in its public copy.
   */
  async narrowed(region: string, ownerId: string, everything = false): Promise<void> {
    const db = this.db(region);
    if (!everything) {
      // A private account's clips are all for followers only: an unfollow concerns them all.
      const account = await db
        .selectFrom('accounts')
        .select(['status', 'private_account'])
        .where('id', '=', ownerId)
        .executeTakeFirst();
      everything = !account || account.status !== 'active' || account.private_account === 1;
    }
    if (everything) {
      await db
        .updateTable('accounts')
        .set({ media_epoch: sql`media_epoch + 1` })
        .where('id', '=', ownerId)
        .execute();
      const account = await db
        .selectFrom('accounts')
        .select('media_epoch')
        .where('id', '=', ownerId)
        .executeTakeFirst();
      if (account) {
        await this.deps.border.update(
          region,
          'profile.publish',
          'users',
          { id: ownerId },
          { media_epoch: account.media_epoch },
        );
      }
      return;
    }
    await db
      .updateTable('videos')
      .set({ media_epoch: sql`media_epoch + 1` })
      .where('owner_id', '=', ownerId)
      .where((eb) =>
        eb.or([
          eb('visibility', '<>', 'public'),
          eb('status', '<>', 'ready'),
          eb('moderation', 'in', ['removed', 'withheld']),
        ]),
      )
      .execute();
  }

  /**
   * Who may see an account's clips changed (private, deactivated, back): each clip follows into or out of the
   * index, and when the audience narrowed, every media link handed out for the clips stops working.
   */
  async syncAuthor(region: string, userId: string, narrowed: boolean): Promise<void> {
    if (narrowed) await this.narrowed(region, userId, true);
    const { query, wrap } = this.deps.access.cellClipsOf(region);
    let after: string | undefined;
    for (;;) {
      let q = query.where('videos.owner_id', '=', userId).where('videos.status', '=', 'ready');
      if (after) q = q.where('videos.id', '<', after);
      const clips = wrap(await q.orderBy('videos.id', 'desc').limit(200).execute());
      for (const clip of clips) await this.syncDirectory(clip);
      if (clips.length < 200) return;
      after = clips[clips.length - 1]!.id;
    }
  }

  /** Takes every clip of an account out of the public index (before its account is purged). */
  async unpublishAll(region: string, userId: string): Promise<void> {
    const rows = await this.deps.directory.selectFrom('videos').selectAll().where('author_id', '=', userId).execute();
    for (const indexed of rows) {
      const row = await this.row(indexed.region, indexed.id);
      if (row) await this.unpublish(indexed.region, row);
      else await this.removeIndexRow(indexed.region, indexed.id, indexed.author_id);
    }
  }

  /**
   * Index rows that no longer follow the rule — written before the index followed accounts, or by a process that
   * stopped half-way — are brought in line with their cells. Cheap: it reads only the index rows of accounts that
   * are private or not active, and the clips with a switch turned off. Run when a server starts.
   */
  async reconcileIndex(): Promise<number> {
    const { directory, cells } = this.deps;
    // Accounts first (few are private or away), then their index rows: no scan of the whole index.
    const accounts = await directory
      .selectFrom('users')
      .select('id')
      .where((eb) => eb.or([eb('private_account', '=', 1), eb('status', '<>', 'active')]))
      .execute();
    let moved = 0;
    for (let i = 0; i < accounts.length; i += 500) {
      const ids = accounts.slice(i, i + 500).map((a) => a.id);
      const stale = await directory
        .selectFrom('videos')
        .select(['id', 'region', 'author_id'])
        .where('author_id', 'in', ids)
        .execute();
      for (const s of stale) {
        if (!cells.has(s.region)) continue;
        const clip = await this.deps.access.inCell(s.region, s.id);
        if (clip) await this.syncDirectory(clip);
        else await this.removeIndexRow(s.region, s.id, s.author_id);
        moved++;
      }
    }
    // Clips with a switch turned off (few): their index copies follow the cell (rows indexed before the copies
    // existed carry the default, allowed).
    const switches = ['allow_duets', 'allow_stitches', 'allow_comments'] as const;
    for (const cell of cells.all()) {
      const off = await this.db(cell.region)
        .selectFrom('videos')
        .select(['id', ...switches])
        // Literal zeros, so that PostgreSQL matches the partial index videos_switched_off (migration 1031) too.
        .where((eb) => eb.or(switches.map((c) => eb(c, '=', sql.lit(0)))))
        .execute();
      for (let i = 0; i < off.length; i += 500) {
        const page = off.slice(i, i + 500);
        const copies = new Map(
          (
            await directory
              .selectFrom('videos')
              .select(['id', ...switches])
              .where(
                'id',
                'in',
                page.map((r) => r.id),
              )
              .execute()
          ).map((r) => [r.id, r]),
        );
        for (const row of page) {
          const copy = copies.get(row.id);
          if (!copy || switches.every((c) => copy[c] === row[c])) continue;
          const clip = await this.deps.access.inCell(cell.region, row.id);
          if (clip) await this.syncDirectory(clip);
          moved++;
        }
      }
    }
    return moved;
  }

  private async publish(region: string, row: VideoRow, publishedAt?: string): Promise<void> {
    const { border, directory, events } = this.deps;
    const existing = await directory.selectFrom('videos').select('id').where('id', '=', row.id).executeTakeFirst();
    const text = { caption: row.caption, hashtags: row.hashtags, mentions: row.mentions };
    const looks = {
      captions: row.captions,
      cover_ms: row.cover_ms,
      allow_duets: row.allow_duets,
      allow_stitches: row.allow_stitches,
      allow_comments: row.allow_comments,
    };
    if (existing) {
      await border.update(
        region,
        'video.publish',
        'videos',
        { id: row.id },
        { ...text, ...looks, media_epoch: row.media_epoch },
      );
      await events.emit({ type: 'clip.indexed', videoId: row.id, first: false });
      await events.emit({ type: 'clip.index_settled', videoIds: [row.id] });
      return;
    }
    const sound = row.sound_id
      ? await this.db(region).selectFrom('sounds').selectAll().where('id', '=', row.sound_id).executeTakeFirst()
      : undefined;
    // A sound used from another cell is already public: the clip only names it and counts for it.
    const used =
      row.sound_id && !sound
        ? await directory.selectFrom('sounds').select('id').where('id', '=', row.sound_id).executeTakeFirst()
        : undefined;
    const soundId = sound?.id ?? used?.id ?? null;
    if (sound) {
      await border.publish(
        region,
        'sound.publish',
        'sounds',
        {
          id: sound.id,
          title: sound.title,
          author_id: sound.owner_id,
          region,
          video_id: sound.video_id,
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
        sound_id: soundId,
        created_at: row.created_at,
        published_at: publishedAt ?? this.deps.now().toISOString(),
        media_epoch: row.media_epoch,
        duet_of: row.duet_of,
        stitch_of: row.stitch_of,
        ...looks,
      },
      ['id'],
    );
    if (soundId) await border.adjustCounters(region, 'sound.count', 'sounds', { id: soundId }, { video_count: 1 });
    await border.adjustCounters(region, 'profile.count', 'users', { id: row.owner_id }, { video_count: 1 });
    await events.emit({ type: 'clip.indexed', videoId: row.id, first: true });
    await events.emit({ type: 'clip.index_settled', videoIds: [row.id] });
  }

  private async unpublish(region: string, row: VideoRow): Promise<void> {
    const existing = await this.deps.directory
      .selectFrom('videos')
      .select('id')
      .where('id', '=', row.id)
      .executeTakeFirst();
    if (existing) await this.removeIndexRow(region, row.id, row.owner_id, row.sound_id);
  }

  private async removeIndexRow(
    region: string,
    videoId: string,
    authorId: string,
    soundId?: string | null,
  ): Promise<void> {
    const { border, events } = this.deps;
    await events.emit({ type: 'clip.unindexing', videoIds: [videoId] });
    await border.remove(region, 'video.unpublish', 'videos', { id: videoId });
    // The clip's own sound is its audio: it leaves the public index with the clip; a sound it used counts one less.
    await border.remove(region, 'sound.unpublish', 'sounds', { video_id: videoId });
    if (soundId) await border.adjustCounters(region, 'sound.count', 'sounds', { id: soundId }, { video_count: -1 });
    await events.emit({ type: 'clip.index_settled', videoIds: [videoId] });
    await border.adjustCounters(region, 'profile.count', 'users', { id: authorId }, { video_count: -1 });
  }

  /**
   * A user's clips, newest first, read from their own cell: all of them for the owner; for anyone else the ready
   * ones the rule lets them see (followers-only ones for approved followers; none across a block or of a private
   * account they do not follow). The caller presents them, which applies the rule to each clip again.
   */
  async listByUser(handle: string, viewer: Viewer, page: Page): Promise<{ clips: ClipRef[]; cursor: string | null }> {
    const user = await this.deps.directory
      .selectFrom('users')
      .select(['id', 'region', 'private_account'])
      .where('handle', '=', handle.replace(/^@/, '').toLowerCase())
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (!user) throw new NotFoundError('user.not_found', `There is no user @${handle.replace(/^@/, '')}.`);
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ id: string }>(page.cursor, ['id']);
    const { query, wrap } = this.deps.access.cellClipsOf(user.region);
    let q = query.where('videos.owner_id', '=', user.id);
    if (viewer?.userId !== user.id) {
      const rel = viewer ? await this.deps.access.relations(viewer, [user.id]) : NO_RELATIONS;
      const author = { active: true, private: user.private_account === 1 };
      const as = (visibility: Visibility) =>
        mayView(viewer, { ownerId: user.id, status: 'ready', visibility, moderation: 'none', author }, rel);
      const visibilities = as('followers') ? ['public', 'followers'] : as('public') ? ['public'] : [];
      if (visibilities.length === 0) return { clips: [], cursor: null };
      q = publishedOnly(
        q
          .where('videos.status', '=', 'ready')
          .where('videos.visibility', 'in', visibilities)
          .where('videos.moderation', '<>', 'removed'),
      );
    }
    if (after) q = q.where('videos.id', '<', after.id);
    const rows = await q
      .orderBy('videos.id', 'desc')
      .limit(limit + 1)
      .execute();
    const clips = wrap(rows.slice(0, limit));
    return { clips, cursor: rows.length > limit ? encodeCursor({ id: rows[limit - 1]!.id }) : null };
  }

  /** The viewer's drafts and scheduled clips, newest first (keyset). */
  async drafts(viewer: Viewer, page: Page): Promise<{ clips: ClipRef[]; cursor: string | null }> {
    if (!viewer) throw new UnauthorizedError();
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ id: string }>(page.cursor, ['id']);
    const { query, wrap } = this.deps.access.cellClipsOf(viewer.region);
    let q = query
      .where('videos.owner_id', '=', viewer.userId)
      .where((eb) => eb.or([eb('videos.draft', '=', 1), eb('videos.publish_at', 'is not', null)]));
    if (after) q = q.where('videos.id', '<', after.id);
    const rows = await q
      .orderBy('videos.id', 'desc')
      .limit(limit + 1)
      .execute();
    return {
      clips: wrap(rows.slice(0, limit)),
      cursor: rows.length > limit ? encodeCursor({ id: rows[limit - 1]!.id }) : null,
    };
  }
}
