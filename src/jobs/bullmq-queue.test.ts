import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging.js';
import { BullJobQueue, BullJobRunner, bullConnection } from './bullmq-queue.js';
import { PermanentJobError, type JobHandlers } from './job-types.js';

// Each run uses its own region name, so queues of parallel or earlier runs never mix.
const REDIS = process.env.REELM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const log = createLogger('silent');
const region = () => `t${randomBytes(4).toString('hex')}`;

describe('BullMQ queue (cluster mode)', () => {
  const opened: BullJobQueue[] = [];
  const open = (r: string) => {
    const q = new BullJobQueue(r, bullConnection(REDIS), 20);
    opened.push(q);
    return q;
  };
  afterAll(async () => {
    for (const q of opened) {
      await q.obliterate();
      await q.close();
    }
  });

  it('runs jobs with the shared handler map, retries failures and stops on a permanent error', async () => {
    const q = open(region());
    const attempts: number[] = [];
    let permanentRuns = 0;
    const handlers = {
      'sessions.prune': async (payload: { mode?: string }, job: { attempt: number }) => {
        if (payload.mode === 'permanent') {
          permanentRuns++;
          throw new PermanentJobError('gone');
        }
        attempts.push(job.attempt);
        if (job.attempt < 2) throw new Error('flaky');
      },
    } as unknown as JobHandlers;
    const runner = new BullJobRunner(q, handlers, log, 5_000);
    runner.start();
    await q.enqueue('sessions.prune', {});
    await q.enqueue('sessions.prune', { mode: 'permanent' } as never);
    await runner.idle();
    await runner.stop();
    expect(attempts).toEqual([1, 2]);
    expect(permanentRuns).toBe(1);
    expect(await q.counts()).toMatchObject({ queued: 0, running: 0, done: 1, failed: 1 });
  });

  it('deduplicates by key', async () => {
    const q = open(region());
    const a = await q.enqueue('sessions.prune', {}, { dedupeKey: 'transcode:abc' });
    const b = await q.enqueue('sessions.prune', {}, { dedupeKey: 'transcode:abc' });
    expect(a).toBe(b);
    expect((await q.counts()).queued).toBe(1);
  });

  it('gives the job of a worker that died to another worker', async () => {
    const r = region();
    const q = open(r);
    let firstStarted!: () => void;
    const started = new Promise<void>((res) => (firstStarted = res));
    const hang = {
      'sessions.prune': () => (firstStarted(), new Promise<void>(() => undefined)),
    } as unknown as JobHandlers;
    const dying = new BullJobRunner(q, hang, log, 1_000);
    dying.start();
    await q.enqueue('sessions.prune', {});
    await started;
    // A force-close stops renewing the lock without settling the job, as a SIGKILL would.
    await (dying as unknown as { worker: { close(force: boolean): Promise<void> } }).worker.close(true);

    let done = 0;
    const rescuer = new BullJobRunner(
      open(r),
      { 'sessions.prune': async () => void done++ } as unknown as JobHandlers,
      log,
      1_000,
    );
    rescuer.start();
    await rescuer.idle();
    await rescuer.stop();
    expect(done).toBe(1);
  }, 30_000);

  it('stops a worker and closes a queue right after they start without leaving a rejection no one catches', async () => {
    // BullMQ's start-up commands are fire-and-forget; a connection dropped while they run rejected them unhandled.
    const unhandled: unknown[] = [];
    const seen = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', seen);
    try {
      for (let i = 0; i < 30; i++) {
        const q = new BullJobQueue(region(), bullConnection(REDIS), 20);
        const runner = new BullJobRunner(q, {} as JobHandlers, log, 5_000);
        runner.start();
        // Stop at once, after a turn of the event loop, or a few milliseconds in: where the start-up stands varies.
        if (i % 3 === 1) await new Promise((r) => setImmediate(r));
        if (i % 3 === 2) await new Promise((r) => setTimeout(r, 5));
        await runner.stop();
        await q.close();
      }
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('unhandledRejection', seen);
    }
    expect(unhandled).toEqual([]);
  });
});
