import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Limits } from '../../config.js';
import type { FfmpegRunner } from './ffmpeg-runner.js';
import { FfmpegError, MediaError } from './media-errors.js';

/** What Reelm needs to know about an uploaded clip. */
export interface MediaInfo {
  durationMs: number;
  /** Display width: after rotation and non-square pixels. */
  width: number;
  /** Display height: after rotation and non-square pixels. */
  height: number;
  /** Frame width as stored, before rotation. */
  codedWidth: number;
  /** Frame height as stored, before rotation. */
  codedHeight: number;
  /** Rotation from the display matrix (or legacy `rotate` tag), normalised to 0, 90, 180 or 270. */
  rotation: number;
  fps: number;
  hasAudio: boolean;
  videoCodec: string;
  audioCodec?: string;
  audioChannels?: number;
  formatName: string;
  sizeBytes: number;
}

/** The upload limits from the config that apply to a probed clip. */
export type MediaLimits = Pick<Limits, 'uploadMaxBytes' | 'durationMaxMs' | 'maxLongEdge'>;

/** The defaults from the config: 2 GiB, 10 minutes, 4096 px on the long edge. */
export const DEFAULT_MEDIA_LIMITS: MediaLimits = {
  uploadMaxBytes: 2 * 1024 ** 3,
  durationMaxMs: 10 * 60_000,
  maxLongEdge: 4096,
};

/** The parts of an ffprobe stream entry that Reelm reads. */
export interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  channels?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

/** ffprobe's `-show_format -show_streams` JSON, as far as Reelm reads it. */
export interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; size?: string };
}

/** Argument list for ffprobe's JSON report; `file:` keeps a path from being read as a protocol or option. */
export function probeArgs(input: string): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', `file:${resolve(input)}`];
}

/**
 * Probes a file with ffprobe and returns its MediaInfo. Throws `MediaError` with `media.corrupt`
 * (empty, truncated, unreadable container) or `media.unsupported` (not a video: text, image, audio only).
 */
export async function probeMedia(
  input: string,
  runner: FfmpegRunner,
  ffprobePath = 'ffprobe',
  signal?: AbortSignal,
): Promise<MediaInfo> {
  const { size } = await stat(input);
  if (size === 0) throw new MediaError('media.corrupt', 'The file is empty (0 bytes). Try uploading it again.');
  const head = await readHead(input, 512);
  const kind = sniff(head);
  if (kind === 'text')
    throw new MediaError(
      'media.unsupported',
      'This is a text file, not a video. Upload a video file such as MP4, MOV or WebM.',
    );

  let stdout: string;
  try {
    ({ stdout } = await runner.run(ffprobePath, probeArgs(input), signal ? { signal } : {}));
  } catch (err) {
    if (!(err instanceof FfmpegError) || err.code !== 'media.ffmpeg_failed') throw err;
    // ffprobe trusts the file extension, so a renamed non-video fails like a broken video: the magic bytes tell them apart.
    if (kind === 'video-container') {
      throw new MediaError(
        'media.corrupt',
        'This video file is damaged or incomplete (perhaps the upload was cut short), so it cannot be read.',
        {
          reason: firstErrorLine(err.details?.stderrTail),
        },
      );
    }
    throw new MediaError(
      'media.unsupported',
      'This file is not a video we can read. Upload a video file such as MP4, MOV or WebM.',
      {
        reason: firstErrorLine(err.details?.stderrTail),
      },
    );
  }
  let parsed: FfprobeOutput;
  try {
    parsed = JSON.parse(stdout) as FfprobeOutput;
  } catch {
    throw new MediaError('media.corrupt', 'This file could not be read as a video.');
  }
  if (needsPacketTiming(parsed)) await addPacketTiming(parsed, input, runner, ffprobePath, signal);
  const info = mediaInfoFromProbe(parsed, size);
  if (isIsoBmff(head)) {
    const problem = await checkIsoBoxes(input, size);
    if (problem)
      throw new MediaError(
        'media.corrupt',
        'This video file is incomplete (it ends early), so it cannot be used. Try uploading it again.',
        { reason: problem },
      );
  }
  return info;
}

/**
 * Browsers' MediaRecorder writes WebM as a live stream: no duration in the header and frame rates that are the
 * container's timebase (1000/1) rather than the picture's. Both are then read from the video packets' own times.
 */
export function needsPacketTiming(probe: FfprobeOutput): boolean {
  const video = probe.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) return false;
  const noDuration = firstFinite(probe.format?.duration, video.duration) === undefined;
  const fps = firstPositive(parseRatio(video.avg_frame_rate), parseRatio(video.r_frame_rate));
  return noDuration || fps === undefined || fps > 120;
}

/** `-show_entries packet` of the first video stream: one `pts,duration` line per packet. */
export function packetTimingArgs(input: string): string[] {
  return [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=pts_time,duration_time',
    '-of',
    'csv=p=0',
    `file:${resolve(input)}`,
  ];
}

