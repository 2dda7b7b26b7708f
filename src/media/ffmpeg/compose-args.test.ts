import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComposition } from './compose-args.js';
import { createSpawnRunner } from './ffmpeg-runner.js';
import { probeMedia, type MediaInfo } from './probe.js';
import { makeSampleClip } from './sample-clips.js';
import { buildFirstPassArgs, buildLadderPassArgs } from './transcode-args.js';
import { planLadder } from './ladder.js';
import { transcodeToHls } from './transcode.js';

const main: MediaInfo = {
  durationMs: 3000,
  width: 360,
  height: 640,
  codedWidth: 360,
  codedHeight: 640,
  rotation: 0,
  fps: 30,
  hasAudio: true,
  videoCodec: 'vp8',
  audioCodec: 'opus',
  audioChannels: 1,
  formatName: 'matroska,webm',
  sizeBytes: 1000,
};
const original = { path: '/o/original.mp4', info: { width: 720, height: 1280, durationMs: 8000, hasAudio: true } };

describe('buildComposition', () => {
  it('composes nothing without a duet, stitch or sound', () => {
    expect(buildComposition({ main })).toBeUndefined();
  });

  it('puts a side duet at twice the width, mixing both sounds for the recording’s length', () => {
    const c = buildComposition({ main, duet: { original, layout: 'side' } })!;
    expect(c.info).toMatchObject({ width: 720, height: 640, durationMs: 3000, hasAudio: true, audioChannels: 2 });
    expect(c.inputs).toEqual(['-i', 'file:/o/original.mp4']);
    expect(c.graph).toContain('[1:v]scale=360:640');
    expect(c.graph).toContain('[o][m]hstack=inputs=2:shortest=1[cv]');
    expect(c.graph).toContain('amix=inputs=2:duration=first');
    expect(c.graph).toMatch(/\[ca\]$/);
  });

  it('stacks a duet at twice the height, and keeps the original’s sound when the recording has none', () => {
    const c = buildComposition({ main: { ...main, hasAudio: false }, duet: { original, layout: 'stack' } })!;
    expect(c.info).toMatchObject({ width: 360, height: 1280, hasAudio: true });
    expect(c.graph).toContain('vstack');
    expect(c.graph).not.toContain('amix');
    expect(c.graph).toContain('[1:a]atrim=duration=3');
  });

  it('stitches the original’s first part before the recording, on the recording’s canvas', () => {
    const c = buildComposition({ main, stitch: { original, stitchMs: 2500 } })!;
    expect(c.info).toMatchObject({ width: 360, height: 640, durationMs: 5500 });
    expect(c.graph).toContain('[1:v]trim=duration=2.5');
    expect(c.graph).toContain('[ov][mv]concat=n=2:v=1:a=0[cv]');
    expect(c.graph).toContain('[oa][ma]concat=n=2:v=0:a=1');
    // An original shorter than the asked part gives all it has.
    const short = buildComposition({
      main,
      stitch: { original: { ...original, info: { ...original.info, durationMs: 1200 } }, stitchMs: 5000 },
    })!;
    expect(short.info.durationMs).toBe(4200);
  });

  it('fills the silent half of a stitch with silence', () => {
    const c = buildComposition({
      main: { ...main, hasAudio: false },
      stitch: { original, stitchMs: 1000 },
    })!;
    expect(c.graph).toContain('aevalsrc=0:c=stereo:s=48000:d=3');
    expect(c.info.hasAudio).toBe(true);
  });

  it('lays a looped sound under the clip as its whole audio', () => {
    const c = buildComposition({ main: { ...main, hasAudio: false }, sound: { path: '/s/sound.m4a' } })!;
    expect(c.inputs).toEqual(['-stream_loop', '-1', '-i', 'file:/s/sound.m4a']);
    expect(c.graph).toContain('[0:v]null[cv]');
    expect(c.graph).toContain('[1:a]atrim=duration=3');
    expect(c.info.hasAudio).toBe(true);
    // Beside a duet the sound is the third input and still the only audio.
    const duet = buildComposition({ main, duet: { original, layout: 'side' }, sound: { path: '/s/sound.m4a' } })!;
    expect(duet.graph).toContain('[2:a]atrim');
    expect(duet.graph).toMatch(/\[snd\]anull\[ca\]$/);
  });

  it('refuses a duet that is also a stitch', () => {
    expect(() =>
      buildComposition({ main, duet: { original, layout: 'side' }, stitch: { original, stitchMs: 1000 } }),
    ).toThrow(RangeError);
  });

  it('is the head of both passes, its audio split once per output', () => {
    const c = buildComposition({ main, duet: { original, layout: 'side' } })!;
    const rungs = planLadder(c.info);
    const first = buildFirstPassArgs({
      input: '/in.webm',
      outDir: '/out',
      info: c.info,
      rung: rungs[1]!,
      rungs,
      compose: c,
    });
    expect(first.filter((a) => a === '-i')).toHaveLength(2);
    const graph = first[first.indexOf('-filter_complex') + 1]!;
    expect(graph.startsWith(c.graph)).toBe(true);
    expect(graph).toContain('[ca]asplit=2[ca0][ca1]');
    expect(graph).toContain('[cv]split=2[src][psrc]');
    expect(first).toContain('[ca1]');
    const ladder = buildLadderPassArgs({ input: '/in.webm', outDir: '/out', info: c.info, rungs, compose: c });
    const lgraph = ladder[ladder.indexOf('-filter_complex') + 1]!;
    expect(lgraph).toContain(`[ca]asplit=${rungs.length}`);
    expect(ladder).not.toContain('0:a:0');
  });
});

describe('composed transcodes (real ffmpeg)', () => {
  const runner = createSpawnRunner();
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reelm-compose-'));
    await makeSampleClip(join(dir, 'rec.mp4'), { width: 360, height: 640, seconds: 2, preset: 'ultrafast' }, runner);
    await makeSampleClip(
      join(dir, 'orig.mp4'),
      { width: 360, height: 640, seconds: 3, audio: true, preset: 'ultrafast' },
      runner,
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('transcodes a stitch in the usual two passes, with the original’s sound and then silence', async () => {
    const rec = await probeMedia(join(dir, 'rec.mp4'), runner);
    const orig = await probeMedia(join(dir, 'orig.mp4'), runner);
    const compose = buildComposition({
      main: rec,
      stitch: { original: { path: join(dir, 'orig.mp4'), info: orig }, stitchMs: 1000 },
    })!;
    const out = join(dir, 'hls');
    const result = await transcodeToHls({ input: join(dir, 'rec.mp4'), outDir: out, info: rec, compose, runner });
    expect(result.hasSound).toBe(true);
    const { stdout } = await runner.run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'format=duration',
      '-of',
      'csv=p=0',
      join(out, '360p', 'index.m3u8'),
    ]);
    // 1 s of the original, then the 2 s recording; the sound (audio only) is as long.
    expect(Number(stdout.trim())).toBeGreaterThan(2.8);
    expect(Number(stdout.trim())).toBeLessThan(3.3);
    const sound = await runner.run('ffprobe', [
      ...['-v', 'error', '-show_entries', 'stream=codec_type:format=duration', '-of', 'csv=p=0'],
      join(out, 'sound.m4a'),
    ]);
    const lines = sound.stdout.trim().split('\n');
    expect(lines[0]).toBe('audio');
    expect(Number(lines[1])).toBeGreaterThan(2.8);
  });
});
