import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, filesUnder, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';
import { makeOperator, runDueJobs, type TestUser } from './helpers.js';
import { social } from './social.js';
import { listOutbox } from '../../src/mail/mailer.js';
import { openMail } from '../helpers/outbox.js';
import { linkToken } from '../helpers/smtp.js';

/**
 * The canary: a user in every region is given distinctive protected values; every feature is exercised
 * across regions; then every byte outside the home cell (other cells, the directory, every job table,
 * the captured logs) is scanned for them. To cover a new feature, add an entry to FEATURES; if it stores
 * a new kind of protected value, add it to Canary and to SEALED (encrypted at rest: may appear nowhere in
 * clear) or HOME_ONLY (stored in clear in the home cell only).
 */
interface Canary {
  region: string;
  country: string;
  handle: string;
  email: string;
  birthdate: string;
  ip: string;
  userAgent: string;
  privateCaption: string;
  followersCaption: string;
  /** What the user searched for: search queries are stored nowhere, logs included. */
  searchQuery: string;
  /** A word the user muted: what they do not want to see is theirs alone. */
  mutedWord: string;
  user?: TestUser;
  publicClip?: string;
  /** Clips only this user watched or favorited (their watch history): public, so only in the directory and the creator's cell. */
  history?: string[];
  creatorRegion?: string;
  /** An account of this region that only reports: who reported is the reporter's alone (docs/moderation.md). */
  reporter?: TestUser;
  reports?: number;
  /** The token of a password-reset link mailed to the user: in the sealed outbox only, in clear nowhere. */
  mailToken?: string;
}
const SEALED = ['email', 'birthdate', 'ip', 'userAgent'] as const;
const HOME_ONLY = ['privateCaption', 'followersCaption', 'mutedWord'] as const;
const NOWHERE = ['searchQuery'] as const;

interface Feature {
  name: string;
  run(t: TestApp, canaries: Canary[]): Promise<void>;
}

const PASSWORD = 'a long enough passphrase';
const tag = randomBytes(4).toString('hex');
const REGIONS: [string, string][] = [
  ['us', 'US'],
  ['eu', 'IT'],
  ['au', 'AU'],
  ['nz', 'NZ'],
  ['row', 'JP'],
];

