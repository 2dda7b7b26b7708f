import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpawnRunner } from './ffmpeg-runner.js';
import type { FfmpegError } from './media-errors.js';
import { probeMedia } from './probe.js';
import { makeSampleClip } from './sample-clips.js';
import {
  parseMediaPlaylist,
  removeTranscodeTemps,
  transcodeTempPrefix,
  transcodeToHls,
  type FirstPlayable,
} from './transcode.js';

const runner = createSpawnRunner();
let dir: string;
const file = (name: string) => join(dir, name);

interface StreamInfo {
  codec_type: string;
  codec_name: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  side_data_list?: unknown[];
}

async function streamsOf(path: string): Promise<StreamInfo[]> {
  const { stdout } = await runner.run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_streams',
    `file:${path}`,
  ]);
  return (JSON.parse(stdout) as { streams: StreamInfo[] }).streams;
}

/** Presentation times of video keyframes in a rendition, from the first one (B-frames delay them all alike). */
async function keyframeTimes(playlist: string): Promise<number[]> {
  const { stdout } = await runner.run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=pts_time,flags',
    '-of',
    'csv=p=0',
    playlist,
  ]);
  return stdout
    .trim()
    .split('\n')
    .map((l) => l.split(','))
    .filter(([, flags]) => flags?.startsWith('K'))
    .map(([t]) => Number(t))
    .map((t, _, all) => Math.round((t - all[0]!) * 100) / 100);
}

/** One frame decoded to 8-bit gray at a small size, for brightness and layout checks. */
async function grayFrame(input: string, width: number, height: number): Promise<Buffer> {
  const out = join(dir, `gray-${Math.random().toString(36).slice(2)}.raw`);
  await runner.run('ffmpeg', [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-i',
    input,
    '-frames:v',
    '1',
    '-vf',
    `scale=${width}:${height}`,
    '-pix_fmt',
    'gray',
    '-f',
    'rawvideo',
    out,
  ]);
  return readFile(out);
}

const mean = (bytes: Uint8Array) => bytes.reduce((a, b) => a + b, 0) / bytes.length;

/** The avcC profile and level bytes of an fMP4 init segment, as CODECS must state them. */
function avcCodecsOf(initPath: string): string {
  const bytes = readFileSync(initPath);
  const at = bytes.indexOf('avcC', 0, 'latin1');
  expect(at).toBeGreaterThan(0);
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `avc1.${hex(bytes[at + 5]!)}${hex(bytes[at + 6]!)}${hex(bytes[at + 7]!)}`;
}

