import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { dialectOf } from './database.js';

/**
 * Values matched by one `inList` at most: the list travels as one bound value, so this bounds the rows a page
 * selects (held in memory by the callers), not the statement's parameters.
 */
export const LIST_PAGE = 5_000;

/**
 * `column IN (values)` with the whole list as one bound value — a PostgreSQL text array, a JSON text SQLite reads
 * with json_each — instead of a parameter per value. A region's carve-out matches 100k clip ids against every table
 * of every remaining cell: 400 parameters at a time that was thousands of statements, each planned anew.
 */
export function inList(db: Kysely<any>, column: string, values: readonly string[]): Expression<SqlBool> {
  return dialectOf(db) === 'postgres'
    ? sql<SqlBool>`${sql.ref(column)} = any(${[...values]}::text[])`
    : sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(values)}))`;
}

/** `items` in pages of `size`. */
export function pagesOf<T>(items: readonly T[], size = LIST_PAGE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
