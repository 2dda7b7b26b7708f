import { Queue, UnrecoverableError, Worker as BullWorker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logging.js';
import type { EnqueueOptions, JobQueue } from './job-queue.js';
import { PermanentJobError, type JobHandlers, type JobMap, type JobName } from './job-types.js';
import type { JobRunner } from './worker.js';

/** One BullMQ queue per cell, named after the region, on the Redis given for that region. */
export function bullConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    db: Number(u.pathname.slice(1) || 0),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    // BullMQ workers block on Redis; retries must not give up while Redis restarts.
    maxRetriesPerRequest: null,
  };
}

export function bullQueueName(region: string): string {
  return `reelm-${region}`;
}

/**
 * The cluster-mode queue: BullMQ on Redis, one queue per cell. Payloads are ids only, so Redis holds
 * no protected data; BullMQ's lock renewal and stalled-job check give a killed worker's job to another.
 */
export class BullJobQueue implements JobQueue {
  readonly engine = 'bullmq' as const;
  private readonly queue: Queue;

  constructor(
    readonly region: string,
    readonly connection: ConnectionOptions,
    private readonly backoffMs = 2_000,
    /** Redis key prefix: separates deployments (and test runs) sharing one Redis. */
    readonly prefix = 'reelm',
  ) {
    this.queue = new Queue(bullQueueName(region), { connection, prefix });
  }

  async enqueue<K extends JobName>(name: K, payload: JobMap[K], options: EnqueueOptions = {}): Promise<string> {
    const delay = options.runAt ? Math.max(0, options.runAt.getTime() - Date.now()) : 0;
    const job = await this.queue.add(name, payload, {
      // BullMQ ignores an add whose jobId exists: that is the dedupe. Colons are reserved in its keys.
      ...(options.dedupeKey ? { jobId: options.dedupeKey.replace(/:/g, '_') } : {}),
      attempts: options.maxAttempts ?? 5,
      backoff: { type: 'exponential', delay: this.backoffMs },
      delay,
      removeOnComplete: { age: 7 * 86400, count: 10_000 },
      removeOnFail: { age: 30 * 86400 },
    });
    return job.id!;
  }

  async counts(): Promise<Record<string, number>> {
    const c = await this.queue.getJobCounts(
      'waiting',
      'delayed',
      'active',
      'completed',
      'failed',
      'prioritized',
      'waiting-children',
    );
    return {
      queued: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0),
      running: c.active ?? 0,
      done: c.completed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  /** BullMQ forgets finished jobs itself (`removeOnComplete`, `removeOnFail` above); nothing to do here. */
  async pruneFinished(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    // As for a worker (BullJobRunner.stop): a queue closed while its connection starts would drop it unquit.
    await settledWithin(this.queue.waitUntilReady(), 5_000);
    await this.queue.close();
  }

  /** Removes the queue and every job in it from Redis (a region's detach; tests). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }
}

/** Runs one cell's BullMQ jobs with the same handler map as the embedded worker. */
export class BullJobRunner implements JobRunner {
  private worker: BullWorker | undefined;
  private readonly aborts = new Set<AbortController>();

  constructor(
    private readonly queue: BullJobQueue,
    private readonly handlers: JobHandlers,
    private readonly log: Logger,
    private readonly lockMs = 30_000,
  ) {}

  start(): void {
    if (this.worker) return;
    this.worker = new BullWorker(bullQueueName(this.queue.region), (job: Job) => this.process(job), {
      connection: this.queue.connection,
      prefix: this.queue.prefix,
      concurrency: 1,
      lockDuration: this.lockMs,
      stalledInterval: Math.max(1_000, Math.floor(this.lockMs / 2)),
      maxStalledCount: 3,
    });
    this.worker.on('error', (err) => this.log.error({ err, region: this.queue.region }, 'bullmq worker error'));
  }

  private async process(job: Job): Promise<void> {
    const handler = this.handlers[job.name as JobName] as
      ((payload: unknown, ctx: unknown) => Promise<void>) | undefined;
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const abort = new AbortController();
    this.aborts.add(abort);
    const log = this.log.child({
      jobId: job.id,
      job: job.name,
      region: this.queue.region,
      attempt: job.attemptsMade + 1,
    });
    // Which process holds a job is what an operator needs when a worker dies.
    log.info({ pid: process.pid }, 'job started');
    try {
      await handler(job.data, {
        region: this.queue.region,
        jobId: job.id!,
        attempt: job.attemptsMade + 1,
        signal: abort.signal,
        // BullMQ renews the lock itself while the processor runs.
        heartbeat: async () => undefined,
      });
      log.info('job done');
    } catch (err) {
      log.warn({ err }, 'job failed');
      if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
      throw err;
    } finally {
      this.aborts.delete(abort);
    }
  }

  /** Waits for the job in progress to finish (BullMQ's graceful close), then disconnects. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    // BullMQ drops a connection that is still initialising instead of quitting it, and the commands of its
    // fire-and-forget start-up then reject with no one to catch them (seen when a worker stops right after it
    // started). Letting it finish starting first takes the quit path; a Redis that never answers does not hold
    // the stop for more than a few seconds.
    await settledWithin(worker.waitUntilReady(), 5_000);
    await worker.close();
    this.worker = undefined;
  }

  async idle(): Promise<void> {
    for (;;) {
      const c = await this.queue.counts();
      if ((c.queued ?? 0) + (c.running ?? 0) === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Waits for a promise to settle, either way, or for `ms` to pass, whichever comes first. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
