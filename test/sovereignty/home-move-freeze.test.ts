import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/jobs/workers.js';
import type { MoveStep } from '../../src/regions/home-move.js';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';
import { makeOperator } from './helpers.js';
import { social, type Person } from './social.js';

const PASSWORD = 'a long enough passphrase';
const DECISION = { action: 'restrict', statement: 'We looked at this clip and it breaks none of our rules.' };

/**
 * While a move is between its copy and its shred the account is frozen for writes: a write reaching the old
 * copy then would be lost with it. The move is held after its copy (the `afterMoveStep` hook) while the test
 * writes, as the user and as others writing to the user's clip and profile.
 */
describe('writes while a home-region move runs', () => {
  let t: TestApp;
  /** A second API process over the same stores (no workers): it must see the freeze the first one's job sets. */
  let other: TestApp;
  let mo: Person;
  let fr: Person;
  let moClip: { id: string };
  let frClip: { id: string };
  let moComment: string;
  let mod: Person;
  let caseId: string;
  let paused: (step: MoveStep) => void = () => {};
  let release: () => void = () => {};
  const reached = new Promise<MoveStep>((r) => (paused = r));
  const held = new Promise<void>((r) => (release = r));

  beforeAll(async () => {
    t = await startTestApp({
      overrides: {
        afterMoveStep: async (step) => {
          // Held after the last verification, before the re-route: the gap a late write would fall into.
          if (step !== 'verified') return;
          paused(step);
          await held;
        },
      },
    });
    mo = await signup(t.app, { handle: 'mo_frozen', country: 'US' });
    fr = await signup(t.app, { handle: 'fr_writer', country: 'US' });
    moClip = await publishTestVideo(t.ctx, mo, { caption: 'packing' });
    frClip = await publishTestVideo(t.ctx, fr, { caption: 'staying' });
    moComment = await social.comment(t, mo, frClip.id, 'see you in europe');
    mod = (await makeOperator(t, 'us_moderator', 'us', 'moderator')) as Person;
    const report = await send(fr, 'POST', '/reports', { target: { type: 'video', id: moClip.id }, reason: 'spam' });
    expect(report.statusCode, report.body).toBe(201);
    const queue = await t.app.inject({
      method: 'GET',
      url: '/api/v1/moderation/queue?status=open',
      headers: bearer(mod.token),
    });
    other = await startTestApp({
      dataDir: t.dataDir,
      ...(t.pg ? { pg: t.pg } : {}),
      ...(t.s3 ? { s3: t.s3 } : {}),
      queuePrefix: t.queuePrefix,
    });
    caseId = queue.json().items.find((i: { target: { id: string } }) => i.target.id === moClip.id).id;
  });
  afterAll(async () => {
    release();
    await other?.close();
    await t?.destroy();
  });

  const send = (who: Person, method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: bearer(who.token),
      ...(payload ? { payload } : {}),
    });

  it('answers 409 account.moving to the moving user, video.moving / user.moving to others, and takes them after', async () => {
    // The other process learns mo is not moving (and may trust that for FREEZE_CACHE_MS)…
    const privacy = (app: TestApp) =>
      app.app.inject({
        method: 'PATCH',
        url: '/api/v1/me/privacy',
        headers: bearer(mo.token),
        payload: { privateAccount: false },
      });
    expect((await privacy(other)).statusCode).toBe(200);
    const started = Date.now();
    const asked = await send(mo, 'POST', '/me/home-region', { country: 'DE', password: PASSWORD });
    expect(asked.statusCode, asked.body).toBe(202);
    const worker = startWorkers(t.ctx, t.ctx.cells.regions(), { pollMs: 10 });
    try {
      expect(await reached).toBe('verified');
      // The move waited for every process to see the freeze before it copied.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);

      const own = await send(mo, 'POST', `/videos/${frClip.id}/comments`, { text: 'written mid-move' });
      expect(own.statusCode, own.body).toBe(409);
      expect(own.json().error).toEqual({
        code: 'account.moving',
        message: 'Your data is moving to region eu; try again in a moment.',
      });
      expect((await send(mo, 'PATCH', '/me/privacy', { privateAccount: true })).json().error.code).toBe(
        'account.moving',
      );
      // …and still refuses mo's writes once the move copies: the move waited out every process's cache.
      const elsewhere = await privacy(other);
      expect(elsewhere.statusCode, elsewhere.body).toBe(409);
      expect(elsewhere.json().error.code).toBe('account.moving');
      const tus = await t.app.inject({
        method: 'POST',
        url: '/api/v1/uploads',
        headers: { ...bearer(mo.token), 'tus-resumable': '1.0.0', 'upload-length': '100' },
      });
      expect(tus.statusCode, tus.body).toBe(409);
      expect(tus.json().error.code).toBe('account.moving');
      // Reading goes on, the move's status included.
      const status = await t.app.inject({ method: 'GET', url: '/api/v1/me/home-region', headers: bearer(mo.token) });
      expect(status.json()).toMatchObject({ region: 'us', move: { status: 'running', to: 'eu' } });
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(mo.token) })).statusCode).toBe(
        200,
      );

      // Others' writes that would land in mo's old cell wait too; their own writes elsewhere go on.
      const onClip = await send(fr, 'POST', `/videos/${moClip.id}/comments`, { text: 'on the moving clip' });
      expect(onClip.statusCode, onClip.body).toBe(409);
      expect(onClip.json().error.code).toBe('video.moving');
      expect((await send(fr, 'PUT', `/videos/${moClip.id}/like`)).json().error.code).toBe('video.moving');
      const follow = await send(fr, 'PUT', `/users/${mo.handle}/follow`);
      expect(follow.statusCode, follow.body).toBe(409);
      expect(follow.json().error).toEqual({
        code: 'user.moving',
        message: `@${mo.handle}'s data is moving to region eu; try again in a moment.`,
      });
      await social.comment(t, fr, frClip.id, 'my own clip is not moving');
      // A moderator's decision would change the clip's row in the old copy: it waits too.
      const decision = await send(mod, 'POST', `/moderation/cases/${caseId}/decision`, DECISION);
      expect(decision.statusCode, decision.body).toBe(409);
      expect(decision.json().error.code).toBe('user.moving');
      // A reply to mo's comment on fr's clip is fr's to write; its notification reaches mo's old copy after the
      // verify, and is carried to the new one.
      const reply = await social.comment(t, fr, frClip.id, 'safe travels', moComment);
      const late = await t.ctx.cells
        .get('us')
        .db.selectFrom('notifications')
        .select('id')
        .where('user_id', '=', mo.id)
        .where('comment_id', '=', reply)
        .execute();
      expect(late).toHaveLength(1);
    } finally {
      release();
    }
    for (const until = Date.now() + 30_000; Date.now() < until;) {
      const body = (
        await t.app.inject({ method: 'GET', url: '/api/v1/me/home-region', headers: bearer(mo.token) })
      ).json();
      if (body.move?.status !== 'running') {
        expect(body).toMatchObject({ region: 'eu', move: { status: 'done' } });
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await worker.stop();

    // After the move every refused write goes through, and lands where the account now lives.
    const after = await social.comment(t, mo, frClip.id, 'written after the move');
    await social.comment(t, fr, moClip.id, 'on the moved clip');
    await social.like(t, fr, moClip.id);
    await social.follow(t, fr, mo);
    const eu = t.ctx.cells.get('eu').db;
    expect(
      (await eu.selectFrom('comments').select('text').where('video_id', '=', moClip.id).execute()).map((r) => r.text),
    ).toEqual(['on the moved clip']);
    expect(await eu.selectFrom('followers').select('follower_id').where('followee_id', '=', mo.id).execute()).toEqual([
      { follower_id: fr.id },
    ]);
    const decided = await send(mod, 'POST', `/moderation/cases/${caseId}/decision`, DECISION);
    expect(decided.statusCode, decided.body).toBe(200);
    const restricted = await t.ctx.cells
      .get('eu')
      .db.selectFrom('videos')
      .select('moderation')
      .where('id', '=', moClip.id)
      .executeTakeFirst();
    expect(restricted?.moderation).toBe('restricted');
    const inbox = await social.get(t, mo, '/notifications');
    expect(inbox.items.filter((n: { type: string }) => n.type === 'reply')).toHaveLength(1);
    const comments = await social.get(t, fr, `/videos/${frClip.id}/comments`);
    expect(comments.items.map((c: { id: string }) => c.id)).toContain(after);
  });
});
