import type { AppContext } from '../context.js';
import type { JobHandlers, JobName } from './job-types.js';

/** Every job's handler, built over the context. Add one line per job. */
export function buildHandlers(ctx: AppContext): JobHandlers {
  return {
    'sessions.prune': async (_payload, job) => {
      await ctx.cells.get(job.region).db.deleteFrom('sessions').where('expires_at', '<', ctx.clock.now().toISOString()).execute();
    },
  };
}

export const JOB_NAMES: readonly JobName[] = ['sessions.prune'];
