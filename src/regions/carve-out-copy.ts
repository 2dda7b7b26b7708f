import { createReadStream, createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { dialectOf } from '../db/database.js';
import type { S3Location } from '../media/s3-media-store.js';
import type { Progress } from './progress.js';

/**
 * The one copying engine of a carve-out: rows from a table store (SQLite or PostgreSQL) to another, and objects
 * from an object store (a cell folder or an S3 bucket) to another, a page at a time. Each page's position is
 * written to the caller's state before the next page is read, so a rerun continues where the last one stopped;
 * a page copied twice changes nothing (rows go in with ON CONFLICT DO NOTHING, objects are overwritten whole).
 * Memory stays at one page whatever the size of the region.
 */

export type Row = Record<string, unknown>;
/** Where a copy keeps its position (the carve-out's step log). */
export interface CopyState {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
}

export const PAGE = 500;
const BOOKKEEPING = /^kysely_migration/;

/** A store of tables (the source or the sink of a row copy), in either dialect. */
export class TableStore {
  private readonly keys = new Map<string, string[]>();
  private columnCache = new Map<string, string[]>();

  constructor(readonly db: Kysely<any>) {}

  get dialect() {
    return dialectOf(this.db);
  }

  /** Its tables, without the migrator's bookkeeping (the sink is migrated, not copied into). */
  async tables(): Promise<string[]> {
    if (this.dialect === 'postgres') {
      const { rows } = await sql<{ name: string }>`
        select tablename as name from pg_tables where schemaname = current_schema() order by tablename`.execute(
        this.db,
      );
      return rows.map((r) => r.name).filter((t) => !BOOKKEEPING.test(t));
    }
    const { rows } = await sql<{ name: string }>`
      select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(this.db);
    return rows.map((r) => r.name).filter((t) => !BOOKKEEPING.test(t));
  }

  async columns(table: string): Promise<string[]> {
    const cached = this.columnCache.get(table);
    if (cached) return cached;
    let names: string[];
    if (this.dialect === 'postgres') {
      const { rows } = await sql<{ name: string }>`
        select column_name as name from information_schema.columns
        where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(this.db);
      names = rows.map((r) => r.name);
    } else {
      const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(this.db);
      names = rows.map((r) => r.name);
    }
    this.columnCache.set(table, names);
    return names;
  }

  /** The columns a keyset page is ordered by: the primary key, else every column (a table without one). */
  async primaryKey(table: string): Promise<string[]> {
    const cached = this.keys.get(table);
    if (cached) return cached;
    let key: string[];
    if (this.dialect === 'postgres') {
      const { rows } = await sql<{ name: string }>`
        select a.attname as name from pg_index i
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = ${table}::regclass and i.indisprimary
        order by array_position(i.indkey, a.attnum)`.execute(this.db);
      key = rows.map((r) => r.name);
    } else {
      const { rows } = await sql<{ name: string; pk: number }>`
        select name, pk from pragma_table_info(${table}) where pk > 0 order by pk`.execute(this.db);
      key = rows.map((r) => r.name);
    }
    // No primary key: a unique index over NOT NULL columns orders pages as well (a NULL would end a keyset early).
    if (key.length === 0) key = await this.uniqueNotNullKey(table);
    if (key.length === 0) key = await this.columns(table);
    this.keys.set(table, key);
    return key;
  }

  private async uniqueNotNullKey(table: string): Promise<string[]> {
    if (this.dialect === 'postgres') {
      const { rows } = await sql<{ index: string; name: string; notnull: boolean }>`
        select i.indexrelid::text as index, a.attname as name, a.attnotnull as notnull from pg_index i
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = ${table}::regclass and i.indisunique and i.indpred is null
        order by i.indexrelid, array_position(i.indkey, a.attnum)`.execute(this.db);
      const byIndex = new Map<string, { name: string; notnull: boolean }[]>();
      for (const r of rows) byIndex.set(r.index, [...(byIndex.get(r.index) ?? []), r]);
      const found = [...byIndex.values()].find((cols) => cols.every((c) => c.notnull));
      return found ? found.map((c) => c.name) : [];
    }
    const notNull = new Set(
      (
        await sql<{ name: string; notnull: number }>`select name, "notnull" from pragma_table_info(${table})`.execute(
          this.db,
        )
      ).rows
        .filter((r) => r.notnull)
        .map((r) => r.name),
    );
    const { rows: indexes } = await sql<{ name: string; unique: number; partial: number }>`
      select name, "unique", partial from pragma_index_list(${table})`.execute(this.db);
    for (const index of indexes.filter((i) => i.unique && !i.partial)) {
      const { rows } = await sql<{ name: string }>`
        select name from pragma_index_info(${index.name}) order by seqno`.execute(this.db);
      if (rows.length > 0 && rows.every((r) => notNull.has(r.name))) return rows.map((r) => r.name);
    }
    return [];
  }

  /** One keyset page: rows after `after` (the key of the last row of the previous page), in key order. */
  async page(
    table: string,
    options: { after?: unknown[]; where?: (eb: any) => Expression<SqlBool>; limit?: number },
  ): Promise<Row[]> {
    const key = await this.primaryKey(table);
    let q = (this.db as Kysely<any>).selectFrom(table).selectAll();
    if (options.where) q = q.where(options.where);
    if (options.after) {
      const after = options.after;
      q =
        key.length === 1
          ? q.where(key[0]!, '>', after[0])
          : q.where((eb: any) => eb(eb.refTuple(...key), '>', eb.tuple(...after)));
    }
    for (const k of key) q = q.orderBy(k);
    return (await q.limit(options.limit ?? PAGE).execute()) as Row[];
  }

  async insert(table: string, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = new Set(await this.columns(table));
    const values = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([c]) => columns.has(c))));
    await (this.db as Kysely<any>)
      .insertInto(table)
      .values(values)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /** After rows came in with their own serial ids, PostgreSQL's sequences are moved past them. */
  async resetSequences(): Promise<void> {
    if (this.dialect !== 'postgres') return;
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and column_default like 'nextval(%'`.execute(this.db);
    for (const r of rows) {
      await sql`select setval(pg_get_serial_sequence(${r.table_name}, ${r.column_name}),
        coalesce((select max(${sql.ref(r.column_name)}) from ${sql.table(r.table_name)}), 0) + 1, false)`.execute(
        this.db,
      );
    }
  }
}

/**
 * Copies the rows of one table (those `where` selects) page by page; the position is kept under `stateKey`.
 * Returns how many rows this run copied.
 */
export async function copyRows(
  source: TableStore,
  sink: TableStore,
  table: string,
  options: {
    state: CopyState;
    stateKey: string;
    where?: (eb: any) => Expression<SqlBool>;
    progress?: Progress;
    /** Runs on each page before it is written (the re-wrap of data keys, for instance). */
    map?: (rows: Row[]) => Row[];
  },
): Promise<number> {
  const key = await source.primaryKey(table);
  const sinkColumns = new Set(await sink.columns(table));
  if (sinkColumns.size === 0) return 0;
  let after = options.state.get<unknown[] | 'done'>(options.stateKey);
  if (after === 'done') return 0;
  let copied = 0;
  for (;;) {
    const rows = await source.page(table, {
      ...(after ? { after } : {}),
      ...(options.where ? { where: options.where } : {}),
    });
    if (rows.length === 0) break;
    await sink.insert(table, options.map ? options.map(rows) : rows);
    copied += rows.length;
    options.progress?.tick(rows.length);
    const last = rows[rows.length - 1]!;
    after = key.map((k) => last[k]);
    options.state.set(options.stateKey, after);
    if (rows.length < PAGE) break;
  }
  options.state.set(options.stateKey, 'done');
  return copied;
}

/**
 * A cell's files, named by their path in a cell folder: `media/<videoId>/…` (published renditions),
 * `sources/<videoId>`, `uploads/…` (tus), `exports/…` (data downloads), `work/…`. An S3 bucket holds the
 * first three (media without the `media/` part); the rest always live on the cell's disk.
 */
export interface ObjectEntry {
  path: string;
  size: number;
}

export interface ObjectStore {
  readonly name: string;
  /** Up to `limit` objects after `after`, in a stable order. */
  list(after: string | undefined, limit: number): Promise<ObjectEntry[]>;
  read(path: string): Promise<Readable>;
  write(path: string, body: Readable, size: number): Promise<void>;
  /** Whether this store keeps objects at such a path (a bucket keeps no exports). */
  holds(path: string): boolean;
}

const IN_BUCKET = /^(sources|uploads)\//;

/** A cell folder on disk. `skip` leaves out files that are not objects (the cell's SQLite store). */
export class DirObjects implements ObjectStore {
  readonly name: string;
  constructor(
    readonly root: string,
    private readonly skip: (path: string) => boolean = () => false,
  ) {
    this.name = `dir:${root}`;
  }

  holds(): boolean {
    return true;
  }

  private *walk(dir: string): Generator<string> {
    if (!existsSync(dir)) return;
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) yield* this.walk(p);
      else if (e.isFile()) {
        const rel = relative(this.root, p).split(sep).join('/');
        if (!this.skip(rel) && !e.name.startsWith('.put-')) yield rel;
      }
    }
  }

  async list(after: string | undefined, limit: number): Promise<ObjectEntry[]> {
    // Walk order is stable; a resumed walk skips up to the last path it copied (or starts over if it went).
    const out: ObjectEntry[] = [];
    let skipping = after !== undefined;
    let seen = false;
    for (const path of this.walk(this.root)) {
      if (skipping) {
        if (path === after) {
          skipping = false;
          seen = true;
        }
        continue;
      }
      out.push({ path, size: statSync(join(this.root, path)).size });
      if (out.length >= limit) break;
    }
    if (after !== undefined && !seen) return this.list(undefined, limit);
    return out;
  }

  async read(path: string): Promise<Readable> {
    return createReadStream(join(this.root, path));
  }

  async write(path: string, body: Readable): Promise<void> {
    const dest = join(this.root, path);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.part`;
    await pipeline(body, createWriteStream(tmp));
    await rename(tmp, dest);
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** A region's S3 bucket (under its prefix), with the cell-folder names above. */
export class S3Objects implements ObjectStore {
  readonly name: string;
  readonly s3: S3Client;
  private readonly base: string;

  constructor(readonly location: S3Location) {
    this.s3 = new S3Client(location.client);
    this.base = location.prefix ? `${location.prefix}/` : '';
    this.name = `s3:${location.bucket}/${location.prefix}`;
  }

  holds(path: string): boolean {
    return path.startsWith('media/') || IN_BUCKET.test(path);
  }

  keyOf(path: string): string {
    return this.base + (path.startsWith('media/') ? path.slice('media/'.length) : path);
  }

  pathOf(key: string): string {
    const rel = key.slice(this.base.length);
    return IN_BUCKET.test(rel) ? rel : `media/${rel}`;
  }

  /** One page of raw keys (with sizes) after `afterKey`. */
  async listKeys(afterKey: string | undefined, limit: number, prefix = ''): Promise<{ key: string; size: number }[]> {
    const page = await this.s3.send(
      new ListObjectsV2Command({
        Bucket: this.location.bucket,
        Prefix: this.base + prefix,
        MaxKeys: limit,
        ...(afterKey ? { StartAfter: afterKey } : {}),
      }),
    );
    return (page.Contents ?? []).map((o) => ({ key: o.Key!, size: o.Size ?? 0 }));
  }

  async list(after: string | undefined, limit: number): Promise<ObjectEntry[]> {
    const keys = await this.listKeys(after === undefined ? undefined : this.keyOf(after), limit);
    return keys.map((k) => ({ path: this.pathOf(k.key), size: k.size }));
  }

  async readKey(key: string): Promise<Readable> {
    const res = await this.s3.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key }));
    return res.Body as Readable;
  }

  async read(path: string): Promise<Readable> {
    return this.readKey(this.keyOf(path));
  }

  async write(path: string, body: Readable, size: number): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(path), Body: body, ContentLength: size }),
    );
  }

  async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const part = keys.slice(i, i + 1000);
      if (part.length > 0)
        await this.s3.send(
          new DeleteObjectsCommand({
            Bucket: this.location.bucket,
            Delete: { Objects: part.map((Key) => ({ Key })), Quiet: true },
          }),
        );
    }
  }

  /** Removes every object under a cell path prefix (`media/<id>/`, `sources/<id>`…); returns how many. */
  async deletePath(prefix: string): Promise<number> {
    const keyPrefix = this.keyOf(prefix).slice(this.base.length);
    let n = 0;
    for (;;) {
      const keys = await this.listKeys(undefined, 1000, keyPrefix);
      if (keys.length === 0) return n;
      await this.deleteKeys(keys.map((k) => k.key));
      n += keys.length;
    }
  }

  /** Empties the bucket (under the prefix) a page at a time; returns how many objects went. */
  async empty(progress?: Progress): Promise<number> {
    let n = 0;
    for (;;) {
      const keys = await this.listKeys(undefined, 1000);
      if (keys.length === 0) return n;
      await this.deleteKeys(keys.map((k) => k.key));
      n += keys.length;
      progress?.tick(keys.length);
    }
  }

  destroy(): void {
    this.s3.destroy();
  }
}

