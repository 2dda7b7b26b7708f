import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppContext } from '../../src/context.js';
import { createSpawnRunner } from '../../src/media/ffmpeg/ffmpeg-runner.js';
import { probeMedia } from '../../src/media/ffmpeg/probe.js';
import { makeSampleClip } from '../../src/media/ffmpeg/sample-clips.js';
import { transcodeToHls } from '../../src/media/ffmpeg/transcode.js';

export interface TestVideoOptions {
  caption?: string;
  visibility?: 'public' | 'followers' | 'private';
  durationMs?: number;
  /** Use a sound of the owner's cell, or make the clip's own sound with this title. */
  soundId?: string;
  soundTitle?: string;
  publishedAt?: string;
  counters?: Partial<{
    view_count: number;
    like_count: number;
    comment_count: number;
    share_count: number;
    watch_ms_total: number;
    completion_count: number;
  }>;
  /** Where the clip's processing ends (default `ready`). */
  state?: 'uploading' | 'processing' | 'failed' | 'ready';
  /** Publish a real HLS ladder (made once per machine by the transcoder) as the clip's media. */
  media?: boolean;
}

const LADDER = join(tmpdir(), 'reelm-media-fixtures-v1', 'ladder-180x320-1s');

/** A real HLS ladder of a 1 s clip, transcoded once per machine and reused as any fixture clip's media. */
export async function sampleLadder(): Promise<string> {
  if (existsSync(join(LADDER, 'master.m3u8'))) return LADDER;
  const runner = createSpawnRunner();
  const work = `${LADDER}.${process.pid}.tmp`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const input = join(work, 'in.mp4');
  await makeSampleClip(input, { width: 180, height: 320, seconds: 1, audio: true, preset: 'ultrafast' }, runner);
  const info = await probeMedia(input, runner);
  await transcodeToHls({ input, outDir: join(work, 'hls'), info, runner });
  rmSync(LADDER, { recursive: true, force: true });
  renameSync(join(work, 'hls'), LADDER);
  rmSync(work, { recursive: true, force: true });
  return LADDER;
}

/**
 * Makes a clip through media's own path, without an upload and a transcode: the row an upload creates, what
 * probing records, the published ladder (with `media`) and `ready` — which keeps the sound and enters the clip
 * into the public index exactly when the access rule says so. Counters are then moved through the border, as
 * engagement moves them.
 */
export async function publishTestVideo(
  ctx: AppContext,
  user: { id: string; region: string },
  options: TestVideoOptions = {},
): Promise<{ id: string; soundId: string | null }> {
  const { videos } = ctx.media;
  const at = options.publishedAt ?? ctx.clock.now().toISOString();
  const durationMs = options.durationMs ?? 15_000;
  const owner = { userId: user.id, region: user.region };
  const row = await videos.create(
    owner,
    { caption: options.caption ?? 'a clip', visibility: options.visibility },
    { at },
  );
  const state = options.state ?? 'ready';
  if (state === 'uploading') return { id: row.id, soundId: null };
  await videos.probed(user.region, row.id, { durationMs, width: 1080, height: 1920, hasAudio: true, sizeBytes: 1 });
  if (options.media) await videos.store(user.region).putDir(row.id, await sampleLadder());
  if (state === 'failed') {
    await videos.failed(user.region, row.id, {
      code: 'media.corrupt',
      message: 'This file is not a video we can read.',
    });
    return { id: row.id, soundId: null };
  }
  if (state === 'processing') return { id: row.id, soundId: null };
  await videos.ready(user.region, row.id, {
    hasSound: true,
    durationMs,
    at,
    ...(options.soundId ? { soundId: options.soundId } : {}),
    ...(options.soundTitle ? { soundTitle: options.soundTitle } : {}),
  });
  const ready = (await videos.row(user.region, row.id))!;
  if (options.counters) {
    await ctx.border.adjustCounters(user.region, 'video.engagement', 'videos', { id: row.id }, options.counters);
  }
  return { id: row.id, soundId: ready.sound_id };
}
