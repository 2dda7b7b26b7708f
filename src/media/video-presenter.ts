import { sql, type Kysely } from 'kysely';
import { toUserRef, type UserRef } from '../accounts/user-refs.js';
import { jsonList } from '../db/columns.js';
import { PreparedQuery } from '../db/prepared-query.js';
import type { CellDb, DirectoryDb } from '../db/schema.js';
import type { CellRegistry } from '../regions/cells.js';
import {
  mayView,
  NO_RELATIONS,
  openToAnyone,
  stateOf,
  type AuthorState,
  type CellClip,
  type ClipRef,
  type Relations,
  type Viewer,
} from './clip-access.js';
import type { AuthorRow, DirectoryRefs } from './directory-refs.js';
import { captionUrl, posterName, type MediaUrls } from './media-urls.js';
import type { Reason, RemixRef, Video, VideoStatus } from './video.schema.js';

export interface PresenterDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  urls: MediaUrls;
  /** Short-lived copies of authors and sound titles. */
  refs: DirectoryRefs;
}

export interface PresentOptions {
  reasons?: ReadonlyMap<string, Reason>;
  /** The viewer's relations when the caller already holds them (feeds do): then only likes and favorites are read. */
  relations?: Relations;
}

interface Flags extends Relations {
  liked: Set<string>;
  favorited: Set<string>;
}

const ZERO_STATS = { views: 0, likes: 0, comments: 0, shares: 0 };
const NO_STATS = new Map<string, Video['stats']>();

function soundIdsOf(clips: readonly ClipRef[]): string[] {
  const ids: string[] = [];
  for (const c of clips) if (c.row.sound_id && !ids.includes(c.row.sound_id)) ids.push(c.row.sound_id);
  return ids;
}

/** What moderation decided about a clip read from its cell, for its author (and moderators). */
function addModeration(video: Video, clip: ClipRef): void {
  if (clip.from !== 'cell') return;
  const { row } = clip;
  if (row.moderation !== 'removed' && row.moderation !== 'restricted' && row.moderation !== 'withheld') return;
  video.moderation = {
    status: row.moderation,
    policy: row.moderation_policy,
    decisionId: row.moderation_decision_id,
  };
  if (row.moderation === 'withheld') video.moderation.regions = JSON.parse(row.withheld_regions) as string[];
}

/** Whether the clip is a draft or scheduled, for its author only (nobody else sees such clips). */
function addPublishing(video: Video, clip: ClipRef): void {
  // The index holds published clips only.
  video.draft = clip.from === 'cell' && clip.row.draft === 1;
  video.scheduledFor = clip.from === 'cell' ? clip.row.publish_at : null;
}

function captionsOf(langs: string, hls: string | null): Video['captions'] {
  if (!hls) return [];
  return jsonList(langs).map((lang) => ({ lang, url: captionUrl(hls, lang) }));
}

/** The viewer's likes and favorites among a page's clips: every feed page runs it. */
const LIKED_AND_FAVORITED = new PreparedQuery((db: Kysely<CellDb>, userId: string, videoIds: readonly string[]) =>
  db
    .selectFrom('likes')
    .select([sql<string>`'l'`.as('k'), 'video_id as id'])
    .where('user_id', '=', userId)
    .where('video_id', 'in', videoIds)
    .unionAll(
      db
        .selectFrom('favorites')
        .select([sql<string>`'v'`.as('k'), 'video_id as id'])
        .where('user_id', '=', userId)
        .where('video_id', 'in', videoIds),
    ),
);

