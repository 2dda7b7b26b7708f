import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyBase64 } from '../../src/regions/keys.js';
import { manifestDigest, readManifest, verifyAbsent } from '../../src/regions/carve-out.js';
import { carveOutFor, type AppContext } from '../../src/context.js';
import { bearer, removeDir, signup, startTestApp, tempDir } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';
import { startMediaApp } from '../media/helpers.js';
import { social, uploadClip } from './social.js';

const carve = (ctx: AppContext) => carveOutFor(ctx);

async function followRows(ctx: AppContext, region: string) {
  return ctx.cells
    .get(region)
    .db.selectFrom('follows')
    .select(['follower_id', 'followee_id'])
    .orderBy('follower_id')
    .orderBy('followee_id')
    .execute();
}

const handles = (page: { items: { handle: string }[] }) => page.items.map((u) => u.handle).sort();

describe('region carve-out end to end: export au, run it alone, detach it, prove it is gone', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDir));

  it('works', async () => {
    const source = await startMediaApp({ dialect: 'sqlite' });
    dirs.push(source.dataDir);
    const password = 'a long enough passphrase';
    const ava = await signup(source.app, { handle: 'ava_carve_us', country: 'US', email: 'ava.carve.us@example.org' });
    const bo = await signup(source.app, { handle: 'bo_carve_eu', country: 'DE', email: 'bo.carve.eu@example.org' });
    const cy = await signup(source.app, {
      handle: 'cy_carve_au',
      country: 'AU',
      email: 'cy.carve.au.7319@example.org',
    });
    const dee = await signup(source.app, {
      handle: 'dee_carve_au',
      country: 'AU',
      email: 'dee.carve.au.5521@example.org',
    });
    await social.follow(source, cy, dee);
    await social.follow(source, dee, cy);
    await social.follow(source, ava, cy);
    await social.follow(source, cy, bo);
    await social.follow(source, ava, bo);
    const cyClip = { id: await uploadClip(source, cy, 'sunrise at bondi #bondi #surf') };
    // A clip in eu made from au's: it stays bo's and keeps playing; only its link to the original leaves with au.
    const boDuet = await uploadClip(source, bo, 'bo duets bondi', 'public', { duetOf: cyClip.id });
    expect((await source.app.inject({ method: 'GET', url: `/api/v1/videos/${boDuet}` })).json().duetOf).toMatchObject({
      id: cyClip.id,
      author: { handle: 'cy_carve_au' },
    });
    const deePrivate = await publishTestVideo(source.ctx, dee, { caption: 'dee private draft', visibility: 'private' });
    const avaClip = (await publishTestVideo(source.ctx, ava, { caption: 'ava in ohio #surf', durationMs: 6000 })).id;
    // What other regions' users did with au's clips, and au's users with theirs.
    await social.like(source, ava, cyClip.id);
    await social.favorite(source, ava, cyClip.id);
    await social.watch(source, ava, cyClip.id);
    await social.comment(source, ava, cyClip.id, 'ava says g day');
    const cyComment = await social.comment(source, cy, avaClip, 'cy loves ohio');
    await social.comment(source, ava, avaClip, 'ava thanks cy', cyComment);
    await social.comment(source, bo, avaClip, 'bo was here');
    await social.like(source, cy, avaClip);
    await social.like(source, dee, avaClip);
    await social.like(source, bo, avaClip);
    await social.favorite(source, cy, avaClip);
    await social.watch(source, dee, avaClip);
    await social.block(source, dee, bo);
    // Trust and safety across the border: ava (us) reports au's clip; cy (au) reports ava's clip; a us moderator
    // removes cy's comment on ava's clip (a case and a decision about cy in us, the notice in au).
    const report = (who: { token: string }, type: string, id: string) =>
      source.app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: bearer(who.token),
        payload: { target: { type, id }, reason: 'spam' },
      });
    expect((await report(ava, 'video', cyClip.id)).statusCode).toBe(201);
    expect((await report(cy, 'video', avaClip)).statusCode).toBe(201);
    expect((await report(ava, 'comment', cyComment)).statusCode).toBe(201);
    const usMod = await signup(source.app, { handle: 'mo_carve_us', country: 'US' });
    await source.ctx.operators.add('mo_carve_us', 'us', 'moderator');
    const queue = await source.app.inject({ url: '/api/v1/moderation/queue', headers: bearer(usMod.token) });
    const commentCase = queue.json().items.find((c: { target: { id: string } }) => c.target.id === cyComment);
    const decided = await source.app.inject({
      method: 'POST',
      url: `/api/v1/moderation/cases/${commentCase.id}/decision`,
      headers: bearer(usMod.token),
      payload: { action: 'remove', policy: 'spam', statement: 'This comment is advertising.' },
    });
    expect(decided.statusCode).toBe(200);
    expect(
      (await source.ctx.cells.get('au').db.selectFrom('moderation_notices').selectAll().execute())[0],
    ).toMatchObject({ user_id: cy.id, action: 'remove', strike: 1 });
    expect((await source.app.inject({ method: 'GET', url: '/api/v1/hashtags/surf' })).json().videoCount).toBe(2);
    // A job in another cell that names an au user (e.g. a notification to deliver) must go with the region.
    await source.ctx.queues.get('us')!.enqueue('accounts.export', { exportId: cy.id });
    // An operator access in au, so its chain has something to carry.
    await source.ctx.operators.add('bo_carve_eu', 'global', 'support');
    const denied = await source.app.inject({
      method: 'GET',
      url: `/api/v1/operator/users/${cy.id}/protected?fields=email&reason=checking+a+support+ticket`,
      headers: bearer(bo.token),
    });
    expect(denied.statusCode).toBe(403);

    const before = verifyAbsent(source.dataDir, await carve(source.ctx).manifest('au', true));
    expect(before.found.length).toBeGreaterThan(0);

    // Export, with the receiver's key; a second run resumes and changes nothing.
    const out = tempDir('reelm-export-');
    dirs.push(out);
    const keyFile = join(tempDir('reelm-key-'), 'au.kek');
    writeFileSync(keyFile, generateKeyBase64());
    const first = await carve(source.ctx).exportRegion('au', out, { newKeyFile: keyFile });
    expect(first.counts).toMatchObject({ 'directory.users': 2, 'directory.videos': 1, 'directory.sounds': 1 });
    await carve(source.ctx).exportRegion('au', out, { newKeyFile: keyFile });
    expect(existsSync(join(out, 'keys', 'au.kek'))).toBe(false);
    const manifest = readManifest(out);
    expect(manifest).toMatchObject({
      region: 'au',
      userIds: [cy.id, dee.id].sort(),
      handles: ['cy_carve_au', 'dee_carve_au'],
    });
    expect(manifest.emails).toEqual(['cy.carve.au.7319@example.org', 'dee.carve.au.5521@example.org']);
    expect(manifest.videoIds.sort()).toEqual([cyClip.id, deePrivate.id].sort());
    const sourceCounts = {
      users: (await source.ctx.directory.selectFrom('users').select('id').where('region', '=', 'au').execute()).length,
      videos: (await source.ctx.directory.selectFrom('videos').select('id').where('region', '=', 'au').execute())
        .length,
      cellVideos: (await source.ctx.cells.get('au').db.selectFrom('videos').select('id').execute()).length,
    };

    // The export runs alone: only au, every country mapped to it, keys from the receiver.
    const alone = await startTestApp({ dialect: 'sqlite', dataDir: out, env: { REELM_KEK_AU_FILE: keyFile } });
    try {
      expect(alone.ctx.cells.regions()).toEqual(['au']);
      expect(alone.config.countryRegion.US).toBe('au');
      const login = await alone.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { handle: 'cy_carve_au', password },
      });
      expect(login.statusCode).toBe(201);
      const me = await alone.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(login.json().token) });
      expect(me.json()).toMatchObject({ id: cy.id, email: 'cy.carve.au.7319@example.org', region: 'au' });
      expect(
        (
          await alone.app.inject({
            method: 'POST',
            url: '/api/v1/sessions',
            payload: { handle: 'ava_carve_us', password },
          })
        ).statusCode,
      ).toBe(401);
      const follows = await followRows(alone.ctx, 'au');
      expect(follows).toContainEqual({ follower_id: cy.id, followee_id: dee.id });
      expect(follows).toContainEqual({ follower_id: dee.id, followee_id: cy.id });
      // A follow of someone outside au survives as a record whose user is unavailable, not an error.
      expect(follows).toContainEqual({ follower_id: cy.id, followee_id: bo.id });
      expect(await alone.ctx.accounts.locate(bo.id)).toBeUndefined();
      expect((await alone.app.inject({ method: 'GET', url: '/api/v1/users/bo_carve_eu' })).statusCode).toBe(404);
      // Through the API: the follows among au users show, the one to bo is simply not listed, and nothing errs.
      const cyUser = { ...cy, token: login.json().token as string };
      expect(handles(await social.get(alone, cyUser, '/users/cy_carve_au/following'))).toEqual(['dee_carve_au']);
      expect(handles(await social.get(alone, null, '/users/cy_carve_au/followers'))).toEqual(['dee_carve_au']);
      expect((await social.get(alone, cyUser, '/feed/following')).items).toEqual([]);
      // A creator is not served their own clips; dee is, with the record of a follow to bo left in dee's cell.
      expect((await social.get(alone, cyUser, '/feed/for-you')).items).toEqual([]);
      expect((await social.get(alone, null, '/feed/for-you')).items.map((v: { id: string }) => v.id)).toEqual([
        cyClip.id,
      ]);
      expect((await social.get(alone, cyUser, '/notifications')).items.length).toBeGreaterThan(0);
      const deeUser = {
        ...dee,
        token: (
          await alone.app.inject({
            method: 'POST',
            url: '/api/v1/sessions',
            payload: { handle: 'dee_carve_au', password },
          })
        ).json().token as string,
      };
      expect((await social.get(alone, deeUser, '/feed/following')).items.map((v: { id: string }) => v.id)).toEqual([
        cyClip.id,
      ]);
      expect((await social.get(alone, deeUser, '/feed/for-you')).items.map((v: { id: string }) => v.id)).toEqual([
        cyClip.id,
      ]);
      // A comment by someone outside au stays with the clip; its author is unavailable, so it is not shown.
      expect((await social.get(alone, deeUser, `/videos/${cyClip.id}/comments`)).items).toEqual([]);
      await social.like(alone, deeUser, cyClip.id);
      await social.comment(alone, deeUser, cyClip.id, 'dee still here');
      const profile = await alone.app.inject({ method: 'GET', url: '/api/v1/users/cy_carve_au' });
      expect(profile.json().stats).toMatchObject({ followers: 2, following: 2, videos: 1 });
      expect(existsSync(join(out, 'cells', 'au', 'media', cyClip.id))).toBe(true);
      expect(await alone.ctx.directory.selectFrom('users').select('id').execute()).toHaveLength(sourceCounts.users);
      expect(await alone.ctx.directory.selectFrom('videos').select('id').execute()).toHaveLength(sourceCounts.videos);
      expect(await alone.ctx.cells.get('au').db.selectFrom('videos').select('id').execute()).toHaveLength(
        sourceCounts.cellVideos,
      );
      const chain = await alone.ctx.audit.for('au').verify();
      expect(chain.ok).toBe(true);
      const actions = (await alone.ctx.audit.for('au').list({ limit: 50 })).map((e) => e.action);
      expect(actions).toContain('access.denied');
      expect(actions).toContain('region.export.started');
    } finally {
      await alone.close();
    }

    // Detach au from the source.
    const avaBefore = await source.ctx.directory
      .selectFrom('users')
      .selectAll()
      .where('id', '=', ava.id)
      .executeTakeFirstOrThrow();
    const boBefore = await source.ctx.directory
      .selectFrom('users')
      .selectAll()
      .where('id', '=', bo.id)
      .executeTakeFirstOrThrow();
    const avaClipBefore = await source.ctx.directory
      .selectFrom('videos')
      .selectAll()
      .where('id', '=', avaClip)
      .executeTakeFirstOrThrow();
    expect(avaClipBefore).toMatchObject({ like_count: 3, comment_count: 3 });
    const { certificate, removed } = await carve(source.ctx).detach('au');
    expect(removed).toMatchObject({
      'directory.users': 2,
      'directory.videos': 1,
      'us.follows': 1,
      'eu.followers': 1,
      'eu.blocked_by': 1,
      'us.jobs': 1,
      'us.likes': 1,
      'us.favorites': 1,
      'us.watch_events': 1,
      'us.comments': 2,
      // Ava's report of cy's clip, and the case and decision about cy's comment.
      'us.reports': 1,
      'us.moderation_cases': 1,
      'us.moderation_decisions': 1,
    });
    // The case about ava's clip stays: it names no one of au (cy's report reached it without cy).
    const usCases = await source.ctx.cells.get('us').db.selectFrom('moderation_cases').selectAll().execute();
    expect(usCases.map((c) => c.target_id)).toEqual([avaClip]);
    expect(certificate).toMatchObject({
      region: 'au',
      remainingRegions: ['us', 'eu', 'nz', 'row'],
      lastAuditHead: { seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const avaAfter = await source.ctx.directory
      .selectFrom('users')
      .selectAll()
      .where('id', '=', ava.id)
      .executeTakeFirstOrThrow();
    const boAfter = await source.ctx.directory
      .selectFrom('users')
      .selectAll()
      .where('id', '=', bo.id)
      .executeTakeFirstOrThrow();
    expect(avaAfter.following_count).toBe(avaBefore.following_count - 1);
    expect(avaAfter.like_count).toBe(avaBefore.like_count - 2);
    expect(boAfter.follower_count).toBe(boBefore.follower_count - 1);
    expect(await followRows(source.ctx, 'us')).toEqual([{ follower_id: ava.id, followee_id: bo.id }]);
    // Ava's clip: au's likes and cy's comment (with Ava's reply to it) are gone from its counts; bo's remain.
    expect(
      await source.ctx.directory
        .selectFrom('videos')
        .select(['like_count', 'comment_count'])
        .where('id', '=', avaClip)
        .executeTakeFirstOrThrow(),
    ).toEqual({ like_count: 1, comment_count: 1 });
    const comments = await source.app.inject({ method: 'GET', url: `/api/v1/videos/${avaClip}/comments` });
    expect(comments.json().items.map((c: { text: string }) => c.text)).toEqual(['bo was here']);
    expect(
      await source.ctx.cells.get('us').db.selectFrom('notifications').select(['type', 'actor_id']).execute(),
    ).toEqual([
      { type: 'comment', actor_id: bo.id },
      { type: 'like', actor_id: bo.id },
      // Ava's report of cy's comment was answered; it names nobody.
      { type: 'report_outcome', actor_id: '' },
    ]);
    // Hashtag counts are recomputed for au's clips; search no longer finds them.
    expect((await source.app.inject({ method: 'GET', url: '/api/v1/hashtags/surf' })).json().videoCount).toBe(1);
    expect((await source.app.inject({ method: 'GET', url: '/api/v1/hashtags/bondi' })).json()).toMatchObject({
      videoCount: 0,
      items: [],
    });
    expect((await source.app.inject({ method: 'GET', url: '/api/v1/search?q=sunrise' })).json().videos).toEqual([]);
    expect(
      (await source.app.inject({ method: 'GET', url: '/api/v1/feed/for-you' }))
        .json()
        .items.map((v: { id: string }) => v.id)
        .sort(),
    ).toEqual([avaClip, boDuet].sort());
    const logFile = join(source.dataDir, '..', `reelm-carve-${Date.now()}.log`);
    writeFileSync(logFile, source.logs());
    await source.close();

    expect(existsSync(join(source.dataDir, 'cells', 'au'))).toBe(false);
    // The remainder keeps no list of who left: no manifest, and its certificate and state commit to the export's
    // manifest by hash and counts only.
    expect(existsSync(join(source.dataDir, 'carve-out', 'au.manifest.json'))).toBe(false);
    expect(certificate).toMatchObject({ manifestSha256: manifestDigest(manifest), users: 2, videos: 2 });
    const detachState = readFileSync(join(source.dataDir, 'carve-out', 'au.detach-state.json'), 'utf8');
    expect(detachState).toContain(manifestDigest(manifest));
    for (const id of [cy.id, dee.id, cyClip.id]) expect(detachState).not.toContain(id);
    expect(existsSync(join(source.dataDir, 'keys', 'au.kek'))).toBe(false);
    expect(JSON.parse(readFileSync(join(source.dataDir, 'reelm.config.json'), 'utf8')).countryRegion.AU).toBe('row');

    // Nothing of au remains: ids, handles, emails, clip and sound ids, in any file.
    const after = verifyAbsent(source.dataDir, readManifest(out));
    expect(after.found).toEqual([]);
    expect(after.files).toBeGreaterThan(5);
    // The scan does find what is there: the request logs still name the users.
    expect(verifyAbsent(source.dataDir, readManifest(out), [logFile]).found.length).toBeGreaterThan(0);
    removeDir(logFile);

    // The remaining deployment starts without au and every chain verifies and holds the certificate.
    const rest = await startTestApp({ dialect: 'sqlite', dataDir: source.dataDir });
    try {
      expect(rest.ctx.cells.regions()).toEqual(['us', 'eu', 'nz', 'row']);
      for (const region of rest.ctx.cells.regions()) {
        expect((await rest.ctx.audit.for(region).verify()).ok, region).toBe(true);
        const [entry] = await rest.ctx.audit.for(region).list({ limit: 1, action: 'region.detached' });
        expect(entry?.subject).toBe('au');
        expect((entry?.details.certificate as { signatures: Record<string, string> }).signatures).toHaveProperty(
          region,
        );
      }
      const signup2 = await rest.app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        payload: { handle: 'new_aussie', password, email: 'n@example.org', birthdate: '1990-01-01', country: 'AU' },
      });
      expect(signup2.json().region).toBe('row');
      const duet = (await rest.app.inject({ method: 'GET', url: `/api/v1/videos/${boDuet}` })).json();
      expect(duet).toMatchObject({ status: 'ready', duetOf: null });
      expect(duet.playback.hls).toBeTruthy();
      expect(
        (
          await rest.app.inject({
            method: 'POST',
            url: '/api/v1/sessions',
            payload: { handle: 'ava_carve_us', password },
          })
        ).statusCode,
      ).toBe(201);
    } finally {
      await rest.close();
    }
  });

  it('resumes an export interrupted after its keys were re-wrapped, without re-wrapping them twice', async () => {
    const source = await startTestApp({ dialect: 'sqlite' });
    dirs.push(source.dataDir);
    await signup(source.app, { handle: 'resume_au_user', country: 'AU', email: 'resume.au@example.org' });
    const out = tempDir('reelm-export-resume-');
    dirs.push(out);
    await carve(source.ctx).exportRegion('au', out);
    // As if the process died right after the re-wrap committed, before the step was recorded.
    const stateFile = join(out, '.export-state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    for (const step of ['keys', 'media', 'directory', 'config', 'finish']) delete state.steps[step];
    writeFileSync(stateFile, JSON.stringify(state));
    await carve(source.ctx).exportRegion('au', out);
    await source.close();
    const alone = await startTestApp({ dialect: 'sqlite', dataDir: out });
    try {
      const login = await alone.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { handle: 'resume_au_user', password: 'a long enough passphrase' },
      });
      expect(login.statusCode).toBe(201);
      expect(
        (await alone.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(login.json().token) })).json()
          .email,
      ).toBe('resume.au@example.org');
    } finally {
      await alone.close();
    }
  });
});
