import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { DIALECTS, startTestApp, type TestApp } from '../helpers/app.js';
import { FTS_SHADOW_SUFFIXES } from '../../src/feeds/feeds.catalog.js';

/** SQLite FTS5 keeps a virtual table's index in shadow tables (`<name>_data`, …); the virtual table itself is classified. */
function isFtsShadow(name: string, all: string[]): boolean {
  return FTS_SHADOW_SUFFIXES.some((suffix) => name.endsWith(suffix) && all.includes(name.slice(0, -suffix.length)));
}

/** Every column of every table must be classified; the directory must hold nothing protected. */
describe.each(DIALECTS)('data catalog (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(async () => {
    await t.destroy();
  });

  async function columnsOf(db: Kysely<any>): Promise<[string, string][]> {
    const tables = await db.introspection.getTables();
    return tables
      .filter(
        (table) =>
          !table.name.startsWith('kysely_') &&
          !table.name.startsWith('sqlite_') &&
          !isFtsShadow(
            table.name,
            tables.map((x) => x.name),
          ),
      )
      .flatMap((table) => table.columns.map((c) => [table.name, c.name] as [string, string]));
  }

  it('classifies every directory column as public', async () => {
    const columns = await columnsOf(t.ctx.directory);
    expect(columns.length).toBeGreaterThan(5);
    const unclassified = columns.filter(([table, col]) => !t.ctx.catalog.classOf('directory', table, col));
    expect(unclassified).toEqual([]);
    const notPublic = columns.filter(([table, col]) => t.ctx.catalog.classOf('directory', table, col) === 'protected');
    expect(notPublic).toEqual([]);
  });

  it('classifies every column of every cell', async () => {
    for (const cell of t.ctx.cells.all()) {
      const columns = await columnsOf(cell.db);
      expect(columns.length).toBeGreaterThan(10);
      const unclassified = columns.filter(([table, col]) => !t.ctx.catalog.classOf('cell', table, col));
      expect(unclassified, `unclassified columns in cell ${cell.region}`).toEqual([]);
    }
  });

  it('declares no table in the catalog that the stores lack', async () => {
    const dirTables = new Set((await t.ctx.directory.introspection.getTables()).map((x) => x.name));
    for (const table of Object.keys(t.ctx.catalog.tablesOf('directory'))) expect(dirTables, table).toContain(table);
    const cellTables = new Set((await t.ctx.cells.get('us').db.introspection.getTables()).map((x) => x.name));
    for (const table of Object.keys(t.ctx.catalog.tablesOf('cell'))) {
      // FTS shadow tables and virtual tables are introspected differently; the base name must exist.
      expect(
        [...cellTables].some((name) => name === table),
        table,
      ).toBe(true);
    }
  });
});
