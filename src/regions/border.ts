import { sql, type Kysely } from 'kysely';
import type { CellDb, DirectoryDb } from '../db/schema.js';
import type { CellRegistry } from './cells.js';
import type { DataCatalog } from './catalog.js';
import { inList, pagesOf } from '../db/id-lists.js';

export type DirectoryTable = keyof DirectoryDb & string;
type Row = Record<string, unknown>;

/** A declared cross-cell flow: its name and the only fields it may carry (never protected ones). */
export interface FlowDeclaration {
  type: string;
  fields: Record<string, 'public' | 'interop'>;
  /** A flow that is a question: the receiving cell answers with rows of these tables, public columns only. */
  answers?: string[];
}
export type FlowReceiver = (payload: Record<string, unknown>, to: string) => Promise<void | Record<string, Row[]>>;

/** A directory write that went through the border: the table, the row's key (or the row) and the columns set. */
export interface DirectoryWrite {
  table: DirectoryTable;
  where: Row;
  columns: string[];
}

export class BorderViolation extends Error {
  override name = 'BorderViolation';
}

export interface BorderDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  catalog: DataCatalog;
  now: () => Date;
}

/**
 * The only module that moves data out of a cell: into the directory (public columns only) or to another
 * cell (declared interop flows only). It checks every column against the catalog, refuses anything else,
 * and counts every flow per source region, type, target and day in the source cell's flow ledger.
 */
export class Border {
  private readonly flows = new Map<string, { decl: FlowDeclaration; receiver: FlowReceiver }>();
  private readonly writeListeners: ((write: DirectoryWrite) => void)[] = [];

  constructor(private readonly deps: BorderDeps) {}

  /** Called after each directory write this process makes (copies of directory rows drop theirs). */
  onDirectoryWrite(listener: (write: DirectoryWrite) => void): void {
    this.writeListeners.push(listener);
  }

  private written(table: DirectoryTable, where: Row, columns: string[]): void {
    for (const listener of this.writeListeners) listener({ table, where, columns });
  }

  /** Inserts or updates (on `conflictKey`) a directory row on behalf of `from`'s cell. */
  async publish(from: string, flow: string, table: DirectoryTable, row: Row, conflictKey?: string[]): Promise<void> {
    this.checkDirectoryColumns(table, Object.keys(row));
    const db = this.deps.directory as Kysely<any>;
    let q = db.insertInto(table).values(row);
    if (conflictKey) {
      const updates = Object.fromEntries(
        Object.keys(row)
          .filter((k) => !conflictKey.includes(k))
          .map((k) => [k, (eb: any) => eb.ref(`excluded.${k}`)]),
      );
      q = q.onConflict((oc: any) => oc.columns(conflictKey).doUpdateSet(updates));
    }
    await q.execute();
    this.written(table, row, Object.keys(row));
    await this.count(from, flow, 'directory');
  }

  async update(from: string, flow: string, table: DirectoryTable, where: Row, set: Row): Promise<number> {
    this.checkDirectoryColumns(table, [...Object.keys(where), ...Object.keys(set)]);
    let q = (this.deps.directory as Kysely<any>).updateTable(table).set(set);
    for (const [k, v] of Object.entries(where)) q = q.where(k, '=', v);
    const res = await q.executeTakeFirst();
    this.written(table, where, Object.keys(set));
    await this.count(from, flow, 'directory');
    return Number(res.numUpdatedRows ?? 0);
  }

  /** Adds `delta` to integer counters of one directory row (aggregates leave a cell only as counts). */
  async adjustCounters(
    from: string,
    flow: string,
    table: DirectoryTable,
    where: Row,
    deltas: Record<string, number>,
  ): Promise<void> {
    this.checkDirectoryColumns(table, [...Object.keys(where), ...Object.keys(deltas)]);
    const set = Object.fromEntries(
      Object.entries(deltas).map(([k, d]) => [
        k,
        sql`case when ${sql.ref(k)} + ${d} < 0 then 0 else ${sql.ref(k)} + ${d} end`,
      ]),
    );
    let q = (this.deps.directory as Kysely<any>).updateTable(table).set(set);
    for (const [k, v] of Object.entries(where)) q = q.where(k, '=', v);
    await q.execute();
    this.written(table, where, Object.keys(deltas));
    await this.count(from, flow, 'directory');
  }

