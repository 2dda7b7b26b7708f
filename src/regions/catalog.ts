/**
 * The data catalog: every column of every table in the directory and in the cells declares its class.
 *   public     may be shown to anyone and may live in the directory;
 *   interop    the minimum that crosses cells for the product to work, only as a declared border flow;
 *   protected  never leaves the home cell (not the directory, not another cell, not a log or job payload).
 * Each domain declares its own tables next to its migrations; this module merges them and is what the
 * border and the catalog tests check against.
 */
export type DataClass = 'public' | 'interop' | 'protected';
export type StoreKind = 'directory' | 'cell';
export type TableCatalog = Record<string, Record<string, DataClass>>;
/**
 * Removing a row of `table` (an account purge, a region detach) takes one off a counter:
 * `directoryTable[key = row[from]].counter -= 1`, e.g. a follow row lowers the followee's follower count.
 * With `cellTable` instead, the counter is in the same cell (a reply lowers its parent's reply count).
 */
export interface CounterRule {
  table: string;
  directoryTable?: string;
  cellTable?: string;
  key: string;
  from: string;
  counter: string;
  /** Only rows with these values count (a pending follow request is nobody's follower yet). */
  when?: Record<string, string | number>;
  /**
   * The row names the counted row indirectly: `row[from]` is looked up in the directory
   * (`through.table[through.key = row[from]].column`), e.g. a like names a clip, the count is its creator's.
   */
  through?: { table: string; key: string; column: string };
  /**
   * Only the first row of each group counted (a viewer's view counts once per clip and window; replays are history,
   * not views): rows are grouped by the `per` columns and the `windowMs` window of the time in `at`, and `when` is
   * asked of that first row.
   */
  once?: { per: string[]; at: string; windowMs: number };
  /** The row counted for this column's value rather than 1 (watched time). */
  amount?: string;
}

/** Removing a row of `table` removes the rows whose `column` names its `parentColumn` (replies of a comment). */
export interface CascadeRule {
  table: string;
  column: string;
  parentColumn: string;
}

export interface DomainCatalog {
  directory?: TableCatalog;
  cell?: TableCatalog;
  /**
   * Which columns name the user a row belongs to or is about, per table (`[]` = no per-user rows).
   * Tables left out fall back to the naming convention (USER_COLUMN_CONVENTION). Export, deletion and
   * region carve-out are driven by this.
   */
  owners?: { directory?: Record<string, string[]>; cell?: Record<string, string[]> };
  /**
   * Of a table's user columns, the ones that make a row the user's own data, for "download your data"
   * (default: all of them). A row that only *mentions* someone — the creator of a clip another user watched,
   * the person another user muted — is not that someone's to download.
   */
  subjects?: { cell?: Record<string, string[]> };
  /** Cell tables whose rows own a folder `<cell.dir>/<under>/<row[column]>/` (media, exports). */
  folders?: Record<string, { column: string; under: string }>;
  counters?: CounterRule[];
  /**
   * Cell columns that name a clip (likes, comments, notifications about it): when a clip's owner is purged
   * or carved out, rows about the clip go too, in every cell.
   */
  videoRefs?: Record<string, string[]>;
  cascades?: CascadeRule[];
}

/** Column names that name a user when a table declares nothing else. */
export const USER_COLUMN_CONVENTION: readonly string[] = [
  'user_id',
  'owner_id',
  'author_id',
  'follower_id',
  'followee_id',
  'actor_id',
  'recipient_id',
  'creator_id',
  'blocker_id',
  'blocked_id',
  'muter_id',
  'muted_id',
  'reporter_id',
  'liker_id',
  'viewer_id',
  'sender_id',
  'requester_id',
  'subject_id',
  'target_user_id',
];

export class DataCatalog {
  private readonly tables: Record<StoreKind, TableCatalog> = { directory: {}, cell: {} };
  private readonly owners: Record<StoreKind, Record<string, string[]>> = { directory: {}, cell: {} };
  private readonly subjectDecls: Record<string, string[]> = {};
  private readonly folderDecls: Record<string, { column: string; under: string }> = {};
  private readonly counterRules: CounterRule[] = [];
  private readonly videoRefDecls: Record<string, string[]> = {};
  private readonly cascadeRules: CascadeRule[] = [];

  constructor(parts: DomainCatalog[]) {
    for (const part of parts) {
      for (const kind of ['directory', 'cell'] as const) {
        for (const [table, columns] of Object.entries(part[kind] ?? {})) {
          if (this.tables[kind][table]) throw new Error(`catalog: ${kind} table ${table} is declared twice`);
          this.tables[kind][table] = columns;
        }
        Object.assign(this.owners[kind], part.owners?.[kind] ?? {});
      }
      Object.assign(this.subjectDecls, part.subjects?.cell ?? {});
      Object.assign(this.folderDecls, part.folders ?? {});
      this.counterRules.push(...(part.counters ?? []));
      Object.assign(this.videoRefDecls, part.videoRefs ?? {});
      this.cascadeRules.push(...(part.cascades ?? []));
    }
    for (const rule of this.counterRules) {
      if (!rule.directoryTable === !rule.cellTable)
        throw new Error(
          `catalog: counter on ${rule.table}.${rule.counter} needs exactly one of directoryTable, cellTable`,
        );
    }
  }

  /** The columns of a table that name a user: declared, else the conventional names present in the table. */
  userColumns(kind: StoreKind, table: string): string[] {
    const declared = this.owners[kind][table];
    if (declared) return declared;
    return Object.keys(this.tables[kind][table] ?? {}).filter((c) => USER_COLUMN_CONVENTION.includes(c));
  }

  /** Every table of a store kind that has rows naming users, with those columns. */
  userTables(kind: StoreKind): { table: string; columns: string[] }[] {
    return Object.keys(this.tables[kind])
      .map((table) => ({ table, columns: this.userColumns(kind, table) }))
      .filter((t) => t.columns.length > 0);
  }

  /** Cell tables with rows that are a user's own data (for export), with the columns that say whose. */
  subjectTables(): { table: string; columns: string[] }[] {
    return this.userTables('cell')
      .map(({ table, columns }) => ({ table, columns: this.subjectDecls[table] ?? columns }))
      .filter((t) => t.columns.length > 0);
  }

  folders(): { table: string; column: string; under: string }[] {
    return Object.entries(this.folderDecls).map(([table, f]) => ({ table, ...f }));
  }

  counters(table: string): CounterRule[] {
    return this.counterRules.filter((r) => r.table === table);
  }

  /** Cell tables with columns naming a clip. */
  videoRefTables(): { table: string; columns: string[] }[] {
    return Object.entries(this.videoRefDecls).map(([table, columns]) => ({ table, columns }));
  }

  cascades(table: string): CascadeRule[] {
    return this.cascadeRules.filter((r) => r.table === table);
  }

  classOf(kind: StoreKind, table: string, column: string): DataClass | undefined {
    return this.tables[kind][table]?.[column];
  }

  tablesOf(kind: StoreKind): TableCatalog {
    return this.tables[kind];
  }
}
