import type { Kysely } from 'kysely';
import type { MigrationMap } from '../db/migrations.js';

/** Mail and account security own the 6xxx band. */
export const mailCellMigrations: MigrationMap = {
  '6001_mail_outbox': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('mail_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('to_enc', 'text', (c) => c.notNull())
        .addColumn('text_enc', 'text', (c) => c.notNull())
        .addColumn('html_enc', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mail_outbox_user').on('mail_outbox').columns(['user_id', 'id']).execute();
    },
  },
};
