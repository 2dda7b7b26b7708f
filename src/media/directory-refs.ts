import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import type { DirectoryWrite } from '../regions/border.js';
import { TtlCache } from '../ttl-cache.js';

export interface AuthorRow {
  id: string;
  handle: string;
  display_name: string;
  avatar_url: string | null;
  private_account: number;
  media_epoch: number;
}

export interface DirectoryRefsOptions {
  /** How long a copy serves: bounds how late a change made by another process shows. */
  ttlMs: number;
  /** Most authors and sounds held each. */
  capacity: number;
}

/** The user columns a clip card shows or decides visibility by; a write to other columns (counters) keeps the copy. */
const CARD_COLUMNS = new Set(['*', 'handle', 'display_name', 'avatar_url', 'private_account', 'status', 'media_epoch']);

/**
 * Short-lived copies of the directory rows every clip card needs — its author (active accounts only) and its
 * sound's title — so a feed page does not read them again for each viewer. This process's directory writes
 * drop the affected copy at once (the border reports them); another process's show within `ttlMs`.
 */
export class DirectoryRefs {
  private readonly authors: TtlCache<AuthorRow | undefined>;
  private readonly sounds: TtlCache<string | undefined>;

  constructor(
    private readonly deps: { directory: Kysely<DirectoryDb>; now: () => Date },
    options: DirectoryRefsOptions = { ttlMs: 5_000, capacity: 50_000 },
  ) {
    this.authors = new TtlCache(options);
    this.sounds = new TtlCache(options);
  }

  /** Follows the border's directory writes. */
  written(write: DirectoryWrite): void {
    const id = write.where.id;
    if (write.table === 'users' && write.columns.some((c) => CARD_COLUMNS.has(c))) {
      if (typeof id === 'string') this.authors.delete(id);
      else this.authors.clear();
    } else if (write.table === 'sounds' && write.columns.some((c) => c === '*' || c === 'title')) {
      if (typeof id === 'string') this.sounds.delete(id);
      else this.sounds.clear();
    }
  }

  /** Active authors by id (an id that is missing or not active is left out). */
  async authorsById(ids: string[]): Promise<Map<string, AuthorRow>> {
    return this.lookup(this.authors, ids, async (missing) => {
      const rows = await this.deps.directory
        .selectFrom('users')
        .select(['id', 'handle', 'display_name', 'avatar_url', 'private_account', 'media_epoch'])
        .where('id', 'in', missing)
        .where('status', '=', 'active')
        .execute();
      return new Map(rows.map((r) => [r.id, r]));
    });
  }

  /** Sound titles by id. */
  async soundTitles(ids: string[]): Promise<Map<string, string>> {
    return this.lookup(this.sounds, ids, async (missing) => {
      const rows = await this.deps.directory
        .selectFrom('sounds')
        .select(['id', 'title'])
        .where('id', 'in', missing)
        .execute();
      return new Map(rows.map((r) => [r.id, r.title]));
    });
  }

  /** Held copies, the rest read with `read`; an id not found is remembered as absent too. */
  private async lookup<V>(
    cache: TtlCache<V | undefined>,
    ids: string[],
    read: (missing: string[]) => Promise<Map<string, V>>,
  ): Promise<Map<string, V>> {
    const now = this.deps.now().getTime();
    const out = new Map<string, V>();
    const missing: string[] = [];
    for (const id of ids) {
      const held = cache.entry(id, now);
      if (!held) missing.push(id);
      else if (held.value !== undefined) out.set(id, held.value);
    }
    if (missing.length === 0) return out;
    const since = cache.version;
    const found = await read(missing);
    for (const id of missing) {
      const value = found.get(id);
      if (value !== undefined) out.set(id, value);
      // A read that overlapped a relevant write may predate it: used once, not kept.
      cache.set(id, value, now, since);
    }
    return out;
  }
}
