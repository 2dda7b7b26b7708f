import { sql, type Kysely } from 'kysely';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import type { DirectoryDb } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import type { SearchIndex } from '../feeds/search-index.js';
import type { NotificationService } from './notification.service.js';
import { toUserRef, type UserRef } from '../accounts/user-refs.js';
import { jsonList } from '../db/columns.js';
import { indexClip } from '../media/clip-access.js';

export interface HashtagServiceDeps {
  directory: Kysely<DirectoryDb>;
  search: SearchIndex;
  notifications: NotificationService;
  now: () => Date;
}

type Page = { cursor?: string; limit?: number };

/** Clips (or tags) per statement when clips leave the index: well below SQLite's and PostgreSQL's parameter caps. */
const UNINDEX_PAGE = 500;

/**
 * Hashtags, sounds and the search index, all derived from the directory's public video index: they follow it
 * through media's `clip.indexed` and `clip.unindexing` events (wired in createContext). The derived rows are
 * written straight to the directory: they come from public index rows, not from a cell, so nothing crosses the
 * border here. Both handlers are idempotent.
 */
export class HashtagService {
  constructor(private readonly deps: HashtagServiceDeps) {}

  /** A clip's index row was written: its tags and search document follow; a new clip notifies its mentions. */
  async indexed(videoId: string, first: boolean): Promise<void> {
    const { directory } = this.deps;
    const row = await directory.selectFrom('videos').selectAll().where('id', '=', videoId).executeTakeFirst();
    if (!row) return;
    const tags = jsonList(row.hashtags);
    const had = (
      await directory.selectFrom('video_hashtags').select('tag').where('video_id', '=', videoId).execute()
    ).map((r) => r.tag);
    await this.dropTags(
      videoId,
      had.filter((t) => !tags.includes(t)),
    );
    const at = this.deps.now().toISOString();
    for (const tag of tags) {
      const res = await directory
        .insertInto('video_hashtags')
        .values({ tag, video_id: row.id, published_at: row.published_at })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) continue;
      await directory
        .insertInto('hashtags')
        .values({ tag, video_count: 1, updated_at: at })
        .onConflict((oc) =>
          oc.column('tag').doUpdateSet({ video_count: sql`hashtags.video_count + 1`, updated_at: at }),
        )
        .execute();
    }
    const isNew = await this.deps.search.upsert({ videoId: row.id, caption: row.caption, hashtags: tags });
    if (!first || !isNew) return;
    const handles = jsonList(row.mentions).map((h) => h.toLowerCase());
    if (handles.length === 0) return;
    const users = await directory
      .selectFrom('users')
      .select(['id', 'region'])
      .where('handle', 'in', handles.slice(0, 20))
      .where('status', '=', 'active')
      .execute();
    for (const user of users) {
      await this.deps.notifications.notify(row.region, {
        recipient: { id: user.id, region: user.region },
        type: 'mention',
        actorId: row.author_id,
        clip: indexClip(row),
        text: row.caption,
      });
    }
  }

  /**
   * Clips are leaving the index: their tags and search documents go first, a page at a time (a region's detach
   * sends every clip it has). Only the tag rows this call deleted are counted off, so a clip unindexed twice at
   * once is counted off once.
   */
  async unindexing(videoIds: readonly string[]): Promise<void> {
    const { directory } = this.deps;
    const at = this.deps.now().toISOString();
    for (let i = 0; i < videoIds.length; i += UNINDEX_PAGE) {
      const page = videoIds.slice(i, i + UNINDEX_PAGE);
      const deleted = await directory
        .deleteFrom('video_hashtags')
        .where('video_id', 'in', page)
        .returning('tag')
        .execute();
      const perTag = new Map<string, number>();
      for (const { tag } of deleted) perTag.set(tag, (perTag.get(tag) ?? 0) + 1);
      // Tags losing the same number of clips share one statement.
      const byCount = new Map<number, string[]>();
      for (const [tag, n] of perTag) byCount.set(n, [...(byCount.get(n) ?? []), tag]);
      for (const [n, tags] of byCount)
        for (let j = 0; j < tags.length; j += UNINDEX_PAGE)
          await directory
            .updateTable('hashtags')
            .set({ video_count: sql`case when video_count > ${n} then video_count - ${n} else 0 end`, updated_at: at })
            .where('tag', 'in', tags.slice(j, j + UNINDEX_PAGE))
            .execute();
      await this.deps.search.removeMany(page);
    }
  }

  private async dropTags(videoId: string, tags: string[]): Promise<void> {
    const { directory } = this.deps;
    const at = this.deps.now().toISOString();
    for (const tag of tags) {
      const res = await directory
        .deleteFrom('video_hashtags')
        .where('tag', '=', tag)
        .where('video_id', '=', videoId)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) continue;
      await directory
        .updateTable('hashtags')
        .set({ video_count: sql`case when video_count > 0 then video_count - 1 else 0 end`, updated_at: at })
        .where('tag', '=', tag)
        .execute();
    }
  }

  /** A hashtag's clip ids, newest first. */
  async hashtag(
    rawTag: string,
    page: Page,
  ): Promise<{ tag: string; videoCount: number; videoIds: string[]; cursor: string | null }> {
    const tag = rawTag.replace(/^#/, '').toLowerCase();
    const row = await this.deps.directory.selectFrom('hashtags').selectAll().where('tag', '=', tag).executeTakeFirst();
    if (!row) throw new NotFoundError('hashtag.not_found', `No public video uses #${tag} yet.`);
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ p: string; v: string }>(page.cursor, ['p', 'v']);
    let q = this.deps.directory
      .selectFrom('video_hashtags')
      .select(['video_id', 'published_at'])
      .where('tag', '=', tag);
    if (after)
      q = q.where((eb) =>
        eb.or([
          eb('published_at', '<', after.p),
          eb.and([eb('published_at', '=', after.p), eb('video_id', '<', after.v)]),
        ]),
      );
    const rows = await q
      .orderBy('published_at', 'desc')
      .orderBy('video_id', 'desc')
      .limit(limit + 1)
      .execute();
    const pageRows = rows.slice(0, limit);
    const last = pageRows[pageRows.length - 1];
    return {
      tag,
      videoCount: row.video_count,
      videoIds: pageRows.map((r) => r.video_id),
      cursor: rows.length > limit && last ? encodeCursor({ p: last.published_at, v: last.video_id }) : null,
    };
  }

  /** A sound's page: the sound and the ids of public clips using it, newest first. */
  async sound(
    soundId: string,
    page: Page,
  ): Promise<{
    id: string;
    title: string;
    author: UserRef | null;
    videoCount: number;
    videoIds: string[];
    cursor: string | null;
  }> {
    const { directory } = this.deps;
    const sound = await directory.selectFrom('sounds').selectAll().where('id', '=', soundId).executeTakeFirst();
    if (!sound) throw new NotFoundError('sound.not_found', 'This sound does not exist or is not public.');
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ v: string }>(page.cursor, ['v']);
    let q = directory.selectFrom('videos').select('id').where('sound_id', '=', soundId);
    if (after) q = q.where('id', '<', after.v);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const count = await directory
      .selectFrom('videos')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sound_id', '=', soundId)
      .executeTakeFirstOrThrow();
    const author = await directory
      .selectFrom('users')
      .select(['id', 'handle', 'display_name', 'avatar_url'])
      .where('id', '=', sound.author_id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    const pageRows = rows.slice(0, limit);
    const last = pageRows[pageRows.length - 1];
    return {
      id: sound.id,
      title: sound.title,
      author: author ? toUserRef(author) : null,
      videoCount: Number(count.n),
      videoIds: pageRows.map((r) => r.id),
      cursor: rows.length > limit && last ? encodeCursor({ v: last.id }) : null,
    };
  }

  /** Hashtags starting with `prefix`, most used first. */
  async suggest(prefix: string, limit: number): Promise<{ tag: string; videoCount: number }[]> {
    const p = prefix.replace(/^#/, '').toLowerCase();
    if (!p) return [];
    const rows = await this.deps.directory
      .selectFrom('hashtags')
      .select(['tag', 'video_count'])
      .where('tag', '>=', p)
      .where('tag', '<', `${p}\u{10ffff}`)
      .where('video_count', '>', 0)
      .orderBy('tag')
      .limit(200)
      .execute();
    return rows
      .sort((a, b) => b.video_count - a.video_count || a.tag.localeCompare(b.tag))
      .slice(0, limit)
      .map((r) => ({ tag: r.tag, videoCount: r.video_count }));
  }
}
