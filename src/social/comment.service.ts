import { sql, type Kysely, type Selectable } from 'kysely';
import { newId } from '../db/ids.js';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import type { DirectoryDb } from '../db/schema.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import type { Actor } from './graph.service.js';
import type { NotificationService } from './notification.service.js';
import type { CommentsTable } from './social.tables.js';
import { parseMentions } from './text-tags.js';
import { userRefs, type UserRef } from './user-refs.js';
import type { VideoAccess, Viewer } from './video-access.js';

/** Longest comment, in characters (code points). TikTok allows 150; 1,000 leaves room for a real reply. */
export const COMMENT_MAX_CHARS = 1000;

export interface Comment {
  id: string;
  videoId: string;
  parentId: string | null;
  text: string;
  author: UserRef;
  createdAt: string;
  likeCount: number;
  replyCount: number;
  viewer?: { liked: boolean };
}

export interface CommentServiceDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  access: VideoAccess;
  notifications: NotificationService;
  now: () => Date;
}

type Page = { cursor?: string; limit?: number };
type Row = Selectable<CommentsTable>;

/**
 * Threaded comments, stored in the clip's cell whatever the commenter's region: a comment crosses as the
 * `comment.create` flow carrying only its public fields, and the clip's cell decides (visibility, blocks,
 * who may comment). Replies are one level deep: a reply to a reply is attached to the top-level comment.
 */
