import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/** A value in place of each argument (or of each element of an array argument) while the query is compiled. */
const PLACEHOLDER = '\u0000reelm-prepared:';

/**
 * A query of fixed shape that Kysely builds and compiles once per database (and per length of each array
 * argument, for IN lists), then runs with new values. For the statements nearly every request runs (a session
 * lookup, a page's like marks), where building and compiling a query cost more than SQLite takes to answer it;
 * the SQL text is then the same string each time, so the statement cache finds it without hashing it anew.
 * `build` must pass its arguments straight into the query as values (each once or more): it is called with
 * placeholders. One compiled query is kept per length of each array argument, so keep those lists bounded.
 */
export class PreparedQuery<DB, Args extends readonly (string | number | readonly (string | number)[])[], Row> {
  private readonly compiled = new WeakMap<
    Kysely<DB>,
    Map<string, { query: CompiledQuery<Row>; slots: ([number, number] | undefined)[] }>
  >();

  constructor(private readonly build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>) {}

  async execute(db: Kysely<DB>, ...args: Args): Promise<Row[]> {
    const { query, slots } = this.prepare(db, args);
    const parameters = query.parameters.map((value, i) => {
      const slot = slots[i];
      if (!slot) return value;
      const arg = args[slot[0]]!;
      return Array.isArray(arg) ? arg[slot[1]] : arg;
    });
    return (await db.executeQuery<Row>({ ...query, parameters })).rows;
  }

  async executeTakeFirst(db: Kysely<DB>, ...args: Args): Promise<Row | undefined> {
    return (await this.execute(db, ...args))[0];
  }

  private prepare(db: Kysely<DB>, args: Args) {
    let byShape = this.compiled.get(db);
    if (!byShape) this.compiled.set(db, (byShape = new Map()));
    const shape = args.map((a) => (Array.isArray(a) ? a.length : '')).join(',');
    let prepared = byShape.get(shape);
    if (!prepared) {
      const placeholders = args.map((a, i) =>
        Array.isArray(a) ? a.map((_, j) => `${PLACEHOLDER}${i}:${j}`) : `${PLACEHOLDER}${i}:0`,
      ) as unknown as Args;
      const query = this.build(db, ...placeholders).compile();
      const slots = query.parameters.map((p) => {
        if (typeof p !== 'string' || !p.startsWith(PLACEHOLDER)) return undefined;
        const [i, j] = p.slice(PLACEHOLDER.length).split(':').map(Number) as [number, number];
        return [i, j] as [number, number];
      });
      const used = new Set(slots.flatMap((s) => (s ? [`${s[0]}:${s[1]}`] : [])));
      const expected = args.reduce<number>((n, a) => n + (Array.isArray(a) ? a.length : 1), 0);
      // An argument the query used in another way than as a value (or not at all) would be silently dropped.
      if (used.size !== expected)
        throw new Error('PreparedQuery: every argument must be passed into the query as a value');
      byShape.set(shape, (prepared = { query, slots }));
    }
    return prepared;
  }
}
