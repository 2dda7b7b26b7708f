import { randomBytes } from 'node:crypto';
import type { Logger } from '../logging.js';
import type { ClaimableQueue, JobRow } from './job-queue.js';
import { PermanentJobError, type JobHandlers, type JobName } from './job-types.js';

export interface WorkerOptions {
  queues: ClaimableQueue[];
  handlers: JobHandlers;
  log: Logger;
  now: () => Date;
  /** How long a claimed job is ours without a heartbeat. */
  leaseMs?: number;
  pollMs?: number;
  /** First retry delay; doubles per attempt, capped at 10 minutes. */
  backoffMs?: number;
}

/** Start-up check: every job name in the map has a handler function (the type checks it at compile time). */
export function assertHandlers(handlers: JobHandlers, names: readonly JobName[]): void {
  const missing = names.filter((n) => typeof handlers[n] !== 'function');
  if (missing.length) throw new Error(`no job handler for: ${missing.join(', ')}`);
}

/**
 * Runs jobs from one or more cells' queues, one job at a time per cell (transcodes use every core).
 * Idempotent handlers make at-least-once delivery safe; stop() hands the current job back.
 */
/** What starts and stops job processing, whichever engine runs the queue. */
export interface JobRunner {
  start(): void;
  stop(): Promise<void>;
  idle(): Promise<void>;
}

export class Worker implements JobRunner {
  readonly id = `w-${process.pid}-${randomBytes(4).toString('hex')}`;
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Map<string, () => void>();
  private readonly active = new Map<string, { job: JobRow; abort: AbortController }>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly backoffMs: number;

  constructor(private readonly options: WorkerOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 1_000;
    this.backoffMs = options.backoffMs ?? 2_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const queue of this.options.queues) {
      queue.onEnqueue(() => this.wakers.get(queue.region)?.());
      this.loops.push(this.loop(queue));
    }
  }

  /** Stops taking jobs; jobs in progress are aborted and handed back for another worker. */
  async stop(): Promise<void> {
    this.running = false;
    for (const { abort } of this.active.values()) abort.abort(new Error('worker stopping'));
    for (const wake of this.wakers.values()) wake();
    await Promise.all(this.loops);
  }

  /** Resolves when no queue has a runnable job and nothing is running (for tests and the demo seeder). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.active.size === 0) {
        let pending = 0;
        for (const q of this.options.queues) {
          const counts = await q.counts();
          pending += (counts.queued ?? 0) + (counts.running ?? 0);
        }
        if (pending === 0) return;
      }
      await new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  private async loop(queue: ClaimableQueue): Promise<void> {
    while (this.running) {
      let job: JobRow | undefined;
      try {
        job = await queue.claim(this.id, this.leaseMs);
      } catch (err) {
        this.options.log.error({ err, region: queue.region }, 'claiming a job failed');
      }
      if (!job) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.pollMs);
          this.wakers.set(queue.region, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        continue;
      }
      await this.run(queue, job);
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async run(queue: ClaimableQueue, job: JobRow): Promise<void> {
    const name = job.name as JobName;
    const handler = this.options.handlers[name] as ((payload: unknown, ctx: unknown) => Promise<void>) | undefined;
    const log = this.options.log.child({ jobId: job.id, job: job.name, region: queue.region, attempt: job.attempts });
    const abort = new AbortController();
    this.active.set(job.id, { job, abort });
    const heartbeat = async () => {
      const ok = await queue.extend(job.id, this.id, this.leaseMs);
      if (!ok) abort.abort(new Error('lease lost'));
    };
    const timer = setInterval(
      () => void heartbeat().catch(() => undefined),
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    try {
      if (!handler) throw new PermanentJobError(`no handler for job ${job.name}`);
      await handler(JSON.parse(job.payload), {
        region: queue.region,
        jobId: job.id,
        attempt: job.attempts,
        signal: abort.signal,
        heartbeat,
      });
      await queue.complete(job.id, this.id);
      log.info('job done');
    } catch (err) {
      if (abort.signal.aborted && !this.running) {
        await queue.handBack(job.id, this.id);
        log.info('job handed back on shutdown');
      } else {
        const permanent = err instanceof PermanentJobError || job.attempts >= job.max_attempts;
        const delay = Math.min(this.backoffMs * 2 ** (job.attempts - 1), 600_000);
        const retryAt = permanent
          ? undefined
          : new Date(this.options.now().getTime() + delay * (0.75 + Math.random() * 0.5));
        await queue.fail(job.id, this.id, (err as Error).message ?? String(err), retryAt);
        log.warn({ err, retry: retryAt?.toISOString() ?? 'no' }, 'job failed');
      }
    } finally {
      clearInterval(timer);
      this.active.delete(job.id);
    }
  }
}
