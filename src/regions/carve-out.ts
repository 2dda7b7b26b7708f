import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Config, ConfigFile } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrations.js';
import { directoryMigrations } from '../db/registry.js';
import type { CellDb, DirectoryDb } from '../db/schema.js';
import { ConflictError, InvalidInputError, UnavailableError } from '../errors.js';
import { auditKeyPath, canonicalJson, type AuditChains } from './audit-chain.js';
import type { Events } from '../events.js';
import type { Border } from './border.js';
import type { DataCatalog } from './catalog.js';
import type { CellRegistry } from './cells.js';
import { ISO_COUNTRIES } from './countries.js';
import { RegionKeys, generateKeyBase64, openField, parseKey } from './keys.js';
import { silentProgress, type Progress } from './progress.js';
import {
  applyCounterDeltas,
  deleteJobsNaming,
  deleteRowsNaming,
  foldersNaming,
  removeFolder,
  scrubStore,
} from './user-data.js';

/** What identifies a region's users: the needles `verify-absent` looks for. */
export interface CarveOutManifest {
  region: string;
  createdAt: string;
  userIds: string[];
  handles: string[];
  /** Only in an export (it belongs to the region); a detach manifest left in the remaining deployment has none. */
  emails?: string[];
  videoIds: string[];
  soundIds: string[];
}

export const EXPORT_MANIFEST = 'carve-out-manifest.json';
const CHUNK = 400;

export interface CarveOutDeps {
  config: Config;
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  catalog: DataCatalog;
  audit: AuditChains;
  border: Border;
  now: () => Date;
  progress?: Progress;
  /** Told (`clip.unindexing`) before each of the region's clips leaves the public index: hashtag counts and search follow. */
  events?: Events;
}

type Steps = Record<string, string>;
interface StateFile {
  steps: Steps;
  data: Record<string, unknown>;
}

/** Steps recorded in a state file, so an interrupted operation resumes where it stopped. */
class StepLog {
  private state: StateFile;
  constructor(private readonly file: string) {
    this.state = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StateFile) : { steps: {}, data: {} };
  }
  done(step: string): boolean {
    return step in this.state.steps;
  }
  get<T>(key: string): T | undefined {
    return this.state.data[key] as T | undefined;
  }
  set(key: string, value: unknown): void {
    this.state.data[key] = value;
    this.save();
  }
  mark(step: string, at: Date): void {
    this.state.steps[step] = at.toISOString();
    this.save();
  }
  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, JSON.stringify(this.state, null, 2) + '\n');
  }
}

function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  const tmp = `${file}.tmp`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

