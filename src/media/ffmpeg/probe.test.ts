import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpawnRunner } from './ffmpeg-runner.js';
import { MediaError } from './media-errors.js';
import { DEFAULT_MEDIA_LIMITS, mediaInfoFromProbe, probeMedia, sniff, validateMedia, type MediaInfo } from './probe.js';
import { makeSampleClip } from './sample-clips.js';

const runner = createSpawnRunner();
let dir: string;
const file = (name: string) => join(dir, name);
const ffmpeg = (...args: string[]) =>
  runner.run('ffmpeg', ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...args]);

/** The MediaError code a promise rejects with, or 'ok'. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof MediaError) return err.code;
    throw err;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelm-probe-'));
  await Promise.all([
    makeSampleClip(file('clip.mp4'), { width: 360, height: 640, seconds: 3, audio: true }, runner),
    makeSampleClip(file('silent.mp4'), { width: 320, height: 180, seconds: 2 }, runner),
    makeSampleClip(file('rotated.mp4'), { width: 320, height: 180, seconds: 1, rotate: 90 }, runner),
  ]);
  // The same clip with its index (moov) at the end, as cameras write it.
  await ffmpeg('-i', file('clip.mp4'), '-c', 'copy', file('moov-last.mp4'));
  for (const [src, dst] of [
    ['clip.mp4', 'truncated-faststart.mp4'],
    ['moov-last.mp4', 'truncated.mp4'],
  ] as const) {
    const bytes = await readFile(file(src));
    await writeFile(file(dst), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  }
  await writeFile(file('notes.mp4'), 'These are my notes, not a video.\n');
  await writeFile(file('empty.mp4'), '');
  await ffmpeg('-f', 'lavfi', '-i', 'testsrc2=s=64x64', '-frames:v', '1', file('still.png'));
  await ffmpeg('-f', 'lavfi', '-i', 'testsrc2=s=64x64', '-frames:v', '1', file('still.jpg'));
  await ffmpeg('-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'aac', file('voice.m4a'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('probeMedia on real files', () => {
  it('reads a portrait clip with audio', async () => {
    const info = await probeMedia(file('clip.mp4'), runner);
    expect(info).toMatchObject({
      durationMs: 3000,
      width: 360,
      height: 640,
      codedWidth: 360,
      codedHeight: 640,
      rotation: 0,
      fps: 30,
      hasAudio: true,
      videoCodec: 'h264',
      audioCodec: 'aac',
      sizeBytes: (await stat(file('clip.mp4'))).size,
    });
    expect(info.formatName).toContain('mp4');
  });

  it('reports a clip without audio', async () => {
    const info = await probeMedia(file('silent.mp4'), runner);
    expect(info.hasAudio).toBe(false);
    expect(info.audioCodec).toBeUndefined();
    expect([info.width, info.height]).toEqual([320, 180]);
  });

  it('swaps display dimensions for rotation metadata', async () => {
    const info = await probeMedia(file('rotated.mp4'), runner);
    expect(info).toMatchObject({ codedWidth: 320, codedHeight: 180, width: 180, height: 320, rotation: 90 });
  });

  it.each([
    ['notes.mp4', 'media.unsupported', /text file/],
    ['still.png', 'media.unsupported', /still image/],
    ['still.jpg', 'media.unsupported', /still image/],
    ['voice.m4a', 'media.unsupported', /sound but no picture/],
    ['empty.mp4', 'media.corrupt', /empty/],
    ['truncated.mp4', 'media.corrupt', /damaged or incomplete/],
    ['truncated-faststart.mp4', 'media.corrupt', /incomplete/],
  ])('refuses %s with %s', async (name, code, message) => {
    const err = await probeMedia(file(name), runner).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe(code);
    expect((err as MediaError).message).toMatch(message);
  });

  it('reads a browser recording: WebM written as a stream, with no duration in it', async () => {
    // MediaRecorder writes WebM live, like ffmpeg into a pipe: no Duration element, no cues.
    const out = file('recorded.webm');
    const { spawn } = await import('node:child_process');
    const { createWriteStream } = await import('node:fs');
    await new Promise<void>((done, fail) => {
      const p = spawn('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=30:d=2'],
        ...['-f', 'lavfi', '-i', 'sine=d=2', '-c:v', 'libvpx', '-deadline', 'realtime', '-c:a', 'libopus'],
        ...['-f', 'webm', 'pipe:1'],
      ]);
      p.stdout.pipe(createWriteStream(out));
      p.on('error', fail);
      p.on('close', (code) => (code === 0 ? done() : fail(new Error(`ffmpeg exited ${code}`))));
    });
    const info = await probeMedia(out, runner);
    expect(info.durationMs).toBeGreaterThan(1900);
    expect(info.durationMs).toBeLessThan(2100);
    expect(info.fps).toBeGreaterThan(28);
    expect(info.fps).toBeLessThan(32);
    expect(info).toMatchObject({ width: 320, height: 240, hasAudio: true, videoCodec: 'vp8', audioCodec: 'opus' });
  });

  it('accepts the untruncated clip with its index at the end', async () => {
    expect(await codeOf(probeMedia(file('moov-last.mp4'), runner))).toBe('ok');
  });
});

describe('validateMedia', () => {
  let info: MediaInfo;
  beforeAll(async () => {
    info = await probeMedia(file('clip.mp4'), runner);
  });

  it('accepts a clip within the default limits', () => {
    expect(() => validateMedia(info, DEFAULT_MEDIA_LIMITS)).not.toThrow();
  });

  it('refuses a clip over the duration limit', () => {
    const limits = { ...DEFAULT_MEDIA_LIMITS, durationMaxMs: 2_000 };
    expect(() => validateMedia(info, limits)).toThrow(expect.objectContaining({ code: 'media.too_long' }));
    expect(() => validateMedia(info, limits)).toThrow(
      'This clip is 3 s long; clips can be at most 2 s. Trim it and try again.',
    );
    expect(() => validateMedia({ ...info, durationMs: 754_000 }, DEFAULT_MEDIA_LIMITS)).toThrow(
      'This clip is 12 min 34 s long; clips can be at most 10 min.',
    );
  });

  it('refuses a file over the size limit', () => {
    expect(() => validateMedia({ ...info, sizeBytes: 3 * 1024 ** 3 }, DEFAULT_MEDIA_LIMITS)).toThrow(
      'This file is 3 GB; the largest file you can upload is 2 GB.',
    );
    expect(() => validateMedia(info, { ...DEFAULT_MEDIA_LIMITS, uploadMaxBytes: 1000 })).toThrow(
      expect.objectContaining({ code: 'media.too_large' }),
    );
  });

  it('refuses a picture larger than the long-edge limit, real and 10000×10000', () => {
    expect(() => validateMedia(info, { ...DEFAULT_MEDIA_LIMITS, maxLongEdge: 600 })).toThrow(
      'This video is 360×640 pixels; its longest side can be at most 600 pixels.',
    );
    const huge = { ...info, width: 10_000, height: 10_000, codedWidth: 10_000, codedHeight: 10_000 };
    expect(() => validateMedia(huge, DEFAULT_MEDIA_LIMITS)).toThrow(
      expect.objectContaining({ code: 'media.resolution_too_large' }),
    );
  });
});

describe('mediaInfoFromProbe', () => {
  const video = {
    codec_type: 'video',
    codec_name: 'h264',
    width: 1920,
    height: 1080,
    avg_frame_rate: '30000/1001',
    r_frame_rate: '30000/1001',
  };

  it('ignores cover art, so an MP3 with a picture counts as audio only', () => {
    const probe = {
      streams: [
        { codec_type: 'audio', codec_name: 'mp3' },
        { codec_type: 'video', codec_name: 'mjpeg', width: 500, height: 500, disposition: { attached_pic: 1 } },
      ],
      format: { format_name: 'mp3', duration: '180.0' },
    };
    expect(() => mediaInfoFromProbe(probe, 100)).toThrow(expect.objectContaining({ code: 'media.unsupported' }));
  });

  it('calls a video without a duration corrupt', () => {
    expect(() => mediaInfoFromProbe({ streams: [video], format: { format_name: 'h264' } }, 100)).toThrow(
      expect.objectContaining({ code: 'media.corrupt' }),
    );
  });

  it('reads legacy rotate tags, negative matrix angles, NTSC rates and non-square pixels', () => {
    const tagged = mediaInfoFromProbe(
      { streams: [{ ...video, tags: { rotate: '270' } }], format: { format_name: 'mov', duration: '1.5' } },
      1,
    );
    expect(tagged).toMatchObject({ rotation: 270, width: 1080, height: 1920, fps: 29.97, durationMs: 1500 });
    const matrix = mediaInfoFromProbe(
      { streams: [{ ...video, side_data_list: [{ rotation: -90 }] }], format: { format_name: 'mov', duration: '1' } },
      1,
    );
    expect(matrix).toMatchObject({ rotation: 270, width: 1080, height: 1920 });
    const anamorphic = mediaInfoFromProbe(
      {
        streams: [{ ...video, width: 1440, sample_aspect_ratio: '4:3' }],
        format: { format_name: 'mov', duration: '1' },
      },
      1,
    );
    expect([anamorphic.width, anamorphic.height, anamorphic.codedWidth]).toEqual([1920, 1080, 1440]);
  });
});

describe('sniff', () => {
  it('tells containers, images, audio and text apart by their first bytes', () => {
    expect(sniff(Buffer.from('\0\0\0\x20ftypisom', 'latin1'))).toBe('video-container');
    expect(sniff(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0]))).toBe('video-container');
    expect(sniff(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'))).toBe('image');
    expect(sniff(Buffer.from('ID3\x04\0', 'latin1'))).toBe('audio');
    expect(sniff(Buffer.from('Good morning, this is text\n'))).toBe('text');
    expect(sniff(Buffer.from([0x00, 0x01, 0x02, 0xff]))).toBe('unknown');
  });
});
