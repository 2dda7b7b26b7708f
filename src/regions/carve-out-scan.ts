import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { S3Objects } from './carve-out-copy.js';

/**
 * Looking for a carved-out region's identifiers in what remains, store by store and byte for byte: files,
 * PostgreSQL databases (every row in its text form, so TOAST-ed values are read whole, and every relation's
 * name), S3 buckets (keys and bodies, streamed) and Redis (every key under the deployment's prefix, read by
 * its type). The same Redis walk, with a removal for each kind of value, is how detach clears the queues.
 */

export interface Needle {
  kind: string;
  value: string;
  bytes: Buffer;
}

export interface Trace {
  /** Where: a file, `postgres:<db>/<table>`, `s3:<bucket>/<key>`, `redis:<key>`. */
  file: string;
  kind: string;
  value: string;
}

/**
 * Exact substring search for many needles at once. Needles made only of ASCII characters of one class (ids and
 * handles: `[0-9a-z_.]`; emails: letters, digits and `._%+-@`) are found by looking up, in each maximal run of that
 * class in the text, every window of each needle length present — a needle lies inside such a run wherever it
 * occurs, so nothing is missed, and the cost is the text's length times the number of distinct lengths, not times
 * the number of needles (a region of 10k users has 100k+ of them). Any other needle is searched for directly.
 */
const CLASSES = [/^[0-9a-z_.]+$/, /^[0-9A-Za-z._%+@-]+$/];
const RUNS = [/[0-9a-z_.]+/g, /[0-9A-Za-z._%+@-]+/g];

export class NeedleSet {
  readonly needles: Needle[];
  readonly longest: number;
  private readonly byClass: { byValue: Map<string, Needle>; lengths: number[] }[];
  private readonly others: Needle[];

  /** Needles matched as whole words only (handles: `user12` inside `user123` is another person's handle). */
  private readonly words = new Map<string, Needle>();

  constructor(values: { kind: string; values: string[] | undefined; whole?: boolean }[]) {
    const seen = new Set<string>();
    this.needles = values.flatMap(({ kind, values: vs }) =>
      (vs ?? [])
        .filter((v) => v && !seen.has(v) && seen.add(v))
        .map((value) => ({ kind, value, bytes: Buffer.from(value, 'utf8') })),
    );
    // A loop, not Math.max(...): a spread of 100k+ arguments overflows the stack.
    this.longest = this.needles.reduce((m, n) => Math.max(m, n.bytes.length), 1);
    this.byClass = CLASSES.map(() => ({ byValue: new Map<string, Needle>(), lengths: [] as number[] }));
    this.others = [];
    const whole = new Set(values.filter((v) => v.whole).flatMap((v) => v.values ?? []));
    for (const n of this.needles) {
      if (whole.has(n.value) && CLASSES[0]!.test(n.value)) {
        this.words.set(n.value, n);
        continue;
      }
      const c = CLASSES.findIndex((re) => re.test(n.value));
      if (c < 0) this.others.push(n);
      else this.byClass[c]!.byValue.set(n.value, n);
    }
    for (const c of this.byClass)
      c.lengths = [...new Set([...c.byValue.keys()].map((v) => v.length))].sort((a, b) => a - b);
  }

  /** Needles found in one string. */
  inText(text: string): Needle[] {
    const hits = new Set<Needle>();
    if (this.words.size > 0)
      for (const m of text.matchAll(new RegExp(RUNS[0]!.source, 'g'))) {
        // A word may end a sentence or start with a dot; the dots around it are not part of it.
        const n = this.words.get(m[0]) ?? this.words.get(m[0].replace(/^\.+|\.+$/g, ''));
        if (n) hits.add(n);
      }
    this.byClass.forEach((c, i) => {
      if (c.byValue.size === 0) return;
      const re = new RegExp(RUNS[i]!.source, 'g');
      for (const m of text.matchAll(re)) {
        const run = m[0];
        if (run.length < c.lengths[0]!) continue;
        for (let start = 0; start < run.length; start++)
          for (const len of c.lengths) {
            if (start + len > run.length) break;
            const n = c.byValue.get(run.slice(start, start + len));
            if (n) hits.add(n);
          }
      }
    });
    for (const n of this.others) if (text.includes(n.value)) hits.add(n);
    return [...hits];
  }

