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
