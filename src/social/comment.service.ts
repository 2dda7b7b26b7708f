import type { TextPolicy } from '../moderation/blocked-terms.js';
import { sql, type Kysely, type Selectable } from 'kysely';
import { userRefs } from '../accounts/user-refs.js';
import { cleanText } from '../clean-text.js';
import { newId } from '../db/ids.js';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import type { DirectoryDb } from '../db/schema.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import {
  hasPublicCounters,
  mayView,
  NO_RELATIONS,
  openToAnyone,
  stateOf,
  type ClipAccess,
  type ClipRef,
  type Relations,
  type Viewer,
} from '../media/clip-access.js';
import { TtlCache } from '../ttl-cache.js';
import { parseMentions } from '../media/video-text.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import type { Actor } from './graph.service.js';
import type { NotificationService } from './notification.service.js';
import type { Comment, Commenting } from './social.schema.js';
import type { CommentsTable } from './social.tables.js';

export type { Comment } from './social.schema.js';

/** Longest comment, in characters (code points). TikTok allows 150; 1,000 leaves room for a real reply. */
export const COMMENT_MAX_CHARS = 1000;

export interface CommentServiceDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  access: ClipAccess;
  notifications: NotificationService;
  now: () => Date;
  /** The blocked terms of the clip's region. */
  text: TextPolicy;
}

type Page = { cursor?: string; limit?: number };
type Row = Selectable<CommentsTable>;
type CreatePayload = {
  comment_id: string;
  video_id: string;
  parent_id: string | null;
  author_id: string;
  author_region: string;
  text: string;
};

function videoNotFound(): NotFoundError {
  return new NotFoundError('video.not_found', 'This video does not exist or is not available to you.');
}

/** The creator's "who can comment" setting, for someone who does or does not follow them (not the creator). */
export function commentRefusal(
  whoCanComment: string | undefined,
  follows: boolean,
): { code: string; message: string } | null {
  if (whoCanComment === 'no_one') return { code: 'comment.disabled', message: 'The creator has turned comments off.' };
  if (whoCanComment === 'followers' && !follows)
    return { code: 'comment.followers_only', message: 'Only followers of the creator can comment on this video.' };
  return null;
}

/**
 * Threaded comments, stored in the clip's cell whatever the commenter's region. A comment crosses as a flow: on a
 * clip anyone may see, `comment.create` (its text is public content); on any other clip, `comment.create.restricted`
 * (the text is for the clip's audience only, and counted apart). The clip's cell decides again with the access
 * rule, from its own followers and blocks, and by who the creator lets comment. Replies are one level deep: a reply
 * to a reply is attached to the top-level comment.
 */
export class CommentService {
  constructor(private readonly deps: CommentServiceDeps) {
    const fields = {
      comment_id: 'public',
      video_id: 'public',
      parent_id: 'public',
      author_id: 'public',
      author_region: 'public',
      text: 'public',
    } as const;
    deps.border.declareFlow({ type: 'comment.create', fields }, (p, to) => this.receiveCreate(p as CreatePayload, to));
    deps.border.declareFlow(
      {
        type: 'comment.create.restricted',
        fields: { ...fields, author_id: 'interop', author_region: 'interop', text: 'interop' },
      },
      (p, to) => this.receiveCreate(p as CreatePayload, to),
    );
    deps.border.declareFlow(
      { type: 'comment.delete', fields: { comment_id: 'public', actor_id: 'interop' } },
      (p, to) => this.receiveDelete(String(p.comment_id), String(p.actor_id), to),
    );
    deps.border.declareFlow(
      { type: 'comment.like', fields: { comment_id: 'public', actor_id: 'interop', delta: 'interop' } },
      (p, to) => this.receiveLike(String(p.comment_id), String(p.actor_id), Number(p.delta), to),
    );
  }

  private db(region: string) {
    return this.deps.cells.get(region).db;
  }

  static checkText(raw: string): string {
    const text = cleanText(raw, { multiline: true });
    if (text.length === 0) throw new InvalidInputError('comment.empty', 'Write something before posting a comment.');
    const chars = [...text].length;
    if (chars > COMMENT_MAX_CHARS)
      throw new InvalidInputError(
        'comment.too_long',
        `A comment can be at most ${COMMENT_MAX_CHARS} characters; this one has ${chars}.`,
      );
    return text;
  }