const FEATURES: Feature[] = [
  {
    name: 'signup and login from a distinctive address and browser',
    async run(t, canaries) {
      for (const c of canaries) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/accounts',
          payload: { handle: c.handle, password: PASSWORD, email: c.email, birthdate: c.birthdate, country: c.country },
        });
        expect(res.statusCode).toBe(201);
        const login = await t.app.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          payload: { handle: c.handle, password: PASSWORD },
          remoteAddress: c.ip,
          headers: { 'user-agent': c.userAgent },
        });
        expect(login.statusCode).toBe(201);
        c.user = {
          ...(res.json() as { id: string; handle: string; region: string }),
          token: login.json().token as string,
        };
        expect(
          (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(c.user!.token) })).json().email,
        ).toBe(c.email);
      }
    },
  },
  {
    name: 'profiles, private, followers-only and public clips, follows across regions (one a request)',
    async run(t, canaries) {
      for (const c of canaries) {
        await t.app.inject({
          method: 'PATCH',
          url: '/api/v1/me',
          headers: bearer(c.user!.token),
          payload: { bio: `canary in ${c.region}` },
        });
        await publishTestVideo(t.ctx, c.user!, { caption: c.privateCaption, visibility: 'private' });
        await publishTestVideo(t.ctx, c.user!, { caption: c.followersCaption, visibility: 'followers' });
        c.publicClip = (
          await publishTestVideo(t.ctx, c.user!, {
            caption: `public clip ${c.region} #canary${tag}`,
            soundTitle: `canary sound ${c.region}`,
          })
        ).id;
      }
      for (const [i, c] of canaries.entries()) {
        const next = canaries[(i + 1) % canaries.length]!;
        await social.follow(t, c.user!, next.user!);
        expect((await t.app.inject({ method: 'GET', url: `/api/v1/users/${c.handle}` })).statusCode).toBe(200);
      }
    },
  },
  {
    name: 'likes, favorites, shares, not-interested, views and comments across regions; a distinctive watch history',
    async run(t, canaries) {
      for (const [i, c] of canaries.entries()) {
        const next = canaries[(i + 1) % canaries.length]!;
        const creator = canaries[(i + 2) % canaries.length]!;
        // Clips nobody but this canary watches: their ids in a cell other than the viewer's or the creator's would be history leaking.
        c.creatorRegion = creator.region;
        c.history = [];
        for (let k = 0; k < 3; k++)
          c.history.push(
            (await publishTestVideo(t.ctx, creator.user!, { caption: `for ${c.region} ${k}`, durationMs: 9000 })).id,
          );
        for (const [k, id] of c.history.entries()) await social.watch(t, c.user!, id, 1000 * (k + 2) + i, k === 2);
        await social.favorite(t, c.user!, c.history[0]!);
        await social.like(t, c.user!, c.history[1]!);
        await social.like(t, c.user!, next.publicClip!);
        await social.share(t, c.user!, next.publicClip!);
        await social.notInterested(t, c.user!, creator.publicClip!);
        const commentId = await social.comment(t, c.user!, next.publicClip!, `hello from ${c.region}, @${next.handle}`);
        await social.comment(t, next.user!, next.publicClip!, `thanks ${c.region}`, commentId);
        await social.likeComment(t, next.user!, commentId);
      }
      // A follower in another region sees and watches a followers-only clip.
      const us = canaries[0]!;
      const eu = canaries[1]!;
      const followersOnly = await t.ctx.cells
        .get('eu')
        .db.selectFrom('videos')
        .select('id')
        .where('owner_id', '=', eu.user!.id)
        .where('visibility', '=', 'followers')
        .executeTakeFirstOrThrow();
      expect((await social.get(t, us.user!, `/videos/${followersOnly.id}`)).caption).toBe(eu.followersCaption);
      await social.watch(t, us.user!, followersOnly.id);
      await social.share(t, null, eu.publicClip!);
    },
  },
  {
    name: 'the us user follows and comments on an au creator',
    async run(t, canaries) {
      const [us, , au] = canaries;
      await social.follow(t, us!.user!, au!.user!);
      await social.comment(t, us!.user!, au!.publicClip!, 'g day from ohio');
    },
  },
  {
    name: 'search, hashtags, feeds, notifications, then a follow request to a private account, a mute and a block across regions',
    async run(t, canaries) {
      for (const c of canaries) {
        const muted = await t.app.inject({
          method: 'PUT',
          url: '/api/v1/me/muted-words',
          headers: bearer(c.user!.token),
          payload: { words: [c.mutedWord, `#${c.mutedWord}`] },
        });
        expect(muted.statusCode, muted.body).toBe(200);
        const found = await social.get(t, c.user!, `/search?q=${encodeURIComponent(c.searchQuery)}`);
        expect(found.videos).toEqual([]);
        expect((await social.get(t, c.user!, `/search?q=public+clip+${c.region}`)).videos.length).toBeGreaterThan(0);
        expect((await social.get(t, c.user!, `/hashtags/canary${tag}`)).videoCount).toBe(canaries.length);
        await social.get(t, c.user!, '/feed/for-you');
        await social.get(t, c.user!, '/feed/following');
        await social.get(t, null, '/trending');
        const notes = await social.get(t, c.user!, '/notifications');
        expect(notes.items.length).toBeGreaterThan(0);
        await t.app.inject({ method: 'POST', url: '/api/v1/notifications/read', headers: bearer(c.user!.token) });
        await social.get(t, c.user!, '/me/favorites');
        await social.get(t, c.user!, '/me/likes');
      }
      // A private account in nz: the row user's follow is a request until approved.
      const [, , , nz, row] = canaries;
      await social.privateAccount(t, nz!.user!);
      await social.follow(t, row!.user!, nz!.user!);
      await social.approve(t, nz!.user!, row!.user!);
      await social.mute(t, canaries[1]!.user!, canaries[3]!.user!);
      await social.block(t, canaries[4]!.user!, canaries[1]!.user!);
    },
  },
  {
    name: 'operator reads by role, by grant across regions, and denials',
    async run(t, canaries) {
      const global = await makeOperator(t, `canary_glob_${tag}`, 'global', 'support', 'CA');
      for (const c of canaries) {
        const support = await makeOperator(t, `canary_sup_${c.region}_${tag}`, c.region, 'support', c.country);
        const security = await makeOperator(t, `canary_sec_${c.region}_${tag}`, c.region, 'security', c.country);
        const url = (fields: string) =>
          `/api/v1/operator/users/${c.user!.id}/protected?fields=${fields}&reason=canary+sweep+of+the+rules`;
        expect(
          (await t.app.inject({ method: 'GET', url: url('email,birthdate'), headers: bearer(support.token) }))
            .statusCode,
        ).toBe(200);
        expect(
          (await t.app.inject({ method: 'GET', url: url('ips,sessions'), headers: bearer(security.token) })).statusCode,
        ).toBe(200);
        expect(
          (await t.app.inject({ method: 'GET', url: url('email'), headers: bearer(global.token) })).statusCode,
        ).toBe(403);
        const grant = await t.app.inject({
          method: 'POST',
          url: '/api/v1/operator/grants',
          headers: bearer(global.token),
          payload: {
            subjectId: c.user!.id,
            fields: ['email', 'ips'],
            reason: 'canary cross-region case',
            durationMinutes: 10,
          },
        });
        await t.app.inject({
          method: 'POST',
          url: `/api/v1/operator/grants/${grant.json().id}/approve`,
          headers: bearer(security.token),
        });
        const read = await t.app.inject({ method: 'GET', url: url('email,ips'), headers: bearer(global.token) });
        expect(read.json().fields).toEqual({ email: c.email, ips: [c.ip] });
      }
    },
  },
  {
    name: 'reports of a clip, a comment and an account in the next region, decided by that region’s moderators',
    async run(t, canaries) {
      const mods = new Map<string, TestUser>();
      for (const c of canaries)
        mods.set(c.region, await makeOperator(t, `canary_mod_${c.region}_${tag}`, c.region, 'moderator', c.country));
      for (const [i, c] of canaries.entries()) {
        const next = canaries[(i + 1) % canaries.length]!;
        c.reporter = await signup(t.app, { handle: `canary_rep_${c.region}_${tag}`, country: c.country });
        const reported = await publishTestVideo(t.ctx, next.user!, { caption: `reported clip of ${next.region}` });
        // This canary's comment on the next one's clip: it lives in next's cell, its author's notice crosses back.
        const comment = await t.ctx.cells
          .get(next.region)
          .db.selectFrom('comments')
          .select('id')
          .where('video_id', '=', next.publicClip!)
          .where('author_id', '=', c.user!.id)
          .executeTakeFirstOrThrow();
        // The nz canary's account is private: a stranger sees (and can report) only the account itself.
        const targets = [
          ...(next.region === 'nz'
            ? []
            : [
                { type: 'video', id: reported.id, action: 'remove' },
                { type: 'video', id: next.publicClip!, action: 'dismiss' },
                { type: 'comment', id: comment.id, action: 'remove' },
              ]),
          { type: 'user', id: next.user!.id, action: 'dismiss' },
        ];
        c.reports = targets.length;
        for (const target of targets) {
          const res = await t.app.inject({
            method: 'POST',
            url: '/api/v1/reports',
            headers: bearer(c.reporter.token),
            payload: {
              target: { type: target.type, id: target.id },
              reason: 'harassment',
              details: `from ${c.region}`,
            },
          });
          expect(res.statusCode, res.body).toBe(201);
        }
        const mod = mods.get(next.region)!;
        const queue = await t.app.inject({
          method: 'GET',
          url: '/api/v1/moderation/queue?status=open&limit=100',
          headers: bearer(mod.token),
        });
        expect(queue.statusCode, queue.body).toBe(200);
        for (const target of targets) {
          const item = (queue.json().items as { id: string; target: { id: string } }[]).find(
            (x) => x.target.id === target.id,
          );
          expect(item, `${target.type} case in ${next.region}`).toBeDefined();
          const read = await t.app.inject({
            method: 'GET',
            url: `/api/v1/moderation/cases/${item!.id}`,
            headers: bearer(mod.token),
          });
          expect(read.statusCode, read.body).toBe(200);
          const decided = await t.app.inject({
            method: 'POST',
            url: `/api/v1/moderation/cases/${item!.id}/decision`,
            headers: bearer(mod.token),
            payload: { action: target.action, statement: `Decided in ${next.region} by the canary sweep.` },
          });
          expect(decided.statusCode, decided.body).toBe(200);
        }
      }
      await runDueJobs(t);
      for (const c of canaries) {
        const notes = await t.app.inject({
          method: 'GET',
          url: '/api/v1/notifications',
          headers: bearer(c.reporter!.token),
        });
        const outcomes = (notes.json().items as { type: string }[]).filter((n) => n.type === 'report_outcome');
        expect(outcomes, c.region).toHaveLength(c.reports!);
      }
    },
  },
  {
    name: 'download your data',
    async run(t, canaries) {
      for (const c of canaries)
        expect(
          (await t.app.inject({ method: 'POST', url: '/api/v1/me/export', headers: bearer(c.user!.token) })).statusCode,
        ).toBe(202);
      await runDueJobs(t);
    },
  },
  {
    name: 'mail: verification and password-reset links by address and by handle, kept in the home cell’s outbox',
    async run(t, canaries) {
      for (const [i, c] of canaries.entries()) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/password-resets',
          payload: i % 2 ? { handle: c.handle } : { email: c.email.toUpperCase() },
        });
        expect(res.statusCode).toBe(202);
      }
      await t.ctx.passwords.settled();
      await runDueJobs(t);
      for (const c of canaries) {
        const cell = t.ctx.cells.get(c.region);
        const mail = [];
        for (const entry of await listOutbox(cell.db)) {
          const opened = await openMail(t.ctx, c.region, entry.id);
          if (opened?.userId === c.user!.id) mail.push(opened);
        }
        expect(mail.map((m) => m.kind).sort()).toEqual(['email_verification', 'password_reset']);
        expect(mail.every((m) => m.to === c.email)).toBe(true);
        const verify = linkToken(mail.find((m) => m.kind === 'email_verification')!.text, 'verify-email');
        const verified = await t.app.inject({ method: 'POST', url: `/api/v1/email-verifications/${verify}` });
        expect(verified.statusCode).toBe(204);
        c.mailToken = linkToken(mail.find((m) => m.kind === 'password_reset')!.text, 'reset');
      }
    },
  },
  {
    name: 'account deletion requested, then cancelled by logging in',
    async run(t, canaries) {
      const c = canaries[1]!;
      expect(
        (
          await t.app.inject({
            method: 'DELETE',
            url: '/api/v1/me',
            headers: bearer(c.user!.token),
            payload: { password: PASSWORD },
          })
        ).statusCode,
      ).toBe(202);
      const back = await t.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { handle: c.handle, password: PASSWORD },
        remoteAddress: c.ip,
        headers: { 'user-agent': c.userAgent },
      });
      expect(back.statusCode).toBe(201);
      c.user!.token = back.json().token;
    },
  },
  {
    name: 'transparency report and the border roll-up into the chains',
    async run(t) {
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/transparency' })).statusCode).toBe(200);
      for (const r of t.ctx.cells.regions()) await t.ctx.audit.rollupBorderFlows(r);
    },
  },
];

