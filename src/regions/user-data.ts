import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../db/database.js';
import { inList, LIST_PAGE, pagesOf } from '../db/id-lists.js';
import type { Border, DirectoryTable } from './border.js';
import type { CounterRule, DataCatalog, StoreKind } from './catalog.js';

/**
 * Generic access to "everything that names a user", driven by the catalog's per-table user columns
 * (declared by each domain or found by naming convention). Export, account purge and region carve-out
 * use it, so a table added later is covered by its catalog entry alone.
 */

const CHUNK = 400;
/** Ids per page where the rows they name are read into memory (counter rules, cascades). */
const ROW_PAGE = 1_000;
type Row = Record<string, unknown>;

/** One directory counter to lower after rows were removed; `through` says the key still has to be looked up. */
export interface CounterDelta {
  directoryTable: string;
  key: string;
  keyValue: string;
  counter: string;
  delta: number;
  through?: CounterRule['through'];
}

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Rows of every user table that name any of `ids`, by table. With `subjectsOnly`, only rows that are the
 * users' own data (export), not rows that merely mention them (purge and carve-out take those too).
 */
export async function rowsNaming(
  db: Kysely<any>,
  catalog: DataCatalog,
  kind: StoreKind,
  ids: string[],
  skip: readonly string[] = [],
  subjectsOnly = false,
): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  const tables = subjectsOnly && kind === 'cell' ? catalog.subjectTables() : catalog.userTables(kind);
  for (const { table, columns } of tables) {
    if (skip.includes(table)) continue;
    const seen = new Set<string>();
    const rows: Row[] = [];
    for (const part of pagesOf(ids)) {
      const found = (await db
        .selectFrom(table)
        .selectAll()
        .where((eb) => eb.or(columns.map((c) => inList(db, c, part))))
        .execute()) as Row[];
      for (const row of found) {
        const key = JSON.stringify(row);
        if (!seen.has(key)) rows.push(row);
        seen.add(key);
      }
    }
    if (rows.length > 0) out[table] = rows;
  }
  return out;
}

/** The first row (by the `at` time) of each group of rows sharing the `per` columns and one window of `at`. */
function firstOfGroups(rows: Row[], once: NonNullable<CounterRule['once']>): Row[] {
  const first = new Map<string, Row>();
  for (const row of rows) {
    const at = Date.parse(String(row[once.at] ?? ''));
    const group = JSON.stringify([...once.per.map((c) => String(row[c])), Math.floor(at / once.windowMs)]);
    const held = first.get(group);
    if (!held || String(row[once.at]) < String(held[once.at])) first.set(group, row);
  }
  return [...first.values()];
}

/**
 * Deletes the rows of every user table that name any of `ids` (except `skip`) and, with `videoIds`, the rows
 * about those clips (the catalog's `videoRefs`), with their cascades (replies of a removed comment). Counters
 * kept in the same store are fixed here; the directory counters that lose one per removed row are returned
 * (see `applyCounterDeltas`), leaving out counters of `ids` themselves.
 */
