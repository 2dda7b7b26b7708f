import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import { userRefs } from '../accounts/user-refs.js';
import { newId } from '../db/ids.js';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import type { DirectoryDb } from '../db/schema.js';
import { mayView, openToAnyone, stateOf, type ClipAccess, type ClipRef } from '../media/clip-access.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import { NOTIFICATION_TYPES, type Notification, type NotificationType } from './social.schema.js';

export { NOTIFICATION_TYPES, type Notification, type NotificationType } from './social.schema.js';

export interface NotifyInput {
  recipient: { id: string; region: string };
  type: NotificationType;
  actorId: string;
  /** The clip the notification is about: it reaches the recipient only if they may see the clip. */
  clip?: ClipRef;
  commentId?: string | null;
  /** A comment or caption; carried only when anyone may see the clip. */
  text?: string | null;
}

export interface NotificationServiceDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  access: ClipAccess;
  now: () => Date;
}

type Row = {
  id: string;
  type: string;
  actor_id: string;
  video_id: string | null;
  video_region: string | null;
  comment_id: string | null;
  text: string | null;
  created_at: string;
  read: number;
};

/** Moderation's notifications: written in the recipient's own cell, with a payload and no actor. */
export type ModerationNotificationType = 'moderation' | 'report_outcome';

function isModerationType(type: string): type is ModerationNotificationType {
  return type === 'moderation' || type === 'report_outcome';
}

/** Most distinct clips the unread count asks the rule about; past it, unread notifications count as they are. */
const UNREAD_CLIPS_CHECKED = 500;

/**
 * Notifications are stored in the recipient's cell. Each type is its own declared flow (`notify.like`, …) so the
 * flow ledger counts them per type; about a clip that not everyone may see, the flow is `notify.<type>.restricted`,
 * which carries ids only: that clip's comment text never leaves its cell (the recipient's cell, when it is the
 * clip's own, reads it there). A notification reaches only a recipient the access rule lets see its clip, and one
 * whose clip they can no longer see is not listed. A local emitter pushes new ones to open streams in this
 * process; streams also poll the cell, so notifications written by another process arrive too.
 */
export class NotificationService {
  private readonly emitter = new EventEmitter();

  constructor(private readonly deps: NotificationServiceDeps) {
    this.emitter.setMaxListeners(0);
    for (const type of NOTIFICATION_TYPES) {
      if (isModerationType(type)) continue;
      deps.border.declareFlow(
        {
          type: `notify.${type}`,
          fields: {
            recipient_id: 'interop',
            actor_id: 'public',
            video_id: 'public',
            video_region: 'public',
            comment_id: 'public',
            text: 'public',
          },
        },
        (payload, to) => this.receive(type, payload, to),
      );
      deps.border.declareFlow(
        {
          type: `notify.${type}.restricted`,
          fields: {
            recipient_id: 'interop',
            actor_id: 'interop',
            video_id: 'interop',
            video_region: 'interop',
            comment_id: 'interop',
          },
        },
        (payload, to) => this.receive(type, payload, to),
      );
    }
  }

  /** Sends a notification to the recipient's cell (nothing when people act on their own things). */
  async notify(from: string, input: NotifyInput): Promise<void> {
    if (input.recipient.id === input.actorId) return;
    const clip = input.clip;
    let open = true;
    if (clip) {
      // The owner always sees their clip (most notifications are theirs: likes, comments); anyone else is asked
      // about in the clip's own cell.
      const author =
        clip.from === 'index' && input.recipient.id !== clip.ownerId
          ? (await this.deps.access.authors([clip.ownerId])).get(clip.ownerId)
          : undefined;
      const state = stateOf(clip, author ?? { active: true, private: false });
      if (input.recipient.id !== clip.ownerId) {
        const audience = await this.deps.access.audience(clip.region, clip.ownerId, [input.recipient.id]);
        const recipient = { userId: input.recipient.id, region: input.recipient.region };
        if (!mayView(recipient, state, audience.get(input.recipient.id)!)) return;
      }
      // A clip in the public index is open to anyone (the index holds nothing else).
      open = openToAnyone(state);
    }
    const ids = {
      recipient_id: input.recipient.id,
      actor_id: input.actorId,
      video_id: clip?.id ?? null,
      video_region: clip?.region ?? null,
      comment_id: input.commentId ?? null,
    };
    if (open) {
      await this.deps.border.deliver(from, input.recipient.region, `notify.${input.type}`, {
        ...ids,
        text: input.text ?? null,
      });
    } else {
      await this.deps.border.deliver(from, input.recipient.region, `notify.${input.type}.restricted`, ids);
    }
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
    const videoRegion = (payload.video_region as string | null) ?? null;
    const commentId = (payload.comment_id as string | null) ?? null;
    let text = (payload.text as string | null | undefined) ?? null;
    if (!('text' in payload) && commentId && videoRegion === region) {
      // A restricted notification carries no text; in the clip's own cell the comment is right here.
      const comment = await db.selectFrom('comments').select('text').where('id', '=', commentId).executeTakeFirst();
      text = comment?.text ?? null;
    }
    const now = this.deps.now();
    const row = {
      id: newId(now.getTime()),
      user_id: userId,
      type,
      actor_id: actorId,
      video_id: (payload.video_id as string | null) ?? null,
      video_region: videoRegion,
      comment_id: commentId,
      text,
      created_at: now.toISOString(),
      read: 0,
    };
    await db.insertInto('notifications').values(row).execute();
    this.emitter.emit(userId, row.id);
  }

