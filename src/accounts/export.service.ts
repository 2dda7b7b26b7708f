import { createHmac, timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Kysely } from 'kysely';
import yazl from 'yazl';
import { newId } from '../db/ids.js';
import type { DirectoryDb } from '../db/schema.js';
import { NotFoundError, RateLimitedError, UnauthorizedError } from '../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Border } from '../regions/border.js';
import type { DataCatalog } from '../regions/catalog.js';
import { dataKeyOf, type Cell, type CellRegistry } from '../regions/cells.js';
import { openField } from '../regions/keys.js';
import { foldersNaming, rowsNaming } from '../regions/user-data.js';
import type { Principal } from './session.service.js';

export interface ExportStatus {
  id: string;
  status: 'queued' | 'ready' | 'failed' | 'expired';
  url?: string;
  expiresAt?: string;
}

export interface ExportServiceDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  catalog: DataCatalog;
  border: Border;
  queues: Map<string, JobQueue>;
  now: () => Date;
  expiryDays: number;
  /** The user's profile pictures (in the cell's media store, which may be a bucket). */
  avatars?: { files(region: string, userId: string): Promise<{ name: string; data: Buffer }[]> };
}

export const EXPORT_ROWS_FLOW = 'account.export-rows';

// Secrets that protect the account rather than describe the person; the export leaves them out.
const SECRET_COLUMNS = new Set(['password_hash', 'token_hash', 'wrapped_dek', 'totp_secret_enc', 'code_hash']);
// Columns of one table that would hand a live secret to whoever holds the ZIP (a file travels further than a
// session): a mail's bodies carry its verification or reset link. The export keeps that the mail was written
// (kind, language, subject, address, when), not the link.
const SECRET_COLUMNS_OF: Record<string, ReadonlySet<string>> = {
  mail_outbox: new Set(['text_enc', 'html_enc']),
};
const SKIP_TABLES = ['user_keys', 'jobs', 'data_exports'];
const ZIP_NAME = 'reelm-export.zip';
/** Attempts an export job gets before the export is reported as failed. */
export const EXPORT_ATTEMPTS = 3;
/** Exports a user may ask for in a day: each one reads every row and clip they have, so a loop could tie up the cell. */
export const EXPORTS_PER_DAY = 3;

const README = `Your Reelm data

profile.json       your account, with your email and birthdate decrypted
sessions.json      your sign-ins: when, from which address and which browser
tables/<name>.json every row kept about you in your home region, by table (encrypted fields decrypted),
                   and your public content kept in other regions (your comments on their clips);
                   what guards the account is left out: password and link-token hashes, the two-step
                   secret and recovery codes, and the bodies of mail we wrote you (their links may still work)
public.json        what anyone could see: your public profile, your public clips and sounds
media/<videoId>/   the files of your own clips
avatar/            your profile picture, as shown (400 and 100 px)

This is the copy of your data that GDPR Articles 15 and 20 entitle you to, in a machine-readable form.
`;

/**
 * "Download your data": a job in the home cell writes a ZIP (JSON by category plus the user's own clips'
 * files) into the home cell's folder; the owner fetches it through a signed link that expires.
 */
export class ExportService {
  /** Tables wholly public whose rows can be a user's own in another region's cell (comments on its clips). */
  private readonly remoteTables: string[];

  constructor(private readonly deps: ExportServiceDeps) {
    const cell = deps.catalog.tablesOf('cell');
    this.remoteTables = deps.catalog
      .subjectTables()
      .map((t) => t.table)
      .filter(
        (table) => Object.values(cell[table] ?? {}).every((cls) => cls === 'public') && !SKIP_TABLES.includes(table),
      );
    deps.border.declareFlow(
      { type: EXPORT_ROWS_FLOW, fields: { userId: 'public' }, answers: this.remoteTables },
      async (payload, to) => {
        const db = deps.cells.get(to).db;
        const skip = Object.keys(cell).filter((t) => !this.remoteTables.includes(t));
        return rowsNaming(db, deps.catalog, 'cell', [String(payload.userId)], skip, true);
      },
    );
  }

