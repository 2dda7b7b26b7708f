import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { hashPassword } from '../../src/accounts/passwords.js';
import { hashToken } from '../../src/accounts/session.service.js';
import type { Config } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { newId } from '../../src/db/ids.js';
import { seededRandom } from '../../src/feeds/served-filter.js';
import { sealField } from '../../src/regions/keys.js';

export interface GenerateOptions {
  users: number;
  clips: number;
  events: number;
  /** Follows per user. */
  follows: number;
  /** Users who get a session token for the load test. */
  viewers: number;
  seed: number;
  log: (line: string) => void;
}

export interface Generated {
  viewers: { token: string; region: string }[];
  clipIds: string[];
}

const TOPICS = 400;
const DAY = 86_400_000;

/**
 * Writes a synthetic Reelm directly into the stores with batched inserts (one transaction per table and
 * store): users spread over the regions, creators with clips (topics as hashtags, some sounds), follows,
 * and watch events with topic structure so that co-engagement exists to learn from.
 */
export async function generate(config: Config, o: GenerateOptions): Promise<Generated> {
  const rand = seededRandom(o.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  // Quadratic bias towards the head of a list: a cheap long tail.
  const skewed = <T>(list: readonly T[]): T => list[Math.floor(rand() * rand() * list.length)]!;
  const ctx = await createContext({ ...config, logLevel: 'warn' });
  const regions = ctx.cells.regions();
  const dir = new SQLite(join(config.dataDir, 'directory', 'directory.sqlite'));
  const cells = new Map(regions.map((r) => [r, new SQLite(join(config.dataDir, 'cells', r, 'cell.sqlite'))]));
  for (const db of [dir, ...cells.values()]) {
    db.pragma('synchronous = OFF');
    // Ten million random-order index inserts thrash the default 2 MB page cache.
    db.pragma('cache_size = -1000000');
  }
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const t0 = Date.now();

  // Users: one password hash for all (argon2 per user would dominate), real sealed e-mails and keys.
  const passwordHash = await hashPassword('bench passphrase long enough');
  const users: { id: string; region: string; topics: number[] }[] = [];
  for (let i = 0; i < o.users; i++)
    users.push({
      id: newId(now - 60 * DAY + i),
      region: skewed(regions),
      topics: [Math.floor(rand() * TOPICS), Math.floor(rand() * TOPICS)],
    });
  const insertUser = dir.prepare(
    `insert into users (id, handle, region, status, display_name, bio, avatar_url, private_account, created_at, updated_at) values (?, ?, ?, 'active', ?, '', null, 0, ?, ?)`,
  );
  dir.transaction(() =>
    users.forEach((u, i) =>
      insertUser.run(u.id, `user${i}`, u.region, `User ${i}`, iso(now - 60 * DAY), iso(now - 60 * DAY)),
    ),
  )();
  for (const region of regions) {
    const db = cells.get(region)!;
    const keys = ctx.cells.get(region).keys;
    const acc = db.prepare(
      `insert into accounts (id, handle, status, password_hash, email_enc, birthdate_enc, country, display_name, bio, private_account, who_can_comment, created_at, updated_at)
       values (?, ?, 'active', ?, ?, ?, 'US', ?, '', 0, 'everyone', ?, ?)`,
    );
    const key = db.prepare('insert into user_keys (user_id, wrapped_dek, created_at) values (?, ?, ?)');
    db.transaction(() => {
      users.forEach((u, i) => {
        if (u.region !== region) return;
        const { dek, wrapped } = keys.newWrappedDek(u.id);
        key.run(u.id, wrapped, iso(now));
        acc.run(
          u.id,
          `user${i}`,
          passwordHash,
          sealField(dek, u.id, 'email', `user${i}@bench.example`),
          sealField(dek, u.id, 'birthdate', '1990-01-01'),
          `User ${i}`,
          iso(now),
          iso(now),
        );
      });
    })();
  }
  o.log(`users: ${o.users} in ${Date.now() - t0} ms`);

  // Clips: a fifth of users create; clips over the last 30 days; one or two topic hashtags; some sounds.
  const creators = users.filter((_, i) => i % 5 === 0);
  const sounds: { id: string; author: (typeof users)[number]; title: string }[] = [];
  const clips: {
    id: string;
    author: (typeof users)[number];
    topic: number;
    durationMs: number;
    sound: string | null;
    at: number;
  }[] = [];
  for (let i = 0; i < o.clips; i++) {
    const author = skewed(creators);
    const at = now - Math.floor(rand() * 30 * DAY);
    let sound: string | null = null;
    if (rand() < 0.3) {
      if (sounds.length < Math.max(10, o.clips / 50) && rand() < 0.2)
        sounds.push({ id: newId(at), author, title: `Sound ${sounds.length}` });
      if (sounds.length) sound = skewed(sounds).id;
    }
    clips.push({
      id: newId(at),
      author,
      topic: rand() < 0.7 ? author.topics[0]! : Math.floor(rand() * TOPICS),
      durationMs: 5_000 + Math.floor(rand() * 55_000),
      sound,
      at,
    });
  }
  const byTopic = new Map<number, typeof clips>();
  for (const c of clips) (byTopic.get(c.topic) ?? byTopic.set(c.topic, []).get(c.topic)!).push(c);
  const popular = [...clips];

  // Watch events: 70% within one of the viewer's topics, the rest anywhere; popularity skewed.
  type Counter = { views: number; watch: number; done: number; likes: number; shares: number };
  const counters = new Map<string, Counter>();
  const likedBy = new Map<string, number>();
  // Events are kept as typed columns (21 bytes each: 10M fit in memory) and inserted per region in time order
  // with the secondary index dropped, so the primary-key B-tree is appended to and the index built by one sort.
  const ev = {
    user: new Int32Array(o.events),
    clip: new Int32Array(o.events),
    watched: new Int32Array(o.events),
    done: new Uint8Array(o.events),
    at: new Float64Array(o.events),
  };
  const userIndex = new Map(users.map((u, i) => [u, i]));
  const clipIndex = new Map(clips.map((c, i) => [c, i]));
  const insertLike = new Map(
    regions.map((r) => [
      r,
      cells.get(r)!.prepare('insert or ignore into likes (user_id, video_id, created_at) values (?, ?, ?)'),
    ]),
  );
  for (const db of cells.values()) db.exec('begin');
  for (let e = 0; e < o.events; e++) {
    const user = pick(users);
    const topic = pick(user.topics);
    const own = byTopic.get(topic);
    const clip = own && own.length && rand() < 0.7 ? skewed(own) : skewed(popular);
    const at = Math.max(clip.at, now - Math.floor(rand() * 30 * DAY));
    const completed = rand() < (clip.topic === topic ? 0.55 : 0.25);
    const watched = completed ? clip.durationMs : Math.floor(rand() * clip.durationMs);
    ev.user[e] = userIndex.get(user)!;
    ev.clip[e] = clipIndex.get(clip)!;
    ev.watched[e] = watched;
    ev.done[e] = completed ? 1 : 0;
    ev.at[e] = at;
    const c = counters.get(clip.id) ?? { views: 0, watch: 0, done: 0, likes: 0, shares: 0 };
    c.views++;
    c.watch += watched;
    if (completed) c.done++;
    if (completed && rand() < 0.15 && insertLike.get(user.region)!.run(user.id, clip.id, iso(at)).changes > 0)
      likedBy.set(clip.id, (likedBy.get(clip.id) ?? 0) + 1);
    if (rand() < 0.01) c.shares++;
    counters.set(clip.id, c);
  }
  for (const db of cells.values()) db.exec('commit');
  const order = Uint32Array.from({ length: o.events }, (_, i) => i).sort((a, b) => ev.at[a]! - ev.at[b]!);
  for (const region of regions) {
    const db = cells.get(region)!;
    db.exec('drop index watch_events_user');
    const insert = db.prepare(
      'insert into watch_events (id, user_id, video_id, author_id, watched_ms, completed, created_at) values (?, ?, ?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      for (const e of order) {
        const user = users[ev.user[e]!]!;
        if (user.region !== region) continue;
        const clip = clips[ev.clip[e]!]!;
        insert.run(newId(ev.at[e]!), user.id, clip.id, clip.author.id, ev.watched[e]!, ev.done[e]!, iso(ev.at[e]!));
      }
    })();
    db.exec('create index watch_events_user on watch_events (user_id, id)');
  }
  o.log(`events: ${o.events} in ${Date.now() - t0} ms`);

  // The public index, hashtags and full-text rows in the directory; the clip rows in the creators' cells.
  const vid = dir.prepare(
    `insert into videos (id, author_id, region, caption, hashtags, mentions, duration_ms, width, height, sound_id, created_at, published_at,
      view_count, like_count, comment_count, share_count, watch_ms_total, completion_count) values (?, ?, ?, ?, ?, '[]', ?, 1080, 1920, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
  );
  const fts = dir.prepare('insert into video_search (rowid, video_id, caption, hashtags) values (?, ?, ?, ?)');
  const vtag = dir.prepare('insert into video_hashtags (tag, video_id, published_at) values (?, ?, ?)');
  const tagCounts = new Map<string, number>();
  const userCounts = new Map<string, { videos: number; likes: number }>();
  dir.transaction(() => {
    for (const c of clips) {
      const tags = [`topic${c.topic}`, ...(rand() < 0.3 ? ['fyp'] : [])];
      const caption = `Clip about ${tags[0]} #${tags.join(' #')}`;
      const k = counters.get(c.id) ?? { views: 0, watch: 0, done: 0, likes: 0, shares: 0 };
      const likes = likedBy.get(c.id) ?? 0;
      const info = vid.run(
        c.id,
        c.author.id,
        c.author.region,
        caption,
        JSON.stringify(tags),
        c.durationMs,
        c.sound,
        iso(c.at),
        iso(c.at),
        k.views,
        likes,
        k.shares,
        k.watch,
        k.done,
      );
      fts.run(info.lastInsertRowid, c.id, caption, tags.join(' '));
      for (const tag of tags) {
        vtag.run(tag, c.id, iso(c.at));
        tagCounts.set(tag, (tagCounts.get(tag) ?? 0) + 1);
      }
      const u = userCounts.get(c.author.id) ?? { videos: 0, likes: 0 };
      u.videos++;
      u.likes += likes;
      userCounts.set(c.author.id, u);
    }
    const tag = dir.prepare('insert into hashtags (tag, video_count, updated_at) values (?, ?, ?)');
    for (const [t, n] of tagCounts) tag.run(t, n, iso(now));
    const snd = dir.prepare(
      'insert into sounds (id, title, author_id, region, video_id, duration_ms, video_count, created_at) values (?, ?, ?, ?, ?, 15000, 0, ?)',
    );
    for (const s of sounds) snd.run(s.id, s.title, s.author.id, s.author.region, clips[0]!.id, iso(now));
  })();
  for (const region of regions) {
    const db = cells.get(region)!;
    const v = db.prepare(
      `insert into videos (id, owner_id, status, progress, playable, caption, hashtags, mentions, visibility, duration_ms, width, height, has_audio, sound_id, created_at, updated_at)
       values (?, ?, 'ready', 1, 1, ?, ?, '[]', 'public', ?, 1080, 1920, 1, ?, ?, ?)`,
    );
    db.transaction(() => {
      for (const c of clips)
        if (c.author.region === region)
          v.run(
            c.id,
            c.author.id,
            `Clip about topic${c.topic}`,
            JSON.stringify([`topic${c.topic}`]),
            c.durationMs,
            c.sound,
            iso(c.at),
            iso(c.at),
          );
    })();
  }
  o.log(`clips: ${o.clips} in ${Date.now() - t0} ms`);

  // Follows: each user follows popular-skewed creators; the follower's cell keeps the follow, the followee's its follower.
  const followerCount = new Map<string, number>();
  const followRows = new Map(regions.map((r) => [r, { follows: [] as unknown[][], followers: [] as unknown[][] }]));
  for (const u of users) {
    const chosen = new Set<(typeof users)[number]>();
    for (let k = 0; k < o.follows; k++) {
      const c = skewed(creators);
      if (c !== u) chosen.add(c);
    }
    for (const c of chosen) {
      followRows.get(u.region)!.follows.push([u.id, c.id, c.region, iso(now - DAY)]);
      followRows.get(c.region)!.followers.push([c.id, u.id, u.region, iso(now - DAY)]);
      followerCount.set(c.id, (followerCount.get(c.id) ?? 0) + 1);
    }
    userCounts.set(u.id, { videos: userCounts.get(u.id)?.videos ?? 0, likes: userCounts.get(u.id)?.likes ?? 0 });
    followerCount.set(u.id, followerCount.get(u.id) ?? 0);
    (u as { following?: number }).following = chosen.size;
  }
  for (const region of regions) {
    const db = cells.get(region)!;
    const f = db.prepare(
      `insert into follows (follower_id, followee_id, followee_region, status, created_at) values (?, ?, ?, 'active', ?)`,
    );
    const g = db.prepare(
      'insert into followers (followee_id, follower_id, follower_region, created_at) values (?, ?, ?, ?)',
    );
    db.transaction(() => {
      for (const row of followRows.get(region)!.follows) f.run(...row);
      for (const row of followRows.get(region)!.followers) g.run(...row);
    })();
  }
  const upd = dir.prepare(
    'update users set follower_count = ?, following_count = ?, video_count = ?, like_count = ? where id = ?',
  );
  dir.transaction(() => {
    for (const u of users) {
      const c = userCounts.get(u.id)!;
      upd.run(followerCount.get(u.id) ?? 0, (u as { following?: number }).following ?? 0, c.videos, c.likes, u.id);
    }
  })();
  o.log(`follows: ~${o.users * o.follows} in ${Date.now() - t0} ms`);

  // Sessions for the load test's viewers (tokens made the way SessionService makes them).
  const viewers: Generated['viewers'] = [];
  for (let i = 0; i < o.viewers; i++) {
    const u = users[Math.floor((i * users.length) / o.viewers)]!;
    const token = `${u.region}.${randomBytes(32).toString('base64url')}`;
    cells
      .get(u.region)!
      .prepare(
        'insert into sessions (id, user_id, token_hash, ip_enc, user_agent_enc, created_at, expires_at) values (?, ?, ?, null, null, ?, ?)',
      )
      .run(newId(), u.id, hashToken(token), iso(now), iso(now + 30 * DAY));
    viewers.push({ token, region: u.region });
  }
  for (const db of [dir, ...cells.values()]) {
    db.exec('analyze');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
  await ctx.close();
  return { viewers, clipIds: clips.map((c) => c.id) };
}