  /**
   * Adds a delta to one counter of many directory rows, named by one key column: rows changing by the same amount
   * share a statement (a region's detach lowers the counts of thousands of other users and clips at once).
   */
  async adjustCountersMany(
    from: string,
    flow: string,
    table: DirectoryTable,
    key: string,
    counter: string,
    changes: readonly { keyValue: string; delta: number }[],
  ): Promise<void> {
    this.checkDirectoryColumns(table, [key, counter]);
    const directory = this.deps.directory as Kysely<any>;
    const byDelta = new Map<number, string[]>();
    for (const c of changes) {
      if (c.delta === 0) continue;
      const keys = byDelta.get(c.delta);
      if (keys) keys.push(c.keyValue);
      else byDelta.set(c.delta, [c.keyValue]);
    }
    let rows = 0;
    for (const [delta, keys] of byDelta)
      for (const page of pagesOf(keys)) {
        await directory
          .updateTable(table)
          .set({
            [counter]: sql`case when ${sql.ref(counter)} + ${delta} < 0 then 0 else ${sql.ref(counter)} + ${delta} end`,
          })
          .where(() => inList(directory, key, page))
          .execute();
        for (const keyValue of page) this.written(table, { [key]: keyValue }, [counter]);
        rows += page.length;
      }
    if (rows > 0) await this.count(from, flow, 'directory', rows);
  }

  async remove(from: string, flow: string, table: DirectoryTable, where: Row): Promise<void> {
    this.checkDirectoryColumns(table, Object.keys(where));
    let q = (this.deps.directory as Kysely<any>).deleteFrom(table);
    for (const [k, v] of Object.entries(where)) q = q.where(k, '=', v);
    await q.execute();
    this.written(table, where, ['*']);
    await this.count(from, flow, 'directory');
  }

  /** Registers a cross-cell flow and the receiving side's handler. Protected fields cannot be declared. */
  declareFlow(decl: FlowDeclaration, receiver: FlowReceiver): void {
    for (const [field, cls] of Object.entries(decl.fields)) {
      if (cls !== 'public' && cls !== 'interop')
        throw new BorderViolation(`flow ${decl.type}: field ${field} must be public or interop`);
    }
    if (this.flows.has(decl.type)) throw new BorderViolation(`flow ${decl.type} is declared twice`);
    this.flows.set(decl.type, { decl, receiver });
  }

  /** Sends a declared flow from one cell to another; a flow within one cell is handed over without crossing. */
  async deliver(from: string, to: string, type: string, payload: Record<string, unknown>): Promise<void> {
    const flow = this.flowFor(type, payload);
    this.deps.cells.get(to);
    await flow.receiver(payload, to);
    if (from !== to) await this.count(from, type, to);
  }

  /**
   * Asks another cell a declared question and returns its answer, rows by table: only the declared tables,
   * and only columns the catalog classes public in them (e.g. a user's own comments on other regions' clips).
   */
  async ask(from: string, to: string, type: string, payload: Record<string, unknown>): Promise<Record<string, Row[]>> {
    const flow = this.flowFor(type, payload);
    const answers = flow.decl.answers;
    if (!answers) throw new BorderViolation(`flow ${type} is not a question`);
    this.deps.cells.get(to);
    const answer = (await flow.receiver(payload, to)) ?? {};
    for (const [table, rows] of Object.entries(answer)) {
      if (!answers.includes(table)) throw new BorderViolation(`flow ${type} may not answer with ${table}`);
      for (const row of rows) {
        for (const column of Object.keys(row)) {
          const cls = this.deps.catalog.classOf('cell', table, column);
          if (cls !== 'public')
            throw new BorderViolation(`flow ${type} may not answer with ${table}.${column} (${cls ?? 'unclassified'})`);
        }
      }
    }
    if (from !== to) await this.count(from, type, to);
    return answer;
  }

  private flowFor(type: string, payload: Record<string, unknown>): { decl: FlowDeclaration; receiver: FlowReceiver } {
    const flow = this.flows.get(type);
    if (!flow) throw new BorderViolation(`flow ${type} is not declared`);
    for (const key of Object.keys(payload)) {
      if (!(key in flow.decl.fields)) throw new BorderViolation(`flow ${type} may not carry field ${key}`);
    }
    return flow;
  }

  private checkDirectoryColumns(table: DirectoryTable, columns: string[]): void {
    for (const column of columns) {
      const cls = this.deps.catalog.classOf('directory', table, column);
      if (cls !== 'public')
        throw new BorderViolation(`directory column ${table}.${column} is ${cls ?? 'unclassified'}, not public`);
    }
  }

  private async count(from: string, flow: string, target: string, n = 1): Promise<void> {
    const db = this.deps.cells.get(from).db as Kysely<CellDb>;
    const day = this.deps.now().toISOString().slice(0, 10);
    await db
      .insertInto('border_flows')
      .values({ day, flow, target, count: n })
      .onConflict((oc) => oc.columns(['day', 'flow', 'target']).doUpdateSet({ count: sql`border_flows.count + ${n}` }))
      .execute();
  }

  /** The flow ledger of one region: counts by day, flow type and target. Aggregates only. */
  async ledger(region: string): Promise<{ day: string; flow: string; target: string; count: number }[]> {
    return this.deps.cells
      .get(region)
      .db.selectFrom('border_flows')
      .selectAll()
      .orderBy('day')
      .orderBy('flow')
      .orderBy('target')
      .execute();
  }
}
