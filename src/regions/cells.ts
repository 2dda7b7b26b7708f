import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import { openDatabase, type StoreLocation } from '../db/database.js';
import { migrateToLatest } from '../db/migrations.js';
import { cellMigrations, directoryMigrations } from '../db/registry.js';
import type { CellDb, DirectoryDb } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import { RegionKeys, loadOrCreateKek } from './keys.js';

/** Everything one region owns. Cells share no database, no folder and no key. */
export interface Cell {
  region: string;
  db: Kysely<CellDb>;
  keys: RegionKeys;
  /** The cell's own folder (embedded media, temp files, exports). */
  dir: string;
}

export function directoryLocation(config: Config): StoreLocation {
  return config.directoryUrl
    ? { kind: 'postgres', url: config.directoryUrl }
    : { kind: 'sqlite', file: join(config.dataDir, 'directory', 'directory.sqlite') };
}

export function cellLocation(config: Config, region: string): StoreLocation {
  const url = config.cellUrls[region];
  return url
    ? { kind: 'postgres', url }
    : { kind: 'sqlite', file: join(config.dataDir, 'cells', region, 'cell.sqlite') };
}

/** A user's data key, opened with their home cell's KEK; undefined once it was destroyed (a purge) or never made. */
export async function dataKeyOf(cell: Cell, userId: string): Promise<Buffer | undefined> {
  const key = await cell.db
    .selectFrom('user_keys')
    .select('wrapped_dek')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return key && cell.keys.unwrapDek(userId, key.wrapped_dek);
}

export class CellRegistry {
  private constructor(private readonly cells: Map<string, Cell>) {}

  static open(config: Config): CellRegistry {
    const cells = new Map<string, Cell>();
    for (const region of config.regions) {
      cells.set(region, {
        region,
        db: openDatabase<CellDb>(cellLocation(config, region)),
        keys: new RegionKeys(region, loadOrCreateKek(config.dataDir, region, config.kek[region])),
        dir: join(config.dataDir, 'cells', region),
      });
    }
    return new CellRegistry(cells);
  }

  get(region: string): Cell {
    const cell = this.cells.get(region);
    if (!cell) throw new NotFoundError('region.unknown', `There is no region "${region}" in this deployment.`);
    return cell;
  }

  has(region: string): boolean {
    return this.cells.has(region);
  }

  regions(): string[] {
    return [...this.cells.keys()];
  }

  all(): Cell[] {
    return [...this.cells.values()];
  }

  /**
   * Asks each cell in turn (`prefer` first) until one answers. A lookup across every cell must survive a region
   * leaving while requests are served (a detach closes the cell's store): a cell already gone is skipped, and a
   * cell that leaves while it is being asked counts as having no answer (whatever it said, or however it failed).
   */
  async first<T>(ask: (cell: Cell) => Promise<T | undefined>, prefer?: string): Promise<T | undefined> {
    const order =
      prefer && this.cells.has(prefer) ? [prefer, ...this.regions().filter((r) => r !== prefer)] : this.regions();
    for (const region of order) {
      const cell = this.cells.get(region);
      if (!cell) continue;
      let answer: T | undefined;
      try {
        answer = await ask(cell);
      } catch (err) {
        if (this.cells.get(region) === cell) throw err;
      }
      if (answer !== undefined && this.cells.get(region) === cell) return answer;
    }
    return undefined;
  }

  /** Closes one cell's store and forgets the region (carve-out detach, before its files are destroyed). */
  async remove(region: string): Promise<void> {
    const cell = this.cells.get(region);
    if (!cell) return;
    this.cells.delete(region);
    await cell.db.destroy();
  }

  async migrate(): Promise<void> {
    for (const cell of this.cells.values()) await migrateToLatest(cell.db, cellMigrations);
  }

  async destroy(): Promise<void> {
    for (const cell of this.cells.values()) await cell.db.destroy();
  }
}

export async function openDirectory(config: Config): Promise<Kysely<DirectoryDb>> {
  return openDatabase<DirectoryDb>(directoryLocation(config));
}

export async function migrateDirectory(db: Kysely<DirectoryDb>): Promise<void> {
  await migrateToLatest(db, directoryMigrations);
}
