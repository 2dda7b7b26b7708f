import type { Generated } from 'kysely';

/** A follow the user made, in the follower's home cell. `status` is 'active' or 'pending' (a request to a private account). */
export interface FollowsTable {
  follower_id: string;
  followee_id: string;
  followee_region: string;
  status: string;
  created_at: string;
}

/** Someone following the user, in the followee's cell: arrives as the `follow.create` flow. */
export interface FollowersTable {
  followee_id: string;
  follower_id: string;
  follower_region: string;
  created_at: string;
}

/** A pending request to follow a private account, in the target's cell. */
export interface FollowRequestsTable {
  target_id: string;
  requester_id: string;
  requester_region: string;
  created_at: string;
}

export interface BlocksTable {
  blocker_id: string;
  blocked_id: string;
  blocked_region: string;
  created_at: string;
}

/** "You are blocked by X", in the blocked user's cell, so follows and comments can be refused without asking X's cell. */
export interface BlockedByTable {
  user_id: string;
  blocker_id: string;
  created_at: string;
}

export interface MutesTable {
  user_id: string;
  muted_id: string;
  created_at: string;
}

/** A like or a favorite: the user's own list, private, in their cell. */
export interface VideoMarkTable {
  user_id: string;
  video_id: string;
  created_at: string;
}

export interface NotInterestedTable {
  user_id: string;
  video_id: string;
  author_id: string;
  created_at: string;
}

/** Watch history: protected, never leaves the viewer's cell (aggregates leave as counters only). */
export interface WatchEventsTable {
  id: string;
  user_id: string;
  video_id: string;
  author_id: string;
  watched_ms: number;
  completed: number;
  created_at: string;
}

/** A comment on a clip, stored in the clip's cell whatever the commenter's region. Replies are one level deep. */
export interface CommentsTable {
  id: string;
  video_id: string;
  parent_id: string | null;
  author_id: string;
  author_region: string;
  text: string;
  like_count: number;
  reply_count: number;
  created_at: string;
  /** 'none' | 'removed' (migration 2003). */
  moderation: Generated<string>;
}

/** A comment the user liked, in the liker's cell (the clip's cell only receives the count). */
export interface CommentLikesTable {
  user_id: string;
  comment_id: string;
  comment_region: string;
  created_at: string;
}

export interface NotificationsTable {
  id: string;
  user_id: string;
  /** One of NOTIFICATION_TYPES; `moderation` and `report_outcome` carry their JSON payload in `text`, no actor. */
  type: string;
  actor_id: string;
  video_id: string | null;
  comment_id: string | null;
  text: string | null;
  created_at: string;
  read: number;
  /** The region of the clip `video_id` names (migration 2002; null on older rows). */
  video_region: string | null;
}

/** Who was already counted in a clip's public counters this window (view-marks.ts): keyed hashes only. */
export interface ViewMarksTable {
  key: string;
  expires_at: string;
}

export interface SocialCellTables {
  view_marks: ViewMarksTable;
  follows: FollowsTable;
  followers: FollowersTable;
  follow_requests: FollowRequestsTable;
  blocks: BlocksTable;
  blocked_by: BlockedByTable;
  mutes: MutesTable;
  likes: VideoMarkTable;
  favorites: VideoMarkTable;
  not_interested: NotInterestedTable;
  watch_events: WatchEventsTable;
  comments: CommentsTable;
  comment_likes: CommentLikesTable;
  notifications: NotificationsTable;
}

/** Hashtag counts over the public index, and the tag → clip index behind hashtag pages. */
export interface HashtagsTable {
  tag: string;
  video_count: number;
  updated_at: string;
}

export interface VideoHashtagsTable {
  tag: string;
  video_id: string;
  published_at: string;
}

export interface SocialDirectoryTables {
  hashtags: HashtagsTable;
  video_hashtags: VideoHashtagsTable;
}
