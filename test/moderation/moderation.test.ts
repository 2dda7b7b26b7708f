import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.js';
import type { JobRunner } from '../../src/jobs/worker.js';
import { startWorkers } from '../../src/jobs/workers.js';
import { bearer, dumpStore, removeDir, signup, startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';
import { readZip } from '../helpers/zip.js';
import { auditActions, makeOperator, type TestUser } from '../sovereignty/helpers.js';

/**
 * Trust and safety as its users meet it (docs/moderation.md), through the HTTP API: reporters, moderators of a
 * region, the people whose clips, comments and accounts are decided about, and everyone else who watches.
 * One app for the file; each scenario has its own people and clips, so the order of the blocks only matters where
 * one says so (appeals build on the removal of `decisions`).
 */

const PASSWORD = 'a long enough passphrase';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const tag = randomBytes(3).toString('hex');
const h = (name: string) => `m${name}_${tag}`;

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
type Res = Awaited<ReturnType<TestApp['app']['inject']>>;
interface Item {
  id: string;
  kind: 'report' | 'appeal';
  target: { type: string; id: string };
  region: string;
  reasons: Record<string, number>;
  reportCount: number;
  status: string;
  priority: number;
  createdAt: string;
}

describe('trust and safety', () => {
  let t: TestApp;
  let worker: JobRunner;
  let now = Date.now();

  // Everyday people: a US creator, a US and an EU viewer, an EU reporter who does nothing but report.
  let author: TestUser;
  let viewer: TestUser;
  let euViewer: TestUser;
  let reporter: TestUser;
  let usMod: TestUser;
  let usMod2: TestUser;
  let euMod: TestUser;
  let globalMod: TestUser;
  const reportIds = new Map<string, string>();
  /** The clip removed in `decisions on a clip`, appealed and reversed in `appeals`. */
  let removed: { id: string; word: string; hashtag: string };
  let removal: { id: string; caseId: string };
  /** Where else the removed clip is listed: a follower's Following feed, the page of the sound it uses. */
  let fan: TestUser;
  let removedSound = '';
  const elsewhere = async () => ({
    following: (await listed('/feed/following', fan)).includes(removed.id),
    sound: (await listed(`/sounds/${removedSound}`, viewer)).includes(removed.id),
    soundForVisitor: (await listed(`/sounds/${removedSound}`, null)).includes(removed.id),
  });
  const LISTED = { following: true, sound: true, soundForVisitor: true };
  /** The account `strikes` suspends automatically. */
  let autoSuspended = '';

  const api = (method: Method, url: string, who?: TestUser | null, payload?: unknown): Promise<Res> =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: who ? bearer(who.token) : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  const expectError = (res: Res, status: number, code: string | string[]) => {
    expect(res.statusCode, res.body).toBe(status);
    const got = (res.json() as { error?: { code?: string } }).error?.code;
    if (Array.isArray(code)) expect(code, res.body).toContain(got);
    else expect(got, res.body).toBe(code);
  };
  const report = (who: TestUser | null, type: string, id: string, reason = 'spam', details?: string) =>
    api('POST', '/reports', who, { target: { type, id }, reason, ...(details !== undefined ? { details } : {}) });
  const reportOk = async (who: TestUser, type: string, id: string, reason = 'spam', details?: string) => {
    const res = await report(who, type, id, reason, details);
    expect(res.statusCode, res.body).toBe(201);
    const reportId = res.json().id as string;
    expect(reportId).toEqual(expect.any(String));
    reportIds.set(`${who.id}|${id}`, reportId);
    return reportId;
  };

  /** Every queue item the moderator is shown for the query, across pages. */
  async function queue(mod: TestUser, query = 'status=open'): Promise<Item[]> {
    const out: Item[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res = await api('GET', `/moderation/queue?${query}&limit=50${cursor ? `&cursor=${cursor}` : ''}`, mod);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { items: Item[]; cursor: string | null };
      out.push(...body.items);
      cursor = body.cursor;
      if (!cursor) return out;
    }
    throw new Error('the queue does not end');
  }
  async function caseOf(mod: TestUser, targetId: string, query = 'status=open'): Promise<Item> {
    const item = (await queue(mod, query)).find((i) => i.target.id === targetId);
    if (!item) throw new Error(`no case about ${targetId} in the queue of ${mod.handle} (${query})`);
    return item;
  }
  const decide = (mod: TestUser, caseId: string, body: Record<string, unknown>) =>
    api('POST', `/moderation/cases/${caseId}/decision`, mod, body);
  /** Decides the open case about a target; returns the decision. */
  async function decideOk(
    mod: TestUser,
    targetId: string,
    body: Record<string, unknown>,
  ): Promise<{ id: string; caseId: string }> {
    const item = await caseOf(mod, targetId);
    const res = await decide(mod, item.id, body);
    expect(res.statusCode, res.body).toBe(200);
    const decided = res.json();
    expect(decided).toMatchObject({ id: item.id, status: 'decided', decision: { action: body.action } });
    return { id: decided.decision.id as string, caseId: item.id };
  }

  /** Ids of the clips a paged list shows (`items`, or `videos` of a search). */
  async function listed(url: string, who?: TestUser | null, pages = 20): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let p = 0; p < pages; p++) {
      const sep = url.includes('?') ? '&' : '?';
      const res = await api('GET', `${url}${sep}limit=50${cursor ? `&cursor=${cursor}` : ''}`, who);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      const body = res.json();
      ids.push(...((body.items ?? body.videos) as { id: string }[]).map((v) => v.id));
      cursor = body.cursor ?? null;
      if (!cursor) break;
    }
    return ids;
  }
  const searched = async (q: string, who?: TestUser | null) =>
    ((await api('GET', `/search?q=${encodeURIComponent(q)}`, who)).json().videos as { id: string }[]).map((v) => v.id);
  /** Where a clip shows up for a viewer: by link, on its author's profile, and in every index surface. */
  async function surfaces(clip: { id: string; word: string; hashtag: string }, owner: TestUser, who?: TestUser | null) {
    return {
      link: (await api('GET', `/videos/${clip.id}`, who)).statusCode,
      profile: (await listed(`/users/${owner.handle}/videos`, who)).includes(clip.id),
      search: (await searched(clip.word, who)).includes(clip.id),
      hashtag: (await listed(`/hashtags/${clip.hashtag}`, who)).includes(clip.id),
      forYou: (await listed('/feed/for-you', who)).includes(clip.id),
      trending: (await listed('/trending', who)).includes(clip.id),
    };
  }
  const VISIBLE = { link: 200, profile: true, search: true, hashtag: true, forYou: true, trending: true };

  let clipCount = 0;
  /** A public clip with a word and a hashtag of its own, and enough engagement to trend. */
  async function clipOf(
    owner: TestUser,
    options: { media?: boolean; visibility?: 'public' | 'followers' | 'private'; soundId?: string } = {},
  ) {
    const n = ++clipCount;
    const word = `mword${tag}n${n}`;
    const hashtag = `mtag${tag}n${n}`;
    const { id } = await publishTestVideo(t.ctx, owner, {
      caption: `clip ${word} #${hashtag}`,
      counters: { view_count: 500, like_count: 40, completion_count: 300, share_count: 3 },
      ...options,
    });
    return { id, word, hashtag };
  }

  const notifications = async (who: TestUser) => {
    const res = await api('GET', '/notifications?limit=100', who);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as Record<string, any>[];
  };
  /** Waits for a notification (decisions may reach the affected cell through a job). */
  async function notified(who: TestUser, match: (n: Record<string, any>) => boolean, what: string) {
    const until = Date.now() + 15_000;
    for (;;) {
      const found = (await notifications(who)).find(match);
      if (found) return found;
      if (Date.now() > until) throw new Error(`${who.handle} was never notified: ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const standing = async (who: TestUser) => {
    const res = await api('GET', '/me/moderation', who);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as {
      items: Record<string, any>[];
      strikes: number;
      suspendedUntil: string | null;
      banned: boolean;
    };
  };

  beforeAll(async () => {
    t = await startTestApp({
      clock: { now: () => new Date(now) },
      overrides: { feeds: { pools: { ttlMs: 0 } } },
      // One region is stricter than the default of three strikes (see `strikes`).
      configure: (c) => {
        c.policies.nz!.moderation.strikesToSuspend = 2;
      },
    });
    worker = startWorkers(t.ctx, undefined, { pollMs: 20 });
    author = await signup(t.app, { handle: h('author'), country: 'US' });
    viewer = await signup(t.app, { handle: h('viewer'), country: 'US' });
    euViewer = await signup(t.app, { handle: h('euview'), country: 'DE' });
    reporter = await signup(t.app, { handle: h('reporter'), country: 'DE' });
    usMod = await makeOperator(t, h('usmod'), 'us', 'moderator', 'US');
    usMod2 = await makeOperator(t, h('usmod2'), 'us', 'moderator', 'US');
    euMod = await makeOperator(t, h('eumod'), 'eu', 'moderator', 'DE');
    globalMod = await makeOperator(t, h('globmod'), 'global', 'moderator', 'CA');
    expect([author.region, viewer.region, euViewer.region, reporter.region]).toEqual(['us', 'us', 'eu', 'eu']);
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.destroy();
  });

  describe('reports', () => {
    it('refuses visitors, unknown reasons, long details, own content and unknown target types', async () => {
      const clip = await clipOf(author);
      expectError(await report(null, 'video', clip.id), 401, 'auth.required');
      expectError(await report(reporter, 'video', clip.id, 'boring'), 400, 'report.reason_invalid');
      // However long the details, the service says why (not the schema's generic request.invalid).
      for (const n of [1001, 10_001, 100_000])
        expectError(await report(reporter, 'video', clip.id, 'spam', 'x'.repeat(n)), 400, 'report.details_too_long');
      expectError(await report(author, 'video', clip.id), 400, 'report.target_invalid');
      expectError(await report(author, 'user', author.id, 'impersonation'), 400, 'report.target_invalid');
      expectError(await report(reporter, 'playlist', clip.id), 400, 'report.target_invalid');
      // Exactly 1,000 characters is fine.
      await reportOk(reporter, 'video', clip.id, 'spam', 'y'.repeat(1000));
    });

    it('answers 404 for a clip that is not there or that the reporter may not see', async () => {
      expectError(await report(reporter, 'video', newId()), 404, 'report.target_not_found');
      expectError(await report(reporter, 'comment', newId()), 404, 'report.target_not_found');
      expectError(await report(reporter, 'user', newId()), 404, 'report.target_not_found');
      const followersOnly = await clipOf(author, { visibility: 'followers' });
      const secret = await clipOf(author, { visibility: 'private' });
      expectError(await report(reporter, 'video', followersOnly.id), 404, 'report.target_not_found');
      expectError(await report(reporter, 'video', secret.id), 404, 'report.target_not_found');
      // A follower sees the followers-only clip and may report it.
      expect((await api('PUT', `/users/${author.handle}/follow`, viewer)).statusCode).toBe(204);
      await reportOk(viewer, 'video', followersOnly.id, 'hate');
      expectError(await report(viewer, 'video', secret.id), 404, 'report.target_not_found');
      expect((await api('DELETE', `/users/${author.handle}/follow`, viewer)).statusCode).toBe(204);
    });

    it('counts a second report of the same target by the same user once, with the first id', async () => {
      const clip = await clipOf(author);
      const first = await reportOk(reporter, 'video', clip.id, 'harassment', 'the first time');
      const again = await report(reporter, 'video', clip.id, 'hate', 'the second time');
      expect(again.statusCode, again.body).toBe(201);
      expect(again.json().id).toBe(first);
      const item = await caseOf(usMod, clip.id);
      expect(item).toMatchObject({ reportCount: 1, reasons: { harassment: 1 } });
      const full = (await api('GET', `/moderation/cases/${item.id}`, usMod)).json();
      expect(full.reports).toHaveLength(1);
      expect(full.reports[0]).toMatchObject({ reason: 'harassment', details: 'the first time' });
    });

    it('limits a reporter to 30 reports an hour', async () => {
      const eager = await signup(t.app, { handle: h('eager'), country: 'US' });
      const targets: string[] = [];
      for (let i = 0; i < 31; i++) targets.push((await publishTestVideo(t.ctx, author, { caption: `spam ${i}` })).id);
      for (const id of targets.slice(0, 30)) await reportOk(eager, 'video', id, 'spam');
      expectError(await report(eager, 'video', targets[30]!), 429, 'report.rate_limited');
      // Nobody else is limited by it, and the hour passes.
      await reportOk(viewer, 'video', targets[30]!, 'spam');
      now += HOUR + 60_000;
      await reportOk(eager, 'video', targets[30]!, 'spam');
      expect((await caseOf(usMod, targets[30]!)).reportCount).toBe(2);
    });
  });

  describe('the queue', () => {
    let clip: { id: string; word: string; hashtag: string };
    let item: Item;

    beforeAll(async () => {
      clip = await clipOf(author);
      await reportOk(reporter, 'video', clip.id, 'harassment', 'keeps mocking a classmate by name');
      await reportOk(euViewer, 'video', clip.id, 'hate');
      await reportOk(viewer, 'video', clip.id, 'harassment');
    });

    it('puts a report about a us clip in the us queue only, reasons counted', async () => {
      item = await caseOf(usMod, clip.id);
      expect(item).toMatchObject({
        kind: 'report',
        target: { type: 'video', id: clip.id },
        region: 'us',
        reasons: { harassment: 2, hate: 1 },
        reportCount: 3,
        status: 'open',
      });
      expect((await queue(euMod)).map((i) => i.target.id)).not.toContain(clip.id);
      expect((await queue(globalMod)).map((i) => i.target.id)).toContain(clip.id);
      expect((await queue(globalMod, 'status=open&region=us')).map((i) => i.target.id)).toContain(clip.id);
      expect((await queue(globalMod, 'status=open&region=eu')).map((i) => i.target.id)).not.toContain(clip.id);
      expectError(await api('GET', '/moderation/queue', viewer), 403, 'moderation.not_moderator');
      expectError(await api('GET', '/moderation/queue', reporter), 403, 'moderation.not_moderator');
      expect((await api('GET', '/moderation/queue')).statusCode).toBe(401);
      expectError(await api('GET', `/moderation/cases/${item.id}`, viewer), 403, 'moderation.not_moderator');
      // A moderator of another region cannot open it either.
      expect([403, 404]).toContain((await api('GET', `/moderation/cases/${item.id}`, euMod)).statusCode);
    });

    it('shows the case with its reports and the clip, and never who reported', async () => {
      const res = await api('GET', `/moderation/cases/${item.id}`, usMod);
      expect(res.statusCode, res.body).toBe(200);
      const full = res.json();
      expect(full).toMatchObject({
        id: item.id,
        kind: 'report',
        reportCount: 3,
        subject: { id: author.id, handle: author.handle },
        video: { id: clip.id },
        decision: null,
        history: [],
      });
      expect(full.reports.map((r: { reason: string }) => r.reason).sort()).toEqual([
        'harassment',
        'harassment',
        'hate',
      ]);
      expect(full.reports.map((r: { details: string }) => r.details)).toContain('keeps mocking a classmate by name');
      const text = res.body;
      for (const who of [reporter, euViewer, viewer]) {
        expect(text, who.handle).not.toContain(who.id);
        expect(text, who.handle).not.toContain(who.handle);
      }
      for (const [key, id] of reportIds) if (key.endsWith(`|${clip.id}`)) expect(text).not.toContain(id);
    });

    it('keeps the reporter in their own cell: the us cell holds no trace of them', async () => {
      const us = await dumpStore(t.ctx.cells.get('us').db);
      expect(us).toContain(clip.id);
      expect(us).toContain('keeps mocking a classmate by name');
      expect(us).not.toContain(reporter.id);
      expect(us).not.toContain(reporter.handle);
      // The moderation tables by name, too.
      for (const table of ['moderation_cases', 'case_reports', 'moderation_decisions', 'moderation_notices'] as const) {
        const rows = await (t.ctx.cells.get('us').db as any).selectFrom(table).selectAll().execute();
        expect(JSON.stringify(rows), table).not.toContain(reporter.id);
      }
      // Their report is at home.
      const home = await t.ctx.cells
        .get('eu')
        .db.selectFrom('reports')
        .selectAll()
        .where('reporter_id', '=', reporter.id)
        .where('target_id', '=', clip.id)
        .execute();
      expect(home).toHaveLength(1);
      expect(home[0]).toMatchObject({ reason: 'harassment', target_type: 'video' });
    });

    it('puts minor safety and self harm above spam', async () => {
      const spam = await clipOf(author);
      const minor = await clipOf(author);
      const selfHarm = await clipOf(author);
      await reportOk(viewer, 'video', spam.id, 'spam');
      await reportOk(viewer, 'video', minor.id, 'minor_safety');
      await reportOk(viewer, 'video', selfHarm.id, 'self_harm');
      const items = await queue(usMod);
      const at = (id: string) => items.findIndex((i) => i.target.id === id);
      const of = (id: string) => items[at(id)]!;
      expect(of(minor.id).priority).toBeGreaterThan(of(spam.id).priority);
      expect(of(selfHarm.id).priority).toBeGreaterThan(of(spam.id).priority);
      expect(at(minor.id)).toBeLessThan(at(spam.id));
      expect(at(selfHarm.id)).toBeLessThan(at(spam.id));
      // Highest priority first, all the way down.
      const priorities = items.map((i) => i.priority);
      expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
      // Small pages walk the same queue, without repeats.
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await api(
          'GET',
          `/moderation/queue?status=open&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
          usMod,
        );
        expect(res.statusCode, res.body).toBe(200);
        paged.push(...(res.json().items as Item[]).map((i) => i.id));
        cursor = res.json().cursor;
      } while (cursor);
      expect(paged).toEqual(items.map((i) => i.id));
    });
  });

  describe('decisions on a clip', () => {
    let dismissal = '';
    const statement = 'This clip shows graphic violence against a person, which our rules do not allow.';

    it('removes a clip: gone for everyone but its author, media included, everywhere it was listed', async () => {
      // The clip uses a sound someone else made, so the sound page stays up when the clip goes.
      const musician = await signup(t.app, { handle: h('musician'), country: 'US' });
      removedSound = (await publishTestVideo(t.ctx, musician, { caption: 'a tune', soundTitle: `Tune ${tag}` }))
        .soundId!;
      removed = await clipOf(author, { media: true, soundId: removedSound });
      fan = await signup(t.app, { handle: h('fan'), country: 'DE' });
      expect((await api('PUT', `/users/${author.handle}/follow`, fan)).statusCode).toBe(204);
      expect(await elsewhere()).toEqual(LISTED);
      const shown = await api('GET', `/videos/${removed.id}`, viewer);
      expect(shown.statusCode).toBe(200);
      expect(shown.json().moderation).toBeUndefined();
      const hls = shown.json().playback.hls as string;
      expect((await t.app.inject({ method: 'GET', url: hls })).statusCode).toBe(200);
      const visitorHls = (await api('GET', `/videos/${removed.id}`)).json().playback.hls as string;
      expect(await surfaces(removed, author, viewer)).toEqual(VISIBLE);
      expect(await surfaces(removed, author, null)).toEqual(VISIBLE);

      await reportOk(reporter, 'video', removed.id, 'violence', 'a fight filmed at school');
      now += 2 * HOUR;
      removal = await decideOk(usMod, removed.id, { action: 'remove', policy: 'violence', statement });

      const gone = { link: 404, profile: false, search: false, hashtag: false, forYou: false, trending: false };
      expect(await surfaces(removed, author, viewer)).toEqual(gone);
      expect(await surfaces(removed, author, null)).toEqual(gone);
      expect(await surfaces(removed, author, euViewer)).toEqual(gone);
      expect(await elsewhere()).toEqual({ following: false, sound: false, soundForVisitor: false });
      expect((await api('GET', `/sounds/${removedSound}`, viewer)).statusCode).toBe(200);
      expect([403, 404]).toContain((await t.app.inject({ method: 'GET', url: hls })).statusCode);
      expect([403, 404]).toContain((await t.app.inject({ method: 'GET', url: visitorHls })).statusCode);
      expect((await t.app.inject({ method: 'GET', url: `/media/us/${removed.id}/master.m3u8` })).statusCode).toBe(404);

      // The author still has it, and is told why.
      const own = await api('GET', `/videos/${removed.id}`, author);
      expect(own.statusCode, own.body).toBe(200);
      expect(own.json().moderation).toMatchObject({ status: 'removed', policy: 'violence', decisionId: removal.id });
      expect((await listed(`/users/${author.handle}/videos`, author)).includes(removed.id)).toBe(true);
      const ownHls = own.json().playback?.hls as string | null;
      if (ownHls) expect((await t.app.inject({ method: 'GET', url: ownHls })).statusCode).toBe(200);
      // Nobody else can act on it or report it any more.
      expect((await api('PUT', `/videos/${removed.id}/like`, viewer)).statusCode).toBe(404);
      expect(
        (await api('POST', `/videos/${removed.id}/comments`, viewer, { text: 'where did it go' })).statusCode,
      ).toBe(404);
      expectError(await report(euViewer, 'video', removed.id, 'violence'), 404, 'report.target_not_found');
      // The moderators still see and play it, with what was decided.
      const decided = (await api('GET', `/moderation/cases/${removal.caseId}`, usMod2)).json();
      expect(decided).toMatchObject({
        status: 'decided',
        decision: { id: removal.id, action: 'remove', policy: 'violence', statement, moderatorId: usMod.id },
        video: { id: removed.id, moderation: { status: 'removed', decisionId: removal.id } },
      });
      expect(decided.history.map((d: { id: string }) => d.id)).toEqual([removal.id]);
      const modHls = decided.video.playback.hls as string;
      expect((await t.app.inject({ method: 'GET', url: modHls })).statusCode).toBe(200);
    });

    it('acts on the clip a removed sound came from', async () => {
      const maker = await signup(t.app, { handle: h('soundmaker'), country: 'US' });
      const { id, soundId } = await publishTestVideo(t.ctx, maker, {
        caption: 'my own track',
        soundTitle: `Track ${tag}`,
      });
      expect((await api('GET', `/sounds/${soundId}`, viewer)).statusCode).toBe(200);
      await reportOk(reporter, 'sound', soundId!, 'intellectual_property');
      const item = await caseOf(usMod, soundId!);
      expect(item).toMatchObject({ target: { type: 'sound', id: soundId }, region: 'us' });
      const full = (await api('GET', `/moderation/cases/${item.id}`, usMod)).json();
      expect(full).toMatchObject({
        sound: { id: soundId, title: `Track ${tag}`, videoId: id },
        video: { id },
        subject: { id: maker.id },
      });
      expectError(
        await decide(usMod, item.id, { action: 'withhold', regions: ['eu'], statement: 'Sounds are not withheld.' }),
        400,
        'moderation.action_invalid',
      );
      await decideOk(usMod, soundId!, {
        action: 'remove',
        statement: 'This track is used without the permission of its rights holder.',
      });
      expect((await api('GET', `/videos/${id}`, viewer)).statusCode).toBe(404);
      const sound = await api('GET', `/sounds/${soundId}`, viewer);
      if (sound.statusCode === 200) expect(sound.json().items.map((v: { id: string }) => v.id)).not.toContain(id);
      else expect(sound.statusCode).toBe(404);
      expect((await api('GET', `/videos/${id}`, maker)).json().moderation).toMatchObject({
        status: 'removed',
        policy: 'intellectual_property',
      });
      expect((await standing(maker)).strikes).toBe(1);
    });

    it('tells the author the statement of reasons, and the reporter only that it was actioned', async () => {
      const note = await notified(
        author,
        (n) => n.type === 'moderation' && n.moderation?.decisionId === removal.id,
        'the removal',
      );
      expect(note.actor).toBeUndefined();
      // How to appeal: by when (the region's 180 days from the decision).
      const decidedAt = (await standing(author)).items.find((i) => i.id === removal.id)!.createdAt as string;
      const deadline = new Date(Date.parse(decidedAt) + 180 * DAY).toISOString();
      expect(note.moderation).toEqual({
        decisionId: removal.id,
        action: 'remove',
        policy: 'violence',
        statement,
        automated: false,
        target: { type: 'video', id: removed.id },
        canAppeal: true,
        appealUntil: deadline,
      });
      const outcome = await notified(
        reporter,
        (n) => n.type === 'report_outcome' && n.report?.target?.id === removed.id,
        'the outcome of the report',
      );
      expect(outcome.actor).toBeUndefined();
      expect(outcome.report).toEqual({
        id: reportIds.get(`${reporter.id}|${removed.id}`),
        target: { type: 'video', id: removed.id },
        outcome: 'actioned',
      });
      for (const text of [
        JSON.stringify(note),
        JSON.stringify(outcome),
        JSON.stringify(await notifications(reporter)),
      ]) {
        expect(text).not.toContain(usMod.id);
        expect(text).not.toContain(usMod.handle);
      }
      // Neither does the author learn who reported.
      const authorNotes = JSON.stringify(await notifications(author));
      expect(authorNotes).not.toContain(reporter.id);
      expect(authorNotes).not.toContain(reporter.handle);
    });

    it('restricts a clip: still by link and on the profile, out of search, hashtags, For You and trending', async () => {
      const clip = await clipOf(author);
      expect(await surfaces(clip, author, viewer)).toEqual(VISIBLE);
      await reportOk(reporter, 'video', clip.id, 'misinformation');
      const d = await decideOk(usMod, clip.id, {
        action: 'restrict',
        statement: 'This clip makes health claims that are false; it stays up but is not recommended.',
      });
      const restricted = { link: 200, profile: true, search: false, hashtag: false, forYou: false, trending: false };
      expect(await surfaces(clip, author, viewer)).toEqual(restricted);
      expect(await surfaces(clip, author, null)).toEqual(restricted);
      expect((await api('GET', `/videos/${clip.id}`, viewer)).json().moderation).toBeUndefined();
      // Without a policy, the most reported reason is the policy.
      expect((await api('GET', `/videos/${clip.id}`, author)).json().moderation).toMatchObject({
        status: 'restricted',
        policy: 'misinformation',
        decisionId: d.id,
      });
    });

    it('withholds a clip in a region: hidden there and from visitors, shown elsewhere, out of the index', async () => {
      const clip = await clipOf(author, { media: true });
      const seen = await api('GET', `/videos/${clip.id}`, euViewer);
      expect(seen.statusCode).toBe(200);
      const euHls = seen.json().playback.hls as string;
      expect((await t.app.inject({ method: 'GET', url: euHls })).statusCode).toBe(200);
      await reportOk(reporter, 'video', clip.id, 'illegal', 'this is unlawful here');
      await decideOk(usMod, clip.id, {
        action: 'withhold',
        policy: 'legal_order',
        regions: ['eu'],
        statement: 'Withheld in the EU following a court order; available elsewhere.',
      });
      expect((await api('GET', `/videos/${clip.id}`, euViewer)).statusCode).toBe(404);
      expect((await api('GET', `/videos/${clip.id}`, reporter)).statusCode).toBe(404);
      expect((await api('GET', `/videos/${clip.id}`)).statusCode).toBe(404);
      expect([403, 404]).toContain((await t.app.inject({ method: 'GET', url: euHls })).statusCode);
      const usHls = (await api('GET', `/videos/${clip.id}`, viewer)).json().playback.hls as string;
      expect((await t.app.inject({ method: 'GET', url: usHls })).statusCode).toBe(200);
      expect((await listed(`/users/${author.handle}/videos`, euViewer)).includes(clip.id)).toBe(false);
      expect((await listed(`/users/${author.handle}/videos`, viewer)).includes(clip.id)).toBe(true);
      expect((await searched(clip.word, viewer)).includes(clip.id)).toBe(false);
      expect((await listed(`/hashtags/${clip.hashtag}`, viewer)).includes(clip.id)).toBe(false);
      expect((await api('GET', `/videos/${clip.id}`, author)).json().moderation).toMatchObject({
        status: 'withheld',
        policy: 'legal_order',
      });
    });

    it('dismisses a report: the clip stays, the reporter hears it was dismissed', async () => {
      const clip = await clipOf(author);
      await reportOk(reporter, 'video', clip.id, 'spam');
      const d = await decideOk(usMod, clip.id, {
        action: 'dismiss',
        statement: 'We looked at this clip and it does not break our rules.',
      });
      expect(await surfaces(clip, author, viewer)).toEqual(VISIBLE);
      expect((await api('GET', `/videos/${clip.id}`, author)).json().moderation).toBeUndefined();
      const outcome = await notified(
        reporter,
        (n) => n.type === 'report_outcome' && n.report?.target?.id === clip.id,
        'the dismissal',
      );
      expect(outcome.report.outcome).toBe('dismissed');
      expect(outcome.actor).toBeUndefined();
      dismissal = d.id;
    });

    it('tells nobody reported of a dismissal, so there is nothing of it to appeal (404)', async () => {
      expect((await standing(author)).items.map((i) => i.id as string)).not.toContain(dismissal);
      expectError(
        await api('POST', `/moderation/decisions/${dismissal}/appeal`, author, { text: 'nothing to appeal' }),
        404,
        'moderation.decision_not_found',
      );
    });

    it('refuses decisions that do not fit the case', async () => {
      const clip = await clipOf(author);
      await reportOk(reporter, 'video', clip.id, 'spam');
      const item = await caseOf(usMod, clip.id);
      const ok = 'A statement long enough to explain the decision.';
      expectError(await decide(usMod, item.id, { action: 'ban', statement: ok }), 400, 'moderation.action_invalid');
      expectError(
        await decide(usMod, item.id, { action: 'suspend', days: 3, statement: ok }),
        400,
        'moderation.action_invalid',
      );
      expectError(await decide(usMod, item.id, { action: 'uphold', statement: ok }), 400, 'moderation.action_invalid');
      expectError(
        await decide(usMod, item.id, { action: 'obliterate', statement: ok }),
        400,
        'moderation.action_invalid',
      );
      expectError(
        await decide(usMod, item.id, { action: 'remove', policy: 'rudeness', statement: ok }),
        400,
        'moderation.policy_invalid',
      );
      expectError(
        await decide(usMod, item.id, { action: 'remove', statement: 'too short' }),
        400,
        'moderation.statement_required',
      );
      expectError(
        await decide(usMod, item.id, { action: 'remove', statement: 'z'.repeat(2001) }),
        400,
        'moderation.statement_required',
      );
      expectError(
        await decide(usMod, item.id, { action: 'withhold', statement: ok }),
        400,
        'moderation.regions_required',
      );
      expectError(
        await decide(usMod, item.id, { action: 'withhold', regions: [], statement: ok }),
        400,
        'moderation.regions_required',
      );
      expectError(await decide(viewer, item.id, { action: 'dismiss', statement: ok }), 403, 'moderation.not_moderator');
      expectError(await decide(usMod, newId(), { action: 'dismiss', statement: ok }), 404, 'moderation.case_not_found');
      expectError(await api('GET', `/moderation/cases/${newId()}`, usMod), 404, 'moderation.case_not_found');
      // Nothing of that changed the clip; a valid decision is taken once.
      expect((await api('GET', `/videos/${clip.id}`, viewer)).statusCode).toBe(200);
      expect((await decide(usMod, item.id, { action: 'dismiss', statement: ok })).statusCode).toBe(200);
      expectError(await decide(usMod2, item.id, { action: 'remove', statement: ok }), 409, 'moderation.case_decided');
      expect((await api('GET', `/videos/${clip.id}`, viewer)).statusCode).toBe(200);
      expect((await caseOf(usMod, clip.id, 'status=decided')).status).toBe('decided');
      expect((await queue(usMod)).map((i) => i.target.id)).not.toContain(clip.id);
    });

    it('refuses a suspension without a valid number of days', async () => {
      const target = await signup(t.app, { handle: h('daysuser'), country: 'US' });
      await reportOk(viewer, 'user', target.id, 'harassment');
      const item = await caseOf(usMod, target.id);
      expect(item.target).toEqual({ type: 'user', id: target.id });
      const ok = 'Repeated harassment of other members in comments.';
      for (const days of [0, 366, undefined])
        expectError(
          await decide(usMod, item.id, { action: 'suspend', statement: ok, ...(days === undefined ? {} : { days }) }),
          400,
          'moderation.days_invalid',
        );
      expectError(
        await decide(usMod, item.id, { action: 'restrict', statement: ok }),
        400,
        'moderation.action_invalid',
      );
    });

    describe('appeals (of the removal above)', () => {
      it('lets the author appeal once; the appeal is a case of its own', async () => {
        const before = await standing(author);
        const mine = before.items.find((i) => i.id === removal.id);
        expect(mine).toMatchObject({
          target: { type: 'video', id: removed.id },
          action: 'remove',
          policy: 'violence',
          statement,
          automated: false,
          strike: true,
          canAppeal: true,
          appealUntil: new Date(Date.parse(mine!.createdAt as string) + 180 * DAY).toISOString(),
          appeal: null,
        });
        expect(before.strikes).toBeGreaterThanOrEqual(1);
        expect(JSON.stringify(before)).not.toContain(usMod.id);
        expectError(
          await api('POST', `/moderation/decisions/${removal.id}/appeal`, viewer, { text: 'not mine to appeal' }),
          404,
          'moderation.decision_not_found',
        );
        expectError(
          await api('POST', `/moderation/decisions/${newId()}/appeal`, author, { text: 'which one?' }),
          404,
          'moderation.decision_not_found',
        );
        const appealing = (text: string) => api('POST', `/moderation/decisions/${removal.id}/appeal`, author, { text });
        for (const text of ['', '   \n ']) expectError(await appealing(text), 400, 'appeal.text_required');
        for (const text of ['w'.repeat(2001), 'w'.repeat(10_001)])
          expectError(await appealing(text), 400, 'appeal.text_too_long');
        // None of those was an appeal.
        expect((await standing(author)).items.find((i) => i.id === removal.id)).toMatchObject({ canAppeal: true });
        const appeal = await appealing('It was a news report about the fight, not a celebration of it.');
        expect(appeal.statusCode, appeal.body).toBe(201);
        expect(appeal.json().id).toEqual(expect.any(String));
        expectError(
          await api('POST', `/moderation/decisions/${removal.id}/appeal`, author, { text: 'again, please' }),
          409,
          'moderation.appeal_exists',
        );
        const after = await standing(author);
        expect(after.items.find((i) => i.id === removal.id)).toMatchObject({
          canAppeal: false,
          appealUntil: null,
          appeal: { status: 'open', decidedAt: null },
        });

        const item = await caseOf(usMod, removed.id, 'status=open&kind=appeal');
        expect(item).toMatchObject({ kind: 'appeal', target: { type: 'video', id: removed.id }, region: 'us' });
        expect((await queue(usMod, 'status=open&kind=report')).map((i) => i.id)).not.toContain(item.id);
        const full = (await api('GET', `/moderation/cases/${item.id}`, usMod2)).json();
        expect(full).toMatchObject({
          kind: 'appeal',
          appeal: {
            text: 'It was a news report about the fight, not a celebration of it.',
            decision: { id: removal.id, action: 'remove' },
          },
        });
        expect(full.history.map((d: { id: string }) => d.id)).toContain(removal.id);
        expect(JSON.stringify(full)).not.toContain(reporter.id);
      });

      it('is decided by another moderator; a reversal brings the clip back and takes the strike away', async () => {
        const item = await caseOf(usMod, removed.id, 'status=open&kind=appeal');
        const strikes = (await standing(author)).strikes;
        const ok = 'On review the clip is news reporting, which our rules allow.';
        expectError(
          await decide(usMod, item.id, { action: 'reverse', statement: ok }),
          403,
          'moderation.same_moderator',
        );
        expectError(
          await decide(usMod2, item.id, { action: 'remove', statement: ok }),
          400,
          'moderation.action_invalid',
        );
        const res = await decide(usMod2, item.id, { action: 'reverse', statement: ok });
        expect(res.statusCode, res.body).toBe(200);

        expect(await surfaces(removed, author, viewer)).toEqual(VISIBLE);
        expect(await elsewhere()).toEqual(LISTED);
        const hls = (await api('GET', `/videos/${removed.id}`, viewer)).json().playback.hls as string;
        expect((await t.app.inject({ method: 'GET', url: hls })).statusCode).toBe(200);
        expect((await api('GET', `/videos/${removed.id}`, author)).json().moderation).toBeUndefined();
        const after = await standing(author);
        expect(after.strikes).toBe(strikes - 1);
        expect(after.items.find((i) => i.id === removal.id)).toMatchObject({
          appeal: { status: 'reversed', decidedAt: expect.any(String) },
          canAppeal: false,
        });
        // The outcome of the appeal is a second statement about the same clip.
        const until = Date.now() + 15_000;
        const aboutClip = async () =>
          (await notifications(author)).filter(
            (n) => n.type === 'moderation' && n.moderation?.target?.id === removed.id,
          );
        while ((await aboutClip()).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
        expect(await aboutClip()).toHaveLength(2);
        expect((await aboutClip()).find((n) => n.moderation.action === 'reverse')?.moderation).toMatchObject({
          decisionId: removal.id,
          statement: ok,
          canAppeal: false,
          appealUntil: null,
        });
      });
    });
  });

  describe('strikes', () => {
    let striker: TestUser;
    let other: { id: string };

    it('suspends an account automatically at the third removal', async () => {
      striker = await signup(t.app, { handle: h('striker'), country: 'US' });
      autoSuspended = striker.id;
      other = await publishTestVideo(t.ctx, author, { caption: 'somewhere to comment' });
      const clips = [];
      for (let i = 0; i < 3; i++) clips.push(await clipOf(striker));
      // Before: the account posts and comments.
      expect((await api('POST', `/videos/${other.id}/comments`, striker, { text: 'first!' })).statusCode).toBe(201);
      const upload = await multipartUpload(striker);
      expect(upload.statusCode, upload.body).toBe(202);
      const tusOk = await tusCreate(striker);
      expect(tusOk.statusCode, tusOk.body).toBe(201);
      const statement = 'This clip is spam: the same advert posted again and again.';
      for (const [i, clip] of clips.entries()) {
        await reportOk(viewer, 'video', clip.id, 'spam');
        await decideOk(usMod, clip.id, { action: 'remove', statement });
        const me = (await api('GET', '/me', striker)).json();
        if (i < 2) expect(me.suspendedUntil, `after removal ${i + 1}`).toBeNull();
        else {
          expect(me.suspendedUntil).toEqual(expect.any(String));
          const until = Date.parse(me.suspendedUntil);
          expect(until).toBeGreaterThan(now + 6 * DAY);
          expect(until).toBeLessThanOrEqual(now + 7 * DAY + 60_000);
        }
      }
      const mine = await standing(striker);
      expect(mine.strikes).toBeGreaterThanOrEqual(3);
      expect(mine.suspendedUntil).toEqual(expect.any(String));
      const suspension = mine.items.find((i) => i.action === 'suspend');
      expect(suspension).toMatchObject({ automated: true, target: { type: 'user', id: striker.id } });
      expect(mine.items.filter((i) => i.action === 'remove')).toHaveLength(3);
      await notified(
        striker,
        (n) => n.type === 'moderation' && n.moderation?.action === 'suspend' && n.moderation?.automated === true,
        'the automated suspension',
      );
    });

    it('keeps a suspended account from posting and commenting, not from reading', async () => {
      expectError(await multipartUpload(striker), 403, 'account.suspended');
      expectError(await tusCreate(striker), 403, 'account.suspended');
      expectError(
        await api('POST', `/videos/${other.id}/comments`, striker, { text: 'let me back in' }),
        403,
        'account.suspended',
      );
      expect((await api('GET', `/videos/${other.id}`, striker)).statusCode).toBe(200);
      expect((await api('GET', '/feed/for-you', striker)).statusCode).toBe(200);
      expect((await api('GET', `/videos/${other.id}/comments`, striker)).statusCode).toBe(200);
      expect((await api('GET', '/me', striker)).statusCode).toBe(200);
      // Signing in still works.
      const login = await api('POST', '/sessions', null, { handle: striker.handle, password: PASSWORD });
      expect(login.statusCode, login.body).toBe(201);
    });

    it('lifts the suspension when its days have passed', async () => {
      now += 7 * DAY + 5 * 60_000;
      expect((await api('GET', '/me', striker)).json().suspendedUntil).toBeNull();
      expect((await api('POST', `/videos/${other.id}/comments`, striker, { text: 'back again' })).statusCode).toBe(201);
      expect((await standing(striker)).suspendedUntil).toBeNull();
    });

    it('suspends at the second removal in a region whose policy says two strikes', async () => {
      const nzMod = await makeOperator(t, h('nzmod'), 'nz', 'moderator', 'NZ');
      const kiwi = await signup(t.app, { handle: h('kiwi'), country: 'NZ' });
      expect(kiwi.region).toBe('nz');
      const clips = [await clipOf(kiwi), await clipOf(kiwi)];
      expect((await standing(kiwi)) as Record<string, unknown>).toMatchObject({ strikes: 0, strikesToSuspend: 2 });
      for (const [i, clip] of clips.entries()) {
        await reportOk(viewer, 'video', clip.id, 'spam');
        await decideOk(nzMod, clip.id, { action: 'remove', statement: 'The same advert, posted again and again.' });
        const me = (await api('GET', '/me', kiwi)).json();
        if (i === 0) expect(me.suspendedUntil, 'after one removal').toBeNull();
        else expect(Date.parse(me.suspendedUntil)).toBeGreaterThan(now + 6 * DAY);
      }
      const mine = await standing(kiwi);
      expect(mine).toMatchObject({ strikes: 2, suspendedUntil: expect.any(String) });
      expect(mine.items.find((i) => i.action === 'suspend')).toMatchObject({
        automated: true,
        target: { type: 'user', id: kiwi.id },
      });
      expectError(
        await api('POST', `/videos/${other.id}/comments`, kiwi, { text: 'let me post' }),
        403,
        'account.suspended',
      );
      // The us region keeps its default: the striker's three strikes, not two, suspended them.
      expect((await api('GET', '/me/moderation', striker)).json().strikesToSuspend).toBe(3);
    });
  });

  describe('decisions on accounts', () => {
    let trollStanding: { strikes: number; item: Record<string, any> };
    let trollUser: TestUser;
    let trollClip = '';

    it('suspends an account for some days: it may read, not comment', async () => {
      const troll = await signup(t.app, { handle: h('troll'), country: 'US' });
      trollUser = troll;
      const clip = await publishTestVideo(t.ctx, author, { caption: 'a clip trolls find' });
      trollClip = clip.id;
      expect((await api('POST', `/videos/${clip.id}/comments`, troll, { text: 'lol' })).statusCode).toBe(201);
      await reportOk(viewer, 'user', troll.id, 'harassment');
      await decideOk(usMod, troll.id, {
        action: 'suspend',
        days: 3,
        statement: 'Suspended for three days for harassing other members.',
      });
      const me = (await api('GET', '/me', troll)).json();
      expect(Date.parse(me.suspendedUntil)).toBeGreaterThan(now + 2 * DAY);
      expect(Date.parse(me.suspendedUntil)).toBeLessThanOrEqual(now + 3 * DAY + 60_000);
      expectError(
        await api('POST', `/videos/${clip.id}/comments`, troll, { text: 'lol again' }),
        403,
        'account.suspended',
      );
      expect((await api('GET', `/videos/${clip.id}`, troll)).statusCode).toBe(200);
      const mine = await standing(troll);
      expect(mine.items[0]).toMatchObject({ action: 'suspend', automated: false, canAppeal: true });
      expect(mine.suspendedUntil).toBe(me.suspendedUntil);
      trollStanding = { strikes: mine.strikes, item: mine.items[0]! };
    });

    it('does not count a suspension as a strike (removals are strikes)', () => {
      expect(trollStanding.item.strike).toBe(false);
      expect(trollStanding.strikes).toBe(0);
    });

    it('lifts a suspension that an appeal reverses', async () => {
      const troll = trollUser;
      const appeal = await api('POST', `/moderation/decisions/${trollStanding.item.id}/appeal`, troll, {
        text: 'I was joking with friends who know me.',
      });
      expect(appeal.statusCode, appeal.body).toBe(201);
      const item = await caseOf(usMod2, troll.id, 'status=open&kind=appeal');
      expect(item.target).toEqual({ type: 'user', id: troll.id });
      const res = await decide(usMod2, item.id, {
        action: 'reverse',
        statement: 'On review, the comments were banter among friends.',
      });
      expect(res.statusCode, res.body).toBe(200);
      expect((await api('GET', '/me', troll)).json().suspendedUntil).toBeNull();
      expect((await api('POST', `/videos/${trollClip}/comments`, troll, { text: 'thanks' })).statusCode).toBe(201);
      expect((await standing(troll)).suspendedUntil).toBeNull();
    });

    it('bans an account: signed out, cannot sign in, profile and clips gone', async () => {
      const fake = await signup(t.app, { handle: h('fake'), country: 'US' });
      const clip = await clipOf(fake);
      expect((await api('GET', `/users/${fake.handle}`)).statusCode).toBe(200);
      await reportOk(viewer, 'user', fake.id, 'impersonation');
      await decideOk(usMod, fake.id, {
        action: 'ban',
        statement: 'This account impersonates a public figure to scam people.',
      });
      expect((await api('GET', '/me', fake)).statusCode).toBe(401);
      expectError(
        await api('POST', '/sessions', null, { handle: fake.handle, password: PASSWORD }),
        403,
        'account.banned',
      );
      expect((await api('GET', `/users/${fake.handle}`)).statusCode).toBe(404);
      expect((await api('GET', `/users/${fake.handle}`, viewer)).statusCode).toBe(404);
      expect((await api('GET', `/videos/${clip.id}`, viewer)).statusCode).toBe(404);
      expect((await searched(clip.word)).includes(clip.id)).toBe(false);
      expect((await listed(`/hashtags/${clip.hashtag}`)).includes(clip.id)).toBe(false);
    });
  });

  describe('comments', () => {
    it('removes a comment from a clip in another region: listed for its author only, who is told why', async () => {
      const clip = await publishTestVideo(t.ctx, author, { caption: 'comment on me' });
      const commentId = (
        await api('POST', `/videos/${clip.id}/comments`, euViewer, { text: 'a nasty comment about someone' })
      ).json().id as string;
      const kind = (await api('POST', `/videos/${clip.id}/comments`, viewer, { text: 'a kind comment' })).json()
        .id as string;
      const ids = async (who?: TestUser | null) =>
        (await listed(`/videos/${clip.id}/comments`, who)).filter((id) => id === commentId || id === kind);
      expect(await ids(viewer)).toHaveLength(2);

      expectError(await report(euViewer, 'comment', commentId, 'harassment'), 400, 'report.target_invalid');
      await reportOk(viewer, 'comment', commentId, 'harassment');
      const item = await caseOf(usMod, commentId);
      expect(item).toMatchObject({ target: { type: 'comment', id: commentId }, region: 'us' });
      const full = (await api('GET', `/moderation/cases/${item.id}`, usMod)).json();
      expect(full.comment).toMatchObject({ id: commentId, text: 'a nasty comment about someone', videoId: clip.id });
      expect(full.subject).toMatchObject({ id: euViewer.id });
      expect(JSON.stringify(full)).not.toContain(viewer.id);
      expectError(
        await decide(usMod, item.id, { action: 'restrict', statement: 'Comments cannot be restricted.' }),
        400,
        'moderation.action_invalid',
      );
      const d = await decideOk(usMod, commentId, {
        action: 'remove',
        policy: 'harassment',
        statement: 'This comment harasses another member.',
      });
      expect(await ids(viewer)).toEqual([kind]);
      expect(await ids(null)).toEqual([kind]);
      expect(await ids(author)).toEqual([kind]);
      expect((await ids(euViewer)).sort()).toEqual([commentId, kind].sort());
      const note = await notified(
        euViewer,
        (n) => n.type === 'moderation' && n.moderation?.decisionId === d.id,
        'the comment removal',
      );
      expect(note.moderation).toMatchObject({ action: 'remove', target: { type: 'comment', id: commentId } });
      expect(note.actor).toBeUndefined();
      const mine = await standing(euViewer);
      expect(mine.items.find((i) => i.id === d.id)).toMatchObject({ strike: true, canAppeal: true });
      expect(mine.strikes).toBe(1);
      // The affected user's copy is at home, in the eu cell.
      const notices = await t.ctx.cells
        .get('eu')
        .db.selectFrom('moderation_notices')
        .selectAll()
        .where('decision_id', '=', d.id)
        .execute();
      expect(notices).toHaveLength(1);
    });
  });

  describe('blocked terms', () => {
    const term = `zorblax${tag}`;
    const accented = `ZÖRBLAX${tag.toUpperCase()}`;

    it('is kept by the moderators of a region', async () => {
      expectError(
        await api('PUT', '/moderation/blocked-terms?region=us', viewer, { terms: [term] }),
        403,
        'moderation.not_moderator',
      );
      expect((await api('PUT', '/moderation/blocked-terms?region=us', euMod, { terms: [term] })).statusCode).toBe(403);
      expect((await api('GET', '/moderation/blocked-terms?region=us', viewer)).statusCode).toBe(403);
      // 2–50 characters each, at most 500; however far off, the service's code answers.
      for (const terms of [['x'], ['y'.repeat(51)], ['z'.repeat(201)], ['fine', ' '], ['bad\u0000term']])
        expectError(
          await api('PUT', '/moderation/blocked-terms?region=us', usMod, { terms }),
          400,
          'blocked_terms.invalid',
        );
      for (const n of [501, 10_001])
        expectError(
          await api('PUT', '/moderation/blocked-terms?region=us', usMod, {
            terms: Array.from({ length: n }, (_, i) => `term${i}`),
          }),
          400,
          'blocked_terms.too_many',
        );
      for (const method of ['GET', 'PUT'] as const)
        expectError(
          await api(
            method,
            '/moderation/blocked-terms?region=mars',
            usMod,
            method === 'PUT' ? { terms: [] } : undefined,
          ),
          404,
          'region.unknown',
        );
      expectError(await api('GET', '/moderation/queue?region=mars', globalMod), 404, 'region.unknown');
      expect((await api('GET', '/moderation/blocked-terms?region=us', usMod)).json().terms).toEqual([]);
      const put = await api('PUT', '/moderation/blocked-terms?region=us', usMod, { terms: [term, 'two words'] });
      expect(put.statusCode, put.body).toBe(204);
      const got = await api('GET', '/moderation/blocked-terms?region=us', usMod);
      expect(got.json()).toEqual({ region: 'us', terms: expect.arrayContaining([term, 'two words']) });
      expect(got.json().terms).toHaveLength(2);
      expect((await api('GET', '/moderation/blocked-terms?region=eu', euMod)).json()).toEqual({
        region: 'eu',
        terms: [],
      });
    });

    it('matches a term whatever its accents', async () => {
      const usClip = await publishTestVideo(t.ctx, author, { caption: 'accents clip' });
      const res = await api('POST', `/videos/${usClip.id}/comments`, viewer, { text: `${accented}!` });
      expectError(res, 400, 'content.blocked_term');
    });

    it('refuses captions, comments and display names with a term in that region only', async () => {
      const usClip = await publishTestVideo(t.ctx, author, { caption: 'terms clip' });
      const euClip = await publishTestVideo(t.ctx, euViewer, { caption: 'eu terms clip' });
      const comment = (text: string, who: TestUser, clip: { id: string }) =>
        api('POST', `/videos/${clip.id}/comments`, who, { text });
      expectError(await comment(`I love ${term} so much`, viewer, usClip), 400, 'content.blocked_term');
      expectError(await comment('we say Two   Words here', viewer, usClip), 400, 'content.blocked_term');
      // Whole words only.
      expect((await comment(`${term}ish is fine`, viewer, usClip)).statusCode).toBe(201);
      expect((await comment('two of the words', viewer, usClip)).statusCode).toBe(201);
      expectError(
        await api('PATCH', '/me', viewer, { displayName: `${term.toUpperCase()} fan` }),
        400,
        'content.blocked_term',
      );
      expectError(
        await api('PATCH', `/videos/${usClip.id}`, author, { caption: `now with ${term}` }),
        400,
        'content.blocked_term',
      );
      expect((await api('GET', `/videos/${usClip.id}`)).json().caption).toBe('terms clip');
      // The eu region has no such term.
      expect((await comment(`I love ${term} so much`, euViewer, euClip)).statusCode).toBe(201);
      expect((await api('PATCH', '/me', euViewer, { displayName: `${term} fan` })).statusCode).toBe(200);
      expect((await api('PATCH', `/videos/${euClip.id}`, euViewer, { caption: `eu ${term}` })).statusCode).toBe(200);
      // Lifting the list lifts the refusal.
      expect((await api('PUT', '/moderation/blocked-terms?region=us', usMod, { terms: [] })).statusCode).toBe(204);
      expect((await comment(`I love ${term} so much`, viewer, usClip)).statusCode).toBe(201);
    });
  });

  describe('the record', () => {
    it('keeps every region chain intact, with moderation entries that never name a reporter or quote a statement', async () => {
      for (const r of t.ctx.cells.regions()) expect((await t.ctx.audit.for(r).verify()).ok, r).toBe(true);
      const entries = await auditActions(t, 'us');
      const actions = new Set(entries.map((e) => e.action));
      for (const a of [
        'moderation.decision',
        'moderation.appeal',
        'moderation.reversal',
        'moderation.blocked_terms',
        'moderation.case.read',
      ])
        expect(actions, a).toContain(a);
      const decisions = entries.filter((e) => e.action === 'moderation.decision');
      expect(decisions.some((e) => e.actor === usMod.id)).toBe(true);
      // Each entry names who acted (a moderator or `system`), the target, the action and the policy.
      const subject = `video:${removed.id}`;
      const about = (action: string) => entries.filter((e) => e.action === action && e.subject === subject);
      expect(about('moderation.decision')).toContainEqual(
        expect.objectContaining({
          actor: usMod.id,
          details: expect.objectContaining({ decisionId: removal.id, action: 'remove', policy: 'violence' }),
        }),
      );
      expect(about('moderation.appeal')).toEqual([
        expect.objectContaining({
          actor: 'appellant',
          details: expect.objectContaining({
            decisionId: removal.id,
            moderatorId: usMod.id,
            action: 'remove',
            policy: 'violence',
          }),
        }),
      ]);
      expect(about('moderation.decision')).toContainEqual(
        expect.objectContaining({
          actor: usMod2.id,
          details: expect.objectContaining({ kind: 'appeal', action: 'reverse', policy: 'violence' }),
        }),
      );
      expect(about('moderation.reversal')).toEqual([
        expect.objectContaining({
          actor: usMod2.id,
          details: expect.objectContaining({ decisionId: removal.id, action: 'remove', policy: 'violence' }),
        }),
      ]);
      expect(entries.filter((e) => e.actor === 'system')).toEqual([
        expect.objectContaining({
          action: 'moderation.decision',
          subject: `user:${autoSuspended}`,
          details: expect.objectContaining({ action: 'suspend', policy: 'spam', automated: true }),
        }),
      ]);
      const terms = entries.filter((e) => e.action === 'moderation.blocked_terms');
      expect(terms.map((e) => [e.actor, e.subject])).toEqual(terms.map(() => [usMod.id, 'blocked_terms:us']));
      expect(terms.map((e) => e.details)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ jurisdiction: 'us', count: 2, added: 2, removed: 0 }),
          expect.objectContaining({ jurisdiction: 'us', count: 0, added: 0, removed: 2 }),
        ]),
      );
      const moderation = JSON.stringify(entries.filter((e) => e.action.startsWith('moderation.')));
      for (const who of [reporter, viewer, euViewer]) {
        expect(moderation, who.handle).not.toContain(who.id);
        expect(moderation, who.handle).not.toContain(who.handle);
      }
      expect(moderation).not.toContain('graphic violence against a person');
      expect(moderation).not.toContain('keeps mocking a classmate');
    });

    it('publishes per-region moderation numbers in the transparency report', async () => {
      const res = await api('GET', '/transparency');
      expect(res.statusCode).toBe(200);
      const regions = res.json().regions as { region: string; moderation: any }[];
      const us = regions.find((r) => r.region === 'us')!.moderation;
      expect(us.reports.minor_safety).toBeGreaterThanOrEqual(1);
      expect(us.reports.self_harm).toBeGreaterThanOrEqual(1);
      expect(us.actions.remove).toBeGreaterThanOrEqual(5);
      expect(us.actions.restrict).toBeGreaterThanOrEqual(1);
      expect(us.actions.withhold).toBeGreaterThanOrEqual(1);
      expect(us.actions.dismiss).toBeGreaterThanOrEqual(2);
      // The removal of the clip and the troll's suspension, both reversed.
      expect(us.appeals).toEqual({ received: 2, reversed: 2 });
      expect(typeof us.medianHoursToDecision).toBe('number');
      expect(us.medianHoursToDecision).toBeGreaterThanOrEqual(0);
      for (const r of regions) expect(r.moderation, r.region).toBeDefined();
      const au = regions.find((r) => r.region === 'au')!.moderation;
      expect(au).toEqual({
        reports: {},
        actions: {},
        appeals: { received: 0, reversed: 0 },
        medianHoursToDecision: null,
      });
      expect(res.body).not.toContain(reporter.id);
    });
  });

  describe('the reporter’s and the affected user’s own data', () => {
    /** The user's "download your data" ZIP, file by file. */
    async function exportOf(who: TestUser): Promise<Map<string, Buffer>> {
      const req = await api('POST', '/me/export', who);
      expect(req.statusCode, req.body).toBe(202);
      const id = req.json().id as string;
      const until = Date.now() + 30_000;
      let status = req.json();
      while (status.status !== 'ready' && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await api('GET', `/me/exports/${id}`, who)).json();
      }
      expect(status.status).toBe('ready');
      const download = await t.app.inject({ method: 'GET', url: status.url, headers: bearer(who.token) });
      expect(download.statusCode).toBe(200);
      const dir = tempDir();
      writeFileSync(join(dir, 'export.zip'), download.rawPayload);
      const zip = await readZip(join(dir, 'export.zip'));
      removeDir(dir);
      return zip;
    }
    const table = (zip: Map<string, Buffer>, name: string) =>
      JSON.parse(zip.get(`tables/${name}.json`)?.toString('utf8') ?? '[]') as Record<string, unknown>[];

    it('puts their reports in their export, and takes them away with the account', async () => {
      const zip = await exportOf(reporter);
      const reports = table(zip, 'reports');
      const mine = [...reportIds].filter(([key]) => key.startsWith(`${reporter.id}|`));
      expect(reports).toHaveLength(mine.length);
      expect(reports.map((r) => r.id).sort()).toEqual(mine.map(([, rid]) => rid).sort());
      expect(reports).toContainEqual(
        expect.objectContaining({ reason: 'violence', details: 'a fight filmed at school' }),
      );
      expect(reports.every((r) => r.reporter_id === reporter.id)).toBe(true);
      expect(reports.some((r) => r.outcome === 'actioned')).toBe(true);

      const del = await api('DELETE', '/me', reporter, { password: PASSWORD });
      expect(del.statusCode, del.body).toBe(202);
      expect(await t.ctx.deletion.purgeDue('eu', { all: true })).toBeGreaterThanOrEqual(1);
      expect(
        await t.ctx.cells
          .get('eu')
          .db.selectFrom('reports')
          .select('id')
          .where('reporter_id', '=', reporter.id)
          .execute(),
      ).toEqual([]);
      for (const cell of t.ctx.cells.all()) expect(await dumpStore(cell.db), cell.region).not.toContain(reporter.id);
      expect(await dumpStore(t.ctx.directory)).not.toContain(reporter.id);
      // The cases about the clips do not depend on them: the us queue still has what was reported.
      expect((await caseOf(usMod, removed.id, 'status=decided')).status).toBe('decided');
    });

    it('puts the decisions about a user in their export (with their reports), and purges them with the account', async () => {
      // The eu viewer reported a clip, and their comment on a us clip was removed (see `comments`).
      const eu = t.ctx.cells.get('eu').db;
      const held = await eu.selectFrom('moderation_notices').selectAll().where('user_id', '=', euViewer.id).execute();
      expect(held.map((n) => n.action)).toEqual(['remove']);
      const zip = await exportOf(euViewer);
      const notices = table(zip, 'moderation_notices');
      expect(notices).toEqual([
        expect.objectContaining({
          decision_id: held[0]!.decision_id,
          decision_region: 'us',
          user_id: euViewer.id,
          target_type: 'comment',
          action: 'remove',
          policy: 'harassment',
          statement: 'This comment harasses another member.',
          strike: 1,
        }),
      ]);
      // The notice names no moderator, and the export no reporter of the removed comment.
      expect(JSON.stringify(notices)).not.toContain(usMod.id);
      expect(zip.get('tables/moderation_notices.json')!.toString('utf8')).not.toContain(viewer.id);
      const reports = table(zip, 'reports');
      const mine = [...reportIds].filter(([key]) => key.startsWith(`${euViewer.id}|`)).map(([, rid]) => rid);
      expect(mine.length).toBeGreaterThanOrEqual(1);
      expect(reports.map((r) => r.id).sort()).toEqual(mine.sort());
      expect(reports.every((r) => r.reporter_id === euViewer.id)).toBe(true);

      const del = await api('DELETE', '/me', euViewer, { password: PASSWORD });
      expect(del.statusCode, del.body).toBe(202);
      expect(await t.ctx.deletion.purgeDue('eu', { all: true })).toBeGreaterThanOrEqual(1);
      expect(
        await eu.selectFrom('moderation_notices').select('decision_id').where('user_id', '=', euViewer.id).execute(),
      ).toEqual([]);
      expect(await eu.selectFrom('reports').select('id').where('reporter_id', '=', euViewer.id).execute()).toEqual([]);
      for (const cell of t.ctx.cells.all()) expect(await dumpStore(cell.db), cell.region).not.toContain(euViewer.id);
      expect(await dumpStore(t.ctx.directory)).not.toContain(euViewer.id);
    });
  });

  describe('the appeal window', () => {
    it('closes after the region’s appeal days: no deadline shown, 409 moderation.not_appealable', async () => {
      const late = await signup(t.app, { handle: h('late'), country: 'US' });
      const clip = await clipOf(late);
      await reportOk(viewer, 'video', clip.id, 'spam');
      const d = await decideOk(usMod, clip.id, { action: 'remove', statement: 'This clip is an advert for a scam.' });
      const open = (await standing(late)).items.find((i) => i.id === d.id)!;
      const deadline = Date.parse(open.appealUntil as string);
      expect(deadline).toBe(Date.parse(open.createdAt as string) + 180 * DAY);
      // The clock moves past the deadline (this is the file's last block: nothing after it minds the jump).
      now = deadline + 60_000;
      // Sessions do not last that long either.
      for (const who of [late, usMod]) {
        const login = await api('POST', '/sessions', null, { handle: who.handle, password: PASSWORD });
        expect(login.statusCode, login.body).toBe(201);
        who.token = login.json().token as string;
      }
      expect((await standing(late)).items.find((i) => i.id === d.id)).toMatchObject({
        canAppeal: false,
        appealUntil: null,
        appeal: null,
      });
      expectError(
        await api('POST', `/moderation/decisions/${d.id}/appeal`, late, { text: 'I only just saw this.' }),
        409,
        'moderation.not_appealable',
      );
      expect((await queue(usMod, 'status=open&kind=appeal')).map((i) => i.target.id)).not.toContain(clip.id);
    });
  });

  async function tusCreate(who: TestUser): Promise<Res> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: {
        ...bearer(who.token),
        'tus-resumable': '1.0.0',
        'upload-length': '4096',
        'upload-metadata': `filename ${Buffer.from('clip.mp4').toString('base64')},caption ${Buffer.from('a new clip').toString('base64')}`,
      },
    });
    if (res.statusCode === 201 && res.headers.location) {
      // Leave nothing behind: terminate the upload.
      const url = String(res.headers.location).replace(/^https?:\/\/[^/]+/, '');
      await t.app.inject({ method: 'DELETE', url, headers: { ...bearer(who.token), 'tus-resumable': '1.0.0' } });
    }
    return res;
  }

  async function multipartUpload(who: TestUser): Promise<Res> {
    const boundary = `reelm${randomBytes(8).toString('hex')}`;
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="caption"\r\n\r\nmy new clip\r\n` +
          `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="clip.mp4"\r\n` +
          'content-type: video/mp4\r\n\r\n',
      ),
      randomBytes(2048),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/videos',
      headers: { ...bearer(who.token), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
  }
});