export async function deleteRowsNaming(
  db: Kysely<any>,
  catalog: DataCatalog,
  kind: StoreKind,
  ids: string[],
  skip: readonly string[] = [],
  options: { videoIds?: string[] } = {},
): Promise<{ removed: Record<string, number>; deltas: CounterDelta[] }> {
  const removed: Record<string, number> = {};
  const deltas = new Map<string, CounterDelta>();
  const cellDeltas = new Map<
    string,
    { table: string; key: string; keyValue: string; counter: string; delta: number }
  >();
  const idSet = new Set(ids);

  const remove = async (table: string, columns: string[], values: string[]): Promise<void> => {
    const rules = kind === 'cell' ? catalog.counters(table) : [];
    const cascades = kind === 'cell' ? catalog.cascades(table) : [];
    // Rows read for counters and cascades are held while a page is handled: smaller pages keep that bounded.
    const readsRows = rules.length > 0 || cascades.length > 0;
    for (const part of pagesOf(values, readsRows ? ROW_PAGE : LIST_PAGE)) {
      const where = (eb: any) => eb.or(columns.map((c) => inList(db, c, part)));
      let rows: Row[] = [];
      if (readsRows) rows = (await db.selectFrom(table).selectAll().where(where).execute()) as Row[];
      for (const rule of rules) {
        for (const row of rule.once ? firstOfGroups(rows, rule.once) : rows) {
          if (rule.when && Object.entries(rule.when).some(([k, v]) => String(row[k]) !== String(v))) continue;
          const amount = rule.amount ? Number(row[rule.amount] ?? 0) : 1;
          if (!amount) continue;
          const keyValue = String(row[rule.from] ?? '');
          if (!keyValue || (!rule.through && idSet.has(keyValue))) continue;
          if (rule.cellTable) {
            const k = `${rule.cellTable}|${rule.key}|${keyValue}|${rule.counter}`;
            const d = cellDeltas.get(k) ?? {
              table: rule.cellTable,
              key: rule.key,
              keyValue,
              counter: rule.counter,
              delta: 0,
            };
            d.delta -= amount;
            cellDeltas.set(k, d);
            continue;
          }
          const k = `${rule.directoryTable}|${rule.key}|${keyValue}|${rule.counter}|${rule.through?.table ?? ''}`;
          const d = deltas.get(k) ?? {
            directoryTable: rule.directoryTable!,
            key: rule.key,
            keyValue,
            counter: rule.counter,
            delta: 0,
            ...(rule.through ? { through: rule.through } : {}),
          };
          d.delta -= amount;
          deltas.set(k, d);
        }
      }
      const res = await db.deleteFrom(table).where(where).executeTakeFirst();
      const n = Number(res.numDeletedRows ?? 0);
      if (n > 0) removed[table] = (removed[table] ?? 0) + n;
      for (const cascade of cascades) {
        const parents = [
          ...new Set(rows.map((r) => r[cascade.parentColumn]).filter((v): v is string => typeof v === 'string')),
        ];
        if (parents.length > 0) await remove(table, [cascade.column], parents);
      }
    }
  };

  for (const { table, columns } of catalog.userTables(kind)) {
    if (!skip.includes(table)) await remove(table, columns, ids);
  }
  if (kind === 'cell' && options.videoIds && options.videoIds.length > 0) {
    for (const { table, columns } of catalog.videoRefTables()) {
      if (!skip.includes(table)) await remove(table, columns, options.videoIds);
    }
  }
  for (const d of cellDeltas.values()) {
    const c = sql.ref(d.counter);
    await db
      .updateTable(d.table)
      .set({ [d.counter]: sql`case when ${c} + ${d.delta} < 0 then 0 else ${c} + ${d.delta} end` })
      .where(d.key, '=', d.keyValue)
      .execute();
  }
  return { removed, deltas: [...deltas.values()] };
}

/**
 * Applies counter deltas to the directory through the border, resolving `through` keys (a like's clip → its
 * creator) from the directory first. Counters of `exclude` (the users being removed) are left alone.
 */
