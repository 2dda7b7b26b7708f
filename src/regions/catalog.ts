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
export interface DomainCatalog {
  directory?: TableCatalog;
  cell?: TableCatalog;
}

export class DataCatalog {
  private readonly tables: Record<StoreKind, TableCatalog> = { directory: {}, cell: {} };

  constructor(parts: DomainCatalog[]) {
    for (const part of parts) {
      for (const kind of ['directory', 'cell'] as const) {
        for (const [table, columns] of Object.entries(part[kind] ?? {})) {
          if (this.tables[kind][table]) throw new Error(`catalog: ${kind} table ${table} is declared twice`);
          this.tables[kind][table] = columns;
        }
      }
    }
  }

  classOf(kind: StoreKind, table: string, column: string): DataClass | undefined {
    return this.tables[kind][table]?.[column];
  }

  tablesOf(kind: StoreKind): TableCatalog {
    return this.tables[kind];
  }
}
