import type { Kysely } from 'kysely';
import type { MigrationMap } from '../db/migrations.js';

export const accountsDirectoryMigrations: MigrationMap = {
  '0001_users': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('handle', 'text', (c) => c.notNull().unique())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('bio', 'text', (c) => c.notNull())
        .addColumn('avatar_url', 'text')
        .addColumn('private_account', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('follower_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('following_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('video_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_region').on('users').columns(['region', 'id']).execute();
      await db.schema
        .createTable('operators')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('jurisdiction', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0002_users_media_epoch': {
    async up(db: Kysely<any>) {
      // The public copy of accounts.media_epoch: index clips' media paths are derived from it.
      await db.schema
        .alterTable('users')
        .addColumn('media_epoch', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
};

export const accountsCellMigrations: MigrationMap = {
  '0001_accounts': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('handle', 'text', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('email_enc', 'text', (c) => c.notNull())
        .addColumn('birthdate_enc', 'text', (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('bio', 'text', (c) => c.notNull())
        .addColumn('private_account', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('who_can_comment', 'text', (c) => c.notNull().defaultTo('everyone'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deactivated_at', 'text')
        .addColumn('delete_after', 'text')
        .execute();
      await db.schema
        .createTable('user_keys')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('wrapped_dek', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('ip_enc', 'text')
        .addColumn('user_agent_enc', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('operators')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('jurisdiction', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0002_accounts_media_epoch': {
    async up(db: Kysely<any>) {
      // Bumped when access to all the account's clips narrows (a block either way, going private or away): it is
      // part of every media URL of its clips (src/media/media-urls.ts), so every one handed out before stops working.
      await db.schema
        .alterTable('accounts')
        .addColumn('media_epoch', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0003_accounts_language': {
    async up(db: Kysely<any>) {
      // The language the user picked for the app (and, later, mail); null follows the browser.
      await db.schema.alterTable('accounts').addColumn('language', 'text').execute();
    },
  },
  '0004_accounts_suspension': {
    async up(db: Kysely<any>) {
      // Until when moderation suspended the account: it may sign in and read, not post or comment.
      await db.schema.alterTable('accounts').addColumn('suspended_until', 'text').execute();
    },
  },
  '0010_sessions_last_seen': {
    async up(db: Kysely<any>) {
      // The session list shows when each session was last used; the prune job finds expired ones by expiry.
      await db.schema.alterTable('sessions').addColumn('last_seen_at', 'text').execute();
      await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();
    },
  },
  '0011_totp': {
    async up(db: Kysely<any>) {
      // A TOTP second factor: the secret sealed with the user's data key; unconfirmed until a first code checks out.
      await db.schema
        .createTable('totp_factors')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('totp_secret_enc', 'text', (c) => c.notNull())
        .addColumn('confirmed_at', 'text')
        .addColumn('last_step', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('totp_recovery_codes')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('totp_recovery_codes_pk', ['user_id', 'code_hash'])
        .execute();
    },
  },
};