  async request(principal: Principal): Promise<ExportStatus> {
    const db = this.deps.cells.get(principal.region).db;
    const pending = await db
      .selectFrom('data_exports')
      .select('id')
      .where('user_id', '=', principal.userId)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    if (pending) return { id: pending.id, status: 'queued' };
    const now = this.deps.now();
    const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
    const recent = await db
      .selectFrom('data_exports')
      .select(['created_at'])
      .where('user_id', '=', principal.userId)
      .where('created_at', '>', dayAgo)
      .orderBy('created_at', 'asc')
      .execute();
    if (recent.length >= EXPORTS_PER_DAY) {
      const retryAt = new Date(Date.parse(recent[0]!.created_at) + 86_400_000);
      throw new RateLimitedError(
        'export.too_many',
        `You can ask for ${EXPORTS_PER_DAY} exports a day; the next one is possible after ${retryAt.toISOString()}.`,
        { retryAt: retryAt.toISOString() },
      );
    }
    const id = newId(now.getTime());
    await db
      .insertInto('data_exports')
      .values({
        id,
        user_id: principal.userId,
        status: 'queued',
        size_bytes: null,
        error: null,
        created_at: now.toISOString(),
        ready_at: null,
        expires_at: null,
      })
      .execute();
    await this.deps.queues
      .get(principal.region)!
      .enqueue(
        'accounts.export',
        { exportId: id },
        { dedupeKey: `accounts.export:${id}`, maxAttempts: EXPORT_ATTEMPTS },
      );
    return { id, status: 'queued' };
  }

  async status(principal: Principal, id: string): Promise<ExportStatus> {
    const cell = this.deps.cells.get(principal.region);
    const row = await cell.db
      .selectFrom('data_exports')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', principal.userId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('export.not_found', 'There is no such export of yours.');
    if (row.status !== 'ready' || !row.expires_at) return { id, status: row.status as ExportStatus['status'] };
    if (row.expires_at <= this.deps.now().toISOString()) {
      rmSync(this.folder(cell, id), { recursive: true, force: true });
      return { id, status: 'expired' };
    }
    const expires = new Date(row.expires_at).getTime();
    const sig = this.sign(cell, id, principal.userId, expires);
    return {
      id,
      status: 'ready',
      url: `/api/v1/me/exports/${id}/download?expires=${expires}&sig=${sig}`,
      expiresAt: row.expires_at,
    };
  }

