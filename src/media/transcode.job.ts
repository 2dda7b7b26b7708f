import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { JobContext } from '../jobs/job-types.js';
import type { Logger } from '../logging.js';
import type { CellRegistry } from '../regions/cells.js';
import type { FfmpegRunner } from './ffmpeg/ffmpeg-runner.js';
import { FfmpegError, FfmpegMissingError, MediaError } from './ffmpeg/media-errors.js';
import { probeMedia, validateMedia, type MediaInfo } from './ffmpeg/probe.js';
import type { Composition } from './ffmpeg/compose-args.js';
import { transcodeToHls } from './ffmpeg/transcode.js';
import type { ProcessingEvents } from './processing-events.js';
import { mediaPaths } from './media-paths.js';
import type { RemixMedia } from './remix-media.js';
import { TRANSCODE_ATTEMPTS, type VideoRow, type VideoService } from './video.service.js';

export interface TranscodeJobDeps {
  config: Pick<Config, 'ffmpegPath' | 'ffprobePath' | 'limits'>;
  cells: CellRegistry;
  videos: VideoService;
  processing: ProcessingEvents;
  runner: FfmpegRunner;
  /** Fetches what a duet, stitch or sound is composed from. */
  remixMedia: RemixMedia;
  now: () => Date;
  log: Logger;
  /** Progress is written to the row at most this often (and on every 2 % step). */
  progressEveryMs?: number;
}

/** The row was deleted while the transcode ran: stop and tidy up. */
class ClipGone extends Error {}

/**
 * `video.transcode`: probe, validate, transcode to HLS in the cell's work folder, publish into the media
 * store (lowest rung first, so the clip plays early), mark ready, keep the sound, and index public clips in
 * the directory. Idempotent: a ready clip is left alone; a re-run after a crash starts from a clean work folder.
 */
export function transcodeJob(deps: TranscodeJobDeps) {
  const { cells, videos, processing: events, log } = deps;
  const everyMs = deps.progressEveryMs ?? 500;

  return async function transcode(payload: { videoId: string }, job: JobContext): Promise<void> {
    const { videoId } = payload;
    const region = job.region;
    const cell = cells.get(region);
    const db = cell.db;
    const jobLog = log.child({ videoId, region, attempt: job.attempt });
    const work = mediaPaths.work(cell.dir, videoId);
    const now = () => deps.now().toISOString();

    const row = await videos.row(region, videoId);
    if (!row) {
      jobLog.info('transcode skipped: the video was deleted');
      await videos.removeFiles(region, videoId);
      return;
    }
    if (row.status === 'ready' || row.status === 'failed') {
      jobLog.info(`transcode skipped: the video is already ${row.status}`);
      await rm(work, { recursive: true, force: true });
      return;
    }

    const fail = async (code: string, message: string) => {
      await videos.failed(region, videoId, { code, message });
      jobLog.info({ code }, 'transcode refused the clip');
    };
    const update = async (set: Partial<VideoRow>) => {
      const res = await db
        .updateTable('videos')
        .set({ ...set, updated_at: now() })
        .where('id', '=', videoId)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new ClipGone();
    };

    // Whatever an earlier attempt left (temp stages, partial outputs) is thrown away.
    await rm(work, { recursive: true, force: true });
    try {
      // A remote source (the region's bucket) is fetched into the work folder, which goes away below.
      const source = await videos.sources(region).fetch(videoId, work);
      if (!source) {
        await fail('media.source_missing', 'The uploaded file is missing; upload the video again.');
        return;
      }
      let info: MediaInfo;
      let compose: Composition | undefined;
      try {
        info = await probeMedia(source, deps.runner, deps.config.ffprobePath, job.signal);
        validateMedia(info, deps.config.limits);
        compose = await deps.remixMedia.prepare(row, info, work, job.signal);
      } catch (err) {
        if (err instanceof MediaError) {
          await fail(err.code, err.message);
          return;
        }
        throw err;
      }
      // A composed clip is what it shows: a side duet is twice as wide as the recording.
      const shown = compose?.info ?? info;
      const probed = {
        durationMs: shown.durationMs,
        width: shown.width,
        height: shown.height,
        hasAudio: shown.hasAudio,
        sizeBytes: info.sizeBytes,
      };
      if (!(await videos.probed(region, videoId, probed))) throw new ClipGone();
      events.emit(videoId, { type: 'status', status: 'processing' });

      let lastWrite = 0;
      let lastWritten = 0;
      let lastBeat = Date.now();
      let writing: Promise<unknown> = Promise.resolve();
      const onProgress = (fraction: number) => {
        const progress = Math.round(Math.min(0.99, fraction) * 1000) / 1000;
        const t = Date.now();
        if (progress - lastWritten < 0.02 && t - lastWrite < everyMs) return;
        lastWrite = t;
        lastWritten = progress;
        events.emit(videoId, { type: 'progress', progress });
        writing = writing
          .then(() => db.updateTable('videos').set({ progress }).where('id', '=', videoId).execute())
          .catch(() => undefined);
        if (t - lastBeat > 5_000) {
          lastBeat = t;
          void job.heartbeat().catch(() => undefined);
        }
      };

      await mkdir(work, { recursive: true });
      const outDir = join(work, 'hls');
      const store = videos.store(region);
      const result = await transcodeToHls({
        input: source,
        outDir,
        info,
        ...(compose ? { compose } : {}),
        runner: deps.runner,
        ffmpegPath: deps.config.ffmpegPath,
        signal: job.signal,
        onProgress,
        onFirstPlayable: async ({ elapsedMs }) => {
          await store.putDir(videoId, outDir);
          await writing;
          await update({ playable: 1 });
          events.emit(videoId, { type: 'status', status: 'processing' });
          jobLog.info({ elapsedMs }, 'first rung playable');
        },
      });
      await store.putDir(videoId, outDir);
      await writing;
      // The work folder goes before the clip is announced ready, so `ready` means nothing is left behind.
      await rm(work, { recursive: true, force: true });

      if (!(await videos.ready(region, videoId, { hasSound: result.hasSound, durationMs: shown.durationMs }))) {
        throw new ClipGone();
      }
      events.emit(videoId, { type: 'status', status: 'ready' });
      jobLog.info(
        {
          firstPlayableMs: result.firstPlayableMs,
          completeMs: result.completeMs,
          rungs: result.rungs.map((r) => r.name),
        },
        'transcode done',
      );
    } catch (err) {
      if (err instanceof ClipGone) {
        jobLog.info('the video was deleted during its transcode');
        await videos.removeFiles(region, videoId);
        return;
      }
      if (job.signal.aborted) throw err;
      // Earlier attempts are retried (a full disk, a missing ffmpeg can be fixed); the last one settles the clip.
      if (job.attempt >= TRANSCODE_ATTEMPTS) {
        const missing = err instanceof FfmpegMissingError;
        await fail(
          missing ? 'media.ffmpeg_missing' : 'media.transcode_failed',
          missing
            ? 'Video processing is not available on this server right now; upload the video again later.'
            : 'This video could not be converted for playback. Try exporting it again as MP4 (H.264) and re-uploading.',
        );
        jobLog.warn({ err: err instanceof FfmpegError ? err.message : err }, 'transcode failed for good');
        return;
      }
      throw err;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };
}
