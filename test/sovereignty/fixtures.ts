import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { AppContext } from '../../src/context.js';
import { newId } from '../../src/db/ids.js';
import { catalogParts } from '../../src/db/registry.js';
import type { DomainCatalog } from '../../src/regions/catalog.js';

/**
 * Follows do not exist in this branch yet (the social domain adds them). This fixture stands in for them
 * with what a domain declares — a cell table, its user columns by convention, and counter rules — so the
 * generic export, purge and carve-out code is exercised the way it will be. Replace with the real table
 * once social is merged.
 */
export const followsFixture: DomainCatalog = {
  cell: { test_follows: { follower_id: 'interop', followee_id: 'interop', created_at: 'interop' } },
  counters: [
    { table: 'test_follows', directoryTable: 'users', key: 'id', from: 'followee_id', counter: 'follower_count' },
    { table: 'test_follows', directoryTable: 'users', key: 'id', from: 'follower_id', counter: 'following_count' },
  ],
};

export const fixtureCatalog: DomainCatalog[] = [...catalogParts, followsFixture];

export async function createFixtureTables(ctx: AppContext): Promise<void> {
  for (const cell of ctx.cells.all()) {
    await sql`create table if not exists test_follows (follower_id text not null, followee_id text not null, created_at text not null, primary key (follower_id, followee_id))`.execute(cell.db);
  }
}

/** A follows B: the row lives in A's cell and, across regions, a copy in B's cell (an interop flow). */
export async function follow(ctx: AppContext, a: { id: string; region: string }, b: { id: string; region: string }): Promise<void> {
  const row = sql`insert into test_follows values (${a.id}, ${b.id}, ${new Date().toISOString()})`;
  await row.execute(ctx.cells.get(a.region).db);
  if (a.region !== b.region) await row.execute(ctx.cells.get(b.region).db);
  await ctx.border.adjustCounters(a.region, 'follow.count', 'users', { id: a.id }, { following_count: 1 });
  await ctx.border.adjustCounters(a.region, 'follow.count', 'users', { id: b.id }, { follower_count: 1 });
}

/**
 * A clip as the media domain leaves it: the cell row, (if public) the directory index row through the
 * border, and its files under `<cell.dir>/media/<id>/`.
 */
export async function createClip(
  ctx: AppContext,
  owner: { id: string; region: string },
  options: { caption: string; visibility?: 'public' | 'followers' | 'private'; withSound?: boolean },
): Promise<{ id: string; soundId: string | null; dir: string }> {
  const cell = ctx.cells.get(owner.region);
  const id = newId();
  const soundId = options.withSound ? newId() : null;
  const at = new Date().toISOString();
  const visibility = options.visibility ?? 'public';
  await cell.db
    .insertInto('videos')
    .values({
      id, owner_id: owner.id, status: 'ready', error_code: null, error_message: null, progress: 1, playable: 1, caption: options.caption,
      hashtags: '[]', mentions: '[]', visibility, duration_ms: 4000, width: 720, height: 1280, has_audio: 1, source_name: 'clip.mp4',
      sound_id: soundId, created_at: at, updated_at: at,
    })
    .execute();
  if (soundId) await cell.db.insertInto('sounds').values({ id: soundId, video_id: id, owner_id: owner.id, title: `sound of ${id}`, duration_ms: 4000, created_at: at }).execute();
  if (visibility === 'public') {
    await ctx.border.publish(owner.region, 'video.publish', 'videos', {
      id, author_id: owner.id, region: owner.region, caption: options.caption, hashtags: '[]', mentions: '[]', duration_ms: 4000, width: 720, height: 1280,
      sound_id: soundId, created_at: at, published_at: at,
    });
    if (soundId) await ctx.border.publish(owner.region, 'sound.publish', 'sounds', { id: soundId, title: `sound of ${id}`, author_id: owner.id, region: owner.region, video_id: id, duration_ms: 4000, created_at: at });
    await ctx.border.adjustCounters(owner.region, 'video.count', 'users', { id: owner.id }, { video_count: 1 });
  }
  const dir = join(cell.dir, 'media', id);
  mkdirSync(join(dir, '720p'), { recursive: true });
  writeFileSync(join(dir, 'master.m3u8'), `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=720x1280\n720p/index.m3u8\n`);
  writeFileSync(join(dir, '720p', 'index.m3u8'), '#EXTM3U\n#EXTINF:2.0,\nseg0.m4s\n');
  writeFileSync(join(dir, '720p', 'seg0.m4s'), Buffer.concat([Buffer.from('fMP4'), Buffer.from(options.caption)]));
  return { id, soundId, dir };
}
