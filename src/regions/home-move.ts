import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import { newId } from '../db/ids.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { Events } from '../events.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Logger } from '../logging.js';
import { userMediaKeys } from '../media/media-paths.js';
import type { MediaStore } from '../media/media-store.js';
import type { SourceStore } from '../media/source-store.js';
import type { AuditChains } from './audit-chain.js';
import type { Border } from './border.js';
import type { DataCatalog } from './catalog.js';
import type { CellRegistry } from './cells.js';
import { ViewMarks } from '../social/view-marks.js';
import { FREEZE_SETTLE_MS } from './move-freeze.js';
import { deleteJobsNaming, foldersNaming, removeFolder, scrubStore, secureDelete } from './user-data.js';

/**
 * Moving a user's home region (DESIGN.md: "an explicit, audited migration — copy, verify, shred the old copy").
 * A move is a record in the old cell (`home_moves`) and a job in the old cell's queue that runs five steps, each
 * recorded once done, so a crash at any point resumes where it stopped:
 *   copied    the account's rows (every catalog table's rows that are the user's own, and the rows that live with
 *             their clips) are written to the new cell in one transaction, the data key re-wrapped under the new
 *             region's KEK (sealed fields stay sealed: they are bound to the user, not to the region);
 *   media     each clip's objects are copied to the new region's media store;
 *   verified  row counts and checksums, object sizes and SHA-256 match on both sides (else copied once more, then
 *             rolled back: the account stays where it was);
 *   rerouted  the directory routes the user, their clips and sounds to the new region (through the border), and
 *             every cell points its references (`*_region` columns) there (flow `account.moved`);
 *   shredded  the old copy goes (rows, media, folders, jobs, the wrapped key last), both chains record the move
 *             naming the user id only, and the record moves to the new cell.
 * From the copy's start until the shred is done the account is frozen for writes (`account.moving`, checked where
 * requests learn who is calling: src/http/auth.ts), and so are other users' writes to the user's clips
 * (`video.moving`, a state of src/media/clip-access.ts) and to the user's profile (`user.moving`): nothing is
 * written to the old copy after it was read. Before `rerouted` the old copy is the account; re-running `copied` replaces any partial copy (the new cell holds
 * no rows of the user before the move). From `rerouted` on, the new copy is.
 */

export const MOVE_STEPS = ['copied', 'media', 'verified', 'rerouted', 'shredded'] as const;
export type MoveStep = (typeof MOVE_STEPS)[number];
export const MOVED_FLOW = 'account.moved';

/**
 * Tables whose rows name the user but do not travel with them, and why. Every other table the catalog lists as
 * the user's own data moves.
 */
export const STAYS: Record<string, string> = {
  jobs: 'job rows belong to the queue; the ones naming the user are deleted with the old copy',
  data_exports: 'a ready ZIP is signed with the old region’s key: it is shredded, the user asks for a new one',
  home_moves: 'the move’s own record, written to the new cell when the move is done',
  access_grants: 'a record of what the old region’s operators were allowed; it expires where it was granted',
  auditor_notices: 'the old region’s auditors’ notices, like its chain',
  operators: 'staff roles of the region, not the user’s data',
};

/** Tables that live with a clip in its cell: moved by the clip, whoever wrote the row (comments on the clip). */
export const BY_CLIP: Record<string, string> = { comments: 'video_id' };

/**
 * Tables other users (and moderators) append to in the user's home cell without the user acting, where a write
 * cannot wait for the move to end: a reply's or a mention's notification, a moderation notice. Rows that reach the
 * old copy after the verify are carried over (by id, missing ones only) once the directory routes to the new cell.
 * Writes to the user's profile and clips (follows, blocks, comments, likes) are refused while the move runs instead.
 */
export const LATE_ARRIVALS: Record<string, string> = { notifications: 'id', moderation_notices: 'decision_id' };