  /** A scanner over a byte stream cut into chunks: a needle split across two chunks is still found. */
  stream(): { feed(chunk: Buffer): void; hits(): Needle[] } {
    const hits = new Set<Needle>();
    let tail = Buffer.alloc(0);
    const overlap = this.longest - 1;
    return {
      feed: (chunk) => {
        const view = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
        // latin1 maps bytes to characters one for one: an ASCII needle matches its own bytes exactly.
        for (const n of this.inText(view.toString('latin1'))) hits.add(n);
        for (const n of this.others) if (!hits.has(n) && view.includes(n.bytes)) hits.add(n);
        tail = Buffer.from(view.subarray(Math.max(0, view.length - overlap)));
      },
      hits: () => [...hits],
    };
  }
}

export function scanFile(file: string, needles: NeedleSet): { hits: Needle[]; bytes: number } {
  if (!existsSync(file)) return { hits: [], bytes: 0 };
  const scanner = needles.stream();
  const fd = openSync(file, 'r');
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  let bytes = 0;
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, bytes);
      if (n <= 0) break;
      bytes += n;
      scanner.feed(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return { hits: scanner.hits(), bytes };
}

export async function scanStream(body: Readable, needles: NeedleSet): Promise<{ hits: Needle[]; bytes: number }> {
  const scanner = needles.stream();
  let bytes = 0;
  for await (const chunk of body) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    bytes += b.length;
    scanner.feed(b);
  }
  return { hits: scanner.hits(), bytes };
}

function databaseName(url: string): string {
  return new URL(url).pathname.slice(1);
}

/**
 * Every row of every table of a PostgreSQL database, as `row::text` through a cursor (a page at a time), and
 * every relation name in pg_class (tables, sequences, indexes, TOAST tables).
 */
export async function scanPostgres(url: string, needles: NeedleSet): Promise<{ found: Trace[]; bytes: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const found: Trace[] = [];
  let bytes = 0;
  const db = databaseName(url);
  try {
    const rels = await client.query<{ relname: string; nspname: string }>(
      `select c.relname, n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace`,
    );
    for (const r of rels.rows) {
      bytes += r.relname.length;
      for (const n of needles.inText(r.relname))
        found.push({ file: `postgres:${db}/pg_class`, kind: n.kind, value: n.value });
    }
    const tables = await client.query<{ schemaname: string; tablename: string }>(
      `select schemaname, tablename from pg_tables where schemaname not in ('pg_catalog', 'information_schema')
       order by schemaname, tablename`,
    );
    for (const t of tables.rows) {
      const ident = `${client.escapeIdentifier(t.schemaname)}.${client.escapeIdentifier(t.tablename)}`;
      const hits = new Set<Needle>();
      await client.query('begin read only');
      try {
        await client.query(`declare scan_cursor no scroll cursor for select t::text as v from ${ident} t`);
        for (;;) {
          const page = await client.query<{ v: string }>('fetch 500 from scan_cursor');
          if (page.rows.length === 0) break;
          for (const { v } of page.rows) {
            bytes += v.length;
            for (const n of needles.inText(v)) hits.add(n);
          }
        }
      } finally {
        await client.query('commit');
      }
      for (const n of hits) found.push({ file: `postgres:${db}/${t.tablename}`, kind: n.kind, value: n.value });
    }
  } finally {
    await client.end();
  }
  return { found, bytes };
}

/** Every key and body of a bucket (under its prefix), a listing page and a streamed body at a time. */
export async function scanBucket(
  bucket: S3Objects,
  needles: NeedleSet,
): Promise<{ found: Trace[]; objects: number; bytes: number }> {
  const found: Trace[] = [];
  let objects = 0;
  let bytes = 0;
  let after: string | undefined;
  for (;;) {
    const page = await bucket.listKeys(after, 1000);
    if (page.length === 0) break;
    for (const { key } of page) {
      objects += 1;
      const where = `s3:${bucket.location.bucket}/${key}`;
      for (const n of needles.inText(key)) found.push({ file: where, kind: n.kind, value: n.value });
      const res = await scanStream(await bucket.readKey(key), needles);
      bytes += res.bytes + key.length;
      for (const n of res.hits) found.push({ file: where, kind: n.kind, value: n.value });
    }
    after = page[page.length - 1]!.key;
    if (page.length < 1000) break;
  }
  return { found, objects, bytes };
}

