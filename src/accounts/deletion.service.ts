import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Events } from '../events.js';
import type { Logger } from '../logging.js';
import type { Border, DirectoryTable } from '../regions/border.js';
import type { DataCatalog } from '../regions/catalog.js';
import type { CellRegistry } from '../regions/cells.js';
import {
  applyCounterDeltas,
  deleteJobsNaming,
  deleteRowsNaming,
  foldersNaming,
  removeFolder,
  scrubStore,
  secureDelete,
} from '../regions/user-data.js';
import type { PasswordAttempts } from './password-attempts.js';
import { verifyPassword } from './passwords.js';
import type { Principal } from './session.service.js';

export interface DeletionServiceDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  catalog: DataCatalog;
  border: Border;
  queues: Map<string, JobQueue>;
  now: () => Date;
  graceDays: number;
  log: Logger;
  events: Events;
  /** Backoff per account and client on wrong passwords. */
  attempts?: PasswordAttempts;
}

export const PURGED_FLOW = 'account.purged';
// Deleted last, in this order: the account row is what makes a half-done purge run again; the key shreds.
const LAST = ['user_keys', 'accounts'];

/**
 * Account deletion: deactivated at once (sessions revoked, profile hidden), purged after the grace period
 * (config `deletionGraceDays`). Logging in during the grace period cancels the deletion, as on TikTok.
 * The purge removes every row naming the user in the home cell (generic over the catalog's user tables),
 * asks the other cells through the border to drop their interop rows, removes the public copies from the
 * directory and the clip folders, and destroys the user's data key so any leftover ciphertext is unreadable.
 */
export class DeletionService {
  constructor(private readonly deps: DeletionServiceDeps) {
    // The clip ids let other cells drop what their users did with the clips (likes, favorites, history).
    deps.border.declareFlow(
      { type: PURGED_FLOW, fields: { userId: 'public', videoIds: 'public' } },
      async (payload, to) => {
        await this.dropInterop(
          to,
          String(payload.userId),
          Array.isArray(payload.videoIds) ? payload.videoIds.map(String) : [],
        );
      },
    );
  }

