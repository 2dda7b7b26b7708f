import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import { dialectOf } from './database.js';

/** An auto-incrementing integer primary key in either dialect (for append-only logs and queues). */
export function withSerialId<T extends string>(db: Kysely<any>, table: CreateTableBuilder<T, never>, name = 'seq') {
  return dialectOf(db) === 'postgres'
    ? table.addColumn(name, 'bigserial', (c) => c.primaryKey())
    : table.addColumn(name, 'integer', (c) => c.primaryKey().autoIncrement());
}

/** Times are ISO-8601 UTC text in both dialects, so they sort as strings and read the same everywhere. */
export function nowIso(clock: { now(): Date } = { now: () => new Date() }): string {
  return clock.now().toISOString();
}

export const emptyText = sql`''`;