/** Duration (seconds) and average frame rate from packet lines; undefined when there are none. */
export function timingFromPackets(csv: string): { durationS: number; fps: number } | undefined {
  let first = Infinity;
  let end = -Infinity;
  let count = 0;
  for (const line of csv.split('\n')) {
    const [pts, dur] = line.split(',').map(Number);
    if (pts === undefined || !Number.isFinite(pts)) continue;
    count++;
    first = Math.min(first, pts);
    end = Math.max(end, pts + (dur !== undefined && Number.isFinite(dur) ? dur : 0));
  }
  if (count === 0 || !(end > first)) return undefined;
  const durationS = end - first;
  return { durationS, fps: Math.min(120, count / durationS) };
}

async function addPacketTiming(
  probe: FfprobeOutput,
  input: string,
  runner: FfmpegRunner,
  ffprobePath: string,
  signal?: AbortSignal,
): Promise<void> {
  const { stdout } = await runner.run(ffprobePath, packetTimingArgs(input), signal ? { signal } : {});
  const timing = timingFromPackets(stdout);
  const video = probe.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!timing || !video) return;
  if (firstFinite(probe.format?.duration, video.duration) === undefined) {
    probe.format = { ...probe.format, duration: String(timing.durationS) };
  }
  const fps = firstPositive(parseRatio(video.avg_frame_rate), parseRatio(video.r_frame_rate));
  if (fps === undefined || fps > 120) video.avg_frame_rate = `${Math.round(timing.fps * 1000)}/1000`;
}

/** Turns ffprobe's JSON into MediaInfo, refusing what is not a usable video. Pure; exported for tests. */
export function mediaInfoFromProbe(probe: FfprobeOutput, sizeBytes: number): MediaInfo {
  const streams = probe.streams ?? [];
  const formatName = probe.format?.format_name ?? 'unknown';
  // Cover art in audio files shows up as a one-picture video stream.
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video) {
    if (audio)
      throw new MediaError(
        'media.unsupported',
        'This file has sound but no picture. Upload a video with a video track.',
        { formatName },
      );
    throw new MediaError(
      'media.unsupported',
      'This file has no video in it. Upload a video file such as MP4, MOV or WebM.',
      { formatName },
    );
  }
  const isImageFormat = /(^|,)(image2|[a-z0-9]+_pipe|png|apng|webp)(,|$)/.test(formatName);
  if (isImageFormat || video.nb_frames === '1') {
    throw new MediaError(
      'media.unsupported',
      `This is a still image (${video.codec_name ?? formatName}), not a video. Upload a video file.`,
      {
        formatName,
      },
    );
  }
  const codedWidth = video.width ?? 0;
  const codedHeight = video.height ?? 0;
  if (codedWidth <= 0 || codedHeight <= 0) {
    throw new MediaError(
      'media.corrupt',
      'The video track in this file has no readable picture size; the file may be damaged.',
    );
  }
  const durationS = firstFinite(probe.format?.duration, video.duration);
  if (durationS === undefined || durationS <= 0) {
    throw new MediaError(
      'media.corrupt',
      'We could not tell how long this video is; the file may be damaged or incomplete.',
    );
  }
  const rotation = readRotation(video);
  const sar = parseRatio(video.sample_aspect_ratio);
  // Non-square pixels: widen (or narrow) to the shape the player should show.
  const sarWidth = sar !== undefined && sar > 0 && Math.abs(sar - 1) > 1e-3 ? Math.round(codedWidth * sar) : codedWidth;
  const sideways = rotation === 90 || rotation === 270;
  const fps = firstPositive(parseRatio(video.avg_frame_rate), parseRatio(video.r_frame_rate)) ?? 30;
  const info: MediaInfo = {
    durationMs: Math.round(durationS * 1000),
    width: sideways ? codedHeight : sarWidth,
    height: sideways ? sarWidth : codedHeight,
    codedWidth,
    codedHeight,
    rotation,
    fps: Math.round(fps * 1000) / 1000,
    hasAudio: audio !== undefined,
    videoCodec: video.codec_name ?? 'unknown',
    formatName,
    sizeBytes,
  };
  if (audio) {
    info.audioCodec = audio.codec_name ?? 'unknown';
    if (typeof audio.channels === 'number' && audio.channels > 0) info.audioChannels = audio.channels;
  }
  return info;
}

/** Throws the coded `MediaError` when a probed clip breaks a limit. */
export function validateMedia(info: MediaInfo, limits: MediaLimits = DEFAULT_MEDIA_LIMITS): void {
  if (info.sizeBytes > limits.uploadMaxBytes) {
    throw new MediaError(
      'media.too_large',
      `This file is ${formatBytes(info.sizeBytes)}; the largest file you can upload is ${formatBytes(limits.uploadMaxBytes)}.`,
      {
        sizeBytes: info.sizeBytes,
        limit: limits.uploadMaxBytes,
      },
    );
  }
  if (info.durationMs > limits.durationMaxMs) {
    throw new MediaError(
      'media.too_long',
      `This clip is ${formatDuration(info.durationMs)} long; clips can be at most ${formatDuration(limits.durationMaxMs)}. Trim it and try again.`,
      {
        durationMs: info.durationMs,
        limit: limits.durationMaxMs,
      },
    );
  }
  const longEdge = Math.max(info.width, info.height);
  if (longEdge > limits.maxLongEdge) {
    throw new MediaError(
      'media.resolution_too_large',
      `This video is ${info.width}×${info.height} pixels; its longest side can be at most ${limits.maxLongEdge} pixels.`,
      { width: info.width, height: info.height, limit: limits.maxLongEdge },
    );
  }
}