/** Overwrites a key file with random bytes, flushes, then unlinks it. */
export function shredFile(file: string): boolean {
  if (!existsSync(file)) return false;
  const size = Math.max(statSync(file).size, 64);
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, randomBytes(size), 0, size, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(file);
  return true;
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function sqliteFile(config: Config, region: string): string {
  if (config.cellUrls[region])
    throw new UnavailableError(
      'carve_out.postgres',
      `Region ${region} is on PostgreSQL; carve-out of cluster stores is done with pg_dump/pg_restore.`,
    );
  return join(config.dataDir, 'cells', region, 'cell.sqlite');
}

/**
 * Carving a region out: `exportRegion` writes a standalone deployment of one region (its cell store,
 * media, audit chain and signing key, data keys re-wrapped under the receiver's KEK, the directory rows of
 * its users, and a config of just that region); `detach` removes the region from this deployment with a
 * signed destruction certificate in every remaining chain. Both resume safely after an interruption.
 */
export class CarveOut {
  private readonly progress: Progress;

  constructor(private readonly deps: CarveOutDeps) {
    this.progress = deps.progress ?? silentProgress;
  }

  /** The identifiers of a region's users and their content, from its cell and the directory. */
  async manifest(region: string, withEmails: boolean): Promise<CarveOutManifest> {
    const cell = this.deps.cells.get(region);
    const accounts = await cell.db.selectFrom('accounts').select(['id', 'handle', 'email_enc']).execute();
    const listed = await this.deps.directory
      .selectFrom('users')
      .select(['id', 'handle'])
      .where('region', '=', region)
      .execute();
    const ids = new Set([...accounts.map((a) => a.id), ...listed.map((u) => u.id)]);
    const handles = new Set([...accounts.map((a) => a.handle), ...listed.map((u) => u.handle)]);
    const emails: string[] = [];
    if (withEmails) {
      const keys = new Map(
        (await cell.db.selectFrom('user_keys').selectAll().execute()).map((k) => [k.user_id, k.wrapped_dek]),
      );
      for (const a of accounts) {
        const wrapped = keys.get(a.id);
        if (wrapped) emails.push(openField(cell.keys.unwrapDek(a.id, wrapped), a.id, 'email', a.email_enc));
      }
    }
    const videoIds = new Set((await cell.db.selectFrom('videos').select('id').execute()).map((v) => v.id));
    for (const v of await this.deps.directory.selectFrom('videos').select('id').where('region', '=', region).execute())
      videoIds.add(v.id);
    const soundIds = new Set((await cell.db.selectFrom('sounds').select('id').execute()).map((s) => s.id));
    for (const s of await this.deps.directory.selectFrom('sounds').select('id').where('region', '=', region).execute())
      soundIds.add(s.id);
    return {
      region,
      createdAt: this.deps.now().toISOString(),
      userIds: [...ids].sort(),
      handles: [...handles].sort(),
      ...(withEmails ? { emails: emails.sort() } : {}),
      videoIds: [...videoIds].sort(),
      soundIds: [...soundIds].sort(),
    };
  }

  async exportRegion(
    region: string,
    outDir: string,
    options: { newKeyFile?: string } = {},
  ): Promise<{ outDir: string; kekFile?: string; counts: Record<string, number> }> {
    const { config, cells, audit, now } = this.deps;
    const p = this.progress;
    sqliteFile(config, region);
    const cell = cells.get(region);
    mkdirSync(outDir, { recursive: true });
    const log = new StepLog(join(outDir, '.export-state.json'));
    const outCellDir = join(outDir, 'cells', region);
    const newKek = options.newKeyFile
      ? parseKey(readFileSync(options.newKeyFile, 'utf8'), options.newKeyFile)
      : undefined;
    const kekFile = join(outDir, 'keys', `${region}.kek`);

    if (!log.done('start')) {
      p.step(`export ${region}: sealing the audit chain`);
      await audit.rollupBorderFlows(region);
      await audit.for(region).append({
        actor: 'cli',
        action: 'region.export.started',
        subject: region,
        details: { region, target: basename(outDir) },
      });
      await audit.for(region).checkpoint();
      log.mark('start', now());
      p.done();
    }

    if (!log.done('store')) {
      p.step(`export ${region}: copying the cell store`);
      mkdirSync(outCellDir, { recursive: true });
      const target = join(outCellDir, 'cell.sqlite');
      for (const f of [target, `${target}-wal`, `${target}-shm`, `${target}.part`]) rmSync(f, { force: true });
      // VACUUM INTO writes a consistent snapshot even while the cell keeps serving.
      await sql`VACUUM INTO ${`${target}.part`}`.execute(cell.db);
      renameSync(`${target}.part`, target);
      log.mark('store', now());
      p.done(`${Math.round(statSync(target).size / 1024)} KiB`);
    }

    if (!log.done('keys')) {
      p.step(`export ${region}: re-wrapping data keys`);
      let kek = newKek;
      if (!kek) {
        // An interrupted run may already have re-wrapped keys under the key it generated: reuse it.
        if (!existsSync(kekFile)) {
          mkdirSync(dirname(kekFile), { recursive: true, mode: 0o700 });
          writeFileSync(kekFile, generateKeyBase64() + '\n', { mode: 0o600 });
          chmodSync(kekFile, 0o600);
        }
        kek = parseKey(readFileSync(kekFile, 'utf8'), kekFile);
      }
      const db = openDatabase<CellDb>({ kind: 'sqlite', file: join(outCellDir, 'cell.sqlite') });
      try {
        const rows = await db.selectFrom('user_keys').selectAll().execute();
        p.step(`export ${region}: re-wrapping data keys`, rows.length);
        const target = new RegionKeys(region, kek);
        await db.transaction().execute(async (tx) => {
          for (const row of rows) {
            // A key already under the new KEK (an interrupted run) is left as it is.
            let already: boolean;
            try {
              target.unwrapDek(row.user_id, row.wrapped_dek);
              already = true;
            } catch {
              already = false;
            }
            if (!already)
              await tx
                .updateTable('user_keys')
                .set({ wrapped_dek: cell.keys.rewrap(row.user_id, row.wrapped_dek, kek!) })
                .where('user_id', '=', row.user_id)
                .execute();
            p.tick();
          }
        });
        await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
      } finally {
        await db.destroy();
      }
      mkdirSync(join(outDir, 'keys'), { recursive: true, mode: 0o700 });
      copyFileSync(auditKeyPath(config.dataDir, region), auditKeyPath(outDir, region));
      chmodSync(auditKeyPath(outDir, region), 0o600);
      log.mark('keys', now());
      p.done();
    }

    if (!log.done('media')) {
      const files = listFiles(cell.dir).filter((f) => !basename(f).startsWith('cell.sqlite'));
      p.step(`export ${region}: copying media and exports`, files.length);
      for (const file of files) {
        const dest = join(outCellDir, relative(cell.dir, file));
        mkdirSync(dirname(dest), { recursive: true });
        cpSync(file, dest);
        p.tick();
      }
      log.mark('media', now());
      p.done(`${files.length} files`);
    }

    const manifest = log.get<CarveOutManifest>('manifest') ?? (await this.manifest(region, true));
    if (!log.get('manifest')) log.set('manifest', manifest);

    const counts: Record<string, number> = log.get<Record<string, number>>('counts') ?? {};
    if (!log.done('directory')) {
      p.step(`export ${region}: writing its directory`);
      const dirFile = join(outDir, 'directory', 'directory.sqlite');
      for (const f of [dirFile, `${dirFile}-wal`, `${dirFile}-shm`]) rmSync(f, { force: true });
      const out = openDatabase<DirectoryDb>({ kind: 'sqlite', file: dirFile });
      try {
        await migrateToLatest(out, directoryMigrations);
        for (const [table, rows] of Object.entries(await this.directoryRows(region, manifest.userIds))) {
          for (const part of chunks(rows)) await (out as Kysely<any>).insertInto(table).values(part).execute();
          counts[`directory.${table}`] = rows.length;
        }
        await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(out);
      } finally {
        await out.destroy();
      }
      log.set('counts', counts);
      log.mark('directory', now());
      p.done();
    }

    if (!log.done('config')) {
      const file: ConfigFile = {
        regions: [region],
        countryRegion: Object.fromEntries(ISO_COUNTRIES.map((c) => [c, region])),
        policies: { [region]: config.policies[region]! },
        deletionGraceDays: config.deletionGraceDays,
        exportExpiryDays: config.exportExpiryDays,
      };
      writeFileAtomic(join(outDir, 'reelm.config.json'), JSON.stringify(file, null, 2) + '\n');
      writeFileAtomic(join(outDir, EXPORT_MANIFEST), JSON.stringify(manifest, null, 2) + '\n', 0o600);
      log.mark('config', now());
    }

    if (!log.done('finish')) {
      await audit.for(region).append({
        actor: 'cli',
        action: 'region.export.completed',
        subject: region,
        details: { region, target: basename(outDir), counts, users: manifest.userIds.length },
      });
      await audit.for(region).checkpoint();
      log.mark('finish', now());
    }
    return { outDir, ...(newKek ? {} : { kekFile }), counts };
  }

  /** Directory rows that belong to a region: rows with its `region`, and rows naming its users. */
  private async directoryRows(region: string, userIds: string[]): Promise<Record<string, Record<string, unknown>[]>> {
    const db = this.deps.directory as Kysely<any>;
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const [table, columns] of Object.entries(this.deps.catalog.tablesOf('directory'))) {
      const userCols = this.deps.catalog.userColumns('directory', table);
      const seen = new Map<string, Record<string, unknown>>();
      if ('region' in columns)
        for (const r of await db.selectFrom(table).selectAll().where('region', '=', region).execute())
          seen.set(JSON.stringify(r), r);
      if (userCols.length > 0) {
        for (const part of chunks(userIds)) {
          const rows = await db
            .selectFrom(table)
            .selectAll()
            .where((eb: any) => eb.or(userCols.map((c) => eb(c, 'in', part))))
            .execute();
          for (const r of rows) seen.set(JSON.stringify(r), r);
        }
      }
      if (seen.size > 0) out[table] = [...seen.values()];
    }
    return out;
  }

  /**
   * Removes a region from this deployment: its directory rows, other cells' rows naming its users (with
   * counters fixed), its cell (store, media, queue), its keys and its place in the config; then signs a
   * destruction certificate with every remaining region's audit key and appends it to their chains.
   */
  async detach(
    region: string,
    options: { fallback?: string } = {},
  ): Promise<{ certificate: Record<string, unknown>; removed: Record<string, number> }> {
    const { config, cells, audit, now, border } = this.deps;
    const p = this.progress;
    const log = new StepLog(join(config.dataDir, 'carve-out', `${region}.detach-state.json`));
    if (!cells.has(region) && !log.done('manifest')) {
      throw new InvalidInputError('region.unknown', `There is no region "${region}" in this deployment.`);
    }
    const remaining = config.regions.filter((r) => r !== region);
    if (remaining.length === 0) throw new ConflictError('region.last', 'The last region cannot be detached.');
    const fallback = options.fallback ?? (remaining.includes('row') ? 'row' : remaining[remaining.length - 1]!);
    if (!remaining.includes(fallback))
      throw new InvalidInputError(
        'region.fallback_invalid',
        `The fallback region must be one of ${remaining.join(', ')}.`,
      );
    const removed: Record<string, number> = log.get<Record<string, number>>('removed') ?? {};
    const add = (key: string, n: number) => {
      if (n > 0) removed[key] = (removed[key] ?? 0) + n;
    };

    if (!log.done('manifest')) {
      sqliteFile(config, region);
      p.step(`detach ${region}: listing its users and content`);
      const manifest = await this.manifest(region, false);
      writeFileAtomic(
        join(config.dataDir, 'carve-out', `${region}.manifest.json`),
        JSON.stringify(manifest, null, 2) + '\n',
        0o600,
      );
      log.set('manifest', {
        users: manifest.userIds.length,
        videos: manifest.videoIds.length,
        sounds: manifest.soundIds.length,
      });
      await audit.rollupBorderFlows(region);
      await audit.for(region).append({
        actor: 'cli',
        action: 'region.detach.started',
        subject: region,
        details: { region, users: manifest.userIds.length },
      });
      await audit.for(region).checkpoint();
      const verified = await audit.for(region).verify();
      if (!verified.ok)
        throw new ConflictError(
          'audit.broken',
          `The audit chain of ${region} does not verify (${verified.problem}); detach stopped before removing anything.`,
        );
      log.set('lastAuditHead', { seq: verified.count, hash: verified.head });
      log.mark('manifest', now());
      p.done(`${manifest.userIds.length} users`);
    }
    const manifest = JSON.parse(
      readFileSync(join(config.dataDir, 'carve-out', `${region}.manifest.json`), 'utf8'),
    ) as CarveOutManifest;
    const ids = manifest.userIds;

    if (!log.done('directory')) {
      p.step(`detach ${region}: removing its directory rows`);
      const db = this.deps.directory as Kysely<any>;
      const indexed: string[] = [];
      if (this.deps.events) {
        for (const part of chunks(manifest.videoIds)) {
          for (const { id } of await this.deps.directory
            .selectFrom('videos')
            .select('id')
            .where('id', 'in', part)
            .execute()) {
            indexed.push(id);
            await this.deps.events.emit({ type: 'clip.unindexing', videoId: id });
          }
        }
      }
      for (const [table, columns] of Object.entries(this.deps.catalog.tablesOf('directory'))) {
        if ('region' in columns)
          add(
            `directory.${table}`,
            Number((await db.deleteFrom(table).where('region', '=', region).executeTakeFirst()).numDeletedRows ?? 0),
          );
      }
      const { removed: byTable } = await deleteRowsNaming(db, this.deps.catalog, 'directory', ids);
      for (const [t, n] of Object.entries(byTable)) add(`directory.${t}`, n);
      for (const id of indexed) await this.deps.events?.emit({ type: 'clip.index_settled', videoId: id });
      log.set('removed', removed);
      log.mark('directory', now());
      p.done();
    }

    if (!log.done('cells')) {
      p.step(`detach ${region}: removing other cells' records of its users`, remaining.length);
      // What the region's own users did elsewhere (follows, likes, comments of theirs kept in their cell) is
      // counted in other users' and clips' counters: those rows are counted off before the cell goes.
      const own = await deleteRowsNaming(cells.get(region).db, this.deps.catalog, 'cell', ids);
      await applyCounterDeltas(this.deps.directory, border, region, 'region.detach', own.deltas, new Set(ids));
      for (const other of remaining) {
        const cell = cells.get(other);
        for (const folder of await foldersNaming(cell.db, this.deps.catalog, cell.dir, ids))
          if (removeFolder(folder.path)) add(`${other}.folders`, 1);
        const { removed: byTable, deltas } = await deleteRowsNaming(cell.db, this.deps.catalog, 'cell', ids, [], {
          videoIds: manifest.videoIds,
        });
        for (const [t, n] of Object.entries(byTable)) add(`${other}.${t}`, n);
        await applyCounterDeltas(this.deps.directory, border, other, 'region.detach', deltas, new Set(ids));
        add(`${other}.jobs`, await deleteJobsNaming(cell.db, ids));
        p.tick();
      }
      log.set('removed', removed);
      log.mark('cells', now());
      p.done();
    }

    if (!log.done('config')) {
      p.step(`detach ${region}: rewriting the deployment's config`);
      const path = join(config.dataDir, 'reelm.config.json');
      const existing = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ConfigFile) : {};
      const countryRegion = Object.fromEntries(
        Object.entries(config.countryRegion).map(([c, r]) => [c, r === region ? fallback : r]),
      );
      const policies = Object.fromEntries(Object.entries(existing.policies ?? {}).filter(([r]) => r !== region));
      writeFileAtomic(
        path,
        JSON.stringify(
          { ...existing, regions: remaining, countryRegion, ...(existing.policies ? { policies } : {}) },
          null,
          2,
        ) + '\n',
      );
      log.mark('config', now());
      p.done(`countries of ${region} now go to ${fallback}`);
    }

    if (!log.done('destroy')) {
      p.step(`detach ${region}: destroying its cell and keys`);
      audit.drop(region);
      await cells.remove(region);
      const cellDir = join(config.dataDir, 'cells', region);
      add('cell.files', existsSync(cellDir) ? listFiles(cellDir).length : 0);
      rmSync(cellDir, { recursive: true, force: true });
      if (shredFile(join(config.dataDir, 'keys', `${region}.kek`))) add('keys', 1);
      if (shredFile(auditKeyPath(config.dataDir, region))) add('keys', 1);
      log.set('removed', removed);
      log.mark('destroy', now());
      p.done();
    }

    if (!log.done('scrub')) {
      p.step(`detach ${region}: compacting the remaining stores`, remaining.length + 1);
      await scrubStore(this.deps.directory, { vacuum: true });
      p.tick();
      for (const other of remaining) {
        await scrubStore(cells.get(other).db, { vacuum: true });
        p.tick();
      }
      log.mark('scrub', now());
      p.done();
    }

    let certificate = log.get<Record<string, unknown>>('certificate');
    if (!certificate) {
      const body = {
        type: 'reelm.region-destruction',
        region,
        at: now().toISOString(),
        removed,
        users: manifest.userIds.length,
        lastAuditHead: log.get('lastAuditHead'),
        remainingRegions: remaining,
        countriesMovedTo: fallback,
      };
      const statement = canonicalJson(body);
      const signatures = Object.fromEntries(remaining.map((r) => [r, audit.for(r).signStatement(statement)]));
      const publicKeys = Object.fromEntries(remaining.map((r) => [r, audit.for(r).publicKeyPem()]));
      certificate = { ...body, signatures, publicKeys };
      log.set('certificate', certificate);
      writeFileAtomic(
        join(config.dataDir, 'carve-out', `${region}.certificate.json`),
        JSON.stringify(certificate, null, 2) + '\n',
      );
    }
    p.step(`detach ${region}: recording the certificate`, remaining.length);
    for (const other of remaining) {
      const chain = audit.for(other);
      const already = (await chain.list({ limit: 100, action: 'region.detached' })).some((e) => e.subject === region);
      if (!already) {
        await chain.append({ actor: 'cli', action: 'region.detached', subject: region, details: { certificate } });
        await chain.checkpoint();
      }
      p.tick();
    }
    log.mark('certificate', now());
    p.done();
    return { certificate, removed };
  }
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