/** Follows and blocks (either way) of these authors, likes and favorites of these clips: one statement. */
function viewerFlagsQuery(
  db: Kysely<CellDb>,
  userId: string,
  authorIds: readonly string[],
  videoIds: readonly string[],
) {
  return db
    .selectFrom('follows')
    .select([sql<string>`'f'`.as('k'), 'followee_id as id'])
    .where('follower_id', '=', userId)
    .where('status', '=', 'active')
    .where('followee_id', 'in', authorIds)
    .unionAll(
      db
        .selectFrom('blocks')
        .select([sql<string>`'b'`.as('k'), 'blocked_id as id'])
        .where('blocker_id', '=', userId)
        .where('blocked_id', 'in', authorIds),
    )
    .unionAll(
      db
        .selectFrom('blocked_by')
        .select([sql<string>`'b'`.as('k'), 'blocker_id as id'])
        .where('user_id', '=', userId)
        .where('blocker_id', 'in', authorIds),
    )
    .unionAll(
      db
        .selectFrom('likes')
        .select([sql<string>`'l'`.as('k'), 'video_id as id'])
        .where('user_id', '=', userId)
        .where('video_id', 'in', videoIds),
    )
    .unionAll(
      db
        .selectFrom('favorites')
        .select([sql<string>`'v'`.as('k'), 'video_id as id'])
        .where('user_id', '=', userId)
        .where('video_id', 'in', videoIds),
    );
}

/** A clip page and short lists run the flags as a compiled statement (a few shapes only: short lists). */
const PREPARED_AUTHORS = 8;
const PREPARED_VIDEOS = 24;
const VIEWER_FLAGS = new PreparedQuery(
  (db: Kysely<CellDb>, userId: string, authorIds: readonly string[], videoIds: readonly string[]) =>
    viewerFlagsQuery(db, userId, authorIds, videoIds),
);

/**
 * The one clip renderer: clips from cells and from the public index become `Video` objects for one viewer, in
 * the order given, leaving out what the access rule says this viewer may not see. A page costs at most: the
 * authors and sound titles (short-lived copies), the viewer's flags and relations in one query of their own
 * cell, and — for clips read from cells — their public counters and own sounds.
 */
export class VideoPresenter {
  constructor(private readonly deps: PresenterDeps) {}

  async present(viewer: Viewer, clips: readonly ClipRef[], options: PresentOptions = {}): Promise<Video[]> {
    if (clips.length === 0) return [];
    const { refs } = this.deps;
    const authorIds = [...new Set(clips.map((c) => c.ownerId))];
    const videoIds = clips.map((c) => c.id);
    // Feed pages hold index clips only: no cell is read for them, and no promise is made for what is not read.
    const fromCells = clips.some((c) => c.from === 'cell');
    const [authors, flags, stats, sounds, remixes] = await Promise.all([
      refs.authorsById(authorIds),
      viewer ? this.flags(viewer, authorIds, videoIds, options.relations) : undefined,
      fromCells ? this.cellStats(clips) : NO_STATS,
      fromCells ? this.soundTitles(clips) : refs.soundTitles(soundIdsOf(clips)),
      this.remixRefs(clips),
    ]);
    const relations = flags ?? NO_RELATIONS;
    const out: Video[] = [];
    for (const clip of clips) {
      const author = authors.get(clip.ownerId);
      const state = stateOf(clip, author && authorState(author));
      if (!mayView(viewer, state, relations)) continue;
      const video = this.render(clip, author, openToAnyone(state), stats, sounds);
      addRemix(video, clip, remixes);
      if (flags) {
        video.viewer = {
          liked: flags.liked.has(clip.id),
          favorited: flags.favorited.has(clip.id),
          followingAuthor: flags.following.has(clip.ownerId),
        };
      }
      const reason = options.reasons?.get(clip.id);
      if (reason) video.reason = reason;
      if (viewer?.userId === clip.ownerId) {
        addModeration(video, clip);
        addPublishing(video, clip);
      }
      out.push(video);
    }
    return out;
  }

  /**
   * Clips as a moderator deciding about them sees them: whatever the rule says (a removed clip still plays, through
   * a signed link), with what moderation decided. Only for the moderation console, which checks the moderator.
   */
  async presentForModeration(clips: readonly CellClip[]): Promise<Video[]> {
    if (clips.length === 0) return [];
    const [authors, stats, sounds, remixes] = await Promise.all([
      this.deps.refs.authorsById([...new Set(clips.map((c) => c.ownerId))]),
      this.cellStats(clips),
      this.soundTitles(clips),
      this.remixRefs(clips),
    ]);
    return clips.map((clip) => {
      const video = this.render(clip, authors.get(clip.ownerId), false, stats, sounds);
      addRemix(video, clip, remixes);
      addModeration(video, clip);
      return video;
    });
  }

