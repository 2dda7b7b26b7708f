import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { sql, type Kysely } from 'kysely';
import type { Config, ConfigFile } from '../config.js';
import { openDatabase, type StoreLocation } from '../db/database.js';
import { inList, pagesOf } from '../db/id-lists.js';
import { migrateToLatest } from '../db/migrations.js';
import { cellMigrations, directoryMigrations } from '../db/registry.js';
import type { DirectoryDb } from '../db/schema.js';
import { ConflictError, InvalidInputError } from '../errors.js';
import { bullConnection, bullQueueName } from '../jobs/bullmq-queue.js';
import { parseS3Url } from '../media/s3-media-store.js';
import { auditKeyPath, canonicalJson, type AuditChains } from './audit-chain.js';
import type { Events } from '../events.js';
import type { Border } from './border.js';
import type { DataCatalog } from './catalog.js';
import { cellLocation, directoryLocation, type CellRegistry } from './cells.js';
import { ISO_COUNTRIES } from './countries.js';
import { RegionKeys, generateKeyBase64, openField, parseKey } from './keys.js';
import { silentProgress, type Progress } from './progress.js';
import {
  DirObjects,
  PAGE,
  RoutedObjects,
  S3Objects,
  TableStore,
  copyObjects,
  copyRows,
  type ObjectStore,
  type Row,
} from './carve-out-copy.js';
import {
  NeedleSet,
  openRedis,
  scanBucket,
  scanFile,
  scanPostgres,
  scanRedis,
  visitRedis,
  type Trace,
} from './carve-out-scan.js';
import {
  applyCounterDeltas,
  deleteJobsNaming,
  deleteRowsNaming,
  foldersNaming,
  removeFolder,
  scrubStore,
} from './user-data.js';

/** What identifies a region's users: the needles `verify-absent` looks for. It travels with the export only. */
export interface CarveOutManifest {
  region: string;
  createdAt: string;
  userIds: string[];
  handles: string[];
  /** Only in an export (it belongs to the region). */
  emails?: string[];
  videoIds: string[];
  soundIds: string[];
}

export const EXPORT_MANIFEST = 'carve-out-manifest.json';
const CHUNK = 400;

/**
 * The SHA-256 of a manifest's identifiers (not its date, not its emails): what a remaining deployment keeps
 * instead of the list, and what the receiver can check its copy of the manifest against.
 */
export function manifestDigest(m: CarveOutManifest): string {
  const body = canonicalJson({
    region: m.region,
    userIds: [...m.userIds].sort(),
    handles: [...m.handles].sort(),
    videoIds: [...m.videoIds].sort(),
    soundIds: [...m.soundIds].sort(),
  });
  return createHash('sha256').update(body).digest('hex');
}

function manifestCounts(m: CarveOutManifest): Record<string, number> {
  return { users: m.userIds.length, videos: m.videoIds.length, sounds: m.soundIds.length };
}

/** Where a cluster-target export puts the receiver's stores. */
export interface ClusterTarget {
  directoryUrl: string;
  cellUrl: string;
  /** s3:// URL of the receiver's bucket; absent = media into the export folder. */
  mediaUrl?: string;
  mediaCredentials?: { accessKeyId: string; secretAccessKey: string };
  /** redis:// URL of the receiver's queue; the region's waiting and delayed jobs are copied there. */
  queueUrl?: string;
  /** The receiver's Redis key prefix (default: this deployment's). */
  queuePrefix?: string;
}

export interface CarveOutDeps {
  config: Config;
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  catalog: DataCatalog;
  audit: AuditChains;
  border: Border;
  now: () => Date;
  progress?: Progress;
  /** Told (`clip.unindexing`, a page of clips at a time) before the region's clips leave the public index: hashtag counts and search follow. */
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

const isCellFile = (path: string) => /^cell\.sqlite/.test(path);

/** Keyset pages of one column of a table (ids), so listing a region's users never holds a table at once. */
async function* idPages(
  db: Kysely<any>,
  table: string,
  columns: string[],
  where?: (eb: any) => any,
): AsyncGenerator<Row[]> {
  let after: unknown;
  for (;;) {
    let q = db.selectFrom(table).select(columns);
    if (where) q = q.where(where);
    if (after !== undefined) q = q.where(columns[0]!, '>', after);
    const rows = (await q
      .orderBy(columns[0]!)
      .limit(PAGE * 4)
      .execute()) as Row[];
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]![columns[0]!];
  }
}

/**
 * Carving a region out: `exportRegion` writes a standalone deployment of one region (its cell store,
 * media, audit chain and signing key, data keys re-wrapped under the receiver's KEK, the directory rows of
 * its users, and a config of just that region) — or, with a cluster target, fills the receiver's PostgreSQL,
 * S3 and Redis directly; `detach` removes the region from this deployment with a signed destruction certificate
 * in every remaining chain. Both work on embedded and cluster stores, a page at a time, and resume after an
 * interruption. The remaining deployment keeps no list of who left: only the manifest's hash and counts.
 */
export class CarveOut {
  private readonly progress: Progress;

