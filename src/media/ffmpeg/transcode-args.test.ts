import { describe, expect, it } from 'vitest';
import { planLadder } from './ladder.js';
import type { MediaInfo } from './probe.js';
import {
  buildFirstPassArgs,
  buildFloorArgs,
  buildLadderPassArgs,
  buildMasterPlaylist,
  buildPeerCommands,
  DEFAULT_ENCODE,
  posterSize,
  posterWindow,
} from './transcode-args.js';

const info: MediaInfo = {
  durationMs: 30_000,
  width: 1080,
  height: 1920,
  codedWidth: 1920,
  codedHeight: 1080,
  rotation: 90,
  fps: 30,
  hasAudio: true,
  videoCodec: 'h264',
  audioCodec: 'aac',
  audioChannels: 2,
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  sizeBytes: 1,
};
const silent: MediaInfo = { ...info, hasAudio: false, audioCodec: undefined, audioChannels: undefined };
const rungs = planLadder(info);
const low = rungs[rungs.length - 1]!;

/** Every value following `flag` in an argument list. */
const valuesOf = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
const settings = { ...DEFAULT_ENCODE, preset: 'faster', firstPreset: 'superfast' };

describe('buildFirstPassArgs', () => {
  const args = buildFirstPassArgs({ input: 'clip.mp4', outDir: '/out/tmp', info, rung: low, rungs, settings });

  it('decodes once and writes the lowest rung, the poster and the sound', () => {
    expect(valuesOf(args, '-i')).toHaveLength(1);
    expect(valuesOf(args, '-i')[0]).toMatch(/^file:\/.*clip\.mp4$/);
    expect(args.at(-1)).toBe('/out/tmp/sound.m4a');
    expect(args).toContain('/out/tmp/poster.jpg');
    expect(args).toContain('/out/tmp/360p/index.m3u8');
    expect(valuesOf(args, '-hls_segment_filename')).toEqual(['/out/tmp/360p/seg_%05d.m4s']);
    expect(valuesOf(args, '-preset')).toEqual(['superfast']);
    expect(valuesOf(args, '-progress')).toEqual(['pipe:1']);
  });

  it('scales to the rung and picks the poster with the thumbnail filter, away from the first frame', () => {
    const graph = valuesOf(args, '-filter_complex')[0]!;
    expect(graph).toContain('split=2');
    expect(graph).toContain('scale=360:640');
    expect(graph).toMatch(/trim=start=1:end=4,.*thumbnail=18/);
    expect(graph).toContain(`scale=720:1280`); // poster sized like the 720p rung
  });

  it('aligns keyframes on a 2 s grid and writes fMP4 HLS VOD', () => {
    expect(valuesOf(args, '-force_key_frames')).toEqual(['expr:gte(t,n_forced*2)']);
    expect(valuesOf(args, '-sc_threshold')).toEqual(['0']);
    expect(valuesOf(args, '-g')).toEqual(['60']);
    expect(valuesOf(args, '-hls_segment_type')).toEqual(['fmp4']);
    expect(valuesOf(args, '-hls_time')).toEqual(['2']);
    expect(valuesOf(args, '-hls_playlist_type')).toEqual(['vod']);
    expect(valuesOf(args, '-hls_fmp4_init_filename')).toEqual(['init.mp4']);
    expect(valuesOf(args, '-level:v')).toEqual([low.level]);
  });

  it('strips metadata (GPS, device) from every output', () => {
    expect(valuesOf(args, '-map_metadata')).toEqual(['-1', '-1', '-1']);
  });

  it('leaves audio out entirely for a silent clip', () => {
    const a = buildFirstPassArgs({ input: 'clip.mp4', outDir: '/out/tmp', info: silent, rung: low, rungs });
    expect(valuesOf(a, '-map')).toEqual(['[v0]', '[poster]']);
    expect(a).not.toContain('-c:a');
    expect(a.some((x) => x.endsWith('sound.m4a'))).toBe(false);
  });
});

