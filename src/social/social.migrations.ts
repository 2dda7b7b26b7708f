import type { Kysely } from 'kysely';
import type { MigrationMap } from '../db/migrations.js';

export const socialDirectoryMigrations: MigrationMap = {
  '2000_hashtags': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('hashtags')
        .addColumn('tag', 'text', (c) => c.primaryKey())
        .addColumn('video_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('video_hashtags')
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('video_id', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('video_hashtags_pk', ['tag', 'video_id'])
        .execute();
      await db.schema
        .createIndex('video_hashtags_page')
        .on('video_hashtags')
        .columns(['tag', 'published_at', 'video_id'])
        .execute();
      await db.schema.createIndex('video_hashtags_video').on('video_hashtags').column('video_id').execute();
    },
  },
};

export const socialCellMigrations: MigrationMap = {
  '2000_social_graph': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('follows')
        .addColumn('follower_id', 'text', (c) => c.notNull())
        .addColumn('followee_id', 'text', (c) => c.notNull())
        .addColumn('followee_region', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('follows_pk', ['follower_id', 'followee_id'])
        .execute();
      await db.schema
        .createIndex('follows_list')
        .on('follows')
        .columns(['follower_id', 'status', 'created_at', 'followee_id'])
        .execute();
      await db.schema
        .createTable('followers')
        .addColumn('followee_id', 'text', (c) => c.notNull())
        .addColumn('follower_id', 'text', (c) => c.notNull())
        .addColumn('follower_region', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('followers_pk', ['followee_id', 'follower_id'])
        .execute();
      await db.schema
        .createIndex('followers_list')
        .on('followers')
        .columns(['followee_id', 'created_at', 'follower_id'])
        .execute();
      await db.schema
        .createTable('follow_requests')
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('requester_id', 'text', (c) => c.notNull())
        .addColumn('requester_region', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('follow_requests_pk', ['target_id', 'requester_id'])
        .execute();
      await db.schema
        .createIndex('follow_requests_list')
        .on('follow_requests')
        .columns(['target_id', 'created_at', 'requester_id'])
        .execute();
      await db.schema
        .createTable('blocks')
        .addColumn('blocker_id', 'text', (c) => c.notNull())
        .addColumn('blocked_id', 'text', (c) => c.notNull())
        .addColumn('blocked_region', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('blocks_pk', ['blocker_id', 'blocked_id'])
        .execute();
      await db.schema
        .createTable('blocked_by')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('blocker_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('blocked_by_pk', ['user_id', 'blocker_id'])
        .execute();
      await db.schema
        .createTable('mutes')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('muted_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('mutes_pk', ['user_id', 'muted_id'])
        .execute();
    },
  },
  '2001_engagement': {
    async up(db: Kysely<any>) {
      for (const table of ['likes', 'favorites']) {
        await db.schema
          .createTable(table)
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('video_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['user_id', 'video_id'])
          .execute();
        await db.schema.createIndex(`${table}_list`).on(table).columns(['user_id', 'created_at', 'video_id']).execute();
      }
      await db.schema
        .createTable('not_interested')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('video_id', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('not_interested_pk', ['user_id', 'video_id'])
        .execute();
      await db.schema
        .createTable('watch_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('video_id', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('watched_ms', 'integer', (c) => c.notNull())
        .addColumn('completed', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('watch_events_user').on('watch_events').columns(['user_id', 'id']).execute();
      await db.schema
        .createTable('comments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('video_id', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'text')
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('author_region', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reply_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('comments_video').on('comments').columns(['video_id', 'parent_id', 'id']).execute();
      await db.schema.createIndex('comments_parent').on('comments').columns(['parent_id', 'id']).execute();
      await db.schema
        .createTable('comment_likes')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('comment_id', 'text', (c) => c.notNull())
        .addColumn('comment_region', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('comment_likes_pk', ['user_id', 'comment_id'])
        .execute();
      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('video_id', 'text')
        .addColumn('comment_id', 'text')
        .addColumn('text', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('read', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('notifications_user').on('notifications').columns(['user_id', 'id']).execute();
      await db.schema.createIndex('notifications_unread').on('notifications').columns(['user_id', 'read']).execute();
    },
  },
  '2002_notification_clip_region': {
    async up(db: Kysely<any>) {
      // Where the notification's clip lives, so a list can ask the access rule about its clips in one read per cell.
      await db.schema.alterTable('notifications').addColumn('video_region', 'text').execute();
    },
  },
  '2003_comment_moderation': {
    async up(db: Kysely<any>) {
      // 'none' | 'removed': a comment moderation removed is listed for its author alone, and comes back on reversal.
      await db.schema
        .alterTable('comments')
        .addColumn('moderation', 'text', (c) => c.notNull().defaultTo('none'))
        .execute();
    },
  },
  '2004_view_marks': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('view_marks')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('view_marks_expiry').on('view_marks').column('expires_at').execute();
    },
  },
};
