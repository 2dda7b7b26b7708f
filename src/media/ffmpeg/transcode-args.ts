import { join, resolve } from 'node:path';
import type { Composition } from './compose-args.js';
import type { Rung } from './ladder.js';
import type { MediaInfo } from './probe.js';

/** File names of the published layout under a clip's output directory. */
export const OUTPUT_FILES = {
  master: 'master.m3u8',
  poster: 'poster.jpg',
  sound: 'sound.m4a',
  playlist: 'index.m3u8',
  init: 'init.mp4',
  segmentPattern: 'seg_%05d.m4s',
} as const;

/** Encoder choices shared by Reelm's passes and the benchmark builders. */
export interface EncodeSettings {
  /** libx264 preset of the full-ladder pass (and of the benchmark floor). */
  preset: string;
  /** libx264 preset of the first playable rung, where latency matters more than size. */
  firstPreset: string;
  /** Encoder threads per output; undefined lets x264 decide. */
  threads?: number;
  /** HLS segment and keyframe interval, seconds. */
  segmentSeconds: number;
  /** Bitrate of the clip's "sound" rendition. */
  soundBitrate: number;
}

/** veryfast everywhere: PeerTube's per-rung quality, so speedups come from structure, not a cheaper encode. */
export const DEFAULT_ENCODE: EncodeSettings = {
  preset: 'veryfast',
  firstPreset: 'veryfast',
  segmentSeconds: 2,
  soundBitrate: 128_000,
};

/** Flags shared by every ffmpeg run: quiet log, machine-readable progress on stdout, never read stdin. */
const GLOBAL = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-progress', 'pipe:1', '-nostats'];

/** ffmpeg input path: absolute and behind `file:` so it is never taken for an option or a protocol URL. */
export function inputArg(input: string): string {
  return `file:${resolve(input)}`;
}

/**
 * The inputs and graph head a pass starts from: the source alone, or a composition (compose-args.ts) whose
 * `[cv]` stands for the source's picture and whose `[ca]` is split once per output that takes audio.
 */
function passSources(
  input: string,
  compose: Composition | undefined,
  audioUses: number,
): { inputs: string[]; head: string; video: string; audio: string[] } {
  if (!compose) {
    return { inputs: ['-i', inputArg(input)], head: '', video: '[0:v]', audio: Array(audioUses).fill('0:a:0') };
  }
  const inputs = ['-i', inputArg(input), ...compose.inputs];
  if (!compose.info.hasAudio || audioUses === 0) return { inputs, head: `${compose.graph};`, video: '[cv]', audio: [] };
  if (audioUses === 1) return { inputs, head: `${compose.graph};`, video: '[cv]', audio: ['[ca]'] };
  const labels = Array.from({ length: audioUses }, (_, i) => `[ca${i}]`);
  return { inputs, head: `${compose.graph};[ca]asplit=${audioUses}${labels.join('')};`, video: '[cv]', audio: labels };
}

/**
 * Scale/format chain from decoded source frames (already auto-rotated by ffmpeg) to one rung. The fps filter
 * makes phone clips' variable frame rate constant (at the average, capped), so GOPs and FRAME-RATE hold.
 */
export function rungFilter(rung: Rung): string {
  return `fps=${rung.fps},scale=${rung.width}:${rung.height}:flags=bicubic,setsar=1,format=yuv420p`;
}

/** libx264 + AAC encoder options for one output with aligned keyframes every `segmentSeconds`. */
export function rungEncodeArgs(
  rung: Rung,
  info: Pick<MediaInfo, 'hasAudio' | 'audioChannels'>,
  preset: string,
  settings: EncodeSettings,
): string[] {
  const gop = Math.max(1, Math.round(rung.fps * settings.segmentSeconds));
  const args = [
    '-c:v',
    'libx264',
    '-preset',
    preset,
    '-profile:v',
    rung.profile,
    '-level:v',
    rung.level,
    '-b:v',
    String(rung.videoBitrate),
    '-maxrate',
    String(rung.maxrate),
    '-bufsize',
    String(rung.bufsize),
    // Forced keyframes on a time grid line up across rungs even for variable frame rates; -g caps the rest.
    '-force_key_frames',
    `expr:gte(t,n_forced*${settings.segmentSeconds})`,
    '-g',
    String(gop),
    '-sc_threshold',
    '0',
  ];
  if (settings.threads !== undefined) args.push('-threads', String(settings.threads));
  if (info.hasAudio) args.push(...audioArgs(rung.audioBitrate, info));
  // Phone clips carry GPS and device tags; none of it belongs in published files.
  args.push('-map_metadata', '-1', '-map_chapters', '-1', '-max_muxing_queue_size', '1024');
  return args;
}

function audioArgs(bitrate: number, info: Pick<MediaInfo, 'audioChannels'>): string[] {
  const args = ['-c:a', 'aac', '-b:a', String(bitrate)];
  if ((info.audioChannels ?? 2) > 2) args.push('-ac', '2');
  return args;
}

