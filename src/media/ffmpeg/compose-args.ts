import type { MediaInfo } from './probe.js';
import { inputArg } from './transcode-args.js';

/**
 * Composition of a new recording with other media — a duet beside an original, a stitch after an original's first
 * seconds, a sound laid under it — as a filter graph that the transcode's passes put in front of their ladder, so a
 * composed clip costs the same passes (and the same early first rung) as a plain one. Pure: it only builds
 * arguments.
 */

/** Media composed with the new recording (input 0): a local file and what probing found. */
export interface ComposeSource {
  path: string;
  info: Pick<MediaInfo, 'width' | 'height' | 'durationMs' | 'hasAudio'>;
}

export type DuetLayout = 'side' | 'stack';

export interface ComposeOptions {
  /** The new recording, input 0 of every pass. */
  main: MediaInfo;
  /** Original beside (side: left of, stack: above) the recording, for the recording's duration; audio from both. */
  duet?: { original: ComposeSource; layout: DuetLayout };
  /** The original's first `stitchMs` (at most its length), then the recording, on the recording's canvas. */
  stitch?: { original: ComposeSource; stitchMs: number };
  /** An audio file that becomes the clip's whole audio, looped or cut to the clip's length. */
  sound?: { path: string };
}

/** What `buildComposition` hands the passes. */
export interface Composition {
  /** Inputs after input 0, in order (`-i …` pairs, with their own input options). */
  inputs: string[];
  /** filter_complex chains from the inputs to `[cv]` and, when `info.hasAudio`, `[ca]`. */
  graph: string;
  /** The composed clip as the ladder, the encoders and the master playlist see it. */
  info: MediaInfo;
}

/** Longest stitched part of an original, milliseconds. */
export const STITCH_MAX_MS = 5000;

const AUDIO_FORMAT = 'aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo';

const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));
const secs = (ms: number) => String(Math.round(ms) / 1000);

/** The composed clip's graph, or undefined when there is nothing to compose. */
export function buildComposition(o: ComposeOptions): Composition | undefined {
  if (o.duet && o.stitch) throw new RangeError('a clip is either a duet or a stitch, not both');
  if (!o.duet && !o.stitch && !o.sound) return undefined;
  const fps = Math.min(o.main.fps > 0 && o.main.fps <= 120 ? o.main.fps : 30, 60);
  const w = even(o.main.width);
  const h = even(o.main.height);
  const frame = (size: string) => `scale=${size}:flags=bicubic,setsar=1,fps=${fps},format=yuv420p`;
  const inputs: string[] = [];
  const chains: string[] = [];
  let width = w;
  let height = h;
  let durationMs = o.main.durationMs;
  let audio: string | undefined = o.main.hasAudio ? '[0:a]' : undefined;
  let next = 1;

  if (o.duet) {
    const { original, layout } = o.duet;
    inputs.push('-i', inputArg(original.path));
    const d = secs(durationMs);
    const side = layout === 'side';
    const size = side
      ? `${even((original.info.width * h) / original.info.height)}:${h}`
      : `${w}:${even((original.info.height * w) / original.info.width)}`;
    const [ow, oh] = size.split(':').map(Number) as [number, number];
    // The original plays for as long as the recording; a shorter one holds its last frame.
    chains.push(
      `[0:v]${frame(`${w}:${h}`)}[m]`,
      `[1:v]${frame(size)},setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop_duration=${d},trim=duration=${d}[o]`,
      `[o][m]${side ? 'hstack' : 'vstack'}=inputs=2:shortest=1[cv]`,
    );
    width = side ? ow + w : w;
    height = side ? h : oh + h;
    const originalAudio = `[1:a]atrim=duration=${d},asetpts=PTS-STARTPTS,${AUDIO_FORMAT}`;
    if (original.info.hasAudio && o.main.hasAudio) {
      chains.push(
        `[0:a]${AUDIO_FORMAT}[ma]`,
        `${originalAudio}[oa]`,
        '[ma][oa]amix=inputs=2:duration=first:dropout_transition=0[mix]',
      );
      audio = '[mix]';
    } else if (original.info.hasAudio) {
      chains.push(`${originalAudio},apad=whole_dur=${d}[oa]`);
      audio = '[oa]';
    }
    next = 2;
  } else if (o.stitch) {
    const { original, stitchMs } = o.stitch;
    inputs.push('-i', inputArg(original.path));
    const partMs = Math.min(stitchMs, original.info.durationMs);
    const s = secs(partMs);
    const m = secs(durationMs);
    // The original's part is fitted (letterboxed) into the recording's canvas: the recording keeps its shape.
    chains.push(
      `[1:v]trim=duration=${s},setpts=PTS-STARTPTS,scale=${w}:${h}:force_original_aspect_ratio=decrease:` +
        `force_divisible_by=2:flags=bicubic,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${fps},format=yuv420p[ov]`,
      `[0:v]${frame(`${w}:${h}`)},setpts=PTS-STARTPTS[mv]`,
      '[ov][mv]concat=n=2:v=1:a=0[cv]',
    );
    durationMs = partMs + o.main.durationMs;
    if ((original.info.hasAudio || o.main.hasAudio) && !o.sound) {
      // Each part's audio is cut and padded to its picture, so the second part stays in sync.
      const part = (has: boolean, input: string, d: string) =>
        has
          ? `[${input}:a]atrim=duration=${d},asetpts=PTS-STARTPTS,${AUDIO_FORMAT},apad=whole_dur=${d}`
          : `aevalsrc=0:c=stereo:s=48000:d=${d},aformat=sample_fmts=fltp`;
      chains.push(
        `${part(original.info.hasAudio, '1', s)}[oa]`,
        `${part(o.main.hasAudio, '0', m)}[ma]`,
        '[oa][ma]concat=n=2:v=0:a=1[sa]',
      );
      audio = '[sa]';
    }
    next = 2;
  } else {
    chains.push('[0:v]null[cv]');
  }

  if (o.sound) {
    // Looped at the input: ffmpeg stops reading it once the trimmed branch has all it needs.
    inputs.push('-stream_loop', '-1', '-i', inputArg(o.sound.path));
    chains.push(`[${next}:a]atrim=duration=${secs(durationMs)},asetpts=PTS-STARTPTS,${AUDIO_FORMAT}[snd]`);
    audio = `[snd]`;
  }
  if (audio === '[0:a]') chains.push(`[0:a]${AUDIO_FORMAT}[ca]`);
  else if (audio) chains.push(`${audio}anull[ca]`);

  const info: MediaInfo = {
    ...o.main,
    width,
    height,
    codedWidth: width,
    codedHeight: height,
    rotation: 0,
    fps,
    durationMs,
    hasAudio: audio !== undefined,
  };
  if (audio) {
    info.audioCodec = 'pcm';
    info.audioChannels = 2;
  } else {
    delete info.audioCodec;
    delete info.audioChannels;
  }
  return { inputs, graph: chains.join(';'), info };
}
