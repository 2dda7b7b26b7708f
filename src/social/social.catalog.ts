import type { DomainCatalog } from '../regions/catalog.js';
import { COUNT_WINDOW_MS } from './view-marks.js';

const P = 'protected' as const;
const I = 'interop' as const;

export const socialCatalog: DomainCatalog = {
  directory: {
    hashtags: { tag: 'public', video_count: 'public', updated_at: 'public' },
    video_hashtags: { tag: 'public', video_id: 'public', published_at: 'public' },
  },
  cell: {
    // The user's own actions: never leave the home cell.
    follows: { follower_id: P, followee_id: P, followee_region: P, status: P, created_at: P },
    blocks: { blocker_id: P, blocked_id: P, blocked_region: P, created_at: P },
    mutes: { user_id: P, muted_id: P, created_at: P },
    likes: { user_id: P, video_id: P, created_at: P },
    favorites: { user_id: P, video_id: P, created_at: P },
    not_interested: { user_id: P, video_id: P, author_id: P, created_at: P },
    watch_events: { id: P, user_id: P, video_id: P, author_id: P, watched_ms: P, completed: P, created_at: P },
    comment_likes: { user_id: P, comment_id: P, comment_region: P, created_at: P },
    // Keyed hashes of who viewed or shared what this hour (a visitor's derive from their address): protected.
    view_marks: { key: P, expires_at: P },
    // What others' actions bring into this cell through declared flows.
    followers: { followee_id: I, follower_id: I, follower_region: I, created_at: I },
    follow_requests: { target_id: I, requester_id: I, requester_region: I, created_at: I },
    blocked_by: { user_id: I, blocker_id: I, created_at: I },
    notifications: {
      id: I,
      user_id: I,
      type: I,
      actor_id: I,
      video_id: I,
      comment_id: I,
      text: I,
      created_at: I,
      read: I,
      video_region: I,
    },
    // Comments are public content on the clip, kept in the clip's cell.
    comments: {
      id: 'public',
      video_id: 'public',
      parent_id: 'public',
      author_id: 'public',
      author_region: 'public',
      text: 'public',
      like_count: 'public',
      reply_count: 'public',
      created_at: 'public',
      // Whether moderation removed the comment: public, as its absence from the clip is (its author still sees it).
      moderation: 'public',
    },
  },
  // `target_id` names the account a request is for; the convention does not know the name.
  owners: { cell: { follow_requests: ['target_id', 'requester_id'] } },
  // Rows that only mention someone (the creator of a clip another user watched, the account another user
  // muted or blocked or followed, the actor of another user's notification) are not that someone's to download.
  // A follow is the follower's (their following list), a followers row the followee's (their followers list).
  subjects: {
    cell: {
      follows: ['follower_id'],
      followers: ['followee_id'],
      follow_requests: ['target_id'],
      watch_events: ['user_id'],
      not_interested: ['user_id'],
      mutes: ['user_id'],
      blocks: ['blocker_id'],
      blocked_by: ['user_id'],
      notifications: ['user_id'],
    },
  },
  // A follow is counted once, from the follower's own row (only once active: a request counts for nobody);
  // a like from the liker's (the clip's count and its creator's total); a comment in the clip's cell.
  counters: [
    {
      table: 'follows',
      directoryTable: 'users',
      key: 'id',
      from: 'followee_id',
      counter: 'follower_count',
      when: { status: 'active' },
    },
    {
      table: 'follows',
      directoryTable: 'users',
      key: 'id',
      from: 'follower_id',
      counter: 'following_count',
      when: { status: 'active' },
    },
    { table: 'likes', directoryTable: 'videos', key: 'id', from: 'video_id', counter: 'like_count' },
    {
      table: 'likes',
      directoryTable: 'users',
      key: 'id',
      from: 'video_id',
      counter: 'like_count',
      through: { table: 'videos', key: 'id', column: 'author_id' },
    },
    { table: 'comments', directoryTable: 'videos', key: 'id', from: 'video_id', counter: 'comment_count' },
    { table: 'comments', cellTable: 'comments', key: 'id', from: 'parent_id', counter: 'reply_count' },
    // A removed viewer's views leave the clip's public aggregates: a view counted once per viewer, clip and window
    // (view-marks.ts) is the first watch of that window in the viewer's history, with its watched time and whether
    // it completed. A visitor's views are anonymous from the start (nothing names them) and stay.
    ...(
      [
        { counter: 'view_count' },
        { counter: 'watch_ms_total', amount: 'watched_ms' },
        { counter: 'completion_count', when: { completed: 1 } },
      ] as const
    ).map((r) => ({
      table: 'watch_events',
      directoryTable: 'videos',
      key: 'id',
      from: 'video_id',
      once: { per: ['user_id', 'video_id'], at: 'created_at', windowMs: COUNT_WINDOW_MS },
      ...r,
    })),
  ],
  // Rows about a clip go with the clip when its owner is purged or carved out, wherever they are.
  videoRefs: {
    likes: ['video_id'],
    favorites: ['video_id'],
    not_interested: ['video_id'],
    watch_events: ['video_id'],
    comments: ['video_id'],
    notifications: ['video_id'],
  },
  // Replies go with the comment they answer, as when a comment is deleted.
  cascades: [{ table: 'comments', column: 'parent_id', parentColumn: 'id' }],
};