function leftoverTemps(outDir: string): string[] {
  const prefix = transcodeTempPrefix(outDir);
  const parent = join(prefix, '..');
  return readdirSync(parent).filter((n) => join(parent, n).startsWith(prefix));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelm-transcode-'));
  await Promise.all([
    makeSampleClip(
      file('two-rungs.mp4'),
      { width: 480, height: 854, seconds: 3, audio: true, blackLeadSeconds: 1 },
      runner,
    ),
    makeSampleClip(file('small.mp4'), { width: 360, height: 640, seconds: 3, audio: true }, runner),
    makeSampleClip(file('silent.mp4'), { width: 360, height: 640, seconds: 3 }, runner),
    makeSampleClip(file('phone.mp4'), { width: 640, height: 360, seconds: 2, rotate: 90, pattern: 'half' }, runner),
    makeSampleClip(file('long.mp4'), { width: 480, height: 854, seconds: 10, audio: true }, runner),
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('transcodeToHls', () => {
  it('publishes the lowest rung first, then the full ladder, with aligned 2 s fMP4 segments', async () => {
    const input = file('two-rungs.mp4');
    const info = await probeMedia(input, runner);
    const outDir = file('out-two');
    const progress: number[] = [];
    let first: { at: FirstPlayable; master: string; dirs: string[] } | undefined;
    const result = await transcodeToHls({
      input,
      outDir,
      info,
      runner,
      onProgress: (f) => progress.push(f),
      onFirstPlayable: async (at) => {
        first = {
          at,
          master: await readFile(join(outDir, 'master.m3u8'), 'utf8'),
          dirs: (await readdir(outDir)).sort(),
        };
      },
    });

    expect(first?.at.rung.name).toBe('360p');
    expect(first?.dirs).toEqual(['360p', 'master.m3u8', 'poster.jpg', 'sound.m4a']);
    expect(first?.master.match(/#EXT-X-STREAM-INF/g)).toHaveLength(1);
    expect(result.rungs.map((r) => r.name)).toEqual(['480p', '360p']);
    expect(result.completeMs).toBeGreaterThanOrEqual(result.firstPlayableMs);
    expect((await readdir(outDir)).sort()).toEqual(['360p', '480p', 'master.m3u8', 'poster.jpg', 'sound.m4a']);
    expect(leftoverTemps(outDir)).toEqual([]);

    const master = await readFile(join(outDir, 'master.m3u8'), 'utf8');
    const keyframes: number[][] = [];
    for (const [name, w, h] of [
      ['480p', 480, 854],
      ['360p', 360, 640],
    ] as const) {
      const streams = await streamsOf(join(outDir, name, 'index.m3u8'));
      const v = streams.find((s) => s.codec_type === 'video');
      expect(v).toMatchObject({ codec_name: 'h264', profile: 'High', width: w, height: h });
      expect(streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
      const codecs = avcCodecsOf(join(outDir, name, 'init.mp4'));
      expect(master).toMatch(
        new RegExp(
          `BANDWIDTH=\\d+,AVERAGE-BANDWIDTH=\\d+,RESOLUTION=${w}x${h},CODECS="${codecs},mp4a.40.2",FRAME-RATE=30.000\\n${name}/index.m3u8`,
        ),
      );
      const playlist = parseMediaPlaylist(await readFile(join(outDir, name, 'index.m3u8'), 'utf8'));
      expect(playlist.ended).toBe(true);
      expect(playlist.map).toBe('init.mp4');
      expect(playlist.segments.map((s) => s.uri)).toEqual(['seg_00000.m4s', 'seg_00001.m4s']);
      expect(playlist.segments[0]!.durationS).toBeCloseTo(2, 2);
      keyframes.push(await keyframeTimes(join(outDir, name, 'index.m3u8')));
    }
    expect(keyframes[0]).toEqual([0, 2]);
    expect(keyframes[1]).toEqual(keyframes[0]);

    // The clip is black for its first second: the poster must come from later.
    const posterStreams = await streamsOf(join(outDir, 'poster.jpg'));
    expect(posterStreams[0]).toMatchObject({ codec_name: 'mjpeg', width: 480, height: 854 });
    expect(mean(await grayFrame(join(outDir, 'poster.jpg'), 48, 85))).toBeGreaterThan(60);
    expect(mean(await grayFrame(input, 48, 85))).toBeLessThan(20);

    const sound = await streamsOf(join(outDir, 'sound.m4a'));
    expect(sound.map((s) => [s.codec_type, s.codec_name])).toEqual([['audio', 'aac']]);

    expect(progress.at(-1)).toBe(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThan(progress[i - 1]!);
  });

  it('turns a 360×640 clip into one native rung with poster and sound', async () => {
    const outDir = file('out-small');
    const info = await probeMedia(file('small.mp4'), runner);
    const result = await transcodeToHls({ input: file('small.mp4'), outDir, info, runner });
    expect(result.rungs.map((r) => [r.name, r.width, r.height])).toEqual([['360p', 360, 640]]);
    expect((await readdir(outDir)).sort()).toEqual(['360p', 'master.m3u8', 'poster.jpg', 'sound.m4a']);
    const streams = await streamsOf(join(outDir, '360p', 'index.m3u8'));
    expect(streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
  });

  it('makes valid HLS without audio for a silent clip, and no sound file', async () => {
    const outDir = file('out-silent');
    const info = await probeMedia(file('silent.mp4'), runner);
    await transcodeToHls({ input: file('silent.mp4'), outDir, info, runner });
    expect((await readdir(outDir)).sort()).toEqual(['360p', 'master.m3u8', 'poster.jpg']);
    const streams = await streamsOf(join(outDir, '360p', 'index.m3u8'));
    expect(streams.map((s) => s.codec_type)).toEqual(['video']);
    const master = await readFile(join(outDir, 'master.m3u8'), 'utf8');
    expect(master).toContain(`CODECS="${avcCodecsOf(join(outDir, '360p', 'init.mp4'))}"`);
    expect(master).not.toContain('mp4a');
  });

  it('honours rotation metadata: a landscape-stored phone clip with rotate=90 comes out portrait and upright', async () => {
    const input = file('phone.mp4');
    const info = await probeMedia(input, runner);
    expect([info.width, info.height, info.rotation]).toEqual([360, 640, 90]);
    const outDir = file('out-phone');
    await transcodeToHls({ input, outDir, info, runner });
    const playlist = join(outDir, '360p', 'index.m3u8');
    const [v] = await streamsOf(playlist);
    expect([v?.width, v?.height]).toEqual([360, 640]);
    expect(v?.side_data_list).toBeUndefined(); // rotation is applied to the pixels, not passed on
    // The stored frame is white on the left, black on the right: turned a quarter, that becomes top/bottom.
    const px = await grayFrame(playlist, 36, 64);
    const region = (x0: number, x1: number, y0: number, y1: number) => {
      const vals: number[] = [];
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) vals.push(px[y * 36 + x]!);
      return mean(Uint8Array.from(vals));
    };
    const [top, bottom] = [region(0, 36, 4, 28), region(0, 36, 36, 60)];
    const [left, right] = [region(2, 16, 0, 64), region(20, 34, 0, 64)];
    expect(Math.abs(top - bottom)).toBeGreaterThan(150);
    expect(Math.abs(left - right)).toBeLessThan(20);
    // Same direction as ffmpeg's own auto-rotation, which players follow.
    const reference = await grayFrame(input, 36, 64);
    expect(Math.sign(top - bottom)).toBe(
      Math.sign(mean(reference.subarray(0, 36 * 32)) - mean(reference.subarray(36 * 32))),
    );
  });

  it('kills ffmpeg on abort and leaves no temp dir', async () => {
    const input = file('long.mp4');
    const info = await probeMedia(input, runner);
    const outDir = file('out-abort');
    const ac = new AbortController();
    const err = await transcodeToHls({
      input,
      outDir,
      info,
      runner,
      signal: ac.signal,
      onProgress: (f) => {
        if (f > 0) ac.abort();
      },
    }).catch((e: unknown) => e);
    expect((err as FfmpegError).code).toBe('media.aborted');
    expect(leftoverTemps(outDir)).toEqual([]);
    expect(existsSync(outDir)).toBe(false);
    const running = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(input);
        } catch {
          return false;
        }
      });
    expect(running).toEqual([]);
  });

  it('removeTranscodeTemps clears what a crash left behind, and nothing else', async () => {
    const outDir = file('out-crashed');
    const stale = `${transcodeTempPrefix(outDir)}first-deadbeef`;
    await mkdir(join(stale, '360p'), { recursive: true });
    await mkdir(file('out-crashed-other'));
    expect(await removeTranscodeTemps(outDir)).toEqual([stale]);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(file('out-crashed-other'))).toBe(true);
  });
});
