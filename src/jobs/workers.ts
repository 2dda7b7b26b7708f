import type { AppContext } from '../context.js';
import { JOB_NAMES, buildHandlers } from './handlers.js';
import { Worker, assertHandlers, type WorkerOptions } from './worker.js';

/** Starts a worker over the given regions' queues (all of them in embedded mode). */
export function startWorkers(ctx: AppContext, regions = ctx.cells.regions(), options: Partial<WorkerOptions> = {}): Worker {
  const handlers = buildHandlers(ctx);
  assertHandlers(handlers, JOB_NAMES);
  const worker = new Worker({
    queues: regions.map((r) => ctx.queues.get(r)!),
    handlers,
    log: ctx.log.child({ role: 'worker' }),
    now: () => ctx.clock.now(),
    ...options,
  });
  worker.start();
  return worker;
}
