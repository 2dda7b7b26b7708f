import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { UserRefSchema } from '../accounts/accounts.schema.js';
import { ModerationNoticeSchema, ReportOutcomeSchema } from '../moderation/moderation.schema.js';

/** The social objects of docs/api.md (comments, notifications); types derived from them, for server and web app. */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const CommentSchema = Type.Object({
  id: Type.String(),
  videoId: Type.String(),
  parentId: Nullable(Type.String()),
  text: Type.String(),
  author: UserRefSchema,
  createdAt: Type.String(),
  likeCount: Type.Integer(),
  replyCount: Type.Integer(),
  viewer: Type.Optional(Type.Object({ liked: Type.Boolean() })),
});
export type Comment = Static<typeof CommentSchema>;

/** Whether the viewer may comment on a clip, and if not the code a comment would be refused with. */
export const CommentingSchema = Type.Object({
  allowed: Type.Boolean(),
  /** `auth.required`, `comment.disabled`, `comment.followers_only` or `comment.blocked`; null when allowed. */
  reason: Nullable(Type.String()),
});
export type Commenting = Static<typeof CommentingSchema>;

/** A page of comments; a clip's first page says whether the viewer may comment. */
export const CommentPageSchema = Type.Object({
  items: Type.Array(CommentSchema),
  cursor: Nullable(Type.String()),
  commenting: Type.Optional(CommentingSchema),
});

export const NOTIFICATION_TYPES = [
  'follow',
  'follow_request',
  'like',
  'comment',
  'reply',
  'mention',
  'comment_like',
  'moderation',
  'report_outcome',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const NotificationSchema = Type.Object({
  id: Type.String(),
  // Cast: a mapped union widens to string; the literal type is what the web app switches on.
  type: Type.Union(NOTIFICATION_TYPES.map((t) => Type.Literal(t))) as unknown as TUnion<TLiteral<NotificationType>[]>,
  /** Who acted; absent for moderation's notifications, which never name a moderator. */
  actor: Type.Optional(UserRefSchema),
  videoId: Type.Optional(Type.String()),
  commentId: Type.Optional(Type.String()),
  /** `moderation`: the statement of reasons for a decision about the recipient's content or account. */
  moderation: Type.Optional(ModerationNoticeSchema),
  /** `report_outcome`: what became of a report the recipient filed. */
  report: Type.Optional(ReportOutcomeSchema),
  /** The comment or caption, for clips anyone may see; absent for other clips (the text stays in the clip's cell). */
  text: Type.Optional(Type.String()),
  createdAt: Type.String(),
  read: Type.Boolean(),
});
export type Notification = Static<typeof NotificationSchema>;
