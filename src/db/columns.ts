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

/** Reads a JSON array of strings from a text column; anything else counts as empty. */
export function jsonList(text: string | null | undefined): string[] {
  if (!text) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
