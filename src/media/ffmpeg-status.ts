import type { Logger } from '../logging.js';
import { checkFfmpeg, type FfmpegRunner, type FfmpegVersions } from './ffmpeg/ffmpeg-runner.js';
import { FfmpegMissingError } from './ffmpeg/media-errors.js';

/**
 * Whether ffmpeg/ffprobe are usable, checked once (at start-up by `reelm start`, else on the first upload).
 * When they are missing, the rest of Reelm keeps serving and media routes answer 503 `media.ffmpeg_missing`.
 */
export class FfmpegStatus {
  private checking: Promise<FfmpegVersions | FfmpegMissingError> | undefined;

  constructor(private readonly deps: { ffmpegPath: string; ffprobePath: string; runner: FfmpegRunner; log: Logger }) {}

  /** Runs the check (once) and returns the versions or the error explaining what is missing. */
  check(): Promise<FfmpegVersions | FfmpegMissingError> {
    this.checking ??= checkFfmpeg(this.deps.ffmpegPath, this.deps.ffprobePath, this.deps.runner).then(
      (versions) => {
        this.deps.log.info({ ffmpeg: versions.ffmpeg }, 'ffmpeg found');
        return versions;
      },
      (err: unknown) => {
        const missing =
          err instanceof FfmpegMissingError
            ? err
            : new FfmpegMissingError(`ffmpeg could not be checked: ${(err as Error).message}`);
        this.deps.log.error(`${missing.message}. Uploads are refused until it is installed; everything else works.`);
        return missing;
      },
    );
    return this.checking;
  }

  /** Throws `media.ffmpeg_missing` (503) when ffmpeg or ffprobe cannot be used. */
  async require(): Promise<void> {
    const result = await this.check();
    if (result instanceof FfmpegMissingError) throw new FfmpegMissingError(result.message);
  }
}
