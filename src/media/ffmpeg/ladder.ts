import type { MediaInfo } from './probe.js';

/** Standard rungs by short edge; a source below 360 gets one rung named after its own short edge. */
export type RungName = '1080p' | '720p' | '480p' | '360p' | `${number}p`;

/** One rendition of the ladder, with everything the encoder and the master playlist need. */
export interface Rung {
  name: RungName;
  width: number;
  height: number;
  /** Target average video bitrate, bits/s. */
  videoBitrate: number;
  /** VBV peak, bits/s. */
  maxrate: number;
  /** VBV buffer, bits. */
  bufsize: number;
  audioBitrate: number;
  /** Output frame rate (the source's, capped at 60). */
  fps: number;
  /** H.264 profile passed to libx264 and written into CODECS. */
  profile: 'high';
  /** H.264 level such as '3.1', the lowest that fits size, rate and bitrate. */
  level: string;
  /** RFC 6381 codec string of the video, e.g. 'avc1.64001f'. */
  videoCodecs: string;
}

/** Short edges of the standard rungs, highest first. */
export const STANDARD_SHORT_EDGES = [1080, 720, 480, 360] as const;
/** Frame rates above this are reduced to it. */
export const MAX_OUTPUT_FPS = 60;

/** Video bitrates at ≤30 fps, tuned for phone-shot portrait clips (lots of motion, small screens). */
const VIDEO_BITRATE: Record<number, number> = { 1080: 4_500_000, 720: 2_500_000, 480: 1_200_000, 360: 700_000 };
const MIN_VIDEO_BITRATE = 200_000;
const HIGH_FPS_FACTOR = 1.5;

/**
 * Plans the HLS ladder for a source, highest rung first: short edges 1080/720/480/360 that do not upscale,
 * keeping the display aspect (rotation already applied in `info.width/height`), dimensions even.
 */
export function planLadder(info: Pick<MediaInfo, 'width' | 'height' | 'fps'>): Rung[] {
  const { width, height } = info;
  if (!(width > 0 && height > 0)) throw new RangeError(`planLadder needs a positive size, got ${width}×${height}`);
  const fps = Math.min(info.fps > 0 ? info.fps : 30, MAX_OUTPUT_FPS);
  const shortEdge = Math.min(width, height);
  const edges: number[] = STANDARD_SHORT_EDGES.filter((e) => e <= shortEdge);
  if (edges.length === 0) edges.push(shortEdge);
  return edges.map((edge) => {
    const native = !STANDARD_SHORT_EDGES.includes(edge as (typeof STANDARD_SHORT_EDGES)[number]);
    const [w, h] = native ? [even(width), even(height)] : scaledSize(width, height, edge);
    const base = native
      ? Math.max(MIN_VIDEO_BITRATE, Math.round((VIDEO_BITRATE[360]! * (w * h)) / (360 * 640)))
      : VIDEO_BITRATE[edge]!;
    const videoBitrate = Math.round(fps > 40 ? base * HIGH_FPS_FACTOR : base);
    const maxrate = Math.round(videoBitrate * 1.4);
    const bufsize = videoBitrate * 2;
    const level = h264Level(w, h, fps, maxrate, bufsize);
    return {
      name: `${native ? Math.min(w, h) : edge}p` as RungName,
      width: w,
      height: h,
      videoBitrate,
      maxrate,
      bufsize,
      audioBitrate: edge >= 720 ? 128_000 : 96_000,
      fps,
      profile: 'high' as const,
      level,
      videoCodecs: avcCodecString('high', level),
    };
  });
}

/** Size with the given short edge, the other edge scaled to keep the aspect, both even. */
export function scaledSize(width: number, height: number, shortEdge: number): [number, number] {
  if (width <= height) return [even(shortEdge), even((shortEdge * height) / width)];
  return [even((shortEdge * width) / height), even(shortEdge)];
}

function even(n: number): number {
  return Math.max(2, 2 * Math.round(n / 2));
}

/** Annex A limits: [level, MaxMBPS, MaxFS, MaxBR (kbit/s, base profiles), MaxCPB (kbit)]. */
const LEVELS: readonly [string, number, number, number, number][] = [
  ['1.0', 1485, 99, 64, 175],
  ['1.1', 3000, 396, 192, 500],
  ['1.2', 6000, 396, 384, 1000],
  ['1.3', 11880, 396, 768, 2000],
  ['2.0', 11880, 396, 2000, 2000],
  ['2.1', 19800, 792, 4000, 4000],
  ['2.2', 20250, 1620, 4000, 4000],
  ['3.0', 40500, 1620, 10000, 10000],
  ['3.1', 108000, 3600, 14000, 14000],
  ['3.2', 216000, 5120, 20000, 20000],
  ['4.0', 245760, 8192, 20000, 25000],
  ['4.1', 245760, 8192, 50000, 62500],
  ['4.2', 522240, 8704, 50000, 62500],
  ['5.0', 589824, 22080, 135000, 135000],
  ['5.1', 983040, 36864, 240000, 240000],
  ['5.2', 2073600, 36864, 240000, 240000],
];
/** High profile may use 1.25× the base bitrate and buffer limits. */
const HIGH_BR_FACTOR = 1.25;

/** The lowest H.264 level (High profile) that fits a frame size, frame rate and VBV settings. */
export function h264Level(width: number, height: number, fps: number, maxrate: number, bufsize: number): string {
  const mbW = Math.ceil(width / 16);
  const mbH = Math.ceil(height / 16);
  const frameMbs = mbW * mbH;
  for (const [level, maxMbps, maxFs, maxBr, maxCpb] of LEVELS) {
    const maxSide = Math.sqrt(8 * maxFs);
    if (
      frameMbs <= maxFs &&
      mbW <= maxSide &&
      mbH <= maxSide &&
      frameMbs * fps <= maxMbps &&
      maxrate <= maxBr * 1000 * HIGH_BR_FACTOR &&
      bufsize <= maxCpb * 1000 * HIGH_BR_FACTOR
    ) {
      return level;
    }
  }
  return '5.2';
}

const PROFILE_IDC = { high: 0x64 } as const;

/** RFC 6381 `avc1.PPCCLL`: profile_idc, constraint flags (none for High), level_idc. */
export function avcCodecString(profile: keyof typeof PROFILE_IDC, level: string): string {
  const idc = Math.round(Number(level) * 10);
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `avc1.${hex(PROFILE_IDC[profile])}00${hex(idc)}`;
}