describe('canary: protected values never leave their home cell', () => {
  let t: TestApp;
  const canaries: Canary[] = REGIONS.map(([region, country], i) => ({
    region,
    country,
    handle: `canary_${region}_${tag}`,
    email: `canary.${region}.${tag}@example.org`,
    birthdate: `19${60 + i}-0${i + 1}-1${i}`,
    ip: `198.51.100.${171 + i}`,
    userAgent: `CanaryAgent/${region}-${tag}`,
    privateCaption: `canary private ${region} ${tag}`,
    followersCaption: `canary followers ${region} ${tag}`,
    searchQuery: `canarysearch${region}${tag}`,
    mutedWord: `canarymuted${region}${tag}`,
  }));

  beforeAll(async () => {
    // Embedded on purpose: the canary scans every store file byte by byte.
    t = await startTestApp({ dialect: 'sqlite' });
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  for (const feature of FEATURES) it(`exercises: ${feature.name}`, () => feature.run(t, canaries));

  it('finds no canary value outside its home cell, in any job table, or in the logs', async () => {
    const files = filesUnder(t.dataDir).map((f) => ({ path: relative(t.dataDir, f), bytes: readFileSync(f) }));
    const jobs: string[] = [];
    for (const cell of t.ctx.cells.all()) {
      for (const j of await cell.db.selectFrom('jobs').selectAll().execute())
        jobs.push(`${cell.region}:${j.name} ${j.payload} ${j.dedupe_key ?? ''} ${j.last_error ?? ''}`);
    }
    expect(jobs.length).toBeGreaterThan(0);
    const logs = t.logs();
    expect(logs.length).toBeGreaterThan(1000);
    const hits: string[] = [];
    for (const c of canaries) {
      const home = join('cells', c.region);
      const check = (field: string, value: string, allowed: (path: string) => boolean) => {
        const needle = Buffer.from(value);
        for (const f of files)
          if (!allowed(f.path) && f.bytes.includes(needle)) hits.push(`${c.region}.${field} in ${f.path}`);
        if (jobs.some((j) => j.includes(value))) hits.push(`${c.region}.${field} in a job row`);
        if (logs.includes(value)) hits.push(`${c.region}.${field} in the logs`);
      };
      // Sealed values appear in clear nowhere, except inside the user's own export in the home cell.
      for (const field of SEALED) check(field, c[field], (p) => p.startsWith(join(home, 'exports')));
      for (const field of HOME_ONLY) check(field, c[field], (p) => p.startsWith(home + '/'));
      for (const field of NOWHERE) check(field, c[field], () => false);
      check('mailToken', c.mailToken!, () => false);
      // Watch history and favorites: the clips only this user watched are in the directory (public index),
      // the creator's cell and the viewer's cell, nowhere else.
      for (const id of c.history!) {
        const needle = Buffer.from(id);
        const allowed = [home + '/', join('cells', c.creatorRegion!) + '/', 'directory/'];
        for (const f of files)
          if (!allowed.some((a) => f.path.startsWith(a)) && f.bytes.includes(needle))
            hits.push(`${c.region} watched ${id}, found in ${f.path}`);
        if (jobs.some((j) => j.includes(id))) hits.push(`${c.region} watched ${id}, found in a job row`);
      }
      // Row by row too: no other cell holds a like, favorite, view, not-interested, mute or block of theirs.
      for (const other of t.ctx.cells.all()) {
        if (other.region === c.region) continue;
        for (const table of [
          'likes',
          'favorites',
          'watch_events',
          'not_interested',
          'mutes',
          'comment_likes',
        ] as const) {
          const rows = await other.db.selectFrom(table).select('user_id').where('user_id', '=', c.user!.id).execute();
          if (rows.length > 0) hits.push(`${c.region}'s ${table} in ${other.region}`);
        }
        if (
          (await other.db.selectFrom('follows').select('follower_id').where('follower_id', '=', c.user!.id).execute())
            .length > 0
        )
          hits.push(`${c.region}'s follows in ${other.region}`);
        if (
          (await other.db.selectFrom('blocks').select('blocker_id').where('blocker_id', '=', c.user!.id).execute())
            .length > 0
        )
          hits.push(`${c.region}'s blocks in ${other.region}`);
      }
      // Who reported is known in the reporter's home cell only: no other cell, no job row elsewhere, and in the
      // directory only their own account row.
      const reporter = c.reporter!;
      for (const value of [reporter.id, reporter.handle]) {
        const needle = Buffer.from(value);
        for (const f of files)
          if (!f.path.startsWith(home + '/') && !f.path.startsWith('directory/') && f.bytes.includes(needle))
            hits.push(`${c.region}'s reporter ${value} in ${f.path}`);
        for (const cell of t.ctx.cells.all()) {
          if (cell.region === c.region) continue;
          for (const j of await cell.db.selectFrom('jobs').selectAll().execute())
            if (`${j.payload} ${j.dedupe_key ?? ''} ${j.last_error ?? ''}`.includes(value))
              hits.push(`${c.region}'s reporter ${value} in a job row of ${cell.region}`);
        }
      }
      for (const table of await t.ctx.directory.introspection.getTables()) {
        if (table.isView || table.name === 'users') continue;
        const rows = await (t.ctx.directory as any).selectFrom(table.name).selectAll().execute();
        if (JSON.stringify(rows).includes(reporter.id)) hits.push(`${c.region}'s reporter in directory.${table.name}`);
      }
      const own = await t.ctx.cells
        .get(c.region)
        .db.selectFrom('reports')
        .select('id')
        .where('reporter_id', '=', reporter.id)
        .execute();
      if (own.length !== c.reports)
        hits.push(`${c.region}'s reporter has ${own.length} reports at home, not ${c.reports}`);
    }
    expect(hits).toEqual([]);
    // The us user follows and comments on the au creator, and au holds exactly that: the follower row and the comment.
    const [us, , au] = canaries;
    const auDb = t.ctx.cells.get('au').db;
    expect(
      await auDb
        .selectFrom('followers')
        .select('follower_id')
        .where('followee_id', '=', au!.user!.id)
        .where('follower_id', '=', us!.user!.id)
        .execute(),
    ).toHaveLength(1);
    expect(await auDb.selectFrom('comments').select('text').where('author_id', '=', us!.user!.id).execute()).toEqual([
      { text: 'g day from ohio' },
    ]);
    // The scan sees what is there: the us user's history is in the us cell, and the logs do carry request lines.
    expect(files.some((f) => f.path.startsWith('cells/us/') && f.bytes.includes(Buffer.from(us!.history![0]!)))).toBe(
      true,
    );
    expect(logs).toContain('/api/v1/search');
    // The scan itself works: the home cell does hold the private caption.
    const home = files.filter(
      (f) => f.path.startsWith('cells/us/') && f.bytes.includes(Buffer.from(canaries[0]!.privateCaption)),
    );
    expect(home.length).toBeGreaterThan(0);
  });

  it('keeps every region chain intact after all of it', async () => {
    for (const r of t.ctx.cells.regions()) expect((await t.ctx.audit.for(r).verify()).ok, r).toBe(true);
  });
});
