import type { AppContext } from '../context.js';
import { BullJobQueue, BullJobRunner } from './bullmq-queue.js';
import { JOB_NAMES, buildHandlers } from './handlers.js';
import { CellJobQueue } from './job-queue.js';
import { Worker, assertHandlers, type JobRunner, type WorkerOptions } from './worker.js';

/**
 * Starts job processing for the given regions (all of them in embedded mode): the embedded worker for
 * cells whose queue is a table, a BullMQ worker for cells whose queue is on Redis.
 */
export function startWorkers(
  ctx: AppContext,
  regions = ctx.cells.regions(),
  options: Partial<WorkerOptions> = {},
): JobRunner {
  const handlers = buildHandlers(ctx);
  assertHandlers(handlers, JOB_NAMES);
  const log = ctx.log.child({ role: 'worker' });
  const runners: JobRunner[] = [];
  const tableQueues = regions.map((r) => ctx.queues.get(r)).filter((q): q is CellJobQueue => q instanceof CellJobQueue);
  if (tableQueues.length)
    runners.push(new Worker({ queues: tableQueues, handlers, log, now: () => ctx.clock.now(), ...options }));
  for (const region of regions) {
    const q = ctx.queues.get(region);
    if (q instanceof BullJobQueue) runners.push(new BullJobRunner(q, handlers, log, options.leaseMs));
  }
  for (const r of runners) r.start();
  return {
    start: () => runners.forEach((r) => r.start()),
    stop: async () => {
      await Promise.all(runners.map((r) => r.stop()));
    },
    idle: async () => {
      for (const r of runners) await r.idle();
    },
  };
}
