import type { AppContext } from '../context.js';
import { transcodeJob } from '../media/transcode.job.js';
import type { JobHandlers, JobName } from './job-types.js';

/** Every job's handler, built over the context. Add one line per job. */
export function buildHandlers(ctx: AppContext): JobHandlers {
  return {
    'sessions.prune': async (_payload, job) => {
      await ctx.cells.get(job.region).db.deleteFrom('sessions').where('expires_at', '<', ctx.clock.now().toISOString()).execute();
    },
    'video.transcode': transcodeJob({ ...ctx.media, config: ctx.config, cells: ctx.cells, now: () => ctx.clock.now(), log: ctx.log }),
  };
}

export const JOB_NAMES: readonly JobName[] = ['sessions.prune', 'video.transcode'];
