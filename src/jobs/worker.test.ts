import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestApp, type TestApp } from '../../test/helpers/app.js';
import { createLogger } from '../logging.js';
import type { CellJobQueue } from './job-queue.js';
import { PermanentJobError, type JobHandlers } from './job-types.js';
import { Worker } from './worker.js';

describe('cell job queue and worker', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Embedded on purpose: these cases drive the table queue itself.
    t = await startTestApp({ dialect: 'sqlite' });
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  const log = createLogger('silent');
  const now = () => new Date();

  it('forgets finished jobs once they are old enough: done after one age, failed after a longer one', async () => {
    // A cell no other case here uses: the rows left behind are this case's own.
    const queue = t.ctx.queues.get('row') as CellJobQueue;
    const db = t.ctx.cells.get('row').db;
    const ids = await Promise.all(
      ['done-old', 'done-new', 'failed-mid', 'failed-old', 'queued-old'].map((k) =>
        queue.enqueue('sessions.prune', {}, { dedupeKey: `prune-test:${k}` }),
      ),
    );
    const day = 86_400_000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString();
    const set = (id: string, status: string, daysAgo: number) =>
      db
        .updateTable('jobs')
        .set({ status, updated_at: at(daysAgo) })
        .where('id', '=', id)
        .execute();
    await set(ids[0]!, 'done', 8);
    await set(ids[1]!, 'done', 1);
    await set(ids[2]!, 'failed', 8);
    await set(ids[3]!, 'failed', 31);
    await set(ids[4]!, 'queued', 40);
    const removed = await queue.pruneFinished({
      done: new Date(Date.now() - 7 * day),
      failed: new Date(Date.now() - 30 * day),
    });
    expect(removed).toBe(2);
    const left = await db.selectFrom('jobs').select('id').where('id', 'in', ids).execute();
    expect(left.map((r) => r.id).sort()).toEqual([ids[1]!, ids[2]!, ids[4]!].sort());
  });

  it('runs a job, retries failures with backoff, and fails permanently after max attempts', async () => {
    const queue = t.ctx.queues.get('eu') as CellJobQueue;
    const seen: number[] = [];
    const handlers = {
      'sessions.prune': async (_p: unknown, job: { attempt: number }) => {
        seen.push(job.attempt);
        if (job.attempt < 3) throw new Error('flaky');
      },
    } as unknown as JobHandlers;
    const worker = new Worker({ queues: [queue], handlers, log, now, backoffMs: 20, pollMs: 20 });
    worker.start();
    const id = await queue.enqueue('sessions.prune', {}, { maxAttempts: 5 });
    await worker.idle();
    expect(seen).toEqual([1, 2, 3]);
    const row = await t.ctx.cells
      .get('eu')
      .db.selectFrom('jobs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('done');

    const bad = {
      'sessions.prune': async () => {
        throw new PermanentJobError('the video is gone');
      },
    } as unknown as JobHandlers;
    await worker.stop();
    const w2 = new Worker({ queues: [queue], handlers: bad, log, now, backoffMs: 20, pollMs: 20 });
    w2.start();
    const id2 = await queue.enqueue('sessions.prune', {});
    await w2.idle();
    await w2.stop();
    const row2 = await t.ctx.cells
      .get('eu')
      .db.selectFrom('jobs')
      .selectAll()
      .where('id', '=', id2)
      .executeTakeFirstOrThrow();
    expect(row2).toMatchObject({ status: 'failed', attempts: 1, last_error: 'the video is gone' });
  });

  it('deduplicates by key and keeps jobs in their own cell', async () => {
    const us = t.ctx.queues.get('us') as CellJobQueue;
    const a = await us.enqueue('sessions.prune', {}, { dedupeKey: 'prune-1' });
    const b = await us.enqueue('sessions.prune', {}, { dedupeKey: 'prune-1' });
    expect(a).toBe(b);
    const inAu = await t.ctx.cells.get('au').db.selectFrom('jobs').selectAll().where('id', '=', a).execute();
    expect(inAu).toEqual([]);
  });

  it('reclaims a job whose worker died (lease ran out) and hands jobs back on shutdown', async () => {
    const queue = t.ctx.queues.get('nz') as CellJobQueue;
    const id = await queue.enqueue('sessions.prune', {});
    const claimed = await queue.claim('dead-worker', 50);
    expect(claimed?.id).toBe(id);
    expect(await queue.claim('other', 50)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 80));
    const again = await queue.claim('other', 10_000);
    expect(again).toMatchObject({ id, attempts: 2 });

    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const slow = {
      'sessions.prune': (_p: unknown, job: { signal: AbortSignal }) =>
        new Promise<void>((_resolve, reject) => {
          started();
          job.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    } as unknown as JobHandlers;
    const worker = new Worker({ queues: [queue], handlers: slow, log, now, pollMs: 20 });
    await queue.complete(id, 'other');
    const id2 = await queue.enqueue('sessions.prune', {});
    worker.start();
    await running;
    await worker.stop();
    const row = await t.ctx.cells
      .get('nz')
      .db.selectFrom('jobs')
      .selectAll()
      .where('id', '=', id2)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'queued', attempts: 0, locked_by: null });
  });
});
