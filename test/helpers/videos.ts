import type { AppContext } from '../../src/context.js';
import { sampleLadder } from '../../src/media/ffmpeg/sample-ladder.js';

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

export { sampleLadder };

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