  async create(
    me: Actor,
    videoId: string,
    input: { text: string; parentId?: string },
  ): Promise<{ id: string; parentId: string | null }> {
    const text = CommentService.checkText(input.text);
    const clip = await this.deps.access.locate(videoId, me);
    if (!clip) throw videoNotFound();
    await this.deps.text.check(clip.region, text);
    const rel = await this.deps.access.relations(me, [clip.ownerId]);
    if (clip.ownerId !== me.userId && rel.blocked.has(clip.ownerId)) {
      throw new ForbiddenError('comment.blocked', 'You cannot comment on this video.');
    }
    if (!(await this.deps.access.canView(me, clip, rel))) throw videoNotFound();
    await this.deps.access.requireWritable(clip);
    const id = newId(this.deps.now().getTime());
    const open = clip.from === 'index' || openToAnyone(stateOf(clip));
    await this.deps.border.deliver(me.region, clip.region, open ? 'comment.create' : 'comment.create.restricted', {
      comment_id: id,
      video_id: clip.id,
      parent_id: input.parentId ?? null,
      author_id: me.userId,
      author_region: me.region,
      text,
    });
    const row = await this.db(clip.region)
      .selectFrom('comments')
      .select('parent_id')
      .where('id', '=', id)
      .executeTakeFirst();
    return { id, parentId: row?.parent_id ?? null };
  }

  private async receiveCreate(p: CreatePayload, region: string): Promise<void> {
    const db = this.db(region);
    const clip = await this.deps.access.inCell(region, p.video_id);
    if (!clip) throw videoNotFound();
    const owner = clip.ownerId;
    const text = CommentService.checkText(String(p.text));
    const author = { userId: p.author_id, region: p.author_region };
    if (p.author_id !== owner) {
      const rel = (await this.deps.access.audience(region, owner, [p.author_id])).get(p.author_id) ?? NO_RELATIONS;
      if (rel.blocked.has(owner)) throw new ForbiddenError('comment.blocked', 'You cannot comment on this video.');
      if (!mayView(author, stateOf(clip), rel)) throw videoNotFound();
      // The author's switch on this clip (PATCH /videos/:id {allowComments}); the clip's own cell decides.
      if (clip.row.allow_comments !== 1) {
        throw new ForbiddenError('comment.disabled', 'The author has turned comments off for this video.');
      }
      const refusal = commentRefusal(await this.whoCanComment(region, owner), rel.following.has(owner));
      if (refusal) throw new ForbiddenError(refusal.code, refusal.message);
    } else if (clip.row.status !== 'ready') {
      throw videoNotFound();
    }
    let parent: Row | undefined;
    if (p.parent_id) {
      parent = await db
        .selectFrom('comments')
        .selectAll()
        .where('id', '=', p.parent_id)
        .where('video_id', '=', p.video_id)
        .executeTakeFirst();
      if (!parent)
        throw new NotFoundError('comment.parent_not_found', 'The comment you are replying to no longer exists.');
      // One level of replies: answering a reply attaches to its top-level comment.
      if (parent.parent_id) {
        parent = await db.selectFrom('comments').selectAll().where('id', '=', parent.parent_id).executeTakeFirst();
        if (!parent)
          throw new NotFoundError('comment.parent_not_found', 'The comment you are replying to no longer exists.');
      }
    }
    const at = this.deps.now().toISOString();
    await db.transaction().execute(async (tx) => {
      await tx
        .insertInto('comments')
        .values({
          id: p.comment_id,
          video_id: p.video_id,
          parent_id: parent?.id ?? null,
          author_id: p.author_id,
          author_region: p.author_region,
          text,
          like_count: 0,
          reply_count: 0,
          created_at: at,
        })
        .execute();
      if (parent)
        await tx
          .updateTable('comments')
          .set({ reply_count: sql`reply_count + 1` })
          .where('id', '=', parent.id)
          .execute();
    });
    if (hasPublicCounters(clip)) {
      await this.deps.border.adjustCounters(
        region,
        'video.engagement',
        'videos',
        { id: p.video_id },
        { comment_count: 1 },
      );
    }

    // Each notification reaches its recipient only if they may see the clip (NotificationService asks the rule).
    const notify = this.deps.notifications;
    const common = { actorId: p.author_id, clip: clip as ClipRef, commentId: p.comment_id, text };
    if (parent && parent.author_id !== p.author_id) {
      await notify.notify(region, {
        ...common,
        recipient: { id: parent.author_id, region: parent.author_region },
        type: 'reply',
      });
    }
    if (!parent || parent.author_id !== owner)
      await notify.notify(region, { ...common, recipient: { id: owner, region }, type: 'comment' });
    const handles = parseMentions(text);
    if (handles.length > 0) {
      const mentioned = await this.deps.directory
        .selectFrom('users')
        .select(['id', 'region'])
        .where('handle', 'in', handles.slice(0, 20))
        .where('status', '=', 'active')
        .execute();
      for (const user of mentioned)
        await notify.notify(region, { ...common, recipient: { id: user.id, region: user.region }, type: 'mention' });
    }
  }

