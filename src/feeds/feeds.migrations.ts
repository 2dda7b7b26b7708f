import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../db/database.js';
import type { MigrationMap } from '../db/migrations.js';

export const feedsDirectoryMigrations: MigrationMap = {
  '4000_video_search': {
    async up(db: Kysely<any>) {
      if (dialectOf(db) === 'postgres') {
        // PostgreSQL: a plain table with a GIN index over its tsvector; see PostgresSearchIndex.
        await db.schema
          .createTable('video_search')
          .addColumn('video_id', 'text', (c) => c.primaryKey())
          .addColumn('caption', 'text', (c) => c.notNull())
          .addColumn('hashtags', 'text', (c) => c.notNull())
          .execute();
        await sql`create index video_search_tsv on video_search using gin (to_tsvector('simple', caption || ' ' || hashtags))`.execute(
          db,
        );
        return;
      }
      await sql`create virtual table video_search using fts5(video_id unindexed, caption, hashtags, tokenize = 'unicode61 remove_diacritics 2')`.execute(
        db,
      );
    },
  },
};

export const feedsCellMigrations: MigrationMap = {
  '4000_muted_words': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('muted_words')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('word', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('muted_words_pk', ['user_id', 'word'])
        .execute();
    },
  },
};
