import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import type { DirectoryWrite } from '../regions/border.js';

export interface AuthorRow {
  id: string;
  handle: string;
  display_name: string;
  avatar_url: string | null;
  private_account: number;
}

export interface DirectoryRefsOptions {
  /** How long a copy serves: bounds how late a change made by another process shows. */
  ttlMs: number;
  /** Most authors and sounds held each. */
  capacity: number;
}

/** The user columns a clip card shows or decides visibility by; a write to other columns (counters) keeps the copy. */
const CARD_COLUMNS = new Set(['*', 'handle', 'display_name', 'avatar_url', 'private_account', 'status']);

/**
 * Short-lived copies of the directory rows every clip card needs — its author (active accounts only) and its
 * sound's title — so a feed page does not read them again for each viewer. This process's directory writes
 * drop the affected copy at once (the border reports them); another process's show within `ttlMs`.
 */
export class DirectoryRefs {
  private readonly authors = new Map<string, { at: number; row: AuthorRow | undefined }>();
  private readonly sounds = new Map<string, { at: number; title: string | undefined }>();
  /** Counts directory writes: a read that overlapped one is used once but not kept (it may predate it). */
  private writes = 0;

  constructor(
    private readonly deps: { directory: Kysely<DirectoryDb>; now: () => Date },
    private readonly options: DirectoryRefsOptions = { ttlMs: 5_000, capacity: 50_000 },
  ) {}

  /** Follows the border's directory writes. */
  written(write: DirectoryWrite): void {
    if (write.table === 'users') {
      if (!write.columns.some((c) => CARD_COLUMNS.has(c))) return;
      this.writes++;
      const id = write.where.id;
      if (typeof id === 'string') this.authors.delete(id);
      else this.authors.clear();
    } else if (write.table === 'sounds') {
      if (!write.columns.some((c) => c === '*' || c === 'title')) return;
      this.writes++;
      const id = write.where.id;
      if (typeof id === 'string') this.sounds.delete(id);
      else this.sounds.clear();
    }
  }

  /** Active authors by id (an id that is missing or not active is left out). */
  async authorsById(ids: string[]): Promise<Map<string, AuthorRow>> {
    const out = new Map<string, AuthorRow>();
    const missing = this.held(this.authors, ids, (id, e) => e.row && out.set(id, e.row));
    if (missing.length > 0) {
      const writes = this.writes;
      const rows = await this.deps.directory
        .selectFrom('users')
        .select(['id', 'handle', 'display_name', 'avatar_url', 'private_account'])
        .where('id', 'in', missing)
        .where('status', '=', 'active')
        .execute();
      const at = this.deps.now().getTime();
      const found = new Map(rows.map((r) => [r.id, r]));
      for (const id of missing) {
        const row = found.get(id);
        if (row) out.set(id, row);
        if (writes === this.writes) this.keep(this.authors, id, { at, row });
      }
    }
    return out;
  }

  /** Sound titles by id. */
  async soundTitles(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing = this.held(this.sounds, ids, (id, e) => e.title !== undefined && out.set(id, e.title));
    if (missing.length > 0) {
      const writes = this.writes;
      const rows = await this.deps.directory.selectFrom('sounds').select(['id', 'title']).where('id', 'in', missing).execute();
      const at = this.deps.now().getTime();
      const found = new Map(rows.map((r) => [r.id, r.title]));
      for (const id of missing) {
        const title = found.get(id);
        if (title !== undefined) out.set(id, title);
        if (writes === this.writes) this.keep(this.sounds, id, { at, title });
      }
    }
    return out;
  }

  /** Hands fresh copies to `use` and returns the ids to read. */
  private held<T extends { at: number }>(cache: Map<string, T>, ids: string[], use: (id: string, entry: T) => unknown): string[] {
    const now = this.deps.now().getTime();
    const missing: string[] = [];
    for (const id of ids) {
      const entry = cache.get(id);
      if (entry && now - entry.at < this.options.ttlMs) use(id, entry);
      else missing.push(id);
    }
    return missing;
  }

  private keep<T>(cache: Map<string, T>, id: string, entry: T): void {
    cache.delete(id);
    if (cache.size >= this.options.capacity) cache.delete(cache.keys().next().value!);
    cache.set(id, entry);
  }
}