  /** Finds a comment's cell: comment ids carry no region, so each cell is asked by primary key. */
  private async locate(commentId: string): Promise<{ region: string; row: Row } | undefined> {
    return this.deps.cells.first(async (cell) => {
      const row = await cell.db.selectFrom('comments').selectAll().where('id', '=', commentId).executeTakeFirst();
      return row && { region: cell.region, row };
    });
  }

  /** A comment wherever it is (for reports and moderation): its cell, clip, author and moderation state. */
  async find(
    commentId: string,
  ): Promise<
    | { region: string; videoId: string; authorId: string; authorRegion: string; text: string; moderation: string }
    | undefined
  > {
    const found = await this.locate(commentId);
    if (!found) return undefined;
    const { row } = found;
    return {
      region: found.region,
      videoId: row.video_id,
      authorId: row.author_id,
      authorRegion: row.author_region,
      text: row.text,
      moderation: row.moderation,
    };
  }

  /** What moderation decided for a comment in its clip's cell: 'removed' lists it for its author alone. */
  async moderate(region: string, commentId: string, state: 'none' | 'removed'): Promise<void> {
    await this.db(region).updateTable('comments').set({ moderation: state }).where('id', '=', commentId).execute();
  }

  private notFound(): NotFoundError {
    return new NotFoundError('comment.not_found', 'This comment does not exist or was deleted.');
  }

  /** Deletes a comment (and its replies): its author, or the creator of the clip, may. */
  async remove(me: Actor, commentId: string): Promise<void> {
    const found = await this.locate(commentId);
    if (!found) throw this.notFound();
    await this.clipWritable(found.row.video_id, me);
    await this.deps.border.deliver(me.region, found.region, 'comment.delete', {
      comment_id: commentId,
      actor_id: me.userId,
    });
  }

  private async receiveDelete(commentId: string, actorId: string, region: string): Promise<void> {
    const db = this.db(region);
    const row = await db.selectFrom('comments').selectAll().where('id', '=', commentId).executeTakeFirst();
    if (!row) throw this.notFound();
    const video = await db.selectFrom('videos').select('owner_id').where('id', '=', row.video_id).executeTakeFirst();
    if (row.author_id !== actorId && video?.owner_id !== actorId)
      throw new ForbiddenError(
        'comment.not_yours',
        'Only the author of a comment or the creator of the video can delete it.',
      );
    const removed = await db.transaction().execute(async (tx) => {
      const replies = await tx.deleteFrom('comments').where('parent_id', '=', commentId).executeTakeFirst();
      const self = await tx.deleteFrom('comments').where('id', '=', commentId).executeTakeFirst();
      if (row.parent_id && Number(self.numDeletedRows) > 0) {
        await tx
          .updateTable('comments')
          .set({ reply_count: sql`case when reply_count > 0 then reply_count - 1 else 0 end` })
          .where('id', '=', row.parent_id)
          .execute();
      }
      return Number(replies.numDeletedRows) + Number(self.numDeletedRows);
    });
    const clip = await this.deps.access.inCell(region, row.video_id);
    if (removed > 0 && clip && hasPublicCounters(clip))
      await this.deps.border.adjustCounters(
        region,
        'video.engagement',
        'videos',
        { id: row.video_id },
        { comment_count: -removed },
      );
  }

