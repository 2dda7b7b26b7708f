import type { TextPolicy } from '../moderation/blocked-terms.js';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { DirectoryDb } from '../db/schema.js';
import type { Events } from '../events.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Logger } from '../logging.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import { CaptionService } from './caption.service.js';
import type { MoveFreeze } from '../regions/move-freeze.js';
import { ClipAccess } from './clip-access.js';
import { DirectoryRefs } from './directory-refs.js';
import { createSpawnRunner, type FfmpegRunner } from './ffmpeg/ffmpeg-runner.js';
import { FfmpegStatus } from './ffmpeg-status.js';
import { mediaPaths } from './media-paths.js';
import { DiskMediaStore, type MediaStore } from './media-store.js';
import { MediaUrls } from './media-urls.js';
import { ProcessingEvents } from './processing-events.js';
import { RemixMedia } from './remix-media.js';
import { RemixRules } from './remix-rules.js';
import { featureEnabled } from '../regions/policy.js';
import { S3MediaStore, parseS3Url } from './s3-media-store.js';
import { DiskSourceStore, S3SourceStore, type SourceStore } from './source-store.js';
import { TusUploads } from './tus-uploads.js';
import { UploadSweeper } from './upload-sweep.js';
import { VideoPresenter } from './video-presenter.js';
import { VideoService } from './video.service.js';

/** Everything the media domain offers to routes, workers and the domains above it. */
export interface MediaModule {
  videos: VideoService;
  /** Who may see a clip: the one rule and the reads it needs (clip-access.ts). */
  access: ClipAccess;
  /** The one clip renderer. */
  presenter: VideoPresenter;
  /** Short-lived copies of clip cards' authors and sound titles (the border's directory writes drop them). */
  refs: DirectoryRefs;
  /** Each region's media store: a folder of the cell, or the region's own S3 bucket. */
  stores: Map<string, MediaStore>;
  /** Each region's uploads in progress and clip sources: folders of the cell, or keys in the region's bucket. */
  sources: Map<string, SourceStore>;
  urls: MediaUrls;
  /** In-process progress of transcodes, for the events stream. */
  processing: ProcessingEvents;
  ffmpeg: FfmpegStatus;
  runner: FfmpegRunner;
  uploads: TusUploads;
  /** The originals and sounds a transcode composes a clip from. */
  remixMedia: RemixMedia;
  /** Expiry of abandoned uploads, multipart leftovers and the open-uploads count. */
  sweeper: UploadSweeper;
  /** Clips' WebVTT captions. */
  captions: CaptionService;
}

export interface MediaModuleDeps {
  config: Config;
  cells: CellRegistry;
  directory: Kysely<DirectoryDb>;
  border: Border;
  queues: Map<string, JobQueue>;
  events: Events;
  log: Logger;
  now: () => Date;
  runner?: FfmpegRunner;
  /** The region's blocked terms (captions). */
  text: TextPolicy;
  /** Accounts whose data is moving: their clips take no writes meanwhile (a state of the clip access rule). */
  moveFreeze?: MoveFreeze;
}

export const UPLOADS_PATH = '/api/v1/uploads';

export function createMedia(deps: MediaModuleDeps): MediaModule {
  const { config, cells, directory, log, now } = deps;
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
  const processing = new ProcessingEvents();
  const refs = new DirectoryRefs({ directory, now });
  const access = new ClipAccess({ directory, cells, refs, ...(deps.moveFreeze ? { freeze: deps.moveFreeze } : {}) });
  deps.border.onDirectoryWrite((write) => refs.written(write));
  const presenter = new VideoPresenter({ directory, cells, urls, refs });
  const remix = new RemixRules({
    directory,
    access,
    featureOn: (region, feature) => featureEnabled(config, region, feature),
  });
  const remixMedia = new RemixMedia({ directory, access, stores, runner, ffprobePath: config.ffprobePath });
  const videos = new VideoService({
    cells,
    directory,
    border: deps.border,
    queues: deps.queues,
    stores,
    sources,
    access,
    processing,
    events: deps.events,
    now,
    log,
    text: deps.text,
    remix,
    ffmpeg: { runner, path: config.ffmpegPath },
  });
  const ffmpeg = new FfmpegStatus({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath, runner, log });
  const uploads = new TusUploads({ sources, videos, log, path: UPLOADS_PATH, maxBytes: config.limits.uploadMaxBytes });
  const sweeper = new UploadSweeper({ cells, videos, now, log, expiryMs: config.uploadExpiryMs });
  const captions = new CaptionService({ cells, videos, text: deps.text, now });
  return {
    videos,
    access,
    presenter,
    refs,
    stores,
    sources,
    urls,
    processing,
    ffmpeg,
    runner,
    uploads,
    remixMedia,
    sweeper,
    captions,
  };
}