  /**
   * A notification from moderation, written in the recipient's home cell `region` (moderation's own flows bring the
   * decision there first). It names no actor, so it never names a moderator; `payload` is the statement of reasons
   * (`moderation`) or a report's outcome (`report_outcome`).
   */
  async fromModeration(
    region: string,
    userId: string,
    type: ModerationNotificationType,
    payload: NonNullable<Notification['moderation'] | Notification['report']>,
  ): Promise<void> {
    const now = this.deps.now();
    const row = {
      id: newId(now.getTime()),
      user_id: userId,
      type,
      actor_id: '',
      video_id: null,
      video_region: null,
      comment_id: null,
      text: JSON.stringify(payload),
      created_at: now.toISOString(),
      read: 0,
    };
    await this.deps.cells.get(region).db.insertInto('notifications').values(row).execute();
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
    return {
      items: await this.present(user, pageRows),
      cursor: more ? encodeCursor({ id: pageRows[pageRows.length - 1]!.id }) : null,
      unread: await this.unread(user),
    };
  }

  /** Unread notifications, leaving out those about clips the user may no longer see. */
  private async unread(user: { userId: string; region: string }): Promise<number> {
    const byClip = await this.deps.cells
      .get(user.region)
      .db.selectFrom('notifications')
      .select(['video_id', 'video_region', (eb) => eb.fn.countAll<number>().as('n')])
      .where('user_id', '=', user.userId)
      .where('read', '=', 0)
      .groupBy(['video_id', 'video_region'])
      .execute();
    const checked = byClip.filter((r) => r.video_id !== null).slice(0, UNREAD_CLIPS_CHECKED);
    const hidden = await this.hiddenClips(user, checked);
    return byClip.reduce((sum, r) => sum + (r.video_id && hidden.has(r.video_id) ? 0 : Number(r.n)), 0);
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
    return this.present(user, rows);
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

  /** Of the clips these notifications name, the ones the user may not see now (deleted ones included). */
  private async hiddenClips(
    user: { userId: string; region: string },
    rows: { video_id: string | null }[],
  ): Promise<Set<string>> {
    const ids = [...new Set(rows.flatMap((r) => (r.video_id ? [r.video_id] : [])))];
    if (ids.length === 0) return new Set();
    const found = await this.deps.access.locateMany(ids);
    const visible = new Set((await this.deps.access.visible(user, [...found.values()])).map((c) => c.id));
    return new Set(ids.filter((id) => !visible.has(id)));
  }

  private async present(user: { userId: string; region: string }, rows: Row[]): Promise<Notification[]> {
    const [actors, hidden] = await Promise.all([
      userRefs(
        this.deps.directory,
        rows.flatMap((r) => (r.actor_id ? [r.actor_id] : [])),
      ),
      this.hiddenClips(user, rows),
    ]);
    return rows.flatMap((r) => {
      if (isModerationType(r.type)) return [moderationNotification(r)];
      const actor = actors.get(r.actor_id);
      if (!actor || (r.video_id && hidden.has(r.video_id))) return [];
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

function moderationNotification(r: Row): Notification {
  const n: Notification = { id: r.id, type: r.type as NotificationType, createdAt: r.created_at, read: r.read === 1 };
  const payload = JSON.parse(r.text ?? '{}') as Notification['moderation'] & Notification['report'];
  // Statements written before they named the appeal deadline have none to show.
  if (r.type === 'moderation') {
    const m = payload as NonNullable<Notification['moderation']>;
    n.moderation = { ...m, appealUntil: m.appealUntil ?? null };
  } else n.report = payload as NonNullable<Notification['report']>;
  return n;
}
