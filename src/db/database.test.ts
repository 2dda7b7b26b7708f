import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';

describe('openDatabase (SQLite)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('drops ANALYZE’s per-value samples (sqlite_stat4) and keeps its row counts (sqlite_stat1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reelm-db-'));
    dirs.push(dir);
    const file = join(dir, 'analyzed.sqlite');
    const raw = new SQLite(file);
    raw.exec('CREATE TABLE likes (user_id TEXT, video_id TEXT, PRIMARY KEY (user_id, video_id))');
    const insert = raw.prepare('INSERT INTO likes VALUES (?, ?)');
    for (let i = 0; i < 2000; i++) insert.run(`u${i % 50}`, `v${i}`);
    raw.exec('ANALYZE');
    const count = (table: string, db: SQLite.Database) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    // The test is only meaningful where ANALYZE writes samples, as better-sqlite3's build does.
    expect(count('sqlite_stat4', raw)).toBeGreaterThan(0);
    raw.close();

    const db = openDatabase<{ likes: { user_id: string; video_id: string } }>({ kind: 'sqlite', file });
    expect(
      await db
        .selectFrom('likes')
        .select('video_id')
        .where('user_id', '=', 'u7')
        .where('video_id', 'in', ['v7', 'v57', 'v8'])
        .execute(),
    ).toHaveLength(2);
    await db.destroy();

    const after = new SQLite(file, { readonly: true });
    expect(count('sqlite_stat4', after)).toBe(0);
    expect(count('sqlite_stat1', after)).toBeGreaterThan(0);
    after.close();
  });
});
