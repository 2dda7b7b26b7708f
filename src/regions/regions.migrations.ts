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
};
