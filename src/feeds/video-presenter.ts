import { sql, type Kysely } from 'kysely';
import { PreparedQuery } from '../db/prepared-query.js';
import type { CellDb, DirectoryDb } from '../db/schema.js';
import type { CellRegistry } from '../regions/cells.js';
import { jsonList } from '../social/text-tags.js';
import { toUserRef, type UserRef } from '../social/user-refs.js';
import type { IndexRow, Viewer } from '../social/video-access.js';
import type { DirectoryRefs } from './directory-refs.js';

export interface Reason {
  source: string;
  signals: string[];
}

/** The Video object of docs/api.md, for a ready clip. */
export interface Video {
  id: string;
  status: 'processing' | 'ready' | 'failed';
  caption: string;
  hashtags: string[];
  mentions: string[];
  visibility: 'public' | 'followers' | 'private';
  author: UserRef;
  durationMs: number;
  width: number;
  height: number;
  playback: { hls: string | null; poster: string | null };
  sound: { id: string; title: string } | null;
  stats: { views: number; likes: number; comments: number; shares: number };
  createdAt: string;
  viewer?: { liked: boolean; favorited: boolean; followingAuthor: boolean };
  reason?: Reason;
}

export interface PresenterDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  /** Short-lived copies of authors and sound titles (the feeds have them); read from the directory without. */
  refs?: DirectoryRefs;
}

export interface PresentOptions {
  reasons?: Map<string, Reason>;
  /** The viewer's relations when the caller already holds them (feeds do): then only likes and favorites are read. */
  relations?: { following: Set<string>; blocked: Set<string> };
}

/**
 * Renders public index rows as Video objects for one viewer, in the order given, and drops what this viewer
 * must not see (a blocked creator either way, a private account the viewer does not follow, a deactivated
 * author). Three reads at most: authors and sounds from the directory, the viewer's flags from their own
 * cell in one query. Exported for GET /videos/:id and every list of clips.
 */
export async function presentVideos(
  deps: PresenterDeps,
  rows: IndexRow[],
  viewer: Viewer,
  options: PresentOptions = {},
): Promise<Video[]> {
  if (rows.length === 0) return [];
  const authorIds = [...new Set(rows.map((r) => r.author_id))];
  const soundIds = [...new Set(rows.flatMap((r) => (r.sound_id ? [r.sound_id] : [])))];
  const [authorById, soundById, flags] = await Promise.all([
    deps.refs
      ? deps.refs.authorsById(authorIds)
      : deps.directory
          .selectFrom('users')
          .select(['id', 'handle', 'display_name', 'avatar_url', 'private_account'])
          .where('id', 'in', authorIds)
          .where('status', '=', 'active')
          .execute()
          .then((authors) => new Map(authors.map((a) => [a.id, a]))),
    soundIds.length === 0
      ? new Map<string, string>()
      : deps.refs
        ? deps.refs.soundTitles(soundIds)
        : deps.directory
            .selectFrom('sounds')
            .select(['id', 'title'])
            .where('id', 'in', soundIds)
            .execute()
            .then((sounds) => new Map(sounds.map((s) => [s.id, s.title]))),
    viewer
      ? viewerFlags(
          deps.cells.get(viewer.region).db,
          viewer.userId,
          authorIds,
          rows.map((r) => r.id),
          options.relations,
        )
      : Promise.resolve(undefined),
  ]);
  const out: Video[] = [];
  for (const r of rows) {
    const author = authorById.get(r.author_id);
    if (!author) continue;
    const self = viewer?.userId === r.author_id;
    if (!self && flags?.blocked.has(r.author_id)) continue;
    if (!self && author.private_account === 1 && !flags?.following.has(r.author_id)) continue;
    const video: Video = {
      id: r.id,
      status: 'ready',
      caption: r.caption,
      hashtags: jsonList(r.hashtags),
      mentions: jsonList(r.mentions),
      visibility: 'public',
      author: toUserRef(author),
      durationMs: r.duration_ms,
      width: r.width,
      height: r.height,
      playback: { hls: `/media/${r.region}/${r.id}/master.m3u8`, poster: `/media/${r.region}/${r.id}/poster.jpg` },
      sound: r.sound_id && soundById.has(r.sound_id) ? { id: r.sound_id, title: soundById.get(r.sound_id)! } : null,
      stats: { views: r.view_count, likes: r.like_count, comments: r.comment_count, shares: r.share_count },
      createdAt: r.created_at,
    };
    if (flags)
      video.viewer = {
        liked: flags.liked.has(r.id),
        favorited: flags.favorited.has(r.id),
        followingAuthor: flags.following.has(r.author_id),
      };
    const reason = options.reasons?.get(r.id);
    if (reason) video.reason = reason;
    out.push(video);
  }
  return out;
}

interface Flags {
  following: Set<string>;
  blocked: Set<string>;
  liked: Set<string>;
  favorited: Set<string>;
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

/** Everything the viewer's cell knows about these authors and clips, in one round trip. */
async function viewerFlags(
  db: Kysely<CellDb>,
  userId: string,
  authorIds: string[],
  videoIds: string[],
  relations?: PresentOptions['relations'],
): Promise<Flags> {
  if (relations) {
    const rows = await LIKED_AND_FAVORITED.execute(db, userId, videoIds);
    const flags: Flags = {
      following: relations.following,
      blocked: relations.blocked,
      liked: new Set(),
      favorited: new Set(),
    };
    for (const r of rows) (r.k === 'l' ? flags.liked : flags.favorited).add(r.id);
    return flags;
  }
  const rows = await db
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
    )
    .execute();
  const flags: Flags = { following: new Set(), blocked: new Set(), liked: new Set(), favorited: new Set() };
  const sets: Record<string, Set<string>> = {
    f: flags.following,
    b: flags.blocked,
    l: flags.liked,
    v: flags.favorited,
  };
  for (const r of rows) sets[r.k]?.add(r.id);
  return flags;
}

/** What a signed-in viewer has done with one clip and its author (from the viewer's own cell). */
export async function viewerStateOf(
  cells: PresenterDeps['cells'],
  viewer: { userId: string; region: string },
  video: { id: string; authorId: string },
): Promise<{ liked: boolean; favorited: boolean; followingAuthor: boolean }> {
  const flags = await viewerFlags(cells.get(viewer.region).db, viewer.userId, [video.authorId], [video.id]);
  return {
    liked: flags.liked.has(video.id),
    favorited: flags.favorited.has(video.id),
    followingAuthor: flags.following.has(video.authorId),
  };
}

/** Index rows by id, in the order of `ids` (missing ids are skipped). */
export async function indexRows(directory: Kysely<DirectoryDb>, ids: string[]): Promise<IndexRow[]> {
  if (ids.length === 0) return [];
  const rows = await directory
    .selectFrom('videos')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
}
