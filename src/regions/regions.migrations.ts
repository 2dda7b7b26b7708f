import type { Kysely } from 'kysely';
import type { MigrationMap } from '../db/migrations.js';

export const regionsCellMigrations: MigrationMap = {
  '3000_border_flows': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('border_flows')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('flow', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('border_flows_pk', ['day', 'flow', 'target'])
        .execute();
    },
  },
  '3001_audit_chain': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('audit_entries')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_entries_action').on('audit_entries').columns(['action', 'seq']).execute();
      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_head')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '3002_access_grants': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('access_grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('requester_id', 'text', (c) => c.notNull())
        .addColumn('requester_jurisdiction', 'text', (c) => c.notNull())
        .addColumn('requester_role', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('duration_minutes', 'integer', (c) => c.notNull())
        .addColumn('break_glass', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('approvals', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('approved_at', 'text')
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema
        .createIndex('access_grants_holder')
        .on('access_grants')
        .columns(['requester_id', 'subject_id', 'status'])
        .execute();
      await db.schema
        .createTable('auditor_notices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text', (c) => c.notNull())
        .addColumn('requester_id', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('transparency_counts')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('metric', 'text', (c) => c.notNull())
        .addColumn('jurisdiction', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('transparency_counts_pk', ['day', 'metric', 'jurisdiction'])
        .execute();
    },
  },
  '3003_data_exports': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('data_exports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'integer')
        .addColumn('error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('ready_at', 'text')
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema.createIndex('data_exports_user').on('data_exports').columns(['user_id', 'id']).execute();
    },
  },
  // A home-region move's record (src/regions/home-move.ts): in the old cell while it runs, in the new one after.
  '3010_home_moves': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('home_moves')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('from_region', 'text', (c) => c.notNull())
        .addColumn('to_region', 'text', (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('home_moves_user').on('home_moves').columns(['user_id', 'created_at']).execute();
    },
  },
};
