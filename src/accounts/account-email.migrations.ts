import type { Kysely } from 'kysely';
import type { MigrationMap } from '../db/migrations.js';

/** Account security (issue 15: addresses, mail tokens) shares mail's 6xxx band. */
export const accountEmailCellMigrations: MigrationMap = {
  '6002_account_emails': {
    async up(db: Kysely<any>) {
      // Existing accounts get their row at start (AccountEmailService.backfill): a migration has no keys.
      await db.schema
        .createTable('account_emails')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('blind_index', 'text', (c) => c.notNull().unique())
        .addColumn('verified_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('account_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('blind_index', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('account_tokens_user').on('account_tokens').columns(['user_id', 'purpose']).execute();
    },
  },
};