  /** A comment's clip whose owner's data is moving takes no writes (see ClipAccess.requireWritable). */
  private async clipWritable(videoId: string, me: Actor): Promise<void> {
    const clip = await this.deps.access.locate(videoId, me);
    if (clip) await this.deps.access.requireWritable(clip);
  }

  async like(me: Actor, commentId: string, on: boolean): Promise<void> {
    const db = this.db(me.region);
    if (!on) {
      const found = await this.locate(commentId);
      if (found) await this.clipWritable(found.row.video_id, me);
      const row = await db
        .selectFrom('comment_likes')
        .select('comment_region')
        .where('user_id', '=', me.userId)
        .where('comment_id', '=', commentId)
        .executeTakeFirst();
      if (!row) return;
      await db
        .deleteFrom('comment_likes')
        .where('user_id', '=', me.userId)
        .where('comment_id', '=', commentId)
        .execute();
      await this.deps.border.deliver(me.region, row.comment_region, 'comment.like', {
        comment_id: commentId,
        actor_id: me.userId,
        delta: -1,
      });
      return;
    }
    const found = await this.locate(commentId);
    if (!found) throw this.notFound();
    await this.deps.access.requireWritable(await this.deps.access.require(found.row.video_id, me));
    const res = await db
      .insertInto('comment_likes')
      .values({
        user_id: me.userId,
        comment_id: commentId,
        comment_region: found.region,
        created_at: this.deps.now().toISOString(),
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return;
    await this.deps.border.deliver(me.region, found.region, 'comment.like', {
      comment_id: commentId,
      actor_id: me.userId,
      delta: 1,
    });
  }

  private async receiveLike(commentId: string, actorId: string, delta: number, region: string): Promise<void> {
    const db = this.db(region);
    const d = delta > 0 ? 1 : -1;
    await db
      .updateTable('comments')
      .set({ like_count: sql`case when like_count + ${d} < 0 then 0 else like_count + ${d} end` })
      .where('id', '=', commentId)
      .execute();
    if (d > 0) {
      const row = await db
        .selectFrom('comments')
        .select(['author_id', 'author_region', 'video_id'])
        .where('id', '=', commentId)
        .executeTakeFirst();
      const clip = row && (await this.deps.access.inCell(region, row.video_id));
      if (row && clip) {
        await this.deps.notifications.notify(region, {
          recipient: { id: row.author_id, region: row.author_region },
          type: 'comment_like',
          actorId,
          clip,
          commentId,
        });
      }
    }
  }

  private async whoCanComment(region: string, ownerId: string): Promise<string | undefined> {
    const account = await this.db(region)
      .selectFrom('accounts')
      .select('who_can_comment')
      .where('id', '=', ownerId)
      .executeTakeFirst();
    return account?.who_can_comment;
  }

  /**
   * Whether the viewer may comment on the clip, and if not why: a hint for the app, from the viewer's relations and
   * the creator's setting as held for a few seconds (a comment itself is always checked against the cell).
   */
  private async commenting(clip: ClipRef, viewer: Viewer, rel: Relations): Promise<Commenting> {
    if (!viewer) return { allowed: false, reason: 'auth.required' };
    if (viewer.userId === clip.ownerId) return { allowed: true, reason: null };
    if (rel.blocked.has(clip.ownerId)) return { allowed: false, reason: 'comment.blocked' };
    // The clip's own switch (allowComments) lives on its cell row, which index clips do not carry.
    const row = clip.from === 'cell' ? clip.row : (await this.deps.access.inCell(clip.region, clip.id))?.row;
    if (row && row.allow_comments !== 1) return { allowed: false, reason: 'comment.disabled' };
    const key = `${clip.region}:${clip.ownerId}`;
    const now = this.deps.now().getTime();
    let who = this.settings.entry(key, now)?.value;
    if (who === undefined) {
      const since = this.settings.version;
      who = (await this.whoCanComment(clip.region, clip.ownerId)) ?? 'everyone';
      this.settings.set(key, who, now, since);
    }
    const refusal = commentRefusal(who, rel.following.has(clip.ownerId));
    return refusal ? { allowed: false, reason: refusal.code } : { allowed: true, reason: null };
  }

  /**
   * Creators' "who can comment" settings, as `commenting` last read them: dropped at once by a change made through
   * this process (`settingChanged`), within ten seconds by one made through another.
   */
  private readonly settings = new TtlCache<string>({ ttlMs: 10_000, capacity: 10_000 });

  /** A creator changed who may comment (accounts' `account.comment_setting_changed`). */
  settingChanged(region: string, userId: string): void {
    this.settings.delete(`${region}:${userId}`);
  }

  /** Top-level comments of a clip, newest first; the first page says whether the viewer may comment. */
  async list(
    videoId: string,
    viewer: Viewer,
    page: Page,
  ): Promise<{ items: Comment[]; cursor: string | null; commenting?: Commenting }> {
    const clip = await this.deps.access.require(videoId, viewer);
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ id: string }>(page.cursor, ['id']);
    let q = this.db(clip.region)
      .selectFrom('comments')
      .selectAll()
      .where('video_id', '=', clip.id)
      .where('parent_id', 'is', null);
    if (after) q = q.where('id', '<', after.id);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    // One read of the viewer's relations serves both the authors shown and the creator's comment setting.
    const rel = viewer
      ? await this.deps.access.relations(viewer, [...rows.slice(0, limit).map((r) => r.author_id), clip.ownerId])
      : NO_RELATIONS;
    const [result, commenting] = await Promise.all([
      this.page(rows, limit, viewer, rel),
      after ? undefined : this.commenting(clip, viewer, rel),
    ]);
    return commenting ? { ...result, commenting } : result;
  }

  /** Replies to a top-level comment, oldest first (reading order of a conversation). */
  async replies(commentId: string, viewer: Viewer, page: Page): Promise<{ items: Comment[]; cursor: string | null }> {
    const found = await this.locate(commentId);
    if (!found) throw this.notFound();
    await this.deps.access.require(found.row.video_id, viewer);
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ id: string }>(page.cursor, ['id']);
    let q = this.db(found.region).selectFrom('comments').selectAll().where('parent_id', '=', commentId);
    if (after) q = q.where('id', '>', after.id);
    const rows = await q
      .orderBy('id', 'asc')
      .limit(limit + 1)
      .execute();
    return this.page(rows, limit, viewer);
  }