export type SniffKind = 'video-container' | 'image' | 'audio' | 'text' | 'unknown';

/** Classifies a file by its first bytes, independent of its name. */
export function sniff(head: Uint8Array): SniffKind {
  const b = Buffer.from(head);
  const ascii = (from: number, to: number) => b.subarray(from, to).toString('latin1');
  if (isIsoBmff(b)) return 'video-container';
  if (b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3) return 'video-container'; // Matroska / WebM
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') return 'video-container';
  if (ascii(0, 3) === 'FLV' || ascii(0, 4) === 'OggS') return 'video-container';
  if (b.length >= 4 && b.readUInt32BE(0) === 0x000001ba) return 'video-container'; // MPEG program stream
  if (b[0] === 0x47 && b[188] === 0x47 && b[376] === 0x47) return 'video-container'; // MPEG transport stream
  if (ascii(1, 4) === 'PNG' || (b[0] === 0xff && b[1] === 0xd8) || ascii(0, 4) === 'GIF8' || ascii(8, 12) === 'WEBP')
    return 'image';
  if (ascii(0, 3) === 'ID3' || ascii(0, 4) === 'fLaC' || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0))
    return 'audio';
  if (b.length > 0 && looksLikeText(b)) return 'text';
  return 'unknown';
}

function isIsoBmff(b: Uint8Array): boolean {
  const type = Buffer.from(b).subarray(4, 8).toString('latin1');
  return ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(type);
}

function looksLikeText(b: Buffer): boolean {
  for (const byte of b) {
    if (byte === 0 || (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d)) return false;
  }
  return true;
}

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Walks the top-level MP4/MOV boxes: a box that runs past the end of the file means the upload was cut short,
 * which ffprobe does not report when the index (moov) sits at the front.
 */
export async function checkIsoBoxes(path: string, size: number): Promise<string | undefined> {
  const fh = await open(path, 'r');
  try {
    const header = Buffer.alloc(16);
    let offset = 0;
    let sawMoov = false;
    for (let boxes = 0; offset < size && boxes < 10_000; boxes++) {
      const { bytesRead } = await fh.read(header, 0, 16, offset);
      if (bytesRead < 8) return `a box header at byte ${offset} is cut off`;
      let boxSize = header.readUInt32BE(0);
      const type = header.subarray(4, 8).toString('latin1');
      if (type === 'moov') sawMoov = true;
      if (boxSize === 1) {
        if (bytesRead < 16) return `a box header at byte ${offset} is cut off`;
        boxSize = Number(header.readBigUInt64BE(8));
      } else if (boxSize === 0) {
        boxSize = size - offset; // "extends to the end of the file"
      }
      if (boxSize < 8) return `box '${type}' at byte ${offset} has an impossible size`;
      if (offset + boxSize > size)
        return `box '${type}' at byte ${offset} needs ${offset + boxSize - size} more bytes than the file has`;
      offset += boxSize;
    }
    return sawMoov ? undefined : 'the file has no movie index (moov box)';
  } finally {
    await fh.close();
  }
}

function readRotation(stream: FfprobeStream): number {
  const fromMatrix = stream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const raw = fromMatrix ?? (stream.tags?.rotate !== undefined ? Number(stream.tags.rotate) : 0);
  if (!Number.isFinite(raw)) return 0;
  // Only right angles are meaningful for phone clips; anything else is treated as the nearest one.
  return (((Math.round(raw / 90) * 90) % 360) + 360) % 360;
}

function parseRatio(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const [n, d] = value.split(/[/:]/).map(Number);
  if (n === undefined || !Number.isFinite(n)) return undefined;
  if (d === undefined) return n;
  return Number.isFinite(d) && d !== 0 ? n / d : undefined;
}

function firstFinite(...values: (string | undefined)[]): number | undefined {
  for (const v of values) {
    const n = v === undefined ? NaN : Number(v);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

function firstPositive(...values: (number | undefined)[]): number | undefined {
  return values.find((v) => v !== undefined && v > 0 && v < 1000);
}

function firstErrorLine(tail: unknown): string | undefined {
  return typeof tail === 'string' ? tail.trim().split('\n').pop()?.slice(0, 300) : undefined;
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

function formatDuration(ms: number): string {
  if (ms < 10_000) return `${+(ms / 1000).toFixed(1)} s`;
  const totalS = Math.round(ms / 1000);
  const m = Math.floor(totalS / 60);
  const s = totalS % 60;
  if (m === 0) return `${totalS} s`;
  return s === 0 ? `${m} min` : `${m} min ${s} s`;
}