/** A column saying where a user, clip or comment lives, next to the column naming it. */
export interface RegionRef {
  table: string;
  column: string;
  idColumn: string;
  /** What `idColumn` names: the user, one of their clips, a comment on one, or any of these (report targets). */
  by: 'user' | 'clip' | 'comment' | 'any';
}

export const REGION_REFS: readonly RegionRef[] = [
  { table: 'follows', column: 'followee_region', idColumn: 'followee_id', by: 'user' },
  { table: 'followers', column: 'follower_region', idColumn: 'follower_id', by: 'user' },
  { table: 'follow_requests', column: 'requester_region', idColumn: 'requester_id', by: 'user' },
  { table: 'blocks', column: 'blocked_region', idColumn: 'blocked_id', by: 'user' },
  { table: 'comments', column: 'author_region', idColumn: 'author_id', by: 'user' },
  { table: 'moderation_cases', column: 'subject_region', idColumn: 'subject_id', by: 'user' },
  { table: 'moderation_decisions', column: 'subject_region', idColumn: 'subject_id', by: 'user' },
  { table: 'notifications', column: 'video_region', idColumn: 'video_id', by: 'clip' },
  { table: 'comment_likes', column: 'comment_region', idColumn: 'comment_id', by: 'comment' },
  { table: 'reports', column: 'target_region', idColumn: 'target_id', by: 'any' },
  { table: 'reports', column: 'target_region', idColumn: 'target_video_id', by: 'clip' },
];

/** `*_region` columns that say something else than where a user or clip lives (a test checks the rest). */
export const NOT_HOME_REGIONS: readonly string[] = [
  // Where a report's outcome goes back: opaque by design (the target's region never learns the reporter).
  'case_reports.reply_region',
  // Which region decided: the moderators' region, not the user's.
  'moderation_notices.decision_region',
  // The move's own record: where it came from and went.
  'home_moves.from_region',
  'home_moves.to_region',
];

/** Columns that change on their own while a move runs (not compared by the checksum; the copy still has them). */
const VOLATILE: Record<string, string[]> = {
  sessions: ['last_seen_at'],
  accounts: ['country'],
  user_keys: ['wrapped_dek'],
};
// Removed last from the old cell: the account row is what makes a half-done shred run again; the key shreds.
const LAST = ['user_keys', 'accounts'];
const CHUNK = 200;

type Row = Record<string, unknown>;

export interface MoveStatus {
  id: string;
  status: 'running' | 'done' | 'failed';
  step: string;
  from: string;
  to: string;
  country: string;
  createdAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

export interface HomeMoveDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  catalog: DataCatalog;
  border: Border;
  audit: AuditChains;
  queues: Map<string, JobQueue>;
  stores: Map<string, MediaStore>;
  /** Each region's clip sources (the uploaded originals, kept after the transcode). */
  sources: Map<string, SourceStore>;
  events: Events;
  now: () => Date;
  log: Logger;
  /** Which region serves a country (throws `account.country_unknown`). */
  regionFor: (country: string) => string;
  /** Checks the user's password with the account's backoff; false when wrong. */
  checkPassword: (userId: string, region: string, password: string, client: string) => Promise<boolean>;
  /** Called after each step's work, before it is recorded (the crash tests stop the process here; tests pause). */
  afterStep?: (step: MoveStep) => void | Promise<void>;
  /** What the move waits after freezing the account, before copying (default FREEZE_SETTLE_MS). */
  settleMs?: number;
}

const ERRORS: Record<string, string> = {
  'move.verify_failed':
    'The copy in the new region did not match the original twice; nothing was moved. Try again later.',
};

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One table's part of the account: the rows whose `columns` name the user (or, `by: 'clip'`, one of their clips). */
export interface PlanPart {
  table: string;
  columns: string[];
  by: 'user' | 'clip';
}