  private render(
    clip: ClipRef,
    author: AuthorRow | undefined,
    open: boolean,
    stats: Map<string, Video['stats']>,
    sounds: Map<string, string>,
  ): Video {
    const user: UserRef = author
      ? toUserRef(author)
      : { id: clip.ownerId, handle: '', displayName: '', avatarUrl: null };
    const sound = (id: string | null) => (id && sounds.has(id) ? { id, title: sounds.get(id)! } : null);
    if (clip.from === 'index') {
      const r = clip.row;
      const playback = this.deps.urls.playback(r.region, r.id, {
        playable: true,
        open,
        epoch: { clip: r.media_epoch, owner: author?.media_epoch ?? 0 },
        poster: posterName(r.cover_ms),
      });
      return {
        id: r.id,
        status: 'ready',
        caption: r.caption,
        hashtags: jsonList(r.hashtags),
        mentions: jsonList(r.mentions),
        visibility: 'public',
        author: user,
        durationMs: r.duration_ms,
        width: r.width,
        height: r.height,
        playback,
        sound: sound(r.sound_id),
        duetOf: null,
        stitchOf: null,
        // The index keeps copies of the author's switches, so a card's menu offers only what the author allows.
        allowDuets: r.allow_duets === 1,
        allowStitches: r.allow_stitches === 1,
        allowComments: r.allow_comments === 1,
        stats: { views: r.view_count, likes: r.like_count, comments: r.comment_count, shares: r.share_count },
        createdAt: r.created_at,
        captions: captionsOf(r.captions, playback.hls),
        coverMs: r.cover_ms,
      };
    }
    const r = clip.row;
    const status = r.status as VideoStatus;
    const playback = this.deps.urls.playback(clip.region, r.id, {
      playable: r.playable === 1 && status !== 'failed',
      open,
      epoch: { clip: r.media_epoch, owner: clip.ownerEpoch },
      poster: posterName(r.cover_ms),
    });
    const video: Video = {
      id: r.id,
      status,
      caption: r.caption,
      hashtags: jsonList(r.hashtags),
      mentions: jsonList(r.mentions),
      visibility: r.visibility as Video['visibility'],
      author: user,
      durationMs: r.duration_ms,
      width: r.width,
      height: r.height,
      playback,
      sound: sound(r.sound_id),
      duetOf: null,
      stitchOf: null,
      stats: stats.get(r.id) ?? ZERO_STATS,
      createdAt: r.created_at,
      allowDuets: r.allow_duets === 1,
      allowStitches: r.allow_stitches === 1,
      allowComments: r.allow_comments === 1,
      // Captions play once the whole ladder (and so the final master playlist) is published.
      captions: status === 'ready' ? captionsOf(r.captions, playback.hls) : [],
      coverMs: r.cover_ms,
    };
    if (status === 'failed') {
      video.error = {
        code: r.error_code ?? 'media.failed',
        message: r.error_message ?? 'This video could not be processed.',
      };
    }
    if (status === 'uploading' || status === 'processing') video.progress = r.progress;
    return video;
  }

