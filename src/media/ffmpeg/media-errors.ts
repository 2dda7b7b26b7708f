import { DomainError, InvalidInputError, UnavailableError } from '../../errors.js';

/** Codes for an upload that cannot become a clip; each message is meant for the uploader. */
export type MediaErrorCode =
  | 'media.unsupported'
  | 'media.corrupt'
  | 'media.too_long'
  | 'media.too_large'
  | 'media.resolution_too_large'
  /** A duet's or stitch's original (or a used sound) went before the clip was composed. */
  | 'media.original_missing'
  | 'media.sound_missing';

/** The uploaded file was understood well enough to refuse it (a client error, not a server fault). */
export class MediaError extends InvalidInputError {
  declare readonly code: MediaErrorCode;
  constructor(code: MediaErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
  }
}

export type FfmpegErrorCode = 'media.ffmpeg_failed' | 'media.aborted';

/** An ffmpeg/ffprobe run failed or was cancelled; `details.stderrTail` holds the end of its log. */
export class FfmpegError extends DomainError {
  declare readonly code: FfmpegErrorCode;
  constructor(code: FfmpegErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
  }
}

/** ffmpeg or ffprobe is not installed where the config says, or lacks what Reelm needs. */
export class FfmpegMissingError extends UnavailableError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('media.ffmpeg_missing', message, details);
  }
}
