import type { MailKind } from '../mail/templates.js';

/**
 * Every job Reelm runs, by name, with its payload. Payloads carry ids only — never protected data —
 * because a job row can outlive the request and is read by workers. A domain adds its jobs here.
 */
export interface JobMap {
  /** Deletes the cell's expired sessions (their sealed IPs should not outlive them), then re-schedules itself hourly. */
  'sessions.prune': Record<string, never>;
  /** Probes, transcodes and publishes an uploaded clip (src/media/transcode.job.ts). */
  'video.transcode': { videoId: string };
  /** Publishes a scheduled clip once its time has come (src/media/video.service.ts `publishScheduled`). */
  'video.publish': { videoId: string };
  /** Builds a "download your data" ZIP in the home cell. */
  'accounts.export': { exportId: string };
  /** Purges the cell's accounts whose deletion grace period is over (names nobody). */
  'accounts.purge': Record<string, never>;
  /** Rolls finished days of the border ledger into the region's audit chain, then re-schedules itself. */
  'audit.border-rollup': Record<string, never>;
  /** Removes the cell's expired uploads and export ZIPs, then re-schedules itself (src/jobs/housekeeping.ts). */
  'housekeeping.sweep': Record<string, never>;
  /** Mails an account a verification or reset link; the job opens the address and makes the token in the cell. */
  'mail.account': { userId: string; kind: MailKind };
  /** Runs (or resumes) a move of an account to another home region, in the old region's queue (src/regions/home-move.ts). */
  'accounts.move': { moveId: string };
}

export type JobName = keyof JobMap;

export interface JobContext {
  /** The cell whose queue the job came from; handlers read and write only this cell (plus the border). */
  region: string;
  jobId: string;
  attempt: number;
  /** Aborted when the worker shuts down or loses the job's lease. */
  signal: AbortSignal;
  /** Keeps the lease alive during long work; called by the worker periodically too. */
  heartbeat(): Promise<void>;
}

export type JobHandler<K extends JobName> = (payload: JobMap[K], job: JobContext) => Promise<void>;
/** The exhaustive handler map: the type makes a missing handler a compile error. */
export type JobHandlers = { [K in JobName]: JobHandler<K> };

/** A failure that retrying cannot fix (bad input, a deleted row): the job fails at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}