/** HLS muxer options writing `<dir>/index.m3u8`, `<dir>/init.mp4`, `<dir>/seg_00000.m4s`… as a VOD playlist. */
export function hlsOutputArgs(dir: string, segmentSeconds: number): string[] {
  const abs = resolve(dir);
  return [
    '-f',
    'hls',
    '-hls_time',
    String(segmentSeconds),
    '-hls_playlist_type',
    'vod',
    '-hls_list_size',
    '0',
    '-hls_segment_type',
    'fmp4',
    '-hls_fmp4_init_filename',
    OUTPUT_FILES.init,
    '-hls_segment_filename',
    join(abs, OUTPUT_FILES.segmentPattern),
    '-hls_flags',
    'independent_segments',
    '-start_number',
    '0',
    join(abs, OUTPUT_FILES.playlist),
  ];
}

/** Window (seconds) the poster is picked from: skips the often-black first moments. */
export function posterWindow(durationMs: number): { start: number; end: number } {
  const duration = durationMs / 1000;
  const start = Math.min(1, duration * 0.2);
  return { start: round3(start), end: round3(Math.min(duration, start + 3)) };
}

/** Candidate frames per second the thumbnail filter compares; few, because it holds them all in memory. */
const POSTER_CANDIDATE_FPS = 6;

function posterFilter(info: Pick<MediaInfo, 'durationMs'>, size: { width: number; height: number }): string {
  const { start, end } = posterWindow(info.durationMs);
  const candidates = Math.max(1, Math.ceil((end - start) * POSTER_CANDIDATE_FPS));
  return (
    `setpts=PTS-STARTPTS,trim=start=${start}:end=${end},setpts=PTS-STARTPTS,fps=${POSTER_CANDIDATE_FPS},` +
    `scale=${size.width}:${size.height}:flags=bicubic,setsar=1,thumbnail=${candidates}`
  );
}

/** The poster is as large as the biggest rung up to 720p short edge: sharp on phones, small to fetch. */
export function posterSize(rungs: readonly Rung[]): { width: number; height: number } {
  const pick = rungs.find((r) => Math.min(r.width, r.height) <= 720) ?? rungs[rungs.length - 1];
  if (!pick) throw new RangeError('posterSize needs at least one rung');
  return { width: pick.width, height: pick.height };
}

/** Input of `buildFirstPassArgs`. */
export interface FirstPassOptions {
  input: string;
  /** Directory receiving `<rung>/`, `poster.jpg` and `sound.m4a`. */
  outDir: string;
  info: MediaInfo;
  /** The rung published first (the plan's lowest). */
  rung: Rung;
  /** The whole plan, to size the poster. */
  rungs: readonly Rung[];
  settings?: EncodeSettings;
  /** A duet, stitch or sound composed in this pass; `info` is then the composition's. */
  compose?: Composition;
}

/**
 * Pass (a), "first playable": the lowest rung, the poster and the sound in one process and one decode,
 * with the fast `firstPreset`.
 */
export function buildFirstPassArgs(o: FirstPassOptions): string[] {
  const s = o.settings ?? DEFAULT_ENCODE;
  const poster = posterSize(o.rungs);
  const src = passSources(o.input, o.compose, o.info.hasAudio ? 2 : 0);
  const graph =
    `${src.head}${src.video}split=2[src][psrc];[src]${rungFilter(o.rung)}[v0];` +
    `[psrc]${posterFilter(o.info, poster)}[poster]`;
  const args = [...GLOBAL, ...src.inputs, '-filter_complex', graph];
  args.push('-map', '[v0]');
  if (o.info.hasAudio) args.push('-map', src.audio[0]!);
  args.push(
    ...rungEncodeArgs(o.rung, o.info, s.firstPreset, s),
    ...hlsOutputArgs(join(o.outDir, o.rung.name), s.segmentSeconds),
  );
  args.push(
    '-map',
    '[poster]',
    '-frames:v',
    '1',
    '-q:v',
    '3',
    '-map_metadata',
    '-1',
    '-update',
    '1',
    '-f',
    'image2',
    resolve(o.outDir, OUTPUT_FILES.poster),
  );
  if (o.info.hasAudio) {
    args.push(
      '-map',
      src.audio[1]!,
      '-vn',
      ...audioArgs(s.soundBitrate, o.info),
      '-map_metadata',
      '-1',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      resolve(o.outDir, OUTPUT_FILES.sound),
    );
  }
  return args;
}

/** Input of `buildLadderPassArgs` and the benchmark builders. */
export interface LadderPassOptions {
  input: string;
  outDir: string;
  info: MediaInfo;
  /** Rungs to encode, each into `<outDir>/<rung.name>/`. */
  rungs: readonly Rung[];
  settings?: EncodeSettings;
  /** Preset per rung; defaults to `settings.preset` for all. */
  presetFor?: (rung: Rung) => string;
  /** A duet, stitch or sound composed in this pass; `info` is then the composition's. */
  compose?: Composition;
}

