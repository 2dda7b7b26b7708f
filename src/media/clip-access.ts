import { sql, type Kysely, type Selectable } from 'kysely';
import type { CellDb, DirectoryDb } from '../db/schema.js';
import { PreparedQuery } from '../db/prepared-query.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { MoveFreeze } from '../regions/move-freeze.js';
import type { CellRegistry } from '../regions/cells.js';
import type { DirectoryRefs } from './directory-refs.js';
import type { DirectoryVideosTable, VideosTable } from './media.tables.js';

/**
 * Who may see a clip: the one rule, for every surface (a clip, profiles, feeds, hashtags, sounds, search,
 * comments, likes lists, shares, events, notifications, media files).
 *
 * A clip reaches the rule as a `ClipRef`, read either from its owner's cell (any state; the source of truth) or
 * from the directory's public index (which holds exactly the clips `indexable` says, as last written). The rule
 * itself, `mayView`, is a pure function of the clip, its author's account and the viewer's relations to the
 * author; everything else in this module only reads those inputs. Relations come from the viewer's own cell
 * (`relations`) or, when the clip's cell must decide alone (a comment arriving, a notification's recipients),
 * from the owner's cell (`audience`): the two hold the same facts, written together by the follow and block flows.
 */

export type VideoRow = Selectable<VideosTable>;
export type IndexRow = Selectable<DirectoryVideosTable>;

/** Who is looking: a signed-in user (id and home region) or a visitor (null). */
export type Viewer = { userId: string; region: string } | null;

export const MODERATION_STATES = ['none', 'restricted', 'withheld', 'removed'] as const;
/**
 * `restricted`: viewable as before, but left out of every feed and discovery list; `withheld`: hidden from residents
 * of the regions a legal order names (and from visitors, whose jurisdiction is unknown), and out of the index;
 * `removed`: the owner's alone.
 */
export type ModerationState = (typeof MODERATION_STATES)[number];

/** What the rule needs of a clip's author. */
export interface AuthorState {
  active: boolean;
  private: boolean;
}

/** The viewer's relations to authors: approved follows, and blocks either way. */
export interface Relations {
  following: ReadonlySet<string>;
  blocked: ReadonlySet<string>;
}

export const NO_RELATIONS: Relations = { following: new Set(), blocked: new Set() };

/** A clip as read from its owner's cell, with the owner's account state from the same cell. */
export interface CellClip {
  from: 'cell';
  id: string;
  region: string;
  ownerId: string;
  row: VideoRow;
  author: AuthorState;
  /** The owner account's media epoch (see MediaUrls). */
  ownerEpoch: number;
}

/** A clip as read from the directory's public index; its author's state is read where it is judged. */
export interface IndexClip {
  from: 'index';
  id: string;
  region: string;
  ownerId: string;
  row: IndexRow;
}

export type ClipRef = CellClip | IndexClip;

export function indexClip(row: IndexRow): IndexClip {
  return { from: 'index', id: row.id, region: row.region, ownerId: row.author_id, row };
}

/** The fields the rule reads. */
export interface ClipState {
  ownerId: string;
  status: string;
  visibility: string;
  moderation: string;
  /** JSON list of the regions a withheld clip is hidden in (read only when `moderation` is 'withheld'). */
  withheldIn?: string;
  /** Undefined when the account is unknown (purged, or not yet written): treated as not active. */
  author: AuthorState | undefined;
  /** A draft, or scheduled for later: its owner's alone until published (index clips are published). */
  unpublished?: boolean;
}

/** Whether a clip's row is a draft or waits for its scheduled time. */
export function isUnpublished(row: Pick<VideoRow, 'draft' | 'publish_at'>): boolean {
  return row.draft === 1 || row.publish_at !== null;
}

export function stateOf(clip: ClipRef, author?: AuthorState): ClipState {
  if (clip.from === 'cell') {
    const { row } = clip;
    return {
      ownerId: row.owner_id,
      status: row.status,
      visibility: row.visibility,
      moderation: row.moderation,
      withheldIn: row.withheld_regions,
      author: clip.author,
      unpublished: isUnpublished(row),
    };
  }
  return { ownerId: clip.ownerId, status: 'ready', visibility: 'public', moderation: 'none', author };
}