  constructor(private readonly deps: CarveOutDeps) {
    this.progress = deps.progress ?? silentProgress;
  }

  /** The identifiers of a region's users and their content, from its cell and the directory, read in pages. */
  async manifest(region: string, withEmails: boolean): Promise<CarveOutManifest> {
    const cell = this.deps.cells.get(region);
    const db = cell.db as Kysely<any>;
    const dir = this.deps.directory as Kysely<any>;
    const ids = new Set<string>();
    const handles = new Set<string>();
    const emails: string[] = [];
    for await (const page of idPages(db, 'accounts', ['id', 'handle', 'email_enc'])) {
      for (const a of page) {
        ids.add(String(a.id));
        handles.add(String(a.handle));
      }
      if (withEmails) {
        const keys = new Map(
          (
            (await db
              .selectFrom('user_keys')
              .selectAll()
              .where(
                'user_id',
                'in',
                page.map((a) => a.id),
              )
              .execute()) as { user_id: string; wrapped_dek: string }[]
          ).map((k) => [k.user_id, k.wrapped_dek]),
        );
        for (const a of page) {
          const wrapped = keys.get(String(a.id));
          if (wrapped)
            emails.push(
              openField(cell.keys.unwrapDek(String(a.id), wrapped), String(a.id), 'email', String(a.email_enc)),
            );
        }
      }
    }
    for await (const page of idPages(dir, 'users', ['id', 'handle'], (eb) => eb('region', '=', region)))
      for (const u of page) {
        ids.add(String(u.id));
        handles.add(String(u.handle));
      }
    const videoIds = new Set<string>();
    for await (const page of idPages(db, 'videos', ['id'])) for (const v of page) videoIds.add(String(v.id));
    for await (const page of idPages(dir, 'videos', ['id'], (eb) => eb('region', '=', region)))
      for (const v of page) videoIds.add(String(v.id));
    const soundIds = new Set<string>();
    for await (const page of idPages(db, 'sounds', ['id'])) for (const s of page) soundIds.add(String(s.id));
    for await (const page of idPages(dir, 'sounds', ['id'], (eb) => eb('region', '=', region)))
      for (const s of page) soundIds.add(String(s.id));
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

  /** The region's object stores: its cell folder (exports, work files; embedded media) and its bucket, if any. */
  private objectSources(region: string): ObjectStore[] {
    const { config, cells } = this.deps;
    const out: ObjectStore[] = [new DirObjects(cells.get(region).dir, isCellFile)];
    const url = config.mediaUrls[region];
    if (url) out.push(new S3Objects(parseS3Url(url, config.mediaCredentials[region])));
    return out;
  }

  async exportRegion(
    region: string,
    outDir: string,
    options: { newKeyFile?: string; target?: ClusterTarget } = {},
  ): Promise<{ outDir: string; kekFile?: string; counts: Record<string, number>; manifestSha256: string }> {
    const { config, cells, audit, now } = this.deps;
    const p = this.progress;
    const cell = cells.get(region);
    const target = options.target;
    mkdirSync(outDir, { recursive: true });
    const log = new StepLog(join(outDir, '.export-state.json'));
    const outCellDir = join(outDir, 'cells', region);
    const newKek = options.newKeyFile
      ? parseKey(readFileSync(options.newKeyFile, 'utf8'), options.newKeyFile)
      : undefined;
    const kekFile = join(outDir, 'keys', `${region}.kek`);
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
    const receiverKeys = new RegionKeys(region, kek);

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

    // The manifest is written once, to its own file in the export: the state file, rewritten after every page,
    // stays a few hundred bytes however many users the region has.
    const manifestPath = join(outDir, EXPORT_MANIFEST);
    let manifest: CarveOutManifest;
    if (log.done('manifest') && existsSync(manifestPath)) manifest = readManifest(manifestPath);
    else {
      p.step(`export ${region}: listing its users and content`);
      manifest = await this.manifest(region, true);
      writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n', 0o600);
      log.mark('manifest', now());
      p.done(`${manifest.userIds.length} users, ${manifest.videoIds.length} clips`);
    }

    const cellSink: StoreLocation = target
      ? { kind: 'postgres', url: target.cellUrl }
      : { kind: 'sqlite', file: join(outCellDir, 'cell.sqlite') };
    if (!log.done('store')) {
      const source = new TableStore(cell.db);
      const out = openDatabase<any>(cellSink);
      try {
        await migrateToLatest(out, cellMigrations);
        const sink = new TableStore(out);
        const tables = await source.tables();
        let total = 0;
        for (const t of tables)
          total += Number(
            (await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(cell.db)).rows[0]!.n,
          );
        p.step(`export ${region}: copying the cell store`, total);
        let rows = 0;
        for (const table of tables) {
          rows += await copyRows(source, sink, table, {
            state: log,
            stateKey: `rows.cell.${table}`,
            progress: p,
            // Data keys are re-wrapped on the way: the export never holds one under this deployment's KEK.
            ...(table === 'user_keys'
              ? {
                  map: (page: Row[]) =>
                    page.map((r) => ({
                      ...r,
                      wrapped_dek: cell.keys.rewrap(String(r.user_id), String(r.wrapped_dek), kek),
                    })),
                }
              : {}),
          });
        }
        await sink.resetSequences();
        if (sink.dialect === 'sqlite') await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(out);
        log.mark('store', now());
        p.done(`${rows} rows`);
      } finally {
        await out.destroy();
      }
    }

    if (!log.done('keys')) {
      p.step(`export ${region}: checking the re-wrapped data keys`);
      const out = openDatabase<any>(cellSink);
      try {
        // Keys copied by an older run (or a partial one) that are still under this deployment's KEK are re-wrapped.
        let n = 0;
        for await (const page of idPages(out, 'user_keys', ['user_id', 'wrapped_dek'])) {
          for (const row of page) {
            try {
              receiverKeys.unwrapDek(String(row.user_id), String(row.wrapped_dek));
            } catch {
              await out
                .updateTable('user_keys')
                .set({ wrapped_dek: cell.keys.rewrap(String(row.user_id), String(row.wrapped_dek), kek) })
                .where('user_id', '=', row.user_id)
                .execute();
              n += 1;
            }
          }
        }
        if (cellSink.kind === 'sqlite') await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(out);
        p.done(n > 0 ? `${n} re-wrapped now` : undefined);
      } finally {
        await out.destroy();
      }
      mkdirSync(join(outDir, 'keys'), { recursive: true, mode: 0o700 });
      copyFileSync(auditKeyPath(config.dataDir, region), auditKeyPath(outDir, region));
      chmodSync(auditKeyPath(outDir, region), 0o600);
      log.mark('keys', now());
    }

    if (!log.done('media')) {
      const sinks: ObjectStore[] = [];
      if (target?.mediaUrl) sinks.push(new S3Objects(parseS3Url(target.mediaUrl, target.mediaCredentials)));
      sinks.push(new DirObjects(outCellDir, isCellFile));
      const sink = new RoutedObjects(sinks);
      let objects = 0;
      let bytes = 0;
      for (const source of this.objectSources(region)) {
        p.step(`export ${region}: copying media and exports from ${source.name}`);
        const res = await copyObjects(source, sink, { state: log, stateKey: `objects.${source.name}`, progress: p });
        objects += res.objects;
        bytes += res.bytes;
        if (source instanceof S3Objects) source.destroy();
        p.done(`${res.objects} objects`);
      }
      for (const s of sinks) if (s instanceof S3Objects) s.destroy();
      log.set('mediaCopied', { objects, bytes });
      log.mark('media', now());
    }

    const counts: Record<string, number> = log.get<Record<string, number>>('counts') ?? {};
    if (!log.done('directory')) {
      const out = openDatabase<any>(
        target
          ? { kind: 'postgres', url: target.directoryUrl }
          : { kind: 'sqlite', file: join(outDir, 'directory', 'directory.sqlite') },
      );
      try {
        await migrateToLatest(out, directoryMigrations);
        const source = new TableStore(this.deps.directory);
        const sink = new TableStore(out);
        const userChunks = chunks(manifest.userIds);
        p.step(`export ${region}: writing its directory`);
        for (const [table, columns] of Object.entries(this.deps.catalog.tablesOf('directory'))) {
          const userCols = this.deps.catalog.userColumns('directory', table);
          if ('region' in columns)
            await copyRows(source, sink, table, {
              state: log,
              stateKey: `rows.directory.${table}.region`,
              where: (eb) => eb('region', '=', region),
              progress: p,
            });
          if (userCols.length > 0)
            for (const [i, part] of userChunks.entries())
              await copyRows(source, sink, table, {
                state: log,
                stateKey: `rows.directory.${table}.users.${i}`,
                where: (eb) => eb.or(userCols.map((c) => eb(c, 'in', part))),
                progress: p,
              });
          if ('region' in columns || userCols.length > 0) {
            const n = Number(
              (await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(out)).rows[0]!.n,
            );
            if (n > 0) counts[`directory.${table}`] = n;
          }
        }
        await sink.resetSequences();
        if (sink.dialect === 'sqlite') await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(out);
      } finally {
        await out.destroy();
      }
      log.set('counts', counts);
      log.mark('directory', now());
      p.done();
    }

    if (target?.queueUrl && config.queueUrls[region] && !log.done('queue')) {
      p.step(`export ${region}: copying its waiting jobs`);
      const n = await copyWaitingJobs(
        new Queue(bullQueueName(region), {
          connection: bullConnection(config.queueUrls[region]!),
          prefix: config.queuePrefix,
        }),
        new Queue(bullQueueName(region), {
          connection: bullConnection(target.queueUrl),
          prefix: target.queuePrefix ?? config.queuePrefix,
        }),
      );
      counts['queue.jobs'] = n;
      log.set('counts', counts);
      log.mark('queue', now());
      p.done(`${n} jobs`);
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
      if (target) {
        const R = region.toUpperCase();
        const env = [
          `# The receiver's stores of region ${region}: set these, plus REELM_KEK_${R}_FILE, then reelm serve --data <this folder>.`,
          `REELM_DIRECTORY_URL=${target.directoryUrl}`,
          `REELM_CELL_${R}_URL=${target.cellUrl}`,
          ...(target.mediaUrl ? [`REELM_MEDIA_${R}_URL=${target.mediaUrl}`] : []),
          ...(target.queueUrl
            ? [
                `REELM_QUEUE_${R}_URL=${target.queueUrl}`,
                `REELM_QUEUE_PREFIX=${target.queuePrefix ?? config.queuePrefix}`,
              ]
            : []),
        ];
        writeFileAtomic(join(outDir, 'reelm.env'), env.join('\n') + '\n', 0o600);
      }
      log.mark('config', now());
    }

    if (!log.done('finish')) {
      await audit.for(region).append({
        actor: 'cli',
        action: 'region.export.completed',
        subject: region,
        details: {
          region,
          target: basename(outDir),
          counts,
          users: manifest.userIds.length,
          manifestSha256: manifestDigest(manifest),
        },
      });
      await audit.for(region).checkpoint();
      log.mark('finish', now());
    }
    return { outDir, ...(newKek ? {} : { kekFile }), counts, manifestSha256: manifestDigest(manifest) };
  }

  /**
   * The region's identifiers for this run only: from its cell and the directory while they still have them,
   * with an export's manifest (`idsFrom`) added. Nothing of it is written to the remaining deployment.
   */
  private async detachIds(region: string, idsFrom: CarveOutManifest | undefined): Promise<CarveOutManifest> {
    const computed = this.deps.cells.has(region)
      ? await this.manifest(region, false)
      : { region, createdAt: this.deps.now().toISOString(), userIds: [], handles: [], videoIds: [], soundIds: [] };
    if (!idsFrom) return computed;
    const union = (a: string[], b: string[]) => [...new Set([...a, ...b])].sort();
    return {
      region,
      createdAt: computed.createdAt,
      userIds: union(computed.userIds, idsFrom.userIds),
      handles: union(computed.handles, idsFrom.handles),
      videoIds: union(computed.videoIds, idsFrom.videoIds),
      soundIds: union(computed.soundIds, idsFrom.soundIds),
    };
  }

  /**
   * Removes a region from this deployment: its directory rows, other cells' rows naming its users (with
   * counters fixed), their objects in other buckets, jobs naming them in other queues, then its own cell
   * (store, media, queue), its keys and its place in the config; then signs a destruction certificate with
   * every remaining region's audit key and appends it to their chains. On PostgreSQL the region's database
   * is emptied and on S3 its bucket: dropping them is the operator's step (`operatorSteps`).
   */
  async detach(
    region: string,
    options: { fallback?: string; idsFrom?: CarveOutManifest } = {},
  ): Promise<{ certificate: Record<string, unknown>; removed: Record<string, number>; operatorSteps: string[] }> {
    const { config, cells, audit, now, border } = this.deps;
    const p = this.progress;
    const log = new StepLog(join(config.dataDir, 'carve-out', `${region}.detach-state.json`));
    if (!cells.has(region) && !log.done('manifest')) {
      throw new InvalidInputError('region.unknown', `There is no region "${region}" in this deployment.`);
    }
    if (options.idsFrom && options.idsFrom.region !== region)
      throw new InvalidInputError(
        'carve_out.manifest_region',
        `The manifest given is for region ${options.idsFrom.region}, not ${region}.`,
      );
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
    const cluster = Boolean(config.cellUrls[region]);
    const operatorSteps = operatorStepsFor(config, region);

    // The identifiers are needed until the other stores are cleared; they live in memory only.
    let ids: CarveOutManifest | undefined;
    const needIds = ['manifest', 'directory', 'queues', 'cells'].some((s) => !log.done(s));
    if (needIds) {
      ids = await this.detachIds(region, options.idsFrom);
      if (ids.userIds.length === 0 && log.done('manifest'))
        throw new ConflictError(
          'carve_out.ids_needed',
          `The region's own stores no longer list its users; resume with --ids-from <the export folder>.`,
        );
    }

    if (!log.done('manifest')) {
      const m = ids!;
      p.step(`detach ${region}: listing its users and content`);
      // The remaining deployment keeps what the list was (its hash) and how long, never the list itself.
      log.set('manifest', { sha256: manifestDigest(m), ...manifestCounts(m) });
      await audit.rollupBorderFlows(region);
      await audit.for(region).append({
        actor: 'cli',
        action: 'region.detach.started',
        subject: region,
        details: { region, users: m.userIds.length },
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
      p.done(`${m.userIds.length} users`);
    }

    if (!log.done('directory')) {
      const m = ids!;
      p.step(`detach ${region}: removing its directory rows`);
      const db = this.deps.directory as Kysely<any>;
      const indexed: string[] = [];
      if (this.deps.events) {
        const events = this.deps.events;
        for (const part of chunks(m.videoIds)) {
          const found = (
            await this.deps.directory.selectFrom('videos').select('id').where('id', 'in', part).execute()
          ).map((v) => v.id);
          // A page of clips at once: their hashtag and search rows go in a few statements, not a few per clip.
          if (found.length > 0) await events.emit({ type: 'clip.unindexing', videoIds: found });
          indexed.push(...found);
        }
      }
      for (const [table, columns] of Object.entries(this.deps.catalog.tablesOf('directory'))) {
        if ('region' in columns)
          add(
            `directory.${table}`,
            Number((await db.deleteFrom(table).where('region', '=', region).executeTakeFirst()).numDeletedRows ?? 0),
          );
      }
      const { removed: byTable } = await deleteRowsNaming(db, this.deps.catalog, 'directory', m.userIds);
      for (const [t, n] of Object.entries(byTable)) add(`directory.${t}`, n);
      for (const [k, n] of Object.entries(await clearLinks(db, this.deps.catalog, 'directory', m)))
        add(`directory.${k}`, n);
      if (indexed.length > 0) await this.deps.events?.emit({ type: 'clip.index_settled', videoIds: indexed });
      log.set('removed', removed);
      log.mark('directory', now());
      p.done();
    }

    if (!log.done('queues')) {
      const m = ids!;
      const others = remaining.filter((r) => config.queueUrls[r]);
      p.step(`detach ${region}: removing jobs naming its users from other queues`, others.length);
      const doomed = new Set([...m.userIds, ...m.videoIds, ...m.soundIds]);
      for (const other of others) {
        add(`${other}.queue.jobs`, await removeJobsNaming(config, other, doomed));
        p.tick();
      }
      const redisUrls = new Set(
        [...remaining.map((r) => config.queueUrls[r]), config.rateLimitRedisUrl].filter((u): u is string => Boolean(u)),
      );
      for (const url of redisUrls) add('redis.values', await scrubRedisNaming(url, config.queuePrefix, doomed));
      log.set('removed', removed);
      log.mark('queues', now());
      p.done();
    }

    if (!log.done('cells')) {
      const m = ids!;
      const idList = m.userIds;
      p.step(`detach ${region}: removing other cells' records of its users`, remaining.length);
      for (const other of remaining) {
        const cell = cells.get(other);
        const bucketUrl = config.mediaUrls[other];
        const bucket = bucketUrl ? new S3Objects(parseS3Url(bucketUrl, config.mediaCredentials[other])) : undefined;
        try {
          for (const folder of await foldersNaming(cell.db, this.deps.catalog, cell.dir, idList)) {
            if (removeFolder(folder.path)) add(`${other}.folders`, 1);
            // In a bucket, a clip's renditions, source and upload are objects named by its id.
            if (bucket && folder.table === 'videos')
              for (const prefix of [`media/${folder.id}/`, `sources/${folder.id}`, `uploads/${folder.id}`])
                add(`${other}.objects`, await bucket.deletePath(prefix));
          }
        } finally {
          bucket?.destroy();
        }
        const { removed: byTable, deltas } = await deleteRowsNaming(cell.db, this.deps.catalog, 'cell', idList, [], {
          videoIds: m.videoIds,
        });
        for (const [t, n] of Object.entries(byTable)) add(`${other}.${t}`, n);
        for (const [k, n] of Object.entries(await clearLinks(cell.db, this.deps.catalog, 'cell', m)))
          add(`${other}.${k}`, n);
        await applyCounterDeltas(this.deps.directory, border, other, 'region.detach', deltas, new Set(idList));
        add(`${other}.jobs`, await deleteJobsNaming(cell.db, idList));
        p.tick();
      }
      // What the region's own users did elsewhere (follows, likes, comments of theirs kept in their cell) is
      // counted in other users' and clips' counters: those rows are counted off before the cell goes. Last, so
      // that a rerun after an interruption can still list the region's users from its cell.
      const own = await deleteRowsNaming(cells.get(region).db, this.deps.catalog, 'cell', idList);
      await applyCounterDeltas(this.deps.directory, border, region, 'region.detach', own.deltas, new Set(idList));
      log.set('removed', removed);
      log.mark('cells', now());
      p.done();
    }

    // Destroying runs again on a rerun until the config no longer names the region: a context opened for the rerun
    // re-creates what opening a cell makes (its store's tables, an embedded key file), and all of it must go again.
    if (!log.done('destroy') || !log.done('config')) {
      p.step(`detach ${region}: destroying its cell, media, queue and keys`);
      audit.drop(region);
      // The cell leaves the registry first, so that nothing serving (a lookup across every cell) reaches it while
      // its tables go; they are dropped over a connection of their own.
      await cells.remove(region);
      if (cluster) {
        const db = openDatabase<any>(cellLocation(config, region));
        try {
          add('cell.tables', await emptyPostgres(db));
        } finally {
          await db.destroy();
        }
      }
      const mediaUrl = config.mediaUrls[region];
      if (mediaUrl) {
        const bucket = new S3Objects(parseS3Url(mediaUrl, config.mediaCredentials[region]));
        try {
          add('bucket.objects', await bucket.empty(p));
        } finally {
          bucket.destroy();
        }
      }
      const queueUrl = config.queueUrls[region];
      if (queueUrl) add('queue.keys', await removeQueue(config, region, queueUrl));
      const cellDir = join(config.dataDir, 'cells', region);
      add('cell.files', existsSync(cellDir) ? listFiles(cellDir).length : 0);
      rmSync(cellDir, { recursive: true, force: true });
      if (shredFile(join(config.dataDir, 'keys', `${region}.kek`))) add('keys', 1);
      if (shredFile(auditKeyPath(config.dataDir, region))) add('keys', 1);
      log.set('removed', removed);
      log.mark('destroy', now());
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

    if (!log.done('scrub')) {
      p.step(`detach ${region}: compacting the remaining stores`, remaining.length + 1);
      await scrubStore(this.deps.directory, { vacuum: true });
      await vacuumPostgres(this.deps.directory);
      p.tick();
      for (const other of remaining) {
        await scrubStore(cells.get(other).db, { vacuum: true });
        await vacuumPostgres(cells.get(other).db);
        p.tick();
      }
      log.mark('scrub', now());
      p.done();
    }

    let certificate = log.get<Record<string, unknown>>('certificate');
    if (!certificate) {
      const listed = log.get<{ sha256: string; users: number; videos: number; sounds: number }>('manifest')!;
      const body = {
        type: 'reelm.region-destruction',
        region,
        at: now().toISOString(),
        removed,
        users: listed.users,
        videos: listed.videos,
        sounds: listed.sounds,
        manifestSha256: listed.sha256,
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
    return { certificate, removed, operatorSteps };
  }
}

/**
 * Clips elsewhere made from the region's content keep their own media but lose the link to what leaves with its
 * creator's region: a sound used ("use this sound", `sound_id`) and a clip dueted or stitched (`duet_of`,
 * `stitch_of`) are set to NULL. Returns how many rows changed, by kind of link.
 */
async function clearLinks(
  db: Kysely<any>,
  catalog: DataCatalog,
  kind: 'cell' | 'directory',
  m: { soundIds: string[]; videoIds: string[] },
): Promise<{ sound_refs: number; remix_refs: number }> {
  const links = [
    { column: 'sound_id', ids: m.soundIds, count: 'sound_refs' },
    { column: 'duet_of', ids: m.videoIds, count: 'remix_refs' },
    { column: 'stitch_of', ids: m.videoIds, count: 'remix_refs' },
  ] as const;
  const out = { sound_refs: 0, remix_refs: 0 };
  for (const [table, columns] of Object.entries(catalog.tablesOf(kind))) {
    for (const link of links) {
      if (!(link.column in columns)) continue;
      for (const part of pagesOf(link.ids)) {
        const res = await db
          .updateTable(table)
          .set({ [link.column]: null })
          .where(() => inList(db, link.column, part))
          .executeTakeFirst();
        out[link.count] += Number(res.numUpdatedRows ?? 0);
      }
    }
  }
  return out;
}

/** What only the operator can do once a cluster region is emptied: its database, bucket, Redis and keys. */
function operatorStepsFor(config: Config, region: string): string[] {
  const R = region.toUpperCase();
  const steps: string[] = [];
  const cellUrl = config.cellUrls[region];
  if (cellUrl) {
    const u = new URL(cellUrl);
    steps.push(
      `drop the emptied database once no process has it open: DROP DATABASE ${u.pathname.slice(1)} (on ${u.host}), then unset REELM_CELL_${R}_URL`,
    );
  }
  const mediaUrl = config.mediaUrls[region];
  if (mediaUrl) {
    const loc = parseS3Url(mediaUrl);
    steps.push(`delete the emptied bucket: aws s3 rb s3://${loc.bucket}, then unset REELM_MEDIA_${R}_URL`);
  }
  if (config.queueUrls[region]) steps.push(`unset REELM_QUEUE_${R}_URL (its queue keys are gone from Redis)`);
  if (config.kek[region]) steps.push(`destroy the key-encryption key given as REELM_KEK_${R}, and unset it`);
  if (process.env.REELM_REGIONS) steps.push(`remove ${region} from REELM_REGIONS`);
  steps.push('PostgreSQL keeps old row versions in WAL and backups: expire those the way your retention does');
  return cellUrl || mediaUrl ? steps : [];
}

/**
 * Empties every table of a PostgreSQL cell with TRUNCATE (new, empty files; the old ones are unlinked) and resets
 * its sequences. The tables themselves stay, empty, until the operator drops the database: an API process of another
 * region that still has the cell open (it runs elsewhere, with its own config) then reads nothing instead of failing
 * on a missing table, and the migrator's bookkeeping (names of migrations, no data) stays so a restart does not try
 * to create them again. Returns how many tables were emptied.
 */
async function emptyPostgres(db: Kysely<any>): Promise<number> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind in ('r', 'p') order by c.relname`.execute(db);
  const tables = rows.map((r) => r.name).filter((t) => !/^kysely_migration/.test(t));
  if (tables.length === 0) return 0;
  await sql`truncate table ${sql.join(tables.map((t) => sql.table(t)))} restart identity cascade`.execute(db);
  return tables.length;
}

/** Marks removed rows' space free at once (plain VACUUM takes no lock that would stop the region serving). */
async function vacuumPostgres(db: Kysely<any>): Promise<void> {
  if (new TableStore(db).dialect !== 'postgres') return;
  await sql`VACUUM`.execute(db);
}

const ID_TOKEN = /[0-9a-hjkmnp-tv-z]{26}/g;
const names = (text: string, ids: ReadonlySet<string>) => (text.match(ID_TOKEN) ?? []).some((t) => ids.has(t));

/**
 * Removes from another region's BullMQ queue every job naming one of `ids` (its data, id or result), through
 * BullMQ so that its lists stay consistent. Returns how many jobs went.
 */
async function removeJobsNaming(config: Config, region: string, ids: ReadonlySet<string>): Promise<number> {
  const url = config.queueUrls[region]!;
  const queue = new Queue(bullQueueName(region), { connection: bullConnection(url), prefix: config.queuePrefix });
  const redis = openRedis(url);
  const base = `${config.queuePrefix}:${bullQueueName(region)}:`;
  let n = 0;
  try {
    const jobIds = new Set<string>();
    await visitRedis(redis, `${base}*`, async (v) => {
      if (v.type !== 'hash') return;
      const jobId = v.key.slice(base.length);
      if (jobId.includes(':')) return;
      if (names(v.value, ids) || names(jobId, ids)) jobIds.add(jobId);
    });
    for (const id of jobIds) if ((await queue.remove(id)) > 0) n += 1;
  } finally {
    await queue.close();
    redis.disconnect();
  }
  return n;
}

/**
 * Removes every value left under the deployment's Redis prefix that names one of `ids`, whatever holds it: a
 * queue's events stream or dedupe keys, a rate-limit counter keyed by a user. Returns how many values went.
 */
async function scrubRedisNaming(url: string, prefix: string, ids: ReadonlySet<string>): Promise<number> {
  const redis = openRedis(url);
  let n = 0;
  try {
    await visitRedis(redis, `${prefix}:*`, async (v) => {
      if (names(v.value, ids)) {
        await v.remove();
        n += 1;
      }
    });
  } finally {
    redis.disconnect();
  }
  return n;
}

/** Removes a region's queue from Redis: BullMQ's obliterate, then any key left under its name. */
async function removeQueue(config: Config, region: string, url: string): Promise<number> {
  const queue = new Queue(bullQueueName(region), { connection: bullConnection(url), prefix: config.queuePrefix });
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
  const redis = openRedis(url);
  let n = 0;
  try {
    await visitRedis(redis, `${config.queuePrefix}:${bullQueueName(region)}:*`, async (v) => {
      if (v.type === 'key') {
        await v.remove();
        n += 1;
      }
    });
    // A queue's bare key (BullMQ's meta lives under the name itself in some versions).
    n += await redis.del(`${config.queuePrefix}:${bullQueueName(region)}`);
  } finally {
    redis.disconnect();
  }
  return n;
}

/** Copies a queue's waiting and delayed jobs (names, payloads, ids) to the receiver's queue, a page at a time. */
async function copyWaitingJobs(from: Queue, to: Queue): Promise<number> {
  let n = 0;
  try {
    for (let start = 0; ; start += PAGE) {
      const jobs = await from.getJobs(['waiting', 'delayed', 'prioritized', 'paused'], start, start + PAGE - 1, true);
      if (jobs.length === 0) break;
      for (const job of jobs) {
        await to.add(job.name, job.data, {
          // A dedupe key travels as the job's id; BullMQ's own numbers are given anew by the receiver's queue.
          ...(job.id && !/^\d+$/.test(job.id) ? { jobId: job.id } : {}),
          attempts: job.opts.attempts ?? 5,
          backoff: job.opts.backoff ?? { type: 'exponential', delay: 2_000 },
          delay: Math.max(0, job.timestamp + (job.opts.delay ?? 0) - Date.now()),
          removeOnComplete: job.opts.removeOnComplete ?? { age: 7 * 86400, count: 10_000 },
          removeOnFail: job.opts.removeOnFail ?? { age: 30 * 86400 },
        });
        n += 1;
      }
      if (jobs.length < PAGE) break;
    }
  } finally {
    await from.close();
    await to.close();
  }
  return n;
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
  found: Trace[];
  /** Files, tables, objects and keys looked at. */
  files: number;
  bytes: number;
  skippedShortHandles: number;
  /** What was scanned, store by store. */
  scanned: string[];
}

/** Handles shorter than this match too much unrelated text to be evidence of anything. */
const MIN_HANDLE_SCAN = 6;

function needlesOf(manifest: CarveOutManifest): NeedleSet {
  return new NeedleSet([
    { kind: 'user id', values: manifest.userIds },
    { kind: 'email', values: manifest.emails },
    { kind: 'video id', values: manifest.videoIds },
    { kind: 'sound id', values: manifest.soundIds },
    { kind: 'handle', values: manifest.handles.filter((h) => h.length >= MIN_HANDLE_SCAN), whole: true },
  ]);
}

/**
 * Scans every file under the data folder (stores with their -wal files, media, queues, certificates and
 * state files) and any extra files (logs) byte by byte for the identifiers of a carved-out region's users.
 * Only `skip` (the scan's own input, when it lies in the data folder) is left out.
 */
export function verifyAbsent(
  dataDir: string,
  manifest: CarveOutManifest,
  extraFiles: string[] = [],
  skip: string[] = [],
): AbsenceReport {
  const needles = needlesOf(manifest);
  const skipped = new Set(skip.map((f) => resolve(f)));
  const files = [...listFiles(dataDir), ...extraFiles.filter((f) => existsSync(f))].filter(
    (f) => !skipped.has(resolve(f)),
  );
  const found: Trace[] = [];
  let bytes = 0;
  for (const file of files) {
    const res = scanFile(file, needles);
    bytes += res.bytes;
    for (const n of res.hits)
      found.push({
        file: relative(dataDir, file).startsWith('..') ? file : relative(dataDir, file),
        kind: n.kind,
        value: n.value,
      });
  }
  const handles = manifest.handles.filter((h) => h.length >= MIN_HANDLE_SCAN);
  return {
    found,
    files: files.length,
    bytes,
    skippedShortHandles: manifest.handles.length - handles.length,
    scanned: [`folder ${dataDir}: ${files.length} files`],
  };
}

/**
 * `verifyAbsent` over a whole deployment: the data folder and logs, and in cluster mode every PostgreSQL
 * database (directory and remaining cells), every remaining bucket and the queues' Redis (keys under the
 * deployment's prefix).
 */
export async function verifyAbsentEverywhere(
  config: Config,
  manifest: CarveOutManifest,
  options: { logs?: string[]; skip?: string[]; progress?: Progress } = {},
): Promise<AbsenceReport> {
  const p = options.progress ?? silentProgress;
  const needles = needlesOf(manifest);
  p.step('verify-absent: scanning the data folder and logs');
  const report = verifyAbsent(config.dataDir, manifest, options.logs ?? [], options.skip ?? []);
  p.done(`${report.files} files`);
  // The region's own stores too while the config still names them: emptied, they must hold nothing either.
  const regions = config.regions;
  const databases = new Set<string>();
  const dir = directoryLocation(config);
  if (dir.kind === 'postgres') databases.add(dir.url);
  for (const r of regions) {
    const loc = cellLocation(config, r);
    if (loc.kind === 'postgres') databases.add(loc.url);
  }
  for (const url of databases) {
    const name = new URL(url).pathname.slice(1);
    p.step(`verify-absent: scanning PostgreSQL database ${name}`);
    const res = await scanPostgres(url, needles);
    report.found.push(...res.found);
    report.bytes += res.bytes;
    report.files += 1;
    report.scanned.push(`postgres ${name}`);
    p.done();
  }
  for (const r of regions) {
    const url = config.mediaUrls[r];
    if (!url) continue;
    const bucket = new S3Objects(parseS3Url(url, config.mediaCredentials[r]));
    try {
      p.step(`verify-absent: scanning bucket ${bucket.location.bucket}`);
      const res = await scanBucket(bucket, needles);
      report.found.push(...res.found);
      report.bytes += res.bytes;
      report.files += res.objects;
      report.scanned.push(`bucket ${bucket.location.bucket}: ${res.objects} objects`);
      p.done(`${res.objects} objects`);
    } finally {
      bucket.destroy();
    }
  }
  const redisUrls = new Set(
    [...Object.values(config.queueUrls), config.rateLimitRedisUrl].filter((u): u is string => Boolean(u)),
  );
  for (const url of redisUrls) {
    p.step(`verify-absent: scanning Redis keys ${config.queuePrefix}:*`);
    const res = await scanRedis(url, config.queuePrefix, needles);
    report.found.push(...res.found);
    report.bytes += res.bytes;
    report.files += res.keys;
    report.scanned.push(`redis ${new URL(url).host} ${config.queuePrefix}:*: ${res.keys} keys`);
    p.done(`${res.keys} keys`);
  }
  return report;
}

/** Reads an export's manifest (the export folder, or the manifest file itself). */
export function readManifest(path: string): CarveOutManifest {
  const file = existsSync(join(path, EXPORT_MANIFEST)) ? join(path, EXPORT_MANIFEST) : path;
  if (!existsSync(file) || statSync(file).isDirectory())
    throw new InvalidInputError('carve_out.manifest_missing', `No carve-out manifest at ${path}.`);
  let parsed: CarveOutManifest;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as CarveOutManifest;
  } catch {
    throw new InvalidInputError('carve_out.manifest_invalid', `${file} is not a carve-out manifest.`);
  }
  if (!parsed.region || !Array.isArray(parsed.userIds))
    throw new InvalidInputError('carve_out.manifest_invalid', `${file} is not a carve-out manifest.`);
  return parsed;
}

/** The manifest file `readManifest` reads for a path (to leave it out of a scan). */
export function manifestFile(path: string): string {
  return existsSync(join(path, EXPORT_MANIFEST)) ? join(path, EXPORT_MANIFEST) : path;
}
