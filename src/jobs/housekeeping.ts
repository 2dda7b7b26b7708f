import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { JobHandler } from './job-types.js';

/** A multipart temp file untouched this long is a leftover even while API processes run. */
const MULTIPART_STALE_MS = 3_600_000;

/** How long finished jobs stay in a cell's queue table (as BullMQ keeps them: a week done, a month failed). */
export const FINISHED_JOBS_KEPT_MS = { done: 7 * 86_400_000, failed: 30 * 86_400_000 };

/** The sweep runs at least this often, and at least as often as uploads expire. */
export const SWEEP_EVERY_MS = 10 * 60_000;

/** How often a cell's housekeeping sweep runs: every min(upload expiry, 10 min). */
export function sweepPeriodMs(ctx: Pick<AppContext, 'config'>): number {
  return Math.max(1000, Math.min(ctx.config.uploadExpiryMs, SWEEP_EVERY_MS));
}

/**
 * One cell's housekeeping: expired uploads (their clips, bytes and tus state), expired export ZIPs, view marks of
 * past windows and long-finished jobs go, then the next sweep is queued. Each next run is keyed by its time slot, so however many
 * processes started a chain, the cell runs one sweep per slot.
 */
export function housekeepingJob(ctx: AppContext): JobHandler<'housekeeping.sweep'> {
  return async (_payload, job) => {
    await ctx.media.sweeper.sweep(job.region);
    // Between starts too (embedded mode: the worker shares the API's disk), with room for a stalled client.
    await ctx.media.sweeper.removeMultipartLeftovers(MULTIPART_STALE_MS);
    await ctx.exports.sweepExpired(job.region);
    await ctx.social.marks.prune(job.region);
    const now = ctx.clock.now().getTime();
    await ctx.queues.get(job.region)!.pruneFinished({
      done: new Date(now - FINISHED_JOBS_KEPT_MS.done),
      failed: new Date(now - FINISHED_JOBS_KEPT_MS.failed),
    });
    await scheduleNextSweep(ctx, job.region);
  };
}

async function scheduleNextSweep(ctx: AppContext, region: string): Promise<void> {
  const period = sweepPeriodMs(ctx);
  const next = new Date((Math.floor(ctx.clock.now().getTime() / period) + 1) * period);
  await ctx.queues
    .get(region)!
    .enqueue('housekeeping.sweep', {}, { runAt: next, dedupeKey: `housekeeping.sweep:${next.toISOString()}` });
}

/**
 * Run by every process that starts job processing (`reelm start`, `reelm worker --region R`): a sweep now, which
 * then keeps itself going. The start's sweep carries no run time, so it is due at once on every queue.
 */
export async function startHousekeeping(ctx: AppContext, regions = ctx.cells.regions()): Promise<void> {
  for (const region of regions) {
    await ctx.queues
      .get(region)!
      .enqueue('housekeeping.sweep', {}, { dedupeKey: `housekeeping.sweep:start:${randomUUID()}` });
  }
}