describe('buildLadderPassArgs', () => {
  const rest = rungs.slice(0, -1);
  const args = buildLadderPassArgs({ input: 'clip.mp4', outDir: '/out/b', info, rungs: rest, settings });

  it('decodes once and splits into one HLS output per rung', () => {
    expect(valuesOf(args, '-i')).toHaveLength(1);
    const graph = valuesOf(args, '-filter_complex')[0]!;
    expect(graph.startsWith('[0:v]split=3[s0][s1][s2];')).toBe(true);
    expect(graph).toContain('[s0]fps=30,scale=1080:1920');
    expect(graph).toContain('[s2]fps=30,scale=480:854');
    expect(valuesOf(args, '-map')).toEqual(['[v0]', '0:a:0', '[v1]', '0:a:0', '[v2]', '0:a:0']);
    expect(args.filter((a) => a.endsWith('index.m3u8'))).toEqual([
      '/out/b/1080p/index.m3u8',
      '/out/b/720p/index.m3u8',
      '/out/b/480p/index.m3u8',
    ]);
    expect(valuesOf(args, '-preset')).toEqual(['faster', 'faster', 'faster']);
    expect(valuesOf(args, '-b:v')).toEqual(rest.map((r) => String(r.videoBitrate)));
  });

  it('downmixes only sources with more than two channels', () => {
    expect(args).not.toContain('-ac');
    const surround = buildLadderPassArgs({
      input: 'c.mp4',
      outDir: '/o',
      info: { ...info, audioChannels: 6 },
      rungs: rest,
    });
    expect(valuesOf(surround, '-ac')).toEqual(['2', '2', '2']);
  });

  it('makes the frame rate constant at the source average, capped at 60', () => {
    const fast = buildLadderPassArgs({
      input: 'c.mp4',
      outDir: '/o',
      info: { ...info, fps: 120 },
      rungs: planLadder({ ...info, fps: 120 }),
    });
    expect(valuesOf(fast, '-filter_complex')[0]).toContain('[s0]fps=60,scale=1080:1920');
    expect(valuesOf(args, '-filter_complex')[0]).toContain('[s0]fps=30,scale=1080:1920');
    const ntsc = buildLadderPassArgs({
      input: 'c.mp4',
      outDir: '/o',
      info: { ...info, fps: 29.97 },
      rungs: planLadder({ ...info, fps: 29.97 }),
    });
    expect(valuesOf(ntsc, '-filter_complex')[0]).toContain('[s0]fps=29.97,scale=1080:1920');
  });
});

describe('benchmark builders', () => {
  it('the floor makes the whole ladder in one process with the same presets Reelm uses per rung', () => {
    const args = buildFloorArgs({ input: 'c.mp4', outDir: '/f', info, rungs, settings });
    expect(valuesOf(args, '-i')).toHaveLength(1);
    expect(valuesOf(args, '-preset')).toEqual(['faster', 'faster', 'faster', 'superfast']);
    expect(args.filter((a) => a.endsWith('index.m3u8'))).toHaveLength(4);
  });

  it('the peer runs one single-threaded veryfast process per rung with 4 s segments', () => {
    const cmds = buildPeerCommands({ input: 'c.mp4', outDir: '/p', info, rungs });
    expect(cmds).toHaveLength(4);
    for (const [i, c] of cmds.entries()) {
      expect(valuesOf(c, '-threads')).toEqual(['1']);
      expect(valuesOf(c, '-preset')).toEqual(['veryfast']);
      expect(valuesOf(c, '-hls_time')).toEqual(['4']);
      expect(valuesOf(c, '-force_key_frames')).toEqual(['expr:gte(t,n_forced*4)']);
      expect(c.at(-1)).toBe(`/p/${rungs[i]!.name}/index.m3u8`);
    }
  });
});

describe('buildMasterPlaylist', () => {
  it('lists every rung, lowest bandwidth first, with BANDWIDTH, RESOLUTION, CODECS and FRAME-RATE', () => {
    const text = buildMasterPlaylist(rungs, { hasAudio: true });
    const lines = text.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS']);
    const peak = Math.ceil((low.maxrate + 96_000) * 1.05);
    const average = Math.ceil((low.videoBitrate + 96_000) * 1.05);
    expect(lines[3]).toBe(
      `#EXT-X-STREAM-INF:BANDWIDTH=${peak},AVERAGE-BANDWIDTH=${average},RESOLUTION=360x640,CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=30.000`,
    );
    expect(lines[4]).toBe('360p/index.m3u8');
    expect(lines.filter((l) => !l.startsWith('#'))).toEqual([
      '360p/index.m3u8',
      '480p/index.m3u8',
      '720p/index.m3u8',
      '1080p/index.m3u8',
    ]);
    expect(text).toContain('RESOLUTION=1080x1920,CODECS="avc1.640028,mp4a.40.2"');
  });

  it('uses measured bitrates when given, and leaves mp4a out for a silent clip', () => {
    const text = buildMasterPlaylist([low], {
      hasAudio: false,
      measured: { '360p': { peak: 900_000, average: 500_000 } },
    });
    expect(text).toContain(
      'BANDWIDTH=900000,AVERAGE-BANDWIDTH=500000,RESOLUTION=360x640,CODECS="avc1.64001e",FRAME-RATE=30.000',
    );
  });
});

describe('poster helpers', () => {
  it('looks from 1 s (or 20% of a short clip) for up to 3 s', () => {
    expect(posterWindow(30_000)).toEqual({ start: 1, end: 4 });
    expect(posterWindow(2_000)).toEqual({ start: 0.4, end: 2 });
  });

  it('sizes the poster like the largest rung up to 720p', () => {
    expect(posterSize(rungs)).toEqual({ width: 720, height: 1280 });
    expect(posterSize(planLadder({ width: 300, height: 500, fps: 30 }))).toEqual({ width: 300, height: 500 });
  });
});