/**
 * The rule. Owners see their clips in every state. Anyone else: only published (not draft, not scheduled), ready
 * clips that moderation has not removed, of an active account, not private; never across a block (either way); followers-only clips, and every clip of
 * a private account, only for approved followers. `rel` are the viewer's relations (NO_RELATIONS for a visitor).
 */
export function mayView(viewer: Viewer, clip: ClipState, rel: Relations): boolean {
  if (viewer !== null && viewer.userId === clip.ownerId) return true;
  if (clip.unpublished) return false;
  if (clip.status !== 'ready' || clip.moderation === 'removed' || clip.visibility === 'private') return false;
  if (clip.moderation === 'withheld' && (viewer === null || withheldFor(clip, viewer.region))) return false;
  if (!clip.author?.active) return false;
  if (viewer !== null && rel.blocked.has(clip.ownerId)) return false;
  if (clip.visibility === 'followers' || clip.author.private) return viewer !== null && rel.following.has(clip.ownerId);
  return clip.visibility === 'public';
}

function withheldFor(clip: ClipState, region: string): boolean {
  try {
    const regions: unknown = JSON.parse(clip.withheldIn ?? '[]');
    return !Array.isArray(regions) || regions.includes(region);
  } catch {
    return true;
  }
}

/** Viewable by anyone, signed in or not: its media is served without a signature. */
export function openToAnyone(clip: ClipState): boolean {
  return mayView(null, clip, NO_RELATIONS);
}

/** In the directory's public index (feeds, hashtags, sounds, search): open to anyone and not restricted. */
export function indexable(clip: ClipState): boolean {
  return openToAnyone(clip) && clip.moderation === 'none';
}

/** Whether a clip has public counters (they live on its index row): index clips do, cell clips while indexable. */
export function hasPublicCounters(clip: ClipRef): boolean {
  return clip.from === 'index' || indexable(stateOf(clip));
}

export interface ClipAccessDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  /** Short-lived copies of authors: an index clip's author state (the index itself follows accounts at once). */
  refs: DirectoryRefs;
  /** Accounts whose data is moving home region (their clips move with them). */
  freeze?: MoveFreeze;
}

/** Clips of a cell with their owners' account state: what every read of clips from a cell starts from. */
export function cellClipQuery(db: Kysely<CellDb>) {
  return db
    .selectFrom('videos')
    .leftJoin('accounts', 'accounts.id', 'videos.owner_id')
    .selectAll('videos')
    .select([
      'accounts.status as account_status',
      'accounts.private_account as account_private',
      'accounts.media_epoch as account_epoch',
    ]);
}

/**
 * Narrows a cell's clip statement to the clips `mayView` can let anyone but their owner see at all (published):
 * lists for others page through these, and the presenter still asks the rule about each clip.
 */
export function publishedOnly<Q extends ReturnType<typeof cellClipQuery>>(q: Q): Q {
  return q.where('videos.draft', '=', 0).where('videos.publish_at', 'is', null) as Q;
}

/** The viewer's follows and blocks (either way) among these authors, in the viewer's cell. */
function relationsQuery(db: Kysely<CellDb>, viewerId: string, owners: readonly string[]) {
  return db
    .selectFrom('follows')
    .select([sql<string>`'f'`.as('k'), 'followee_id as id'])
    .where('follower_id', '=', viewerId)
    .where('status', '=', 'active')
    .where('followee_id', 'in', owners)
    .unionAll(
      db
        .selectFrom('blocks')
        .select([sql<string>`'b'`.as('k'), 'blocked_id as id'])
        .where('blocker_id', '=', viewerId)
        .where('blocked_id', 'in', owners),
    )
    .unionAll(
      db
        .selectFrom('blocked_by')
        .select([sql<string>`'b'`.as('k'), 'blocker_id as id'])
        .where('user_id', '=', viewerId)
        .where('blocker_id', 'in', owners),
    );
}