/** What a move carries, from the catalog: every table of the user's own data, and the rows living with their clips. */
export function movePlan(catalog: DataCatalog): PlanPart[] {
  const parts: PlanPart[] = [];
  for (const { table, columns } of catalog.subjectTables()) {
    if (table in STAYS || table in BY_CLIP) continue;
    parts.push({ table, columns, by: 'user' });
  }
  for (const [table, column] of Object.entries(BY_CLIP)) parts.push({ table, columns: [column], by: 'clip' });
  // The key and the account go last (shred order); copying them last is harmless.
  return [...parts.filter((p) => !LAST.includes(p.table)), ...LAST.map((t) => parts.find((p) => p.table === t)!)];
}

async function selectPart(db: Kysely<any>, part: PlanPart, userId: string, clipIds: string[]): Promise<Row[]> {
  const values = part.by === 'user' ? [userId] : clipIds;
  const rows: Row[] = [];
  for (const slice of chunks(values)) {
    rows.push(
      ...((await db
        .selectFrom(part.table)
        .selectAll()
        .where((eb: any) => eb.or(part.columns.map((c) => eb(c, 'in', slice))))
        .execute()) as Row[]),
    );
  }
  return rows;
}

async function deletePart(db: Kysely<any>, part: PlanPart, userId: string, clipIds: string[]): Promise<number> {
  const values = part.by === 'user' ? [userId] : clipIds;
  let n = 0;
  for (const slice of chunks(values)) {
    const res = await db
      .deleteFrom(part.table)
      .where((eb: any) => eb.or(part.columns.map((c) => eb(c, 'in', slice))))
      .executeTakeFirst();
    n += Number(res.numDeletedRows ?? 0);
  }
  return n;
}