export interface AbsenceReport {
  found: { file: string; kind: string; value: string }[];
  files: number;
  bytes: number;
  skippedShortHandles: number;
}

/** Handles shorter than this match too much unrelated text to be evidence of anything. */
const MIN_HANDLE_SCAN = 6;

/**
 * Scans every file under the data folder (stores with their -wal files, media, queues) and any extra
 * files (logs) byte by byte for the identifiers of a carved-out region's users. The manifests themselves
 * (the scan's input) are skipped.
 */
export function verifyAbsent(dataDir: string, manifest: CarveOutManifest, extraFiles: string[] = []): AbsenceReport {
  const needles: { kind: string; value: string; bytes: Buffer }[] = [];
  const push = (kind: string, values: string[] | undefined) => {
    for (const value of values ?? []) if (value) needles.push({ kind, value, bytes: Buffer.from(value, 'utf8') });
  };
  push('user id', manifest.userIds);
  push('email', manifest.emails);
  push('video id', manifest.videoIds);
  push('sound id', manifest.soundIds);
  const handles = manifest.handles.filter((h) => h.length >= MIN_HANDLE_SCAN);
  push('handle', handles);
  const files = [
    ...listFiles(dataDir).filter(
      (f) => !/carve-out\/[^/]+\.manifest\.json$/.test(f) && basename(f) !== EXPORT_MANIFEST,
    ),
    ...extraFiles.filter((f) => existsSync(f)),
  ];
  const overlap = Math.max(1, ...needles.map((n) => n.bytes.length)) - 1;
  const found: AbsenceReport['found'] = [];
  let bytes = 0;
  for (const file of files) {
    const fd = openSync(file, 'r');
    try {
      const chunk = Buffer.alloc(4 * 1024 * 1024 + overlap);
      let carried = 0;
      let position = 0;
      const hits = new Set<number>();
      for (;;) {
        const n = readSync(fd, chunk, carried, chunk.length - carried, position);
        if (n <= 0) break;
        position += n;
        bytes += n;
        const view = chunk.subarray(0, carried + n);
        needles.forEach((needle, i) => {
          if (!hits.has(i) && view.includes(needle.bytes)) hits.add(i);
        });
        carried = Math.min(overlap, view.length);
        view.copy(chunk, 0, view.length - carried);
      }
      for (const i of hits)
        found.push({
          file: relative(dataDir, file).startsWith('..') ? file : relative(dataDir, file),
          kind: needles[i]!.kind,
          value: needles[i]!.value,
        });
    } finally {
      closeSync(fd);
    }
  }
  return { found, files: files.length, bytes, skippedShortHandles: manifest.handles.length - handles.length };
}

/** Reads an export's or a detach's manifest. */
export function readManifest(path: string): CarveOutManifest {
  const file = existsSync(join(path, EXPORT_MANIFEST)) ? join(path, EXPORT_MANIFEST) : path;
  if (!existsSync(file) || statSync(file).isDirectory())
    throw new InvalidInputError('carve_out.manifest_missing', `No carve-out manifest at ${path}.`);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as CarveOutManifest;
  if (!parsed.region || !Array.isArray(parsed.userIds))
    throw new InvalidInputError('carve_out.manifest_invalid', `${file} is not a carve-out manifest.`);
  return parsed;
}