// Statements nearly every clip request runs, compiled once per database (see PreparedQuery). Relations are prepared
// for short author lists only, so the compiled shapes stay few.
const PREPARED_OWNERS = 16;
const INDEX_ROW = new PreparedQuery((db: Kysely<DirectoryDb>, id: string) =>
  db.selectFrom('videos').selectAll().where('id', '=', id),
);
const CELL_CLIP = new PreparedQuery((db: Kysely<CellDb>, id: string) => cellClipQuery(db).where('videos.id', '=', id));
const RELATIONS = new PreparedQuery((db: Kysely<CellDb>, viewerId: string, owners: readonly string[]) =>
  relationsQuery(db, viewerId, owners),
);

/** A clip row with its owner's account state, as the cell query reads it. */
export type CellRow = VideoRow & {
  account_status: string | null;
  account_private: number | null;
  account_epoch: number | null;
};

function notFound(): NotFoundError {
  return new NotFoundError('video.not_found', 'This video does not exist or is not available to you.');
}

/** Reads the clips and relations the rule needs. One module, one lookup order, one rule. */
export class ClipAccess {
  constructor(private readonly deps: ClipAccessDeps) {}

  private cellQuery(db: Kysely<CellDb>) {
    return cellClipQuery(db);
  }

  private cellClip(region: string, r: CellRow): CellClip {
    const { account_status, account_private, account_epoch, ...row } = r;
    return {
      from: 'cell',
      id: row.id,
      region,
      ownerId: row.owner_id,
      row,
      author: { active: account_status === 'active', private: account_private === 1 },
      ownerEpoch: account_epoch ?? 0,
    };
  }

  /**
   * A clip whose owner's data is moving home region takes no writes (comments, their likes and removals, likes
   * that notify the owner): they would land in the old copy after the move read it, and go with it. Reading goes on.
   */
  async requireWritable(clip: ClipRef): Promise<void> {
    const to = await this.deps.freeze?.movingTo(clip.ownerId, clip.region);
    if (to)
      throw new ConflictError(
        'video.moving',
        `This clip is moving to region ${to} with its creator's data; try again in a moment.`,
      );
  }

  /** A clip in a known cell (media URLs and event streams name the region). */
  async inCell(region: string, videoId: string): Promise<CellClip | undefined> {
    if (!this.deps.cells.has(region)) return undefined;
    const row = await CELL_CLIP.executeTakeFirst(this.deps.cells.get(region).db, videoId);
    return row ? this.cellClip(region, row) : undefined;
  }

  /**
   * Finds a clip. A clip id does not say which cell holds it: the public index is asked first (most clips asked
   * for are there, and it names the region), then the viewer's own cell (their own clips in any state), then the
   * remaining cells — there are few, and the directory must never learn about clips that are not public.
   */
  async locate(videoId: string, viewer: Viewer = null): Promise<ClipRef | undefined> {
    const index = await INDEX_ROW.executeTakeFirst(this.deps.directory, videoId);
    if (index) return indexClip(index);
    return this.deps.cells.first((cell) => this.inCell(cell.region, videoId), viewer?.region);
  }

  /** Many clips at once (one read of the index, then one per cell for the rest); ids not found are absent. */
  async locateMany(ids: readonly string[]): Promise<Map<string, ClipRef>> {
    const out = new Map<string, ClipRef>();
    const unique = [...new Set(ids)];
    if (unique.length === 0) return out;
    const indexed = await this.deps.directory.selectFrom('videos').selectAll().where('id', 'in', unique).execute();
    for (const row of indexed) out.set(row.id, indexClip(row));
    const missing = unique.filter((id) => !out.has(id));
    for (const cell of this.deps.cells.all()) {
      if (missing.length === 0) break;
      const rows = await this.cellQuery(cell.db).where('videos.id', 'in', missing).execute();
      for (const row of rows) {
        out.set(row.id, this.cellClip(cell.region, row));
        missing.splice(missing.indexOf(row.id), 1);
      }
    }
    return out;
  }

