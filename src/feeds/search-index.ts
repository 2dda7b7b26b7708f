import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../db/database.js';
import type { DirectoryDb } from '../db/schema.js';

export interface SearchDocument {
  videoId: string;
  caption: string;
  hashtags: string[];
}

/**
 * Full-text search over public captions and hashtags. Embedded mode uses an SQLite FTS5 table in the
 * directory; cluster mode PostgreSQL full text (a GIN-indexed tsvector). Only public clips are indexed.
 */
export interface SearchIndex {
  /** Adds or replaces a clip's document; true when it was not indexed before. */
  upsert(doc: SearchDocument): Promise<boolean>;
  /** Removes clips' documents (ids without one are ignored). */
  removeMany(videoIds: readonly string[]): Promise<void>;
  /** Clip ids best first; every word must match (the last as a prefix, for search-as-you-type). */
  search(query: string, limit: number): Promise<string[]>;
}

/** The words of a query, lowercased; punctuation and operators are dropped so input cannot change the query syntax. */
export function queryTerms(query: string): string[] {
  return (query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).slice(0, 8);
}

export function createSearchIndex(directory: Kysely<DirectoryDb>): SearchIndex {
  return dialectOf(directory) === 'postgres' ? new PostgresSearchIndex(directory) : new SqliteSearchIndex(directory);
}

export class SqliteSearchIndex implements SearchIndex {
  constructor(private readonly db: Kysely<DirectoryDb>) {}

  // The FTS row shares the index row's rowid, so it is found without scanning the unindexed id column.
  private async rowidOf(videoId: string): Promise<number | undefined> {
    const res = await sql<{ rowid: number }>`select rowid from videos where id = ${videoId}`.execute(this.db);
    return res.rows[0]?.rowid;
  }

  async upsert(doc: SearchDocument): Promise<boolean> {
    const rowid = await this.rowidOf(doc.videoId);
    if (rowid === undefined) return false;
    const existing = await sql<{ video_id: string }>`select video_id from video_search where rowid = ${rowid}`.execute(
      this.db,
    );
    const isNew = existing.rows[0]?.video_id !== doc.videoId;
    await sql`delete from video_search where rowid = ${rowid}`.execute(this.db);
    await sql`insert into video_search (rowid, video_id, caption, hashtags) values (${rowid}, ${doc.videoId}, ${doc.caption}, ${doc.hashtags.join(' ')})`.execute(
      this.db,
    );
    return isNew;
  }

  async removeMany(videoIds: readonly string[]): Promise<void> {
    if (videoIds.length === 0) return;
    const list = (ids: readonly string[]) => sql.join(ids.map((id) => sql`${id}`));
    // By the index rows' rowids while they exist (the FTS table's id column is not indexed) …
    const rows = await sql<{
      id: string;
      rowid: number;
    }>`select id, rowid from videos where id in (${list(videoIds)})`.execute(this.db);
    if (rows.rows.length > 0)
      await sql`delete from video_search where rowid in (${sql.join(rows.rows.map((r) => sql`${r.rowid}`))}) and video_id in (${list(rows.rows.map((r) => r.id))})`.execute(
        this.db,
      );
    // … and a scan only for documents whose index row has already gone.
    const indexed = new Set(rows.rows.map((r) => r.id));
    const gone = videoIds.filter((id) => !indexed.has(id));
    if (gone.length > 0) await sql`delete from video_search where video_id in (${list(gone)})`.execute(this.db);
  }

  async search(query: string, limit: number): Promise<string[]> {
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    const match = terms.map((t, i) => `"${t}"${i === terms.length - 1 ? '*' : ''}`).join(' ');
    const res = await sql<{
      video_id: string;
    }>`select video_id from video_search where video_search match ${match} order by rank limit ${limit}`.execute(
      this.db,
    );
    return res.rows.map((r) => r.video_id);
  }
}

export class PostgresSearchIndex implements SearchIndex {
  constructor(private readonly db: Kysely<DirectoryDb>) {}

  async upsert(doc: SearchDocument): Promise<boolean> {
    const existing = await this.db
      .selectFrom('video_search')
      .select('video_id')
      .where('video_id', '=', doc.videoId)
      .executeTakeFirst();
    await this.db
      .insertInto('video_search')
      .values({ video_id: doc.videoId, caption: doc.caption, hashtags: doc.hashtags.join(' ') })
      .onConflict((oc) => oc.column('video_id').doUpdateSet({ caption: doc.caption, hashtags: doc.hashtags.join(' ') }))
      .execute();
    return existing === undefined;
  }

  async removeMany(videoIds: readonly string[]): Promise<void> {
    if (videoIds.length > 0) await this.db.deleteFrom('video_search').where('video_id', 'in', videoIds).execute();
  }

  async search(query: string, limit: number): Promise<string[]> {
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    const tsquery = terms.map((t, i) => (i === terms.length - 1 ? `${t}:*` : t)).join(' & ');
    const doc = sql`to_tsvector('simple', caption || ' ' || hashtags)`;
    const res = await sql<{
      video_id: string;
    }>`select video_id from video_search where ${doc} @@ to_tsquery('simple', ${tsquery})
      order by ts_rank(${doc}, to_tsquery('simple', ${tsquery})) desc limit ${limit}`.execute(this.db);
    return res.rows.map((r) => r.video_id);
  }
}
