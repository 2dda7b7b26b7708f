import type { AppContext } from '../../src/context.js';
import { newId } from '../../src/db/ids.js';
import { parseHashtags, parseMentions } from '../../src/social/text-tags.js';

export interface TestVideoOptions {
  caption?: string;
  visibility?: 'public' | 'followers' | 'private';
  durationMs?: number;
  /** Reuse a sound id, or create a new sound with this title. */
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
}

/**
 * Creates a ready clip the way media publishes one: the row in the owner's cell, and for a public clip the
 * directory index row through the border plus the discovery hook. (To be replaced by real uploads.)
 */
export async function publishTestVideo(
  ctx: AppContext,
  user: { id: string; region: string },
  options: TestVideoOptions = {},
): Promise<{ id: string; soundId: string | null }> {
  const now = ctx.clock.now();
  const at = options.publishedAt ?? now.toISOString();
  const id = newId(Date.parse(at));
  const caption = options.caption ?? 'a clip';
  const visibility = options.visibility ?? 'public';
  const durationMs = options.durationMs ?? 15_000;
  const hashtags = JSON.stringify(parseHashtags(caption));
  const mentions = JSON.stringify(parseMentions(caption));
  const cell = ctx.cells.get(user.region);
  let soundId = options.soundId ?? null;
  if (!soundId && options.soundTitle) {
    soundId = newId();
    await cell.db
      .insertInto('sounds')
      .values({
        id: soundId,
        video_id: id,
        owner_id: user.id,
        title: options.soundTitle,
        duration_ms: durationMs,
        created_at: at,
      })
      .execute();
    if (visibility === 'public') {
      await ctx.border.publish(user.region, 'sound.publish', 'sounds', {
        id: soundId,
        title: options.soundTitle,
        author_id: user.id,
        region: user.region,
        video_id: id,
        duration_ms: durationMs,
        created_at: at,
      });
    }
  }
  await cell.db
    .insertInto('videos')
    .values({
      id,
      owner_id: user.id,
      status: 'ready',
      error_code: null,
      error_message: null,
      progress: 1,
      playable: 1,
      caption,
      hashtags,
      mentions,
      visibility,
      duration_ms: durationMs,
      width: 1080,
      height: 1920,
      has_audio: 1,
      source_name: null,
      sound_id: soundId,
      created_at: at,
      updated_at: at,
    })
    .execute();
  if (visibility === 'public') {
    await ctx.border.publish(user.region, 'video.publish', 'videos', {
      id,
      author_id: user.id,
      region: user.region,
      caption,
      hashtags,
      mentions,
      duration_ms: durationMs,
      width: 1080,
      height: 1920,
      sound_id: soundId,
      created_at: at,
      published_at: at,
      ...options.counters,
    });
    await ctx.border.adjustCounters(user.region, 'video.publish', 'users', { id: user.id }, { video_count: 1 });
    await ctx.social.hashtags.onVideoPublished(id);
    ctx.feeds.pools.changed();
  }
  return { id, soundId };
}

/** Takes a clip out of the public index the way media unpublishes one (deleted or made private). */
export async function unpublishTestVideo(ctx: AppContext, video: { id: string }, region: string): Promise<void> {
  await ctx.social.hashtags.onVideoRemoved(video.id);
  await ctx.border.remove(region, 'video.unpublish', 'videos', { id: video.id });
  ctx.feeds.pools.changed();
  await ctx.cells.get(region).db.updateTable('videos').set({ status: 'deleted' }).where('id', '=', video.id).execute();
}
