import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import {
  DirObjects,
  PAGE,
  RoutedObjects,
  TableStore,
  copyObjects,
  copyRows,
  type CopyState,
} from './carve-out-copy.js';

/** A state that can be made to fail after a number of writes: a crash between two pages. */
function state(failAfter = Infinity): CopyState & { data: Record<string, unknown> } {
  const data: Record<string, unknown> = {};
  let writes = 0;
  return {
    data,
    get: <T>(key: string) => data[key] as T | undefined,
    set(key, value) {
      data[key] = value;
      if (++writes >= failAfter) throw new Error('crash');
    },
  };
}

describe('the carve-out copy engine', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'reelm-copy-'));
    dirs.push(d);
    return d;
  };

  it('copies a table in keyset pages, and a rerun after a crash continues from the last page without duplicates', async () => {
    const dir = temp();
    const make = async (file: string): Promise<Kysely<any>> => {
      const db = openDatabase<any>({ kind: 'sqlite', file: join(dir, file) });
      await sql`create table t (a text not null, b integer not null, v text, primary key (a, b))`.execute(db);
      return db;
    };
    const from = await make('from.sqlite');
    const to = await make('to.sqlite');
    const rows = Array.from({ length: PAGE * 2 + 37 }, (_, i) => ({ a: `k${i % 7}`, b: i, v: `value ${i}` }));
    for (let i = 0; i < rows.length; i += 200)
      await from
        .insertInto('t')
        .values(rows.slice(i, i + 200))
        .execute();
    const source = new TableStore(from);
    const sink = new TableStore(to);
    expect(await source.primaryKey('t')).toEqual(['a', 'b']);
    const s = state(2);
    await expect(copyRows(source, sink, 't', { state: s, stateKey: 'rows.t' })).rejects.toThrow('crash');
    const partial = Number((await sql<{ n: number }>`select count(*) as n from t`.execute(to)).rows[0]!.n);
    expect(partial).toBe(PAGE * 2);
    // The rerun reads from the position of the last page written, not from the start.
    const resumed = await copyRows(source, sink, 't', {
      state: { ...s, set: (k, v) => (s.data[k] = v) },
      stateKey: 'rows.t',
    });
    expect(resumed).toBe(37);
    const copied = await to.selectFrom('t').selectAll().orderBy('b').execute();
    expect(copied).toEqual(rows);
    expect(s.data['rows.t']).toBe('done');
    // A finished copy is not redone.
    expect(await copyRows(source, sink, 't', { state: s, stateKey: 'rows.t' })).toBe(0);
    // A table without a primary key pages by a unique index over NOT NULL columns (like moderation's case_reports).
    await sql`create table r (case_id text not null, note text, ref text not null unique)`.execute(from);
    expect(await source.primaryKey('r')).toEqual(['ref']);
    await from.destroy();
    await to.destroy();
  });

  it('copies a folder a listing page at a time and resumes after the last object copied', async () => {
    const src = temp();
    for (let i = 0; i < 25; i++) {
      mkdirSync(join(src, 'media', `clip${String(i).padStart(2, '0')}`), { recursive: true });
      writeFileSync(join(src, 'media', `clip${String(i).padStart(2, '0')}`, 'master.m3u8'), `#EXTM3U ${i}`);
    }
    writeFileSync(join(src, 'cell.sqlite'), 'not an object');
    const out = temp();
    const source = new DirObjects(src, (p) => p.startsWith('cell.sqlite'));
    const sink = new RoutedObjects([new DirObjects(out)]);
    const s = state(2);
    await expect(copyObjects(source, sink, { state: s, stateKey: 'o', pageSize: 10 })).rejects.toThrow('crash');
    expect(s.data.o).toBe('media/clip19/master.m3u8');
    let reads = 0;
    const counting = Object.assign(Object.create(source) as DirObjects, {
      read: async (p: string) => {
        reads += 1;
        return source.read(p);
      },
    });
    const res = await copyObjects(counting, sink, {
      state: { ...s, set: (k, v) => (s.data[k] = v) },
      stateKey: 'o',
      pageSize: 10,
    });
    expect(res.objects).toBe(5);
    expect(reads).toBe(5);
    expect(readFileSync(join(out, 'media', 'clip24', 'master.m3u8'), 'utf8')).toBe('#EXTM3U 24');
    expect(readFileSync(join(out, 'media', 'clip00', 'master.m3u8'), 'utf8')).toBe('#EXTM3U 0');
    expect((await new DirObjects(out).list(undefined, 100)).map((e) => e.path)).not.toContain('cell.sqlite');
    // Writes are whole or not at all: the body lands under a temporary name first.
    await new DirObjects(out).write('media/x/y.m4s', Readable.from([Buffer.from('abc')]));
    expect(readFileSync(join(out, 'media', 'x', 'y.m4s'), 'utf8')).toBe('abc');
  });
});
