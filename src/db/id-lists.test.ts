import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase } from './database.js';
import { inList, pagesOf } from './id-lists.js';
import { PG_ADMIN_URL as PG } from '../../test/helpers/postgres.js';

describe('matching a long list of ids in one statement', () => {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    it(`finds exactly the listed ids, thousands at once, through the index (${dialect})`, async () => {
      const db = openDatabase<any>(
        dialect === 'sqlite' ? { kind: 'sqlite', file: ':memory:' } : { kind: 'postgres', url: PG },
      );
      const table = `ids_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
      try {
        await db.schema
          .createTable(table)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('n', 'integer')
          .execute();
        const all = Array.from({ length: 12_000 }, (_, i) => `id${i}`);
        for (const page of pagesOf(all, 500))
          await db
            .insertInto(table)
            .values(page.map((id, n) => ({ id, n })))
            .execute();
        // Every third id, plus ids that are not there and values that would break a hand-built list.
        const wanted = all.filter((_, i) => i % 3 === 0);
        const asked = [...wanted, 'nope', "it's", 'a"b', '\\', ''];
        const found = await db
          .selectFrom(table)
          .select('id')
          .where(() => inList(db, 'id', asked))
          .execute();
        expect(found.map((r: { id: string }) => r.id).sort()).toEqual([...wanted].sort());
        const gone = await db
          .deleteFrom(table)
          .where((eb) => eb.or([inList(db, 'id', ['id1', 'id2'])]))
          .executeTakeFirst();
        expect(Number(gone.numDeletedRows)).toBe(2);
        expect(
          await db
            .selectFrom(table)
            .select('id')
            .where(() => inList(db, 'id', []))
            .execute(),
        ).toEqual([]);
        if (dialect === 'sqlite') {
          const plan = await sql<{
            detail: string;
          }>`explain query plan select id from ${sql.table(table)} where ${inList(db, 'id', ['id3'])}`.execute(db);
          expect(plan.rows.map((r) => r.detail).join(' ')).toMatch(/USING (COVERING )?INDEX|PRIMARY KEY/);
        }
      } finally {
        await db.schema.dropTable(table).ifExists().execute();
        await db.destroy();
      }
    });
  }

  it('pages a list', () => {
    expect(pagesOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(pagesOf([], 2)).toEqual([]);
  });
});