  async request(principal: Principal, password: string, client = ''): Promise<{ deleteAfter: string }> {
    const cell = this.deps.cells.get(principal.region);
    const account = await cell.db
      .selectFrom('accounts')
      .select(['password_hash'])
      .where('id', '=', principal.userId)
      .executeTakeFirst();
    if (!account) throw new NotFoundError('account.not_found', 'This account no longer exists.');
    const check = () => verifyPassword(account.password_hash, password);
    const ok = this.deps.attempts
      ? await this.deps.attempts.check(`password:${principal.userId}`, client, check)
      : await check();
    if (!ok) {
      throw new ForbiddenError('account.password_wrong', 'That is not your password; the account was not deleted.');
    }
    const now = this.deps.now();
    const deleteAfter = new Date(now.getTime() + this.deps.graceDays * 86_400_000).toISOString();
    await cell.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('accounts')
        .set({
          status: 'deactivated',
          deactivated_at: now.toISOString(),
          delete_after: deleteAfter,
          updated_at: now.toISOString(),
        })
        .where('id', '=', principal.userId)
        .execute();
      await tx.deleteFrom('sessions').where('user_id', '=', principal.userId).execute();
    });
    await this.deps.border.update(
      principal.region,
      'profile.publish',
      'users',
      { id: principal.userId },
      { status: 'deactivated', updated_at: now.toISOString() },
    );
    // The payload names nobody: the job purges whichever accounts are due when it runs.
    await this.deps.queues
      .get(principal.region)!
      .enqueue('accounts.purge', {}, { runAt: new Date(deleteAfter), dedupeKey: `accounts.purge:${deleteAfter}` });
    // A deactivated account's clips leave the public index, and every media link to them stops working.
    await this.deps.events.emit({
      type: 'account.audience_changed',
      region: principal.region,
      userId: principal.userId,
      narrowed: true,
    });
    this.deps.log.info({ userId: principal.userId, region: principal.region }, 'account deactivated for deletion');
    return { deleteAfter };
  }

  /** Called by login: a deactivated account within its grace period comes back. False when it is past saving. */
  async reactivate(userId: string, region: string): Promise<boolean> {
    const cell = this.deps.cells.get(region);
    const now = this.deps.now().toISOString();
    const res = await cell.db
      .updateTable('accounts')
      .set({ status: 'active', deactivated_at: null, delete_after: null, updated_at: now })
      .where('id', '=', userId)
      .where('status', '=', 'deactivated')
      .where('delete_after', '>', now)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await this.deps.border.update(
      region,
      'profile.publish',
      'users',
      { id: userId },
      { status: 'active', updated_at: now },
    );
    await this.deps.events.emit({ type: 'account.audience_changed', region, userId, narrowed: false });
    this.deps.log.info({ userId, region }, 'account deletion cancelled by login');
    return true;
  }

  /** Purges the region's deactivated accounts whose grace period is over (or all of them with `all`). */
  async purgeDue(region: string, options: { all?: boolean } = {}): Promise<number> {
    let q = this.deps.cells.get(region).db.selectFrom('accounts').select('id').where('status', '=', 'deactivated');
    if (!options.all) q = q.where('delete_after', '<=', this.deps.now().toISOString());
    const due = await q.execute();
    for (const { id } of due) await this.purge(region, id);
    return due.length;
  }

  private async purge(region: string, userId: string): Promise<void> {
    const cell = this.deps.cells.get(region);
    const { catalog, border } = this.deps;
    const videoIds = (await cell.db.selectFrom('videos').select('id').where('owner_id', '=', userId).execute()).map(
      (v) => v.id,
    );
    for (const folder of await foldersNaming(cell.db, catalog, cell.dir, [userId])) removeFolder(folder.path);
    await secureDelete(this.deps.directory);
    // Media takes the user's clips out of the public index first (hashtag counts and search follow).
    await this.deps.events.emit({ type: 'account.purging', region, userId });

    for (const { table, columns } of catalog.userTables('directory')) {
      if (table === 'users') continue;
      for (const column of columns)
        await border.remove(region, 'account.purge', table as DirectoryTable, { [column]: userId });
    }
    for (const other of this.deps.cells.regions()) {
      if (other !== region) await border.deliver(region, other, PURGED_FLOW, { userId, videoIds });
    }

    await secureDelete(cell.db);
    const { deltas } = await deleteRowsNaming(cell.db, catalog, 'cell', [userId], LAST, { videoIds });
    await applyCounterDeltas(this.deps.directory, border, region, 'account.purge', deltas, new Set([userId]));
    await deleteJobsNaming(cell.db, [userId]);
    for (const table of LAST)
      await (cell.db as Kysely<any>)
        .deleteFrom(table)
        .where(catalog.userColumns('cell', table)[0]!, '=', userId)
        .execute();
    await border.remove(region, 'account.purge', 'users', { id: userId });
    await scrubStore(cell.db, { vacuum: false });
    await scrubStore(this.deps.directory, { vacuum: false });
    this.deps.log.info({ userId, region }, 'account purged');
  }

  /** The receiving side of `account.purged`: another cell drops its rows naming the user. */
  private async dropInterop(region: string, userId: string, videoIds: string[]): Promise<void> {
    const db = this.deps.cells.get(region).db;
    await secureDelete(db);
    const { deltas } = await deleteRowsNaming(db, this.deps.catalog, 'cell', [userId], [], { videoIds });
    await applyCounterDeltas(this.deps.directory, this.deps.border, region, 'account.purge', deltas, new Set([userId]));
    await deleteJobsNaming(db, [userId]);
    await scrubStore(db, { vacuum: false });
  }
}
