import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FfmpegRunner } from './ffmpeg-runner.js';

/** Shape of a synthetic clip. */
export interface SampleClipOptions {
  width: number;
  height: number;
  seconds: number;
  fps?: number;
  /** Adds a 48 kHz sine track. */
  audio?: boolean;
  /** 'testsrc2' (moving colour pattern), or 'half' (left half white, right half black: shows orientation). */
  pattern?: 'testsrc2' | 'half';
  /** Frames before this many seconds are black, like a clip that fades in. */
  blackLeadSeconds?: number;
  /** Display rotation to tag on the video stream (stored frames stay as generated). */
  rotate?: 90 | 180 | 270;
  /** libx264 preset; ultrafast keeps fixture generation cheap. */
  preset?: string;
}

/** ffmpeg arguments generating a synthetic MP4 clip from lavfi sources. */
export function sampleClipArgs(path: string, o: SampleClipOptions): string[] {
  const fps = o.fps ?? 30;
  const size = `${o.width}x${o.height}`;
  let video =
    o.pattern === 'half'
      ? `color=c=white:s=${size}:r=${fps}:d=${o.seconds},drawbox=x=${Math.floor(o.width / 2)}:y=0:w=${Math.ceil(o.width / 2)}:h=${o.height}:color=black:t=fill`
      : `testsrc2=s=${size}:r=${fps}:d=${o.seconds}`;
  if (o.blackLeadSeconds) video += `,fade=t=in:st=${o.blackLeadSeconds}:d=0.05`;
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-f', 'lavfi', '-i', video];
  if (o.audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${o.seconds}`);
  args.push('-c:v', 'libx264', '-preset', o.preset ?? 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(fps));
  if (o.audio) args.push('-c:a', 'aac', '-b:a', '96k', '-shortest');
  args.push('-movflags', '+faststart', '-f', 'mp4', resolve(path));
  return args;
}

/**
 * Writes a synthetic clip (tests, benchmark). Rotation is tagged in a stream-copy remux, the one way
 * ffmpeg 5.1 writes a display matrix.
 */
export async function makeSampleClip(
  path: string,
  o: SampleClipOptions,
  runner: FfmpegRunner,
  ffmpegPath = 'ffmpeg',
): Promise<void> {
  const target = resolve(path);
  const raw = o.rotate ? `${target}.raw.mp4` : target;
  await runner.run(ffmpegPath, sampleClipArgs(raw, o));
  if (!o.rotate) return;
  try {
    await runner.run(ffmpegPath, [
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      '-i',
      `file:${raw}`,
      '-map',
      '0',
      '-c',
      'copy',
      '-metadata:s:v:0',
      `rotate=${o.rotate}`,
      '-f',
      'mp4',
      `${target}.part`,
    ]);
    await rename(`${target}.part`, target);
  } finally {
    await rm(raw, { force: true });
  }
}
