import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { DirectoryDb } from '../db/schema.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Logger } from '../logging.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import { createSpawnRunner, type FfmpegRunner } from './ffmpeg/ffmpeg-runner.js';
import { FfmpegStatus } from './ffmpeg-status.js';
import { MediaEvents } from './media-events.js';
import { mediaPaths } from './media-paths.js';
import { DiskMediaStore, type MediaStore } from './media-store.js';
import { S3MediaStore, parseS3Url } from './s3-media-store.js';
import { DiskSourceStore, S3SourceStore, type SourceStore } from './source-store.js';
import { MediaUrls } from './media-urls.js';
import { TusUploads } from './tus-uploads.js';
import { VideoAccess } from './video-access.js';
import { VideoService } from './video.service.js';

/** Everything the media domain offers to routes and workers. */
export interface MediaModule {
  videos: VideoService;
  /** Who may see a clip; the social domain installs its follow check here. */
  access: VideoAccess;
  /** Each region's media store: a folder of the cell, or the region's own S3 bucket. */
  stores: Map<string, MediaStore>;
  /** Each region's uploads in progress and clip sources: folders of the cell, or keys in the region's bucket. */
  sources: Map<string, SourceStore>;
  urls: MediaUrls;
  events: MediaEvents;
  ffmpeg: FfmpegStatus;
  runner: FfmpegRunner;
  uploads: TusUploads;
}

export interface MediaModuleDeps {
  config: Config;
  cells: CellRegistry;
  directory: Kysely<DirectoryDb>;
  border: Border;
  queues: Map<string, JobQueue>;
  log: Logger;
  now: () => Date;
  runner?: FfmpegRunner;
}

export const UPLOADS_PATH = '/api/v1/uploads';

export function createMedia(deps: MediaModuleDeps): MediaModule {
  const { config, cells, log, now } = deps;
  const runner = deps.runner ?? createSpawnRunner();
  const stores = new Map<string, MediaStore>();
  const sources = new Map<string, SourceStore>();
  for (const cell of cells.all()) {
    const url = config.mediaUrls[cell.region];
    const location = url ? parseS3Url(url, config.mediaCredentials[cell.region]) : undefined;
    stores.set(cell.region, location ? new S3MediaStore(location) : new DiskMediaStore(mediaPaths.media(cell.dir)));
    sources.set(cell.region, location ? new S3SourceStore(location) : new DiskSourceStore(cell.dir));
  }
  const urls = new MediaUrls({ cells, now });
  const events = new MediaEvents();
  const access = new VideoAccess();
  const videos = new VideoService({
    cells,
    directory: deps.directory,
    border: deps.border,
    queues: deps.queues,
    stores,
    sources,
    urls,
    access,
    events,
    now,
    log,
  });
  const ffmpeg = new FfmpegStatus({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath, runner, log });
  const uploads = new TusUploads({ sources, videos, log, path: UPLOADS_PATH, maxBytes: config.limits.uploadMaxBytes });
  return { videos, access, stores, sources, urls, events, ffmpeg, runner, uploads };
}
