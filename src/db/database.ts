import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, type Dialect, type SqliteDatabase } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

/** Where a store lives: a SQLite file (embedded) or a PostgreSQL URL (cluster). */
export type StoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export function openDatabase<DB>(location: StoreLocation): Kysely<DB> {
  let dialect: Dialect;
  if (location.kind === 'sqlite') {
    if (location.file !== ':memory:') mkdirSync(dirname(location.file), { recursive: true });
    const db = new SQLite(location.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Deleted and overwritten rows are zeroed on disk, so an erased account leaves no bytes behind.
    db.pragma('secure_delete = ON');
    // Concurrent readers/writers across processes (CLI next to a running server) wait instead of failing.
    db.pragma('busy_timeout = 5000');
    dropValueSamples(db);
    dialect = new SqliteDialect({ database: cachingStatements(db) });
  } else {
    const pool = new pg.Pool({ connectionString: location.url, max: 10 });
    // An idle connection dropped by the server (restart, failover, DROP DATABASE) must not crash the
    // process: the pool replaces it, and a query in flight gets its own error.
    pool.on('error', () => undefined);
    dialect = new PostgresDialect({ pool });
  }
  return new Kysely<DB>({ dialect });
}

/**
 * better-sqlite3 builds SQLite with SQLITE_ENABLE_STAT4. Once ANALYZE (or `PRAGMA optimize`, which SQLite
 * advises running now and then) has stored per-value samples in sqlite_stat4, SQLite plans a statement anew each
 * time it runs with new values, since the best plan could depend on them. Reelm's statements are short indexed
 * lookups whose plan never does, and that re-planning cost more than answering them: on the feed bench's
 * analyzed data it took a third of the server's time (For You ~1,100 req/s with the samples, ~1,580 without).
 * The samples are dropped when a database is opened; sqlite_stat1's row counts, which the planner does use to
 * choose between indexes, stay.
 */
function dropValueSamples(db: SQLite.Database): void {
  const stat4 = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'").get();
  if (!stat4 || !db.prepare('SELECT 1 FROM sqlite_stat4 LIMIT 1').get()) return;
  db.exec('DELETE FROM sqlite_stat4');
  // The planner reads the statistics when it loads the schema: load them again without the samples.
  db.exec('ANALYZE sqlite_schema');
}

/** Prepared statements kept per SQL text (most recently used). */
const STATEMENT_CACHE = 1000;

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs as much as running a small indexed
 * query. Reusing statements by SQL text is safe: the driver runs one query at a time on its connection,
 * and SQLite re-prepares a statement itself when the schema changes.
 */
function cachingStatements(db: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let stmt = statements.get(sql);
      if (stmt) statements.delete(sql);
      else {
        stmt = db.prepare(sql);
        if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
      }
      // Map order is the LRU order.
      statements.set(sql, stmt);
      return stmt;
    },
  };
}

export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