/** One value held in Redis, with how to remove just it. */
export interface RedisValue {
  key: string;
  type: string;
  /** Hash field, stream entry id, or list/set/sorted-set member. */
  field?: string;
  value: string;
  remove(): Promise<unknown>;
}

export function openRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false });
}

/**
 * Visits every key matching `pattern` (SCAN) and every value in it, read by type: strings, hash fields, list
 * items, set and sorted-set members, stream entries. `visit` sees the key name itself as a value of type `key`.
 */
export async function visitRedis(
  redis: Redis,
  pattern: string,
  visit: (v: RedisValue) => Promise<void>,
): Promise<number> {
  let cursor = '0';
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    for (const key of batch) {
      keys += 1;
      await visit({ key, type: 'key', value: key, remove: () => redis.del(key) });
      const type = await redis.type(key);
      if (type === 'string') {
        const value = await redis.get(key);
        if (value !== null) await visit({ key, type, value, remove: () => redis.del(key) });
      } else if (type === 'hash') {
        let c = '0';
        do {
          const [n, flat] = await redis.hscan(key, c, 'COUNT', 500);
          c = n;
          for (let i = 0; i < flat.length; i += 2) {
            const field = flat[i]!;
            await visit({
              key,
              type,
              field,
              value: `${field}\u0000${flat[i + 1]}`,
              remove: () => redis.hdel(key, field),
            });
          }
        } while (c !== '0');
      } else if (type === 'list') {
        for (let start = 0; ; start += 500) {
          const items = await redis.lrange(key, start, start + 499);
          if (items.length === 0) break;
          for (const item of items)
            await visit({ key, type, field: item, value: item, remove: () => redis.lrem(key, 0, item) });
        }
      } else if (type === 'set') {
        let c = '0';
        do {
          const [n, members] = await redis.sscan(key, c, 'COUNT', 500);
          c = n;
          for (const m of members) await visit({ key, type, field: m, value: m, remove: () => redis.srem(key, m) });
        } while (c !== '0');
      } else if (type === 'zset') {
        let c = '0';
        do {
          const [n, flat] = await redis.zscan(key, c, 'COUNT', 500);
          c = n;
          for (let i = 0; i < flat.length; i += 2) {
            const m = flat[i]!;
            await visit({ key, type, field: m, value: m, remove: () => redis.zrem(key, m) });
          }
        } while (c !== '0');
      } else if (type === 'stream') {
        let start = '-';
        for (;;) {
          const entries = (await redis.xrange(key, start, '+', 'COUNT', 500)) as [string, string[]][];
          if (entries.length === 0) break;
          for (const [id, fields] of entries)
            await visit({ key, type, field: id, value: fields.join('\u0000'), remove: () => redis.xdel(key, id) });
          if (entries.length < 500) break;
          start = `(${entries[entries.length - 1]![0]}`;
        }
      }
    }
  } while (cursor !== '0');
  return keys;
}

export async function scanRedis(
  url: string,
  prefix: string,
  needles: NeedleSet,
): Promise<{ found: Trace[]; keys: number; bytes: number }> {
  const redis = openRedis(url);
  const found = new Map<string, Trace>();
  let bytes = 0;
  try {
    const keys = await visitRedis(redis, `${prefix}:*`, async (v) => {
      bytes += v.value.length;
      for (const n of needles.inText(v.value)) {
        const t = { file: `redis:${v.key}`, kind: n.kind, value: n.value };
        found.set(JSON.stringify(t), t);
      }
    });
    return { found: [...found.values()], keys, bytes };
  } finally {
    redis.disconnect();
  }
}
