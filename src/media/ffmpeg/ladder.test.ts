import { describe, expect, it } from 'vitest';
import { avcCodecString, h264Level, planLadder } from './ladder.js';

const sizes = (w: number, h: number, fps = 30) =>
  planLadder({ width: w, height: h, fps }).map((r) => [r.name, r.width, r.height]);

describe('planLadder', () => {
  it('gives a portrait 1080×1920 source four portrait rungs', () => {
    expect(sizes(1080, 1920)).toEqual([
      ['1080p', 1080, 1920],
      ['720p', 720, 1280],
      ['480p', 480, 854],
      ['360p', 360, 640],
    ]);
  });

  it('uses the short edge of a landscape source', () => {
    expect(sizes(1920, 1080)).toEqual([
      ['1080p', 1920, 1080],
      ['720p', 1280, 720],
      ['480p', 854, 480],
      ['360p', 640, 360],
    ]);
  });

  it('never upscales: a 720×1280 source stops at 720p, an 800-wide one too', () => {
    expect(sizes(720, 1280).map((r) => r[0])).toEqual(['720p', '480p', '360p']);
    expect(sizes(800, 1422).map((r) => r[0])).toEqual(['720p', '480p', '360p']);
  });

  it('keeps a source below 360 as one rung at its own even size', () => {
    expect(sizes(300, 500)).toEqual([['300p', 300, 500]]);
    expect(sizes(241, 427)).toEqual([['242p', 242, 428]]);
  });

  it('takes display dimensions, so a rotated phone clip (probed as 1080×1920) plans portrait', () => {
    // probe.ts swaps width/height for rotation 90; the planner only sees the display size.
    expect(sizes(1080, 1920)[0]).toEqual(['1080p', 1080, 1920]);
  });

  it('keeps every dimension even and the aspect within one pixel', () => {
    for (const [w, h] of [
      [1080, 1920],
      [1081, 1917],
      [1440, 2560],
      [2160, 3840],
      [1000, 1000],
      [1280, 544],
    ] as const) {
      for (const r of planLadder({ width: w, height: h, fps: 30 })) {
        expect(r.width % 2).toBe(0);
        expect(r.height % 2).toBe(0);
        const expectedLong = (Math.max(w, h) * Math.min(r.width, r.height)) / Math.min(w, h);
        expect(Math.abs(Math.max(r.width, r.height) - expectedLong)).toBeLessThanOrEqual(1.01);
      }
    }
  });

  it('orders rungs highest first with falling bitrates, raises them for high frame rates, and caps fps at 60', () => {
    const rungs = planLadder({ width: 1080, height: 1920, fps: 30 });
    for (let i = 1; i < rungs.length; i++) expect(rungs[i]!.videoBitrate).toBeLessThan(rungs[i - 1]!.videoBitrate);
    for (const r of rungs) {
      expect(r.maxrate).toBeGreaterThan(r.videoBitrate);
      expect(r.bufsize).toBeGreaterThanOrEqual(r.maxrate);
    }
    const fast = planLadder({ width: 1080, height: 1920, fps: 120 });
    expect(fast[0]!.fps).toBe(60);
    expect(fast[0]!.videoBitrate).toBeGreaterThan(rungs[0]!.videoBitrate);
  });

  it('writes the H.264 level into the codec string (480×854 at 30 fps needs 3.1 for its macroblock rate)', () => {
    const [r1080, r720, r480, r360] = planLadder({ width: 1080, height: 1920, fps: 30 });
    expect([r1080!.level, r720!.level, r480!.level, r360!.level]).toEqual(['4.0', '3.1', '3.1', '3.0']);
    expect(r1080!.videoCodecs).toBe('avc1.640028');
    expect(r720!.videoCodecs).toBe('avc1.64001f');
    expect(planLadder({ width: 1080, height: 1920, fps: 60 })[0]!.level).toBe('4.2');
  });
});

describe('h264Level / avcCodecString', () => {
  it('picks the lowest level whose frame size, macroblock rate and bitrate fit', () => {
    expect(h264Level(1920, 1080, 30, 6_000_000, 8_000_000)).toBe('4.0');
    expect(h264Level(1920, 1080, 30, 30_000_000, 30_000_000)).toBe('4.1');
    expect(h264Level(3840, 2160, 30, 20_000_000, 20_000_000)).toBe('5.1');
    expect(h264Level(176, 144, 15, 100_000, 100_000)).toBe('1.1');
  });

  it('formats avc1.PPCCLL', () => {
    expect(avcCodecString('high', '3.0')).toBe('avc1.64001e');
    expect(avcCodecString('high', '5.1')).toBe('avc1.640033');
  });
});