export async function applyCounterDeltas(
  directory: Kysely<any>,
  border: Border,
  from: string,
  flow: string,
  deltas: CounterDelta[],
  exclude: ReadonlySet<string> = new Set(),
): Promise<void> {
  const merged = new Map<string, CounterDelta>();
  const add = (d: CounterDelta) => {
    if (exclude.has(d.keyValue)) return;
    const k = `${d.directoryTable}|${d.key}|${d.keyValue}|${d.counter}`;
    const m = merged.get(k) ?? { ...d, delta: 0, through: undefined };
    m.delta += d.delta;
    merged.set(k, m);
  };
  const byLookup = new Map<string, CounterDelta[]>();
  for (const d of deltas) {
    if (!d.through) add(d);
    else {
      const k = JSON.stringify(d.through);
      const group = byLookup.get(k);
      if (group) group.push(d);
      else byLookup.set(k, [d]);
    }
  }
  for (const group of byLookup.values()) {
    const through = group[0]!.through!;
    const found = new Map<string, string>();
    for (const part of pagesOf([...new Set(group.map((d) => d.keyValue))])) {
      const rows = (await directory
        .selectFrom(through.table)
        .select([through.key, through.column])
        .where(() => inList(directory, through.key, part))
        .execute()) as Row[];
      for (const r of rows) found.set(String(r[through.key]), String(r[through.column]));
    }
    for (const d of group) {
      const target = found.get(d.keyValue);
      if (target) add({ ...d, keyValue: target, through: undefined });
    }
  }
  // One counter of one table at a time, many rows per statement.
  const byCounter = new Map<string, CounterDelta[]>();
  for (const d of merged.values()) {
    const k = `${d.directoryTable}|${d.key}|${d.counter}`;
    const group = byCounter.get(k);
    if (group) group.push(d);
    else byCounter.set(k, [d]);
  }
  for (const group of byCounter.values()) {
    const { directoryTable, key, counter } = group[0]!;
    await border.adjustCountersMany(from, flow, directoryTable as DirectoryTable, key, counter, group);
  }
}

const ID_TOKEN = /[0-9a-hjkmnp-tv-z]{26}/g;

/** Deletes queued or finished jobs whose payload or dedupe key names any of `ids` (payloads hold ids only). */
export async function deleteJobsNaming(db: Kysely<any>, ids: string[]): Promise<number> {
  const idSet = new Set(ids);
  const doomed: string[] = [];
  let after = '';
  for (;;) {
    const rows = (await db
      .selectFrom('jobs')
      .select(['id', 'payload', 'dedupe_key'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(1000)
      .execute()) as {
      id: string;
      payload: string;
      dedupe_key: string | null;
    }[];
    if (rows.length === 0) break;
    for (const r of rows) {
      const tokens = `${r.payload} ${r.dedupe_key ?? ''}`.match(ID_TOKEN) ?? [];
      if (tokens.some((t) => idSet.has(t))) doomed.push(r.id);
    }
    after = rows[rows.length - 1]!.id;
  }
  for (const part of chunks(doomed)) await db.deleteFrom('jobs').where('id', 'in', part).execute();
  return doomed.length;
}

/** Folders owned by rows naming `ids` (e.g. `<cell.dir>/media/<videoId>`), found through the catalog. */
export async function foldersNaming(
  db: Kysely<any>,
  catalog: DataCatalog,
  cellDir: string,
  ids: string[],
): Promise<{ table: string; id: string; path: string }[]> {
  const out: { table: string; id: string; path: string }[] = [];
  for (const f of catalog.folders()) {
    const columns = catalog.userColumns('cell', f.table);
    if (columns.length === 0) continue;
    for (const part of pagesOf(ids)) {
      const rows = (await db
        .selectFrom(f.table)
        .select(f.column)
        .where((eb) => eb.or(columns.map((c) => inList(db, c, part))))
        .execute()) as Row[];
      for (const r of rows) {
        const id = String(r[f.column]);
        // Ids come from our own rows, but a path is built from them: refuse anything that could climb out.
        if (!/^[A-Za-z0-9_-]+$/.test(id)) continue;
        out.push({ table: f.table, id, path: join(cellDir, f.under, id) });
      }
    }
  }
  return out;
}

export function removeFolder(path: string): boolean {
  if (!existsSync(path)) return false;
  rmSync(path, { recursive: true, force: true });
  return true;
}

/**
 * Makes deleted rows unrecoverable from an embedded store's file: SQLite otherwise keeps freed pages and
 * old WAL frames on disk. `vacuum` rewrites the whole file (carve-out); otherwise freed pages are zeroed.
 */
export async function scrubStore(db: Kysely<any>, options: { vacuum: boolean }): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  if (options.vacuum) await sql`VACUUM`.execute(db);
  await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
}

/** Zeroes the content of deleted rows from now on in this SQLite connection (purges). */
export async function secureDelete(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'sqlite') await sql`PRAGMA secure_delete = ON`.execute(db);
}
