import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Composition } from './compose-args.js';
import type { FfmpegRunner } from './ffmpeg-runner.js';
import { planLadder, type Rung } from './ladder.js';
import { FfmpegError } from './media-errors.js';
import type { MediaInfo } from './probe.js';
import { weightedProgress } from './progress.js';
import {
  buildFirstPassArgs,
  buildLadderPassArgs,
  buildMasterPlaylist,
  DEFAULT_ENCODE,
  OUTPUT_FILES,
  type EncodeSettings,
  type VariantBandwidth,
} from './transcode-args.js';

/** Input of `transcodeToHls`. */
export interface TranscodeOptions {
  input: string;
  /** Final directory of the clip's renditions; replaced if it exists. Do not run two transcodes into one outDir at once. */
  outDir: string;
  /** The probed (and validated) source. */
  info: MediaInfo;
  /** A duet, stitch or sound composed into both passes (compose-args.ts); its `info` then replaces `info`. */
  compose?: Composition;
  runner: FfmpegRunner;
  ffmpegPath?: string;
  settings?: EncodeSettings;
  /** Called once `outDir` holds a playable master (lowest rung), poster and sound; awaited before the rest. */
  onFirstPlayable?: (published: FirstPlayable) => void | Promise<void>;
  /** Overall fraction 0–1 across both passes; monotonic. */
  onProgress?: (fraction: number) => void;
  /** Aborting kills ffmpeg and removes temp dirs; a stage already published stays. */
  signal?: AbortSignal;
}

/** Passed to `onFirstPlayable` once the lowest rung, poster and sound are published. */
export interface FirstPlayable {
  outDir: string;
  rung: Rung;
  hasSound: boolean;
  elapsedMs: number;
}

/** What `transcodeToHls` published. */
export interface TranscodeResult {
  outDir: string;
  /** Every rung now in the master playlist, highest first. */
  rungs: Rung[];
  hasSound: boolean;
  firstPlayableMs: number;
  completeMs: number;
}

/** Temp dirs live next to `outDir` as `.<name>.tmp-<stage>-<random>`, so a rename into place is atomic. */
export function transcodeTempPrefix(outDir: string): string {
  const abs = resolve(outDir);
  return join(dirname(abs), `.${basename(abs)}.tmp-`);
}

/** Removes temp dirs a crashed or aborted transcode of `outDir` left behind; returns their paths. */
export async function removeTranscodeTemps(outDir: string): Promise<string[]> {
  const prefix = transcodeTempPrefix(outDir);
  const parent = dirname(prefix);
  const names = await readdir(parent).catch(() => [] as string[]);
  const stale = names.map((n) => join(parent, n)).filter((p) => p.startsWith(prefix));
  await Promise.all(stale.map((p) => rm(p, { recursive: true, force: true })));
  return stale;
}

/**
 * Transcodes a clip to CMAF HLS in two stages: (a) lowest rung + poster + sound, published and announced via
 * `onFirstPlayable`; (b) the other rungs from a single decode, then the master is rewritten with all rungs.
 * Each stage is built in a temp dir beside `outDir` and moved in with renames, so `outDir` never shows a
 * half-written stage.
 */