  /** Everything the viewer's cell knows about these authors and clips, in one round trip. */
  private async flags(
    viewer: NonNullable<Viewer>,
    authorIds: string[],
    videoIds: string[],
    relations: Relations | undefined,
  ): Promise<Flags> {
    const db = this.deps.cells.get(viewer.region).db;
    if (relations) {
      const rows = await LIKED_AND_FAVORITED.execute(db, viewer.userId, videoIds);
      const flags: Flags = { ...relations, liked: new Set(), favorited: new Set() };
      for (const r of rows) (r.k === 'l' ? flags.liked : flags.favorited).add(r.id);
      return flags;
    }
    const rows =
      authorIds.length <= PREPARED_AUTHORS && videoIds.length <= PREPARED_VIDEOS
        ? await VIEWER_FLAGS.execute(db, viewer.userId, authorIds, videoIds)
        : await viewerFlagsQuery(db, viewer.userId, authorIds, videoIds).execute();
    const following = new Set<string>();
    const blocked = new Set<string>();
    const flags: Flags = { following, blocked, liked: new Set(), favorited: new Set() };
    const sets: Record<string, Set<string>> = { f: following, b: blocked, l: flags.liked, v: flags.favorited };
    for (const r of rows) sets[r.k]?.add(r.id);
    return flags;
  }

  /** The originals of the duets and stitches among these clips that are in the public index, with their authors. */
  private async remixRefs(clips: readonly ClipRef[]): Promise<Map<string, RemixRef>> {
    const ids = [
      ...new Set(
        clips.flatMap((c) =>
          [c.row.duet_of, c.row.stitch_of].filter((id): id is string => id !== null && id !== undefined),
        ),
      ),
    ];
    if (ids.length === 0) return new Map();
    const rows = await this.deps.directory
      .selectFrom('videos')
      .select(['id', 'author_id'])
      .where('id', 'in', ids)
      .execute();
    const authors = await this.deps.refs.authorsById([...new Set(rows.map((r) => r.author_id))]);
    const out = new Map<string, RemixRef>();
    for (const r of rows) {
      const author = authors.get(r.author_id);
      if (author) out.set(r.id, { id: r.id, author: { id: author.id, handle: author.handle } });
    }
    return out;
  }

  /** Public counters of clips read from cells: they live on the index row, while the clip is public. */
  private async cellStats(clips: readonly ClipRef[]): Promise<Map<string, Video['stats']>> {
    const ids = clips.flatMap((c) =>
      c.from === 'cell' && c.row.visibility === 'public' && c.row.status === 'ready' ? [c.id] : [],
    );
    if (ids.length === 0) return new Map();
    const rows = await this.deps.directory
      .selectFrom('videos')
      .select(['id', 'view_count', 'like_count', 'comment_count', 'share_count'])
      .where('id', 'in', ids)
      .execute();
    return new Map(
      rows.map((r) => [
        r.id,
        { views: r.view_count, likes: r.like_count, comments: r.comment_count, shares: r.share_count },
      ]),
    );
  }

  /** Sound titles: public ones from the directory's copies, a non-public clip's own sound from its cell. */
  private async soundTitles(clips: readonly ClipRef[]): Promise<Map<string, string>> {
    const ids = new Set<string>();
    const byCell = new Map<string, Set<string>>();
    for (const c of clips) {
      const soundId = c.row.sound_id;
      if (!soundId) continue;
      ids.add(soundId);
      if (c.from === 'cell') (byCell.get(c.region) ?? byCell.set(c.region, new Set()).get(c.region)!).add(soundId);
    }
    if (ids.size === 0) return new Map();
    const titles = await this.deps.refs.soundTitles([...ids]);
    for (const [region, set] of byCell) {
      const missing = [...set].filter((id) => !titles.has(id));
      if (missing.length === 0) continue;
      const rows = await this.deps.cells
        .get(region)
        .db.selectFrom('sounds')
        .select(['id', 'title'])
        .where('id', 'in', missing)
        .execute();
      for (const r of rows) titles.set(r.id, r.title);
    }
    return titles;
  }
}

function addRemix(video: Video, clip: ClipRef, remixes: Map<string, RemixRef>): void {
  const { duet_of: duet, stitch_of: stitch } = clip.row;
  if (duet) video.duetOf = remixes.get(duet) ?? null;
  if (stitch) video.stitchOf = remixes.get(stitch) ?? null;
}

function authorState(row: AuthorRow): AuthorState {
  // The copies hold active accounts only.
  return { active: true, private: row.private_account === 1 };
}