/** Sends each object to the first sink that holds its path. */
export class RoutedObjects {
  constructor(readonly sinks: ObjectStore[]) {}
  sinkFor(path: string): ObjectStore {
    return this.sinks.find((s) => s.holds(path)) ?? this.sinks[this.sinks.length - 1]!;
  }
}

/** Copies every object of `source` into `sink`, a listing page at a time; the position is kept under `stateKey`. */
export async function copyObjects(
  source: ObjectStore,
  sink: RoutedObjects,
  options: { state: CopyState; stateKey: string; progress?: Progress; pageSize?: number },
): Promise<{ objects: number; bytes: number }> {
  let after = options.state.get<string>(options.stateKey);
  if (after === '\u0000done') return { objects: 0, bytes: 0 };
  let objects = 0;
  let bytes = 0;
  const size = options.pageSize ?? 1000;
  for (;;) {
    const page = await source.list(after, size);
    if (page.length === 0) break;
    for (const entry of page) {
      await sink.sinkFor(entry.path).write(entry.path, await source.read(entry.path), entry.size);
      objects += 1;
      bytes += entry.size;
      options.progress?.tick();
    }
    after = page[page.length - 1]!.path;
    options.state.set(options.stateKey, after);
    if (page.length < size) break;
  }
  options.state.set(options.stateKey, '\u0000done');
  return { objects, bytes };
}