  /** The ZIP's path, if the link is genuine, unexpired and asked for by the export's owner. */
  async download(
    principal: Principal,
    id: string,
    expires: number,
    sig: string,
  ): Promise<{ path: string; size: number }> {
    const cell = this.deps.cells.get(principal.region);
    const expected = Buffer.from(this.sign(cell, id, principal.userId, expires));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new NotFoundError('export.not_found', 'This download link is not valid for you.');
    }
    if (expires <= this.deps.now().getTime())
      throw new UnauthorizedError('export.link_expired', 'This download link has expired; ask for a new export.');
    const row = await cell.db
      .selectFrom('data_exports')
      .select(['status'])
      .where('id', '=', id)
      .where('user_id', '=', principal.userId)
      .executeTakeFirst();
    const path = join(this.folder(cell, id), ZIP_NAME);
    if (!row || row.status !== 'ready' || !existsSync(path))
      throw new NotFoundError('export.not_found', 'This export is no longer available.');
    return { path, size: statSync(path).size };
  }

  /** The job: builds the ZIP. Idempotent — a ready export is left alone; a half-written file is replaced. */
  async build(region: string, exportId: string): Promise<void> {
    const cell = this.deps.cells.get(region);
    const row = await cell.db.selectFrom('data_exports').selectAll().where('id', '=', exportId).executeTakeFirst();
    if (!row || row.status === 'ready') return;
    const userId = row.user_id;
    const zip = new yazl.ZipFile();
    const json = (name: string, value: unknown) =>
      zip.addBuffer(Buffer.from(JSON.stringify(value, null, 2) + '\n'), name);
    zip.addBuffer(Buffer.from(README), 'README.txt');

    const dek = await dataKeyOf(cell, userId);
    const tables = await rowsNaming(cell.db, this.deps.catalog, 'cell', [userId], SKIP_TABLES, true);
    for (const other of this.deps.cells.regions()) {
      if (other === region) continue;
      for (const [table, rows] of Object.entries(
        await this.deps.border.ask(region, other, EXPORT_ROWS_FLOW, { userId }),
      )) {
        tables[table] = [...(tables[table] ?? []), ...rows];
      }
    }
    const readable = (table: string, r: Record<string, unknown>) => this.readable(table, r, userId, dek);
    const account = tables.accounts?.[0];
    if (account) {
      const a = readable('accounts', account);
      json('profile.json', {
        id: a.id,
        handle: a.handle,
        email: a.email,
        birthdate: a.birthdate,
        country: a.country,
        displayName: a.display_name,
        bio: a.bio,
        privateAccount: a.private_account === 1,
        whoCanComment: a.who_can_comment,
        createdAt: a.created_at,
        status: a.status,
      });
    }
    json(
      'sessions.json',
      (tables.sessions ?? []).map((s) => {
        const r = readable('sessions', s);
        return {
          id: r.id,
          createdAt: r.created_at,
          expiresAt: r.expires_at,
          ip: r.ip ?? null,
          userAgent: r.user_agent ?? null,
        };
      }),
    );
    for (const [table, rows] of Object.entries(tables))
      json(
        `tables/${table}.json`,
        rows.map((r) => readable(table, r)),
      );

    const dir = this.deps.directory as Kysely<any>;
    const publicData: Record<string, unknown[]> = {};
    for (const { table, columns } of this.deps.catalog.userTables('directory')) {
      publicData[table] = await dir
        .selectFrom(table)
        .selectAll()
        .where((eb: any) => eb.or(columns.map((c) => eb(c, '=', userId))))
        .execute();
    }
    json('public.json', publicData);

    for (const folder of await foldersNaming(cell.db, this.deps.catalog, cell.dir, [userId])) {
      if (folder.table === 'data_exports' || !existsSync(folder.path)) continue;
      for (const file of walk(folder.path)) zip.addFile(file, `media/${folder.id}/${relative(folder.path, file)}`);
    }

    for (const file of (await this.deps.avatars?.files(region, userId)) ?? []) zip.addBuffer(file.data, file.name);

    const out = this.folder(cell, exportId);
    mkdirSync(out, { recursive: true });
    const part = join(out, `${ZIP_NAME}.part`);
    await new Promise<void>((resolve, reject) => {
      const stream = createWriteStream(part);
      stream.on('close', resolve).on('error', reject);
      zip.outputStream.on('error', reject).pipe(stream);
      zip.end();
    });
    renameSync(part, join(out, ZIP_NAME));
    const now = this.deps.now();
    await cell.db
      .updateTable('data_exports')
      .set({
        status: 'ready',
        size_bytes: statSync(join(out, ZIP_NAME)).size,
        ready_at: now.toISOString(),
        expires_at: new Date(now.getTime() + this.deps.expiryDays * 86_400_000).toISOString(),
      })
      .where('id', '=', exportId)
      .execute();
  }

  async markFailed(region: string, exportId: string, message: string): Promise<void> {
    await this.deps.cells
      .get(region)
      .db.updateTable('data_exports')
      .set({ status: 'failed', error: message.slice(0, 500) })
      .where('id', '=', exportId)
      .execute();
  }

  /** Deletes the ZIPs of the region's exports past their expiry (the owner's link stops working then anyway). */
  async sweepExpired(region: string): Promise<number> {
    const cell = this.deps.cells.get(region);
    const expired = await cell.db
      .selectFrom('data_exports')
      .select('id')
      .where('status', '=', 'ready')
      .where('expires_at', '<=', this.deps.now().toISOString())
      .execute();
    for (const { id } of expired) {
      rmSync(this.folder(cell, id), { recursive: true, force: true });
      await cell.db.updateTable('data_exports').set({ status: 'expired' }).where('id', '=', id).execute();
    }
    return expired.length;
  }

  private folder(cell: Cell, id: string): string {
    return join(cell.dir, 'exports', id);
  }

  private sign(cell: Cell, id: string, userId: string, expires: number): string {
    return createHmac('sha256', cell.keys.purposeKey('export-download'))
      .update(`${id}:${userId}:${expires}`)
      .digest('base64url');
  }

  /** A row as the user should read it: `<field>_enc` columns opened with their data key, secrets left out. */
  private readable(
    table: string,
    row: Record<string, unknown>,
    userId: string,
    dek: Buffer | undefined,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [col, value] of Object.entries(row)) {
      if (SECRET_COLUMNS.has(col) || SECRET_COLUMNS_OF[table]?.has(col)) continue;
      if (col.endsWith('_enc') && typeof value === 'string' && dek) {
        const field = col.slice(0, -4);
        try {
          out[field] = openField(dek, userId, field, value);
        } catch {
          // Sealed for someone else (a row about this user written with another's key): not theirs to read.
          out[field] = null;
        }
      } else if (!col.endsWith('_enc')) out[col] = value;
    }
    return out;
  }
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else if (entry.isFile()) out.push(p);
  }
  return out.sort();
}
