import { sql, type Kysely, type Selectable } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import { newId } from '../db/ids.js';
import type { CellDb } from '../db/schema.js';
import type { JobMap, JobName } from './job-types.js';
import type { JobsTable } from './jobs.tables.js';

export type JobRow = Selectable<JobsTable>;

export interface EnqueueOptions {
  /** At most one job with this key exists; enqueueing it again returns the existing job. */
  dedupeKey?: string;
  runAt?: Date;
  maxAttempts?: number;
}

/** What a cell's job queue offers to services, whatever engine is behind it. */
export interface JobQueue {
  readonly region: string;
  readonly engine: 'table' | 'bullmq';
  enqueue<K extends JobName>(name: K, payload: JobMap[K], options?: EnqueueOptions): Promise<string>;
  /** Jobs by state (queued, running, done, failed). */
  counts(): Promise<Record<string, number>>;
  /**
   * Forgets finished jobs: done ones last touched before `done`, failed ones before `failed` (kept longer, for
   * whoever looks into them). Returns how many went. Periodic jobs would otherwise leave a row per run.
   */
  pruneFinished(before: { done: Date; failed: Date }): Promise<number>;
  close(): Promise<void>;
}

/** A queue a `Worker` pulls from: claim with a lease, then settle. */
export interface ClaimableQueue extends JobQueue {
  claim(workerId: string, leaseMs: number): Promise<JobRow | undefined>;
  extend(jobId: string, workerId: string, leaseMs: number): Promise<boolean>;
  complete(jobId: string, workerId: string): Promise<void>;
  fail(jobId: string, workerId: string, error: string, retryAt: Date | undefined): Promise<void>;
  handBack(jobId: string, workerId: string): Promise<void>;
  /** Wakes a waiting worker in this process when a job is added. */
  onEnqueue(listener: () => void): void;
}

/**
 * The embedded queue: a table in the cell's own database, so job payloads never leave the region.
 * Claiming is one UPDATE … RETURNING on the oldest runnable row; a lease (locked_until) that runs out
 * — the worker crashed or was killed — makes the job runnable again.
 */
export class CellJobQueue implements ClaimableQueue {
  readonly engine = 'table' as const;
  private readonly listeners: (() => void)[] = [];

  constructor(
    readonly region: string,
    private readonly db: Kysely<CellDb>,
    private readonly now: () => Date,
  ) {}

  async enqueue<K extends JobName>(name: K, payload: JobMap[K], options: EnqueueOptions = {}): Promise<string> {
    const at = this.now().toISOString();
    const id = newId();
    try {
      await this.db
        .insertInto('jobs')
        .values({
          id,
          name,
          payload: JSON.stringify(payload),
          status: 'queued',
          attempts: 0,
          max_attempts: options.maxAttempts ?? 5,
          run_at: (options.runAt ?? this.now()).toISOString(),
          locked_by: null,
          locked_until: null,
          last_error: null,
          dedupe_key: options.dedupeKey ?? null,
          created_at: at,
          updated_at: at,
        })
        .execute();
    } catch (err) {
      if (options.dedupeKey && isUniqueViolation(err)) {
        const existing = await this.db
          .selectFrom('jobs')
          .select('id')
          .where('dedupe_key', '=', options.dedupeKey)
          .executeTakeFirstOrThrow();
        return existing.id;
      }
      throw err;
    }
    for (const listener of this.listeners) listener();
    return id;
  }

  async claim(workerId: string, leaseMs: number): Promise<JobRow | undefined> {
    const now = this.now();
    const at = now.toISOString();
    // Jobs whose lease ran out after their last attempt have nothing left to try.
    await this.db
      .updateTable('jobs')
      .set({
        status: 'failed',
        locked_by: null,
        locked_until: null,
        last_error: sql`coalesce(last_error, 'the worker stopped during the last attempt')`,
        updated_at: at,
      })
      .where('status', '=', 'running')
      .where('locked_until', '<', at)
      .whereRef('attempts', '>=', 'max_attempts')
      .execute();
    const next = this.db
      .selectFrom('jobs')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', at)]),
          eb.and([eb('status', '=', 'running'), eb('locked_until', '<', at)]),
        ]),
      )
      .orderBy('run_at')
      .limit(1);
    return this.db
      .updateTable('jobs')
      .set({
        status: 'running',
        locked_by: workerId,
        locked_until: new Date(now.getTime() + leaseMs).toISOString(),
        attempts: sql`attempts + 1`,
        updated_at: at,
      })
      .where('id', '=', next)
      .returningAll()
      .executeTakeFirst();
  }

  async extend(jobId: string, workerId: string, leaseMs: number): Promise<boolean> {
    const res = await this.db
      .updateTable('jobs')
      .set({ locked_until: new Date(this.now().getTime() + leaseMs).toISOString() })
      .where('id', '=', jobId)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async complete(jobId: string, workerId: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({
        status: 'done',
        locked_by: null,
        locked_until: null,
        last_error: null,
        updated_at: this.now().toISOString(),
      })
      .where('id', '=', jobId)
      .where('locked_by', '=', workerId)
      .execute();
  }

  async fail(jobId: string, workerId: string, error: string, retryAt: Date | undefined): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({
        status: retryAt ? 'queued' : 'failed',
        run_at: (retryAt ?? this.now()).toISOString(),
        locked_by: null,
        locked_until: null,
        last_error: error.slice(0, 2000),
        updated_at: this.now().toISOString(),
      })
      .where('id', '=', jobId)
      .where('locked_by', '=', workerId)
      .execute();
  }

  async handBack(jobId: string, workerId: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({
        status: 'queued',
        attempts: sql`attempts - 1`,
        locked_by: null,
        locked_until: null,
        updated_at: this.now().toISOString(),
      })
      .where('id', '=', jobId)
      .where('locked_by', '=', workerId)
      .execute();
  }

  onEnqueue(listener: () => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.listeners.length = 0;
  }

  async pruneFinished(before: { done: Date; failed: Date }): Promise<number> {
    const res = await this.db
      .deleteFrom('jobs')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'done'), eb('updated_at', '<', before.done.toISOString())]),
          eb.and([eb('status', '=', 'failed'), eb('updated_at', '<', before.failed.toISOString())]),
        ]),
      )
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async counts(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
