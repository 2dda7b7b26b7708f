import { sql, type Kysely } from 'kysely';
import type { MigrationMap } from '../db/migrations.js';

export const mediaDirectoryMigrations: MigrationMap = {
  '1000_video_index': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('videos')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('caption', 'text', (c) => c.notNull())
        .addColumn('hashtags', 'text', (c) => c.notNull())
        .addColumn('mentions', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('sound_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text', (c) => c.notNull())
        .addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('comment_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('share_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('watch_ms_total', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('completion_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('videos_author').on('videos').columns(['author_id', 'id']).execute();
      await db.schema.createIndex('videos_published').on('videos').columns(['published_at', 'id']).execute();
      await db.schema.createIndex('videos_sound').on('videos').columns(['sound_id', 'id']).execute();
      await db.schema
        .createTable('sounds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('video_id', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('video_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '1002_clip_media_epoch': {
    async up(db: Kysely<any>) {
      // Part of a public clip's media path (see MediaUrls): bumped in the cell when access to the clip narrows.
      await db.schema
        .alterTable('videos')
        .addColumn('media_epoch', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '1010_remix_refs': {
    async up(db: Kysely<any>) {
      // The public clip a public duet or stitch was made from, so feed cards can name it without a cell read.
      await db.schema.alterTable('videos').addColumn('duet_of', 'text').execute();
      await db.schema.alterTable('videos').addColumn('stitch_of', 'text').execute();
    },
  },
  '1021_index_captions_cover': {
    async up(db: Kysely<any>) {
      // A public clip's caption languages (JSON list) and chosen cover frame: its cards render them from the index.
      await db.schema
        .alterTable('videos')
        .addColumn('captions', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema.alterTable('videos').addColumn('cover_ms', 'integer').execute();
    },
  },
  '1030_index_remix_lookups': {
    async up(db: Kysely<any>) {
      // Clips made from a given clip: a region's detach unlinks them a page of originals at a time (without these
      // each page scanned the whole index). Few clips are duets or stitches, so only those are indexed.
      await remixIndexes(db);
    },
  },
  '1031_index_remix_switches': {
    async up(db: Kysely<any>) {
      // Copies of the author's duet, stitch and comment switches: feed cards offer only what is allowed, and
      // feed pages read no cell. Clips indexed before get theirs at the next start (VideoService.reconcileSwitches).
      for (const column of ['allow_duets', 'allow_stitches', 'allow_comments'])
        await db.schema
          .alterTable('videos')
          .addColumn(column, 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
    },
  },
};

/** Partial indexes on the columns naming a duet's or stitch's original (index and cells alike). */
async function remixIndexes(db: Kysely<any>): Promise<void> {
  for (const column of ['duet_of', 'stitch_of'])
    await db.schema.createIndex(`videos_${column}`).on('videos').column(column).where(column, 'is not', null).execute();
}

export const mediaCellMigrations: MigrationMap = {
  '1000_videos': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('videos')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('progress', 'real', (c) => c.notNull().defaultTo(0))
        .addColumn('playable', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('caption', 'text', (c) => c.notNull())
        .addColumn('hashtags', 'text', (c) => c.notNull())
        .addColumn('mentions', 'text', (c) => c.notNull())
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer')
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('has_audio', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('source_name', 'text')
        .addColumn('sound_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('videos_owner').on('videos').columns(['owner_id', 'id']).execute();
      await db.schema
        .createTable('sounds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('video_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '1001_video_size': {
    async up(db: Kysely<any>) {
      // The uploaded source's size, shown to the owner and used by quotas later.
      await db.schema.alterTable('videos').addColumn('size_bytes', 'integer').execute();
    },
  },
  '1002_clip_access': {
    async up(db: Kysely<any>) {
      // 'none' | 'restricted' | 'removed': the moderation state the access rule knows (clip-access.ts).
      await db.schema
        .alterTable('videos')
        .addColumn('moderation', 'text', (c) => c.notNull().defaultTo('none'))
        .execute();
      // Bumped when access to the clip narrows: every media URL handed out before stops resolving.
      await db.schema
        .alterTable('videos')
        .addColumn('media_epoch', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Following reads followers-only clips from the creators' cells; they are few, so a partial index keeps
      // that read to them alone.
      await sql`create index videos_followers_only on videos (owner_id, id) where visibility = 'followers'`.execute(db);
    },
  },
  '1003_clip_moderation_details': {
    async up(db: Kysely<any>) {
      // What the author is told about a moderated clip (the decision and its ground), and where a withheld clip is
      // hidden (a JSON list of regions; the access rule reads it with `moderation = 'withheld'`).
      await db.schema.alterTable('videos').addColumn('moderation_policy', 'text').execute();
      await db.schema.alterTable('videos').addColumn('moderation_decision_id', 'text').execute();
      await db.schema
        .alterTable('videos')
        .addColumn('withheld_regions', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
  },
  '1010_remix': {
    async up(db: Kysely<any>) {
      // What the author lets others do with the clip (1 = allowed), read when someone duets, stitches or comments.
      for (const column of ['allow_duets', 'allow_stitches', 'allow_comments']) {
        await db.schema
          .alterTable('videos')
          .addColumn(column, 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
      }
      // What the clip was composed from: kept on the clip, whatever becomes of the original.
      await db.schema.alterTable('videos').addColumn('duet_of', 'text').execute();
      await db.schema.alterTable('videos').addColumn('duet_layout', 'text').execute();
      await db.schema.alterTable('videos').addColumn('stitch_of', 'text').execute();
      await db.schema.alterTable('videos').addColumn('stitch_ms', 'integer').execute();
    },
  },
  '1020_captions_drafts_cover': {
    async up(db: Kysely<any>) {
      // The languages a clip has WebVTT captions in (JSON list; the files live in the media store).
      await db.schema
        .alterTable('videos')
        .addColumn('captions', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      // A draft (1) or a clip scheduled for `publish_at` is its owner's alone until published (clip-access.ts).
      await db.schema
        .alterTable('videos')
        .addColumn('draft', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('videos').addColumn('publish_at', 'text').execute();
      // The moment the poster was taken from, once the owner picked one (null: the transcoder's choice).
      await db.schema.alterTable('videos').addColumn('cover_ms', 'integer').execute();
      // The owner's drafts tab reads only these.
      await sql`create index videos_unpublished on videos (owner_id, id) where draft = 1 or publish_at is not null`.execute(
        db,
      );
    },
  },
  '1030_index_remix_lookups': {
    async up(db: Kysely<any>) {
      // Clips that use a sound or were made from a clip, found by it: a detach unlinks them a page at a time.
      await db.schema
        .createIndex('videos_sound_used')
        .on('videos')
        .column('sound_id')
        .where('sound_id', 'is not', null)
        .execute();
      await remixIndexes(db);
    },
  },
  '1031_index_switched_off': {
    async up(db: Kysely<any>) {
      // The few clips with a switch turned off: a start compares their index copies (reconcileIndex) without
      // reading every clip of the cell.
      await sql`create index videos_switched_off on videos (id) where allow_duets = 0 or allow_stitches = 0 or allow_comments = 0`.execute(
        db,
      );
    },
  },
};