  private async page(
    rows: Row[],
    limit: number,
    viewer: Viewer,
    relations?: Relations,
  ): Promise<{ items: Comment[]; cursor: string | null }> {
    const pageRows = rows.slice(0, limit);
    const authors = await userRefs(
      this.deps.directory,
      pageRows.map((r) => r.author_id),
    );
    let liked = new Set<string>();
    if (viewer && pageRows.length > 0) {
      const likedRows = await this.db(viewer.region)
        .selectFrom('comment_likes')
        .select('comment_id')
        .where('user_id', '=', viewer.userId)
        .where(
          'comment_id',
          'in',
          pageRows.map((r) => r.id),
        )
        .execute();
      liked = new Set(likedRows.map((r) => r.comment_id));
    }
    // Comments by accounts blocked either way are left out, as their clips are.
    const { blocked } =
      relations ??
      (viewer
        ? await this.deps.access.relations(
            viewer,
            pageRows.map((r) => r.author_id),
          )
        : NO_RELATIONS);
    const items = pageRows.flatMap((r): Comment[] => {
      const author = authors.get(r.author_id);
      if (!author || blocked.has(r.author_id)) return [];
      // A comment moderation removed is its author's alone.
      if (r.moderation === 'removed' && viewer?.userId !== r.author_id) return [];
      const c: Comment = {
        id: r.id,
        videoId: r.video_id,
        parentId: r.parent_id,
        text: r.text,
        author,
        createdAt: r.created_at,
        likeCount: r.like_count,
        replyCount: r.reply_count,
      };
      if (viewer) c.viewer = { liked: liked.has(r.id) };
      return [c];
    });
    const last = pageRows[pageRows.length - 1];
    return { items, cursor: rows.length > limit && last ? encodeCursor({ id: last.id }) : null };
  }
}
