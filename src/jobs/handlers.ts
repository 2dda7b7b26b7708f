import { accountMailJob } from '../accounts/account-mail.job.js';
import { EXPORT_ATTEMPTS } from '../accounts/export.service.js';
import type { AppContext } from '../context.js';
import { transcodeJob } from '../media/transcode.job.js';
import { housekeepingJob } from './housekeeping.js';
import type { JobHandlers, JobName } from './job-types.js';

/** Every job's handler, built over the context. Add one line per job. */
export function buildHandlers(ctx: AppContext): JobHandlers {
  return {
    'sessions.prune': async (_payload, job) => {
      await ctx.sessionList.pruneExpired(job.region);
      await scheduleSessionPrune(ctx, job.region);
    },
    'video.transcode': transcodeJob({
      ...ctx.media,
      config: ctx.config,
      cells: ctx.cells,
      now: () => ctx.clock.now(),
      log: ctx.log,
    }),
    'video.publish': async (payload, job) => {
      await ctx.media.videos.publishScheduled(job.region, payload.videoId);
    },
    'accounts.export': async (payload, job) => {
      try {
        await ctx.exports.build(job.region, payload.exportId);
      } catch (err) {
        // Only the last attempt tells the user it failed; earlier ones are retried quietly.
        if (job.attempt >= EXPORT_ATTEMPTS)
          await ctx.exports.markFailed(job.region, payload.exportId, (err as Error).message);
        throw err;
      }
    },
    'accounts.purge': async (_payload, job) => {
      await ctx.deletion.purgeDue(job.region);
    },
    'audit.border-rollup': async (_payload, job) => {
      await ctx.audit.rollupBorderFlows(job.region);
      await scheduleBorderRollup(ctx, job.region);
    },
    'housekeeping.sweep': housekeepingJob(ctx),
    'mail.account': accountMailJob({
      config: ctx.config,
      cells: ctx.cells,
      mailer: ctx.mailer,
      now: () => ctx.clock.now(),
      log: ctx.log,
    }),
    'accounts.move': async (payload, job) => {
      await ctx.homeMoves.run(job.region, payload.moveId);
    },
  };
}

/** Enqueues the next daily roll-up of the border ledger (just after midnight UTC), once per day. */
export async function scheduleBorderRollup(ctx: AppContext, region: string): Promise<void> {
  const next = new Date(ctx.clock.now());
  next.setUTCHours(24, 5, 0, 0);
  await ctx.queues
    .get(region)!
    .enqueue(
      'audit.border-rollup',
      {},
      { runAt: next, dedupeKey: `audit.border-rollup:${next.toISOString().slice(0, 10)}` },
    );
}

/** Enqueues the next prune of expired sessions (their sealed IPs should not outlive them), once per hour. */
export async function scheduleSessionPrune(ctx: AppContext, region: string): Promise<string> {
  const next = new Date(ctx.clock.now());
  next.setUTCMinutes(60, 0, 0);
  return ctx.queues
    .get(region)!
    .enqueue('sessions.prune', {}, { runAt: next, dedupeKey: `sessions.prune:${next.toISOString().slice(0, 13)}` });
}

export const JOB_NAMES: readonly JobName[] = [
  'sessions.prune',
  'video.transcode',
  'video.publish',
  'accounts.export',
  'accounts.purge',
  'audit.border-rollup',
  'housekeeping.sweep',
  'mail.account',
  'accounts.move',
];
