import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RateLimitedError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { CellRegistry } from '../regions/cells.js';
import { mediaPaths } from './media-paths.js';
import type { VideoService } from './video.service.js';

export interface UploadSweepDeps {
  cells: CellRegistry;
  videos: VideoService;
  now: () => Date;
  log: Logger;
  /** How long a tus upload may stay unfinished before it and its clip are removed. */
  expiryMs: number;
}

/** A multipart upload's temp file: `.mp-<clip id>` in the cell's uploads folder (see media.routes.ts). */
const MULTIPART_TEMP = /^\.mp-[0-9a-z]+$/;
/**
 * A temp file written to within this long may belong to another API process sharing the folder; a stopped process
 * left the rest. (A live upload writes many times a second.)
 */
export const MULTIPART_IDLE_MS = 60_000;

/**
 * Abandoned uploads go away. A tus upload unfinished after the expiry loses its `uploading` clip, its bytes and
 * tus's state (a FileStore's data and `.json`, or the S3 multipart upload and its `.info`), in that order, so a
 * crash in between leaves only files without a row, which the next sweep removes too. Multipart temp files that
 * a stopped process left behind are removed when an API process starts.
 */
export class UploadSweeper {
  constructor(private readonly deps: UploadSweepDeps) {}

  /** Removes the region's expired uploads; answers how many clips went. */
  async sweep(region: string): Promise<number> {
    const cutoff = new Date(this.deps.now().getTime() - this.deps.expiryMs);
    const db = this.deps.cells.get(region).db;
    const expired = await db
      .selectFrom('videos')
      .select('id')
      .where('status', '=', 'uploading')
      .where('created_at', '<', cutoff.toISOString())
      .execute();
    for (const { id } of expired) await this.deps.videos.abandon(region, id);
    // Bytes whose clip is gone (a crash between the row and the files, or a tus creation that failed half-way).
    const sources = this.deps.videos.sources(region);
    const stale = await sources.staleUploads(cutoff);
    let orphans = 0;
    for (let i = 0; i < stale.length; i += 500) {
      const ids = stale.slice(i, i + 500);
      const open = new Set(
        (
          await db.selectFrom('videos').select('id').where('id', 'in', ids).where('status', '=', 'uploading').execute()
        ).map((r) => r.id),
      );
      for (const id of ids.filter((x) => !open.has(x))) {
        await sources.removeUpload(id);
        orphans++;
      }
    }
    if (expired.length || orphans)
      this.deps.log.info({ region, clips: expired.length, orphans }, 'removed expired uploads');
    return expired.length + orphans;
  }

  /** Removes multipart temp files idle for longer than `idleMs` in every cell's uploads folder on this machine. */
  async removeMultipartLeftovers(idleMs = MULTIPART_IDLE_MS): Promise<number> {
    const before = this.deps.now().getTime() - idleMs;
    let removed = 0;
    for (const cell of this.deps.cells.all()) {
      const dir = mediaPaths.uploads(cell.dir);
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names.filter((n) => MULTIPART_TEMP.test(n))) {
        const path = join(dir, name);
        const info = await stat(path).catch(() => undefined);
        if (!info || info.mtimeMs >= before) continue;
        await rm(path, { force: true });
        removed++;
      }
    }
    if (removed) this.deps.log.info({ removed }, 'removed multipart upload leftovers');
    return removed;
  }

  /** Refuses a new upload while the user has `max` open ones (each holds disk or S3 parts until it ends). */
  async requireUploadSlot(owner: { region: string; userId: string }, max: number): Promise<void> {
    const open = await this.openUploads(owner.region, owner.userId);
    if (open >= max) {
      throw new RateLimitedError(
        'upload.too_many_open',
        `You have ${open} uploads in progress (at most ${max}); finish or cancel one before starting another.`,
        { open, limit: max },
      );
    }
  }

  /** How many of the user's uploads are still open (clips `uploading`). */
  async openUploads(region: string, userId: string): Promise<number> {
    const row = await this.deps.cells
      .get(region)
      .db.selectFrom('videos')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('owner_id', '=', userId)
      .where('status', '=', 'uploading')
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