/** Rows as order-free text, values as strings (SQLite and PostgreSQL hand integers back differently). */
function digest(rows: Row[], skip: string[]): string {
  const lines = rows
    .map((r) =>
      JSON.stringify(
        Object.keys(r)
          .filter((k) => !skip.includes(k))
          .sort()
          .map((k) => [k, r[k] === null || r[k] === undefined ? null : String(r[k])]),
      ),
    )
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

async function hashStream(stream: Readable | undefined): Promise<string | undefined> {
  if (!stream) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class HomeMoveService {
  constructor(private readonly deps: HomeMoveDeps) {
    deps.border.declareFlow(
      {
        type: MOVED_FLOW,
        fields: { userId: 'public', to: 'public', videoIds: 'public', soundIds: 'public', commentIds: 'public' },
      },
      async (payload, to) => {
        const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
        await this.pointReferences(to, {
          userId: String(payload.userId),
          to: String(payload.to),
          videoIds: list(payload.videoIds),
          soundIds: list(payload.soundIds),
          commentIds: list(payload.commentIds),
        });
      },
    );
  }

  /** A user asks to move: checks the password (with the account's backoff), then queues the move. */
  async request(
    principal: { userId: string; region: string },
    input: { country: string; password: string },
    client = '',
  ): Promise<MoveStatus> {
    const to = this.deps.regionFor(input.country);
    if (!(await this.deps.checkPassword(principal.userId, principal.region, input.password, client)))
      throw new ForbiddenError('account.password_wrong', 'That is not your password; nothing was moved.');
    const move = await this.begin(principal.userId, principal.region, input.country, to, principal.userId);
    await this.deps.queues
      .get(principal.region)!
      .enqueue('accounts.move', { moveId: move.id }, { dedupeKey: `accounts.move:${move.id}` });
    return move;
  }

  /**
   * Records a move of `userId` (home `from`) to the region serving `country`. Refuses a move to where the account
   * already is, a second move while one runs, and a move while a clip is still being processed (its files are not
   * all published yet).
   */
  async begin(userId: string, from: string, countryRaw: string, to = this.deps.regionFor(countryRaw), actor = 'cli') {
    const country = countryRaw.trim().toUpperCase();
    const db = this.deps.cells.get(from).db;
    if (to === from)
      throw new ConflictError(
        'move.same_region',
        `Your data already lives in region ${from}, which serves ${country}; there is nothing to move.`,
      );
    const account = await db.selectFrom('accounts').select('status').where('id', '=', userId).executeTakeFirst();
    if (!account) throw new NotFoundError('account.not_found', 'This account no longer exists.');
    // A deactivated account is waiting for its purge, which runs in the home cell it has now.
    if (account.status !== 'active')
      throw new ConflictError('move.account_inactive', 'This account is deactivated; it cannot move.');
    const running = await db
      .selectFrom('home_moves')
      .select('id')
      .where('user_id', '=', userId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (running)
      throw new ConflictError('move.in_progress', 'Your data is already moving; wait for that move to finish.');
    const busy = await db
      .selectFrom('videos')
      .select('id')
      .where('owner_id', '=', userId)
      .where('status', 'not in', ['ready', 'failed'])
      .executeTakeFirst();
    if (busy)
      throw new ConflictError(
        'move.clips_processing',
        'A clip of yours is still uploading or processing; move your data once it is ready.',
      );
    const at = this.deps.now().toISOString();
    const id = newId(this.deps.now().getTime());
    await db
      .insertInto('home_moves')
      .values({
        id,
        user_id: userId,
        from_region: from,
        to_region: to,
        country,
        actor,
        status: 'running',
        step: 'queued',
        error_code: null,
        created_at: at,
        updated_at: at,
        finished_at: null,
      })
      .execute();
    this.deps.log.info({ userId, moveId: id, from, to }, 'home-region move started');
    return this.present((await db.selectFrom('home_moves').selectAll().where('id', '=', id).executeTakeFirst())!);
  }

  /** The running move of a user in a region, if any (the CLI resumes it). */
  async runningOf(userId: string, region: string): Promise<string | undefined> {
    const row = await this.deps.cells
      .get(region)
      .db.selectFrom('home_moves')
      .select('id')
      .where('user_id', '=', userId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return row?.id;
  }

  /** The user's latest move, as their home cell knows it. */
  async status(principal: { userId: string; region: string }): Promise<MoveStatus | null> {
    const row = await this.deps.cells
      .get(principal.region)
      .db.selectFrom('home_moves')
      .selectAll()
      .where('user_id', '=', principal.userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? this.present(row) : null;
  }

  private present(row: {
    id: string;
    status: string;
    step: string;
    from_region: string;
    to_region: string;
    country: string;
    created_at: string;
    finished_at: string | null;
    error_code: string | null;
  }): MoveStatus {
    return {
      id: row.id,
      status: row.status as MoveStatus['status'],
      step: row.step,
      from: row.from_region,
      to: row.to_region,
      country: row.country,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      error: row.error_code
        ? { code: row.error_code, message: ERRORS[row.error_code] ?? 'The move did not finish.' }
        : null,
    };
  }

  /**
   * Runs (or resumes) a move recorded in `from`'s cell, step by step. Returns its final state; a move already
   * finished answers from the new cell's record.
   */
  async run(region: string, moveId: string): Promise<MoveStatus> {
    const find = (r: string) =>
      this.deps.cells.get(r).db.selectFrom('home_moves').selectAll().where('id', '=', moveId).executeTakeFirst();
    let row = await find(region);
    // Once copied, the new cell has the record too (and the directory sends a resuming CLI there): the old cell's
    // record is the one that says where the move stands until the shred is done.
    if (row && row.from_region !== region) row = (await find(row.from_region)) ?? row;
    if (!row) {
      for (const cell of this.deps.cells.all()) {
        const done = await find(cell.region);
        if (done) return this.present(done);
      }
      throw new NotFoundError('move.not_found', 'There is no such move.');
    }
    const from = row.from_region;
    const oldDb = this.deps.cells.get(from).db;
    if (from === row.to_region) throw new Error(`move ${moveId} goes nowhere`);
    if (row.status !== 'running') return this.present(row);
    const move = { id: row.id, userId: row.user_id, from, to: row.to_region, country: row.country, actor: row.actor };
    let done = MOVE_STEPS.indexOf(row.step as MoveStep);
    while (done < MOVE_STEPS.length - 1) {
      const step = MOVE_STEPS[done + 1]!;
      if (step === 'copied') {
        await this.freeze(move);
        await this.copyRows(move);
      }
      if (step === 'media') await this.copyMedia(move);
      if (step === 'verified' && !(await this.verifyOrRetry(move))) {
        await this.rollBack(move);
        return this.present(
          (await oldDb.selectFrom('home_moves').selectAll().where('id', '=', moveId).executeTakeFirst())!,
        );
      }
      if (step === 'rerouted') await this.reroute(move);
      if (step === 'shredded') await this.shred(move);
      await this.deps.afterStep?.(step);
      await this.record(move, step);
      this.deps.log.info({ userId: move.userId, moveId, step }, 'home-region move step done');
      done += 1;
    }
    const final = await this.deps.cells
      .get(move.to)
      .db.selectFrom('home_moves')
      .selectAll()
      .where('id', '=', moveId)
      .executeTakeFirstOrThrow();
    return this.present(final);
  }

  /**
   * Freezes the account for writes (the record's step says `freezing`; src/regions/move-freeze.ts reads it), then
   * waits until every API process sees the freeze and writes that passed the check just before it are done: what
   * the copy reads is then the whole account. A resumed copy waits again (a process may have cached "not frozen").
   */
  private async freeze(move: Move): Promise<void> {
    await this.deps.cells
      .get(move.from)
      .db.updateTable('home_moves')
      .set({ step: 'freezing', updated_at: this.deps.now().toISOString() })
      .where('id', '=', move.id)
      .where('step', '=', 'queued')
      .execute();
    await new Promise((r) => setTimeout(r, this.deps.settleMs ?? FREEZE_SETTLE_MS));
  }

  private async record(move: Move, step: MoveStep): Promise<void> {
    const at = this.deps.now().toISOString();
    const oldDb = this.deps.cells.get(move.from).db;
    const newDb = this.deps.cells.get(move.to).db;
    if (step !== 'shredded') {
      await oldDb.updateTable('home_moves').set({ step, updated_at: at }).where('id', '=', move.id).execute();
      await newDb.updateTable('home_moves').set({ step, updated_at: at }).where('id', '=', move.id).execute();
      return;
    }
    // The new cell's record says done first; deleting the old one is the move's last write.
    await newDb
      .updateTable('home_moves')
      .set({ step, status: 'done', updated_at: at, finished_at: at })
      .where('id', '=', move.id)
      .execute();
    await oldDb.deleteFrom('home_moves').where('id', '=', move.id).execute();
    await scrubStore(oldDb, { vacuum: false });
  }

  private async clipIds(region: string, userId: string): Promise<string[]> {
    const rows = await this.deps.cells
      .get(region)
      .db.selectFrom('videos')
      .select('id')
      .where('owner_id', '=', userId)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  }

  /** Step 1: the account's rows into the new cell, in one transaction that first drops any earlier partial copy. */
  private async copyRows(move: Move): Promise<void> {
    const oldCell = this.deps.cells.get(move.from);
    const newCell = this.deps.cells.get(move.to);
    const clipIds = await this.clipIds(move.from, move.userId);
    const plan = movePlan(this.deps.catalog);
    const rows = new Map<string, Row[]>();
    for (const part of plan) rows.set(part.table, await selectPart(oldCell.db, part, move.userId, clipIds));
    const at = this.deps.now().toISOString();
    const record = await oldCell.db
      .selectFrom('home_moves')
      .selectAll()
      .where('id', '=', move.id)
      .executeTakeFirstOrThrow();
    await newCell.db.transaction().execute(async (tx) => {
      const db = tx as unknown as Kysely<any>;
      for (const part of plan) {
        await deletePart(db, part, move.userId, clipIds);
        const copy = rows.get(part.table)!.map((r) => {
          if (part.table === 'user_keys') {
            const dek = oldCell.keys.unwrapDek(move.userId, String(r.wrapped_dek));
            return { ...r, wrapped_dek: newCell.keys.wrapDek(move.userId, dek) };
          }
          if (part.table === 'accounts') return { ...r, country: move.country };
          return r;
        });
        for (const slice of chunks(copy, 100))
          if (slice.length) await db.insertInto(part.table).values(slice).execute();
      }
      await db.deleteFrom('home_moves').where('id', '=', move.id).execute();
      await db
        .insertInto('home_moves')
        .values({ ...record, step: 'copied', updated_at: at })
        .execute();
    });
    // This hour's marks of the clips the user watched, so a view made before the move does not count again.
    await new ViewMarks({ cells: this.deps.cells, now: this.deps.now }).carry(move.from, move.to, move.userId);
  }

  /** Step 2: each clip's objects into the new region's store (through a temp file: the stores may be buckets). */
  private async copyMedia(move: Move): Promise<void> {
    const from = this.deps.stores.get(move.from)!;
    const to = this.deps.stores.get(move.to)!;
    const tmpDir = join(this.deps.cells.get(move.to).dir, 'work', `move-${move.id}`);
    await mkdir(tmpDir, { recursive: true });
    try {
      const clipIds = await this.clipIds(move.to, move.userId);
      for (const prefix of objectPrefixes(move.userId, clipIds)) {
        for (const key of await from.list(prefix)) {
          const stream = await from.read(key);
          if (!stream) continue;
          const tmp = join(tmpDir, 'object');
          await pipeline(stream, createWriteStream(tmp));
          await to.putFile(key, tmp);
        }
      }
      for (const clipId of clipIds) {
        // The uploaded original: a copy is adopted (adopting takes the file away, and the old one must stay).
        const source = await this.deps.sources.get(move.from)!.fetch(clipId, tmpDir);
        if (source) {
          const copy = join(tmpDir, 'source');
          await copyFile(source, copy);
          await this.deps.sources.get(move.to)!.adoptFile(clipId, copy);
        }
      }
    } finally {
      await rm(tmpDir, { recursive: true, force: true });
    }
  }

  /** What differs between the old copy and the new one (empty when they match). */
  async differences(move: Move): Promise<string[]> {
    const oldCell = this.deps.cells.get(move.from);
    const newCell = this.deps.cells.get(move.to);
    const clipIds = await this.clipIds(move.from, move.userId);
    const out: string[] = [];
    for (const part of movePlan(this.deps.catalog)) {
      const a = await selectPart(oldCell.db, part, move.userId, clipIds);
      const b = await selectPart(newCell.db, part, move.userId, clipIds);
      if (a.length !== b.length) out.push(`${part.table}: ${a.length} rows, copied ${b.length}`);
      else if (digest(a, VOLATILE[part.table] ?? []) !== digest(b, VOLATILE[part.table] ?? []))
        out.push(`${part.table}: checksum`);
      if (part.table === 'user_keys' && a[0] && b[0]) {
        const ka = oldCell.keys.unwrapDek(move.userId, String(a[0].wrapped_dek));
        const kb = newCell.keys.unwrapDek(move.userId, String(b[0].wrapped_dek));
        if (!ka.equals(kb)) out.push('user_keys: data key');
      }
    }
    const from = this.deps.stores.get(move.from)!;
    const to = this.deps.stores.get(move.to)!;
    for (const prefix of objectPrefixes(move.userId, clipIds)) {
      for (const key of await from.list(prefix)) {
        if ((await from.size(key)) !== (await to.size(key))) out.push(`media ${key}: size`);
        else if ((await hashStream(await from.read(key))) !== (await hashStream(await to.read(key))))
          out.push(`media ${key}: checksum`);
      }
    }
    for (const clipId of clipIds) {
      if ((await this.sourceHash(move.from, clipId)) !== (await this.sourceHash(move.to, clipId)))
        out.push(`source ${clipId}: checksum`);
    }
    return out;
  }

  private async sourceHash(region: string, clipId: string): Promise<string | undefined> {
    const dir = join(this.deps.cells.get(region).dir, 'work', `verify-${clipId}`);
    await mkdir(dir, { recursive: true });
    try {
      const path = await this.deps.sources.get(region)!.fetch(clipId, dir);
      return path ? await hashStream(createReadStream(path)) : undefined;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Step 3: verify; the account may have changed since the copy (a new comment, a notification): copy once more. */
  private async verifyOrRetry(move: Move): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const diff = await this.differences(move);
      if (diff.length === 0) return true;
      // Table names, counts and clip keys only: no value of a row.
      this.deps.log.warn({ moveId: move.id, differences: diff.slice(0, 20), attempt }, 'home-region move copy differs');
      if (attempt === 0) {
        await this.copyRows(move);
        await this.copyMedia(move);
      }
    }
    return false;
  }

  /** A move that cannot be verified: the new copy goes, the account stays where it was. */
  private async rollBack(move: Move): Promise<void> {
    const newCell = this.deps.cells.get(move.to);
    const clipIds = await this.clipIds(move.from, move.userId);
    await secureDelete(newCell.db);
    for (const part of movePlan(this.deps.catalog)) await deletePart(newCell.db, part, move.userId, clipIds);
    for (const prefix of objectPrefixes(move.userId, clipIds))
      await this.deps.stores.get(move.to)!.deletePrefix(prefix);
    for (const clipId of clipIds) await this.deps.sources.get(move.to)!.remove(clipId);
    await newCell.db.deleteFrom('home_moves').where('id', '=', move.id).execute();
    await scrubStore(newCell.db, { vacuum: false });
    const at = this.deps.now().toISOString();
    await this.deps.cells
      .get(move.from)
      .db.updateTable('home_moves')
      .set({ status: 'failed', error_code: 'move.verify_failed', updated_at: at, finished_at: at })
      .where('id', '=', move.id)
      .execute();
    this.deps.log.warn({ userId: move.userId, moveId: move.id }, 'home-region move rolled back');
  }

  /** Step 4: the directory routes the user, their clips and sounds to the new region; every cell follows. */
  private async reroute(move: Move): Promise<void> {
    const { border } = this.deps;
    const newDb = this.deps.cells.get(move.to).db;
    const videoIds = await this.clipIds(move.to, move.userId);
    const soundIds = (await newDb.selectFrom('sounds').select('id').where('owner_id', '=', move.userId).execute()).map(
      (r) => r.id,
    );
    const commentIds: string[] = [];
    for (const slice of chunks(videoIds))
      commentIds.push(
        ...(await newDb.selectFrom('comments').select('id').where('video_id', 'in', slice).execute()).map((r) => r.id),
      );
    const at = this.deps.now().toISOString();
    await border.update(move.from, 'account.move', 'users', { id: move.userId }, { region: move.to, updated_at: at });
    await border.update(move.from, 'account.move', 'videos', { author_id: move.userId }, { region: move.to });
    await border.update(move.from, 'account.move', 'sounds', { author_id: move.userId }, { region: move.to });
    for (const region of this.deps.cells.regions())
      await border.deliver(move.from, region, MOVED_FLOW, {
        userId: move.userId,
        to: move.to,
        videoIds,
        soundIds,
        commentIds,
      });
    // Copies of the public index (feed pools) hold the clips' region: they drop them.
    if (videoIds.length > 0) await this.deps.events.emit({ type: 'clip.index_settled', videoIds });
    // What other domains keep by region follows: the profile picture's URL, scheduled clips' publish jobs.
    await this.deps.events.emit({ type: 'account.moved', userId: move.userId, from: move.from, to: move.to });
  }

  /** The receiving side of `account.moved`: this cell's references to the user, their clips and comments follow. */
  private async pointReferences(
    region: string,
    p: { userId: string; to: string; videoIds: string[]; soundIds: string[]; commentIds: string[] },
  ): Promise<void> {
    const db = this.deps.cells.get(region).db as Kysely<any>;
    const ids: Record<RegionRef['by'], string[]> = {
      user: [p.userId],
      clip: p.videoIds,
      comment: p.commentIds,
      any: [p.userId, ...p.videoIds, ...p.soundIds, ...p.commentIds],
    };
    for (const ref of REGION_REFS) {
      for (const slice of chunks(ids[ref.by]))
        await db
          .updateTable(ref.table)
          .set({ [ref.column]: p.to })
          .where(ref.idColumn, 'in', slice)
          .execute();
    }
  }

  /** Step 5: the old copy goes (rows, media, folders, jobs; the key last), and both chains record the move. */
  private async shred(move: Move): Promise<void> {
    await this.carryLateArrivals(move);
    const oldCell = this.deps.cells.get(move.from);
    // The new copy lists the clips: after a crash mid-shred the old one may not any more.
    const clipIds = await this.clipIds(move.to, move.userId);
    await secureDelete(oldCell.db);
    for (const folder of await foldersNaming(oldCell.db, this.deps.catalog, oldCell.dir, [move.userId]))
      removeFolder(folder.path);
    await oldCell.db.deleteFrom('data_exports').where('user_id', '=', move.userId).execute();
    for (const prefix of objectPrefixes(move.userId, clipIds))
      await this.deps.stores.get(move.from)!.deletePrefix(prefix);
    for (const clipId of clipIds) await this.deps.sources.get(move.from)!.remove(clipId);
    for (const part of movePlan(this.deps.catalog)) await deletePart(oldCell.db, part, move.userId, clipIds);
    await deleteJobsNaming(oldCell.db, [move.userId, ...clipIds]);
    await scrubStore(oldCell.db, { vacuum: false });
    await this.appendOnce(move.from, 'account.move_out', move, { moveId: move.id, to: move.to });
    await this.appendOnce(move.to, 'account.move_in', move, { moveId: move.id, from: move.from });
  }

  /**
   * Rows others appended to the old copy after it was verified (a notification sent just before the re-route):
   * after a wait in which every writer has seen the new route, the ones the new copy lacks are copied (same rows:
   * their sealed fields are under the user's data key, which moved).
   */
  private async carryLateArrivals(move: Move): Promise<void> {
    await new Promise((r) => setTimeout(r, this.deps.settleMs ?? FREEZE_SETTLE_MS));
    const oldDb = this.deps.cells.get(move.from).db as Kysely<any>;
    const newDb = this.deps.cells.get(move.to).db as Kysely<any>;
    for (const part of movePlan(this.deps.catalog).filter((p) => p.table in LATE_ARRIVALS)) {
      const key = LATE_ARRIVALS[part.table]!;
      const rows = await selectPart(oldDb, part, move.userId, []);
      const have = new Set((await selectPart(newDb, part, move.userId, [])).map((r) => String(r[key])));
      const missing = rows.filter((r) => !have.has(String(r[key])));
      for (const slice of chunks(missing, 100)) await newDb.insertInto(part.table).values(slice).execute();
      if (missing.length)
        this.deps.log.info(
          { moveId: move.id, table: part.table, rows: missing.length },
          'home-region move carried late rows',
        );
    }
  }

  /** Appends a chain entry unless this move's entry is already there (a resumed step must not write it twice). */
  private async appendOnce(region: string, action: string, move: Move, details: Record<string, string>) {
    const chain = this.deps.audit.for(region);
    const recent = await chain.list({ limit: 200, action });
    if (recent.some((e) => e.subject === move.userId && e.details.moveId === move.id)) return;
    await chain.append({ actor: move.actor, action, subject: move.userId, details });
  }
}

/** A move's objects in the media stores: each clip's folder and the user's own (profile pictures). */
function objectPrefixes(userId: string, clipIds: string[]): string[] {
  return [...clipIds, userMediaKeys.avatars(userId)];
}

interface Move {
  id: string;
  userId: string;
  from: string;
  to: string;
  country: string;
  actor: string;
}