export class CommentService {
  constructor(private readonly deps: CommentServiceDeps) {
    deps.border.declareFlow(
      {
        type: 'comment.create',
        fields: {
          comment_id: 'public',
          video_id: 'public',
          parent_id: 'public',
          author_id: 'public',
          author_region: 'public',
          text: 'public',
        },
      },
      (p, to) =>
        this.receiveCreate(
          p as {
            comment_id: string;
            video_id: string;
            parent_id: string | null;
            author_id: string;
            author_region: string;
            text: string;
          },
          to,
        ),
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
    const text = raw.trim();
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
    const ref = await this.deps.access.locate(videoId);
    if (!ref) throw new NotFoundError('video.not_found', 'This video does not exist or is not available to you.');
    if (ref.ownerId !== me.userId && (await this.deps.access.isBlockedBy(me, ref.ownerId))) {
      throw new ForbiddenError('comment.blocked', 'You cannot comment on this video.');
    }
    if (!(await this.deps.access.canView(ref, me)))
      throw new NotFoundError('video.not_found', 'This video does not exist or is not available to you.');
    const id = newId(this.deps.now().getTime());
    await this.deps.border.deliver(me.region, ref.region, 'comment.create', {
      comment_id: id,
      video_id: ref.id,
      parent_id: input.parentId ?? null,
      author_id: me.userId,
      author_region: me.region,
      text,
    });
    const row = await this.db(ref.region)
      .selectFrom('comments')
      .select('parent_id')
      .where('id', '=', id)
      .executeTakeFirst();
    return { id, parentId: row?.parent_id ?? null };
  }

  private async receiveCreate(
    p: {
      comment_id: string;
      video_id: string;
      parent_id: string | null;
      author_id: string;
      author_region: string;
      text: string;
    },
    region: string,
  ): Promise<void> {
    const db = this.db(region);
    const video = await db
      .selectFrom('videos')
      .select(['owner_id', 'visibility'])
      .where('id', '=', p.video_id)
      .where('status', '=', 'ready')
      .executeTakeFirst();
    if (!video) throw new NotFoundError('video.not_found', 'This video does not exist or is not available to you.');
    const owner = video.owner_id;
    const text = CommentService.checkText(String(p.text));
    if (p.author_id !== owner) {
      if (video.visibility === 'private')
        throw new NotFoundError('video.not_found', 'This video does not exist or is not available to you.');
      const blocked = await db
        .selectFrom('blocks')
        .select('blocked_id')
        .where('blocker_id', '=', owner)
        .where('blocked_id', '=', p.author_id)
        .executeTakeFirst();
      if (blocked) throw new ForbiddenError('comment.blocked', 'You cannot comment on this video.');
      const account = await db
        .selectFrom('accounts')
        .select('who_can_comment')
        .where('id', '=', owner)
        .executeTakeFirst();
      const follower = await db
        .selectFrom('followers')
        .select('follower_id')
        .where('followee_id', '=', owner)
        .where('follower_id', '=', p.author_id)
        .executeTakeFirst();
      if (video.visibility === 'followers' && !follower)
        throw new NotFoundError('video.not_found', 'This video does not exist or is not available to you.');
      if (account?.who_can_comment === 'no_one')
        throw new ForbiddenError('comment.disabled', 'The creator has turned comments off.');
      if (account?.who_can_comment === 'followers' && !follower)
        throw new ForbiddenError('comment.followers_only', 'Only followers of the creator can comment on this video.');
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
    await this.deps.border.adjustCounters(
      region,
      'video.engagement',
      'videos',
      { id: p.video_id },
      { comment_count: 1 },
    );

    const notify = this.deps.notifications;
    const common = { actorId: p.author_id, videoId: p.video_id, commentId: p.comment_id, text };
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
    for (const cell of this.deps.cells.all()) {
      const row = await cell.db.selectFrom('comments').selectAll().where('id', '=', commentId).executeTakeFirst();
      if (row) return { region: cell.region, row };
    }
    return undefined;
  }

  private notFound(): NotFoundError {
    return new NotFoundError('comment.not_found', 'This comment does not exist or was deleted.');
  }

  /** Deletes a comment (and its replies): its author, or the creator of the clip, may. */
  async remove(me: Actor, commentId: string): Promise<void> {
    const found = await this.locate(commentId);
    if (!found) throw this.notFound();
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
    if (removed > 0)
      await this.deps.border.adjustCounters(
        region,
        'video.engagement',
        'videos',
        { id: row.video_id },
        { comment_count: -removed },
      );
  }

  async like(me: Actor, commentId: string, on: boolean): Promise<void> {
    const db = this.db(me.region);
    if (!on) {
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
    await this.deps.access.requireViewable(found.row.video_id, me);
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
      if (row) {
        await this.deps.notifications.notify(region, {
          recipient: { id: row.author_id, region: row.author_region },
          type: 'comment_like',
          actorId,
          videoId: row.video_id,
          commentId,
        });
      }
    }
  }

  /** Top-level comments of a clip, newest first. */
  async list(videoId: string, viewer: Viewer, page: Page): Promise<{ items: Comment[]; cursor: string | null }> {
    const ref = await this.deps.access.requireViewable(videoId, viewer);
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ id: string }>(page.cursor, ['id']);
    let q = this.db(ref.region)
      .selectFrom('comments')
      .selectAll()
      .where('video_id', '=', ref.id)
      .where('parent_id', 'is', null);
    if (after) q = q.where('id', '<', after.id);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return this.page(rows, limit, viewer);
  }

  /** Replies to a top-level comment, oldest first (reading order of a conversation). */
  async replies(commentId: string, viewer: Viewer, page: Page): Promise<{ items: Comment[]; cursor: string | null }> {
    const found = await this.locate(commentId);
    if (!found) throw this.notFound();
    await this.deps.access.requireViewable(found.row.video_id, viewer);
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

  private async page(rows: Row[], limit: number, viewer: Viewer): Promise<{ items: Comment[]; cursor: string | null }> {
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
    const blocked = viewer
      ? new Set(
          (
            await this.db(viewer.region)
              .selectFrom('blocks')
              .select('blocked_id')
              .where('blocker_id', '=', viewer.userId)
              .execute()
          ).map((r) => r.blocked_id),
        )
      : new Set<string>();
    const items = pageRows.flatMap((r): Comment[] => {
      const author = authors.get(r.author_id);
      if (!author || blocked.has(r.author_id)) return [];
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
