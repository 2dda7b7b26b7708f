import { sql, type Kysely } from 'kysely';
import type { MigrationMap } from '../db/migrations.js';

export const moderationCellMigrations: MigrationMap = {
  '5000_moderation': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('reporter_id', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('target_region', 'text', (c) => c.notNull())
        .addColumn('target_video_id', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull().unique())
        .addColumn('outcome', 'text')
        .addColumn('outcome_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // One report per reporter and target: a second one counts nothing.
      await db.schema
        .createIndex('reports_once')
        .on('reports')
        .columns(['reporter_id', 'target_type', 'target_id'])
        .unique()
        .execute();
      await db.schema.createIndex('reports_recent').on('reports').columns(['reporter_id', 'created_at']).execute();

      await db.schema
        .createTable('moderation_cases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('subject_region', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('report_count', 'integer', (c) => c.notNull())
        .addColumn('appealed_decision_id', 'text')
        .addColumn('appeal_text', 'text')
        .addColumn('decision_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .execute();
      // The queue: by status, highest priority first, oldest first within one priority.
      await db.schema
        .createIndex('moderation_cases_queue')
        .on('moderation_cases')
        .columns(['status', 'priority', 'id'])
        .execute();
      // At most one open report case per target (reports gather into it).
      await sql`create unique index moderation_cases_open on moderation_cases (target_type, target_id) where status = 'open' and kind = 'report'`.execute(
        db,
      );
      await db.schema
        .createIndex('moderation_cases_target')
        .on('moderation_cases')
        .columns(['target_type', 'target_id'])
        .execute();

      await db.schema
        .createTable('case_reports')
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull().unique())
        .addColumn('reply_region', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('case_reports_case').on('case_reports').column('case_id').execute();

      await db.schema
        .createTable('moderation_decisions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('subject_region', 'text', (c) => c.notNull())
        .addColumn('moderator_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('policy', 'text')
        .addColumn('statement', 'text', (c) => c.notNull())
        .addColumn('regions', 'text', (c) => c.notNull())
        .addColumn('days', 'integer')
        .addColumn('automated', 'integer', (c) => c.notNull())
        .addColumn('strike', 'integer', (c) => c.notNull())
        .addColumn('reversed_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('moderation_decisions_target')
        .on('moderation_decisions')
        .columns(['target_type', 'target_id', 'id'])
        .execute();

      await db.schema
        .createTable('moderation_notices')
        .addColumn('decision_id', 'text', (c) => c.primaryKey())
        .addColumn('decision_region', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('policy', 'text')
        .addColumn('statement', 'text', (c) => c.notNull())
        .addColumn('automated', 'integer', (c) => c.notNull())
        .addColumn('strike', 'integer', (c) => c.notNull())
        .addColumn('appeal_until', 'text')
        .addColumn('appeal_status', 'text')
        .addColumn('appealed_at', 'text')
        .addColumn('appeal_decided_at', 'text')
        .addColumn('reversed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('moderation_notices_user')
        .on('moderation_notices')
        .columns(['user_id', 'decision_id'])
        .execute();

      await db.schema
        .createTable('blocked_terms')
        .addColumn('term', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
