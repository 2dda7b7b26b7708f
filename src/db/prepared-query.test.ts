import { afterEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { openDatabase } from './database.js';
import { PreparedQuery } from './prepared-query.js';

interface Db {
  items: { id: string; owner: string; n: number };
}

describe('PreparedQuery', () => {
  let db: Kysely<Db> | undefined;
  afterEach(async () => db?.destroy());

  async function items(): Promise<Kysely<Db>> {
    db = openDatabase<Db>({ kind: 'sqlite', file: ':memory:' });
    await db.schema
      .createTable('items')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text')
      .addColumn('n', 'integer')
      .execute();
    await db
      .insertInto('items')
      .values([
        { id: 'a', owner: 'x', n: 1 },
        { id: 'b', owner: 'x', n: 2 },
        { id: 'c', owner: 'y', n: 3 },
        { id: 'd', owner: 'x', n: 4 },
      ])
      .execute();
    return db;
  }

  it('answers as the query built anew each time would, for any values and list lengths, constants kept', async () => {
    const d = await items();
    const build = (k: Kysely<Db>, owner: string, ids: readonly string[]) =>
      k
        .selectFrom('items')
        .select(['id', 'n'])
        .where('owner', '=', owner)
        .where('id', 'in', ids)
        .where('n', '<', 4)
        .orderBy('id');
    const prepared = new PreparedQuery(build);
    for (const [owner, ids] of [
      ['x', ['a', 'b', 'c', 'd']],
      ['y', ['c']],
      ['x', ['d', 'a']],
      ['y', ['a', 'b']],
      ['x', ['b']],
    ] as const) {
      expect(await prepared.execute(d, owner, ids)).toEqual(await build(d, owner, ids).execute());
    }
    expect(await prepared.executeTakeFirst(d, 'x', ['z'])).toBeUndefined();
  });

  it('refuses a build that does not pass an argument into the query as a value', async () => {
    const d = await items();
    const prepared = new PreparedQuery((k: Kysely<Db>, owner: string) =>
      k.selectFrom('items').select('id').where('owner', '=', owner.toUpperCase()),
    );
    await expect(prepared.execute(d, 'x')).rejects.toThrow(/as a value/);
  });
});