export async function transcodeToHls(o: TranscodeOptions): Promise<TranscodeResult> {
  const started = Date.now();
  const settings = o.settings ?? DEFAULT_ENCODE;
  const ffmpeg = o.ffmpegPath ?? 'ffmpeg';
  const outDir = resolve(o.outDir);
  const info = o.compose?.info ?? o.info;
  const compose = o.compose ? { compose: o.compose } : {};
  const rungs = planLadder(info);
  const low = rungs[rungs.length - 1]!;
  const rest = rungs.slice(0, -1);
  const [progressA, progressB] = weightedProgress([passCost(info, [low]), passCost(info, rest)], o.onProgress);
  const temps: string[] = [];
  const newTemp = async (stage: string) => {
    const dir = `${transcodeTempPrefix(outDir)}${stage}-${randomBytes(4).toString('hex')}`;
    temps.push(dir);
    await mkdir(dir);
    return dir;
  };

  try {
    await mkdir(dirname(outDir), { recursive: true });
    const stageA = await newTemp('first');
    await mkdir(join(stageA, low.name));
    await o.runner.run(
      ffmpeg,
      buildFirstPassArgs({ input: o.input, outDir: stageA, info, rung: low, rungs, settings, ...compose }),
      {
        durationMs: info.durationMs,
        onProgress: progressA,
        ...(o.signal ? { signal: o.signal } : {}),
      },
    );
    await assertVariantComplete(join(stageA, low.name));
    await stat(join(stageA, OUTPUT_FILES.poster)).catch(() => {
      throw new FfmpegError('media.ffmpeg_failed', 'ffmpeg finished but wrote no poster image.');
    });
    const measured: Record<string, VariantBandwidth> = { [low.name]: await measureVariant(join(stageA, low.name)) };
    await writeFile(
      join(stageA, OUTPUT_FILES.master),
      buildMasterPlaylist([low], { hasAudio: info.hasAudio, measured }),
    );
    throwIfAborted(o.signal);
    await rm(outDir, { recursive: true, force: true });
    await rename(stageA, outDir);
    temps.splice(temps.indexOf(stageA), 1);
    const firstPlayableMs = Date.now() - started;
    progressA?.(1);
    await o.onFirstPlayable?.({ outDir, rung: low, hasSound: info.hasAudio, elapsedMs: firstPlayableMs });

    if (rest.length > 0) {
      throwIfAborted(o.signal);
      const stageB = await newTemp('ladder');
      for (const r of rest) await mkdir(join(stageB, r.name));
      await o.runner.run(
        ffmpeg,
        buildLadderPassArgs({ input: o.input, outDir: stageB, info, rungs: rest, settings, ...compose }),
        {
          durationMs: info.durationMs,
          onProgress: progressB,
          ...(o.signal ? { signal: o.signal } : {}),
        },
      );
      for (const r of rest) {
        await assertVariantComplete(join(stageB, r.name));
        measured[r.name] = await measureVariant(join(stageB, r.name));
      }
      throwIfAborted(o.signal);
      // Rungs first, master last: until the master names a rung, players never look for it.
      for (const r of rest) await rename(join(stageB, r.name), join(outDir, r.name));
      const masterTmp = join(stageB, OUTPUT_FILES.master);
      await writeFile(masterTmp, buildMasterPlaylist(rungs, { hasAudio: info.hasAudio, measured }));
      await rename(masterTmp, join(outDir, OUTPUT_FILES.master));
    }
    progressB?.(1);
    return { outDir, rungs, hasSound: info.hasAudio, firstPlayableMs, completeMs: Date.now() - started };
  } finally {
    await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
  }
}

/** Rough relative cost of a pass: one decode of the source plus the pixels encoded. */
function passCost(info: MediaInfo, rungs: readonly Rung[]): number {
  if (rungs.length === 0) return 0;
  return 0.25 * info.width * info.height + rungs.reduce((sum, r) => sum + r.width * r.height, 0);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FfmpegError('media.aborted', 'The transcode was cancelled.');
}

/** One segment of a media playlist. */
export interface PlaylistSegment {
  uri: string;
  durationS: number;
}

/** Segments of a media playlist with their EXTINF durations. */
export function parseMediaPlaylist(text: string): { segments: PlaylistSegment[]; ended: boolean; map?: string } {
  const segments: PlaylistSegment[] = [];
  let pending: number | undefined;
  let map: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-MAP:')) map = /URI="([^"]+)"/.exec(line)?.[1];
    else if (line && !line.startsWith('#') && pending !== undefined) {
      segments.push({ uri: line, durationS: pending });
      pending = undefined;
    }
  }
  const result: { segments: PlaylistSegment[]; ended: boolean; map?: string } = {
    segments,
    ended: text.includes('#EXT-X-ENDLIST'),
  };
  if (map !== undefined) result.map = map;
  return result;
}

async function assertVariantComplete(dir: string): Promise<void> {
  const text = await readFile(join(dir, OUTPUT_FILES.playlist), 'utf8').catch(() => '');
  const { segments, ended, map } = parseMediaPlaylist(text);
  if (!ended || segments.length === 0 || map === undefined) {
    throw new FfmpegError('media.ffmpeg_failed', `ffmpeg finished but the ${basename(dir)} rendition is incomplete.`, {
      dir,
    });
  }
}

/** Peak and average bitrate of a rendition from its segment sizes, for the master's BANDWIDTH. */
export async function measureVariant(dir: string): Promise<VariantBandwidth> {
  const { segments } = parseMediaPlaylist(await readFile(join(dir, OUTPUT_FILES.playlist), 'utf8'));
  let peak = 0;
  let bits = 0;
  let seconds = 0;
  for (const seg of segments) {
    const { size } = await stat(join(dir, seg.uri));
    bits += size * 8;
    seconds += seg.durationS;
    // A very short tail segment says little about the sustained rate; judge it over at least half a second.
    peak = Math.max(peak, (size * 8) / Math.max(seg.durationS, 0.5));
  }
  return { peak: Math.ceil(peak), average: seconds > 0 ? Math.ceil(bits / seconds) : Math.ceil(peak) };
}