/** Pass (b): several rungs from one decode (a `split` filter), one HLS output per rung. */
export function buildLadderPassArgs(o: LadderPassOptions): string[] {
  if (o.rungs.length === 0) throw new RangeError('buildLadderPassArgs needs at least one rung');
  const s = o.settings ?? DEFAULT_ENCODE;
  const n = o.rungs.length;
  const labels = o.rungs.map((_, i) => `s${i}`);
  const src = passSources(o.input, o.compose, o.info.hasAudio ? n : 0);
  const graph =
    src.head +
    [
      `${src.video}split=${n}${labels.map((l) => `[${l}]`).join('')}`,
      ...o.rungs.map((r, i) => `[${labels[i]}]${rungFilter(r)}[v${i}]`),
    ].join(';');
  const args = [...GLOBAL, ...src.inputs, '-filter_complex', graph];
  o.rungs.forEach((rung, i) => {
    args.push('-map', `[v${i}]`);
    if (o.info.hasAudio) args.push('-map', src.audio[i]!);
    args.push(
      ...rungEncodeArgs(rung, o.info, o.presetFor?.(rung) ?? s.preset, s),
      ...hlsOutputArgs(join(o.outDir, rung.name), s.segmentSeconds),
    );
  });
  return args;
}

/**
 * Benchmark floor: the whole ladder in one plain process, with exactly the presets Reelm's two passes use
 * (lowest rung `firstPreset`, the rest `preset`), so the comparison measures only the staging overhead.
 */
export function buildFloorArgs(o: Omit<LadderPassOptions, 'presetFor'>): string[] {
  const s = o.settings ?? DEFAULT_ENCODE;
  const lowest = o.rungs[o.rungs.length - 1];
  return buildLadderPassArgs({ ...o, presetFor: (r) => (r === lowest ? s.firstPreset : s.preset) });
}

/** PeerTube's default HLS settings: one process per rung, x264 single-threaded, veryfast, 4 s fMP4 segments. */
export const PEER_SETTINGS: EncodeSettings = {
  preset: 'veryfast',
  firstPreset: 'veryfast',
  threads: 1,
  segmentSeconds: 4,
  soundBitrate: 128_000,
};

/**
 * Benchmark "peer": PeerTube's default way, one ffmpeg command per rung (each decoding the source again),
 * meant to run one after another.
 */
export function buildPeerCommands(o: Omit<LadderPassOptions, 'presetFor' | 'settings'>): string[][] {
  return o.rungs.map((rung) => {
    const args = [...GLOBAL, '-i', inputArg(o.input), '-vf', rungFilter(rung), '-map', '0:v:0'];
    if (o.info.hasAudio) args.push('-map', '0:a:0');
    args.push(
      ...rungEncodeArgs(rung, o.info, PEER_SETTINGS.preset, PEER_SETTINGS),
      ...hlsOutputArgs(join(o.outDir, rung.name), PEER_SETTINGS.segmentSeconds),
    );
    return args;
  });
}

/** Bitrates of one rendition as written. */
export interface VariantBandwidth {
  /** Highest bitrate of any segment, bits/s. */
  peak: number;
  /** Whole-playlist average, bits/s. */
  average: number;
}

/** Options of `buildMasterPlaylist`. */
export interface MasterOptions {
  hasAudio: boolean;
  /** Measured bitrates per rung name; when absent BANDWIDTH is estimated from the plan. */
  measured?: Partial<Record<string, VariantBandwidth>>;
}

/** Container overhead on top of the codec bitrates when estimating from the plan. */
const MUX_OVERHEAD = 1.05;
/** RFC 6381 codec string of AAC-LC. */
export const AAC_LC_CODECS = 'mp4a.40.2';

/**
 * The HLS master playlist for the given rungs (any order; written lowest bandwidth first), each with
 * BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, CODECS and FRAME-RATE, pointing at `<rung>/index.m3u8`.
 */
export function buildMasterPlaylist(rungs: readonly Rung[], options: MasterOptions): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const entries = rungs.map((r) => {
    const audio = options.hasAudio ? r.audioBitrate : 0;
    const measured = options.measured?.[r.name];
    const peak = Math.ceil(measured?.peak ?? (r.maxrate + audio) * MUX_OVERHEAD);
    const average = Math.ceil(measured?.average ?? (r.videoBitrate + audio) * MUX_OVERHEAD);
    return { r, peak, average: Math.min(average, peak) };
  });
  entries.sort((a, b) => a.peak - b.peak);
  for (const { r, peak, average } of entries) {
    const codecs = options.hasAudio ? `${r.videoCodecs},${AAC_LC_CODECS}` : r.videoCodecs;
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${peak},AVERAGE-BANDWIDTH=${average},RESOLUTION=${r.width}x${r.height},` +
        `CODECS="${codecs}",FRAME-RATE=${r.fps.toFixed(3)}`,
      `${r.name}/${OUTPUT_FILES.playlist}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