  /** Index rows by id, in the order of `ids` (ids not in the index are left out). */
  async fromIndex(ids: readonly string[]): Promise<IndexClip[]> {
    if (ids.length === 0) return [];
    const rows = await this.deps.directory
      .selectFrom('videos')
      .selectAll()
      .where('id', 'in', [...new Set(ids)])
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [indexClip(row)] : [];
    });
  }

  /** Clips of one author in their cell, newest first (`where` narrows the statement: visibility, cursor). */
  cellClipsOf(region: string) {
    const db = this.deps.cells.get(region).db;
    return {
      query: this.cellQuery(db),
      wrap: (rows: CellRow[]) => rows.map((r) => this.cellClip(region, r)),
    };
  }

  /** The viewer's relations to these authors, from the viewer's own cell in one statement. */
  async relations(viewer: NonNullable<Viewer>, ownerIds: readonly string[]): Promise<Relations> {
    const owners = [...new Set(ownerIds)].filter((id) => id !== viewer.userId);
    if (owners.length === 0) return NO_RELATIONS;
    const db = this.deps.cells.get(viewer.region).db;
    const rows =
      owners.length <= PREPARED_OWNERS
        ? await RELATIONS.execute(db, viewer.userId, owners)
        : await relationsQuery(db, viewer.userId, owners).execute();
    const following = new Set<string>();
    const blocked = new Set<string>();
    for (const r of rows) (r.k === 'f' ? following : blocked).add(r.id);
    return { following, blocked };
  }

  /**
   * The relations of these viewers to one owner, from the owner's cell alone (its followers list and its blocks
   * either way), for decisions the clip's cell makes itself: who a comment may notify, whether it may be stored.
   */
  async audience(region: string, ownerId: string, viewerIds: readonly string[]): Promise<Map<string, Relations>> {
    const viewers = [...new Set(viewerIds)].filter((id) => id !== ownerId);
    const out = new Map<string, Relations>();
    if (viewers.length === 0) return out;
    const db = this.deps.cells.get(region).db;
    const rows = await db
      .selectFrom('followers')
      .select([sql<string>`'f'`.as('k'), 'follower_id as id'])
      .where('followee_id', '=', ownerId)
      .where('follower_id', 'in', viewers)
      .unionAll(
        db
          .selectFrom('blocks')
          .select([sql<string>`'b'`.as('k'), 'blocked_id as id'])
          .where('blocker_id', '=', ownerId)
          .where('blocked_id', 'in', viewers),
      )
      .unionAll(
        db
          .selectFrom('blocked_by')
          .select([sql<string>`'b'`.as('k'), 'blocker_id as id'])
          .where('user_id', '=', ownerId)
          .where('blocker_id', 'in', viewers),
      )
      .execute();
    const following = new Set<string>();
    const blocked = new Set<string>();
    for (const r of rows) (r.k === 'f' ? following : blocked).add(r.id);
    for (const id of viewers) {
      out.set(id, {
        following: following.has(id) ? new Set([ownerId]) : new Set(),
        blocked: blocked.has(id) ? new Set([ownerId]) : new Set(),
      });
    }
    return out;
  }

  /** Authors' account states (index clips carry none); an author missing here is not active. */
  async authors(ids: readonly string[]): Promise<Map<string, AuthorState>> {
    if (ids.length === 0) return new Map();
    const rows = await this.deps.refs.authorsById([...new Set(ids)]);
    return new Map([...rows].map(([id, r]) => [id, { active: true, private: r.private_account === 1 }]));
  }

  /** The clips of `clips` this viewer may see, in order (the batch form of `canView`). */
  async visible<T extends ClipRef>(viewer: Viewer, clips: readonly T[], rel?: Relations): Promise<T[]> {
    if (clips.length === 0) return [];
    const owners = clips.map((c) => c.ownerId);
    const fromIndex = clips.filter((c) => c.from === 'index').map((c) => c.ownerId);
    const [relations, authors] = await Promise.all([
      rel ?? (viewer ? this.relations(viewer, owners) : NO_RELATIONS),
      this.authors(fromIndex),
    ]);
    return clips.filter((c) => mayView(viewer, stateOf(c, authors.get(c.ownerId)), relations));
  }

  async canView(viewer: Viewer, clip: ClipRef, rel?: Relations): Promise<boolean> {
    return (await this.visible(viewer, [clip], rel)).length === 1;
  }

  /** The clip if the viewer may see it; otherwise the same 404 as a clip that does not exist (nothing is revealed). */
  async require(videoId: string, viewer: Viewer): Promise<ClipRef> {
    const clip = await this.locate(videoId, viewer);
    if (!clip || !(await this.canView(viewer, clip))) throw notFound();
    return clip;
  }
}
