import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import { newId } from '../db/ids.js';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import type { DirectoryDb } from '../db/schema.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import { userRefs, type UserRef } from './user-refs.js';

export const NOTIFICATION_TYPES = [
  'follow',
  'follow_request',
  'like',
  'comment',
  'reply',
  'mention',
  'comment_like',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export interface Notification {
  id: string;
  type: NotificationType;
  actor: UserRef;
  videoId?: string;
  commentId?: string;
  text?: string;
  createdAt: string;
  read: boolean;
}

export interface NotifyInput {
  recipient: { id: string; region: string };
  type: NotificationType;
  actorId: string;
  videoId?: string | null;
  commentId?: string | null;
  text?: string | null;
}

export interface NotificationServiceDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  now: () => Date;
}

type Row = {
  id: string;
  type: string;
  actor_id: string;
  video_id: string | null;
  comment_id: string | null;
  text: string | null;
  created_at: string;
  read: number;
};

/**
 * Notifications are stored in the recipient's cell. Each type is its own declared flow (`notify.like`, …),
 * so the flow ledger counts them per type. A local emitter pushes new ones to open streams in this process;
 * streams also poll the cell, so notifications written by another process arrive too.
 */
export class NotificationService {
  private readonly emitter = new EventEmitter();

  constructor(private readonly deps: NotificationServiceDeps) {
    this.emitter.setMaxListeners(0);
    for (const type of NOTIFICATION_TYPES) {
      deps.border.declareFlow(
        {
          type: `notify.${type}`,
          fields: {
            recipient_id: 'interop',
            actor_id: 'public',
            video_id: 'public',
            comment_id: 'public',
            text: 'public',
          },
        },
        (payload, to) => this.receive(type, payload, to),
      );
    }
  }

  /** Sends a notification to the recipient's cell (nothing when people act on their own things). */
  async notify(from: string, input: NotifyInput): Promise<void> {
    if (input.recipient.id === input.actorId) return;
    await this.deps.border.deliver(from, input.recipient.region, `notify.${input.type}`, {
      recipient_id: input.recipient.id,
      actor_id: input.actorId,
      video_id: input.videoId ?? null,
      comment_id: input.commentId ?? null,
      text: input.text ?? null,
    });
  }

  private async receive(type: NotificationType, payload: Record<string, unknown>, region: string): Promise<void> {
    const db = this.deps.cells.get(region).db;
    const userId = String(payload.recipient_id);
    const actorId = String(payload.actor_id);
    // Someone the recipient blocked cannot reach them, whatever their cell claims.
    const blocked = await db
      .selectFrom('blocks')
      .select('blocker_id')
      .where('blocker_id', '=', userId)
      .where('blocked_id', '=', actorId)
      .executeTakeFirst();
    if (blocked) return;
    const now = this.deps.now();
    const row = {
      id: newId(now.getTime()),
      user_id: userId,
      type,
      actor_id: actorId,
      video_id: (payload.video_id as string | null) ?? null,
      comment_id: (payload.comment_id as string | null) ?? null,
      text: (payload.text as string | null) ?? null,
      created_at: now.toISOString(),
      read: 0,
    };
    await db.insertInto('notifications').values(row).execute();
    this.emitter.emit(userId, row.id);
  }

  /** Calls `listener` with each new notification id for a user written by this process; returns the unsubscribe. */
  subscribe(userId: string, listener: (id: string) => void): () => void {
    this.emitter.on(userId, listener);
    return () => this.emitter.off(userId, listener);
  }

  async list(
    user: { userId: string; region: string },
    page: { cursor?: string; limit?: number },
  ): Promise<{ items: Notification[]; cursor: string | null; unread: number }> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ id: string }>(page.cursor, ['id']);
    const db = this.deps.cells.get(user.region).db;
    let q = db.selectFrom('notifications').selectAll().where('user_id', '=', user.userId);
    if (after) q = q.where('id', '<', after.id);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const more = rows.length > limit;
    const pageRows = rows.slice(0, limit);
    const unread = await db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', user.userId)
      .where('read', '=', 0)
      .executeTakeFirstOrThrow();
    return {
      items: await this.present(pageRows),
      cursor: more ? encodeCursor({ id: pageRows[pageRows.length - 1]!.id }) : null,
      unread: Number(unread.n),
    };
  }

  /** Notifications newer than `afterId` (ids sort by time), oldest first: what a stream has not sent yet. */
  async since(user: { userId: string; region: string }, afterId: string, limit = 50): Promise<Notification[]> {
    const rows = await this.deps.cells
      .get(user.region)
      .db.selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', user.userId)
      .where('id', '>', afterId)
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
    return this.present(rows);
  }

  async newestId(user: { userId: string; region: string }): Promise<string> {
    const row = await this.deps.cells
      .get(user.region)
      .db.selectFrom('notifications')
      .select('id')
      .where('user_id', '=', user.userId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.id ?? '';
  }

  async markAllRead(user: { userId: string; region: string }): Promise<void> {
    await this.deps.cells
      .get(user.region)
      .db.updateTable('notifications')
      .set({ read: 1 })
      .where('user_id', '=', user.userId)
      .where('read', '=', 0)
      .execute();
  }

  private async present(rows: Row[]): Promise<Notification[]> {
    const actors = await userRefs(
      this.deps.directory,
      rows.map((r) => r.actor_id),
    );
    return rows.flatMap((r) => {
      const actor = actors.get(r.actor_id);
      if (!actor) return [];
      const n: Notification = {
        id: r.id,
        type: r.type as NotificationType,
        actor,
        createdAt: r.created_at,
        read: r.read === 1,
      };
      if (r.video_id) n.videoId = r.video_id;
      if (r.comment_id) n.commentId = r.comment_id;
      if (r.text) n.text = r.text;
      return [n];
    });
  }
}
