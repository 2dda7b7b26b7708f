import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.js';
import { clip, isSettled, runner, startMediaApp, tusUpload, user, waitForVideo, type MediaTestApp } from './helpers.js';

type User = Awaited<ReturnType<typeof user>>;

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** What ffprobe reads from a published file over HTTP: its streams and duration. */
async function probeUrl(url: string): Promise<{ streams: any[]; durationS: number }> {
  const { stdout } = await runner.run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    url,
  ]);
  const parsed = JSON.parse(stdout) as { streams: any[]; format: { duration: string } };
  return { streams: parsed.streams, durationS: Number(parsed.format.duration) };
}

describe('use this sound, duets and stitches', () => {
  let t: MediaTestApp;
  let alice: User;
  let bob: User;
  let carol: User;
  let recording: string;
  let original: any;
  let hidden: any;
  let followersOnly: any;

  /** The error a tus creation with this metadata gets (no bytes are sent). */
  const refusal = async (who: User, meta: Record<string, string>) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: {
        ...who.headers,
        'tus-resumable': '1.0.0',
        'upload-length': '1000',
        'upload-metadata': Object.entries(meta)
          .map(([k, v]) => `${k} ${b64(v)}`)
          .join(','),
      },
    });
    const body = res.statusCode >= 400 ? res.json() : {};
    return { status: res.statusCode, code: body.error?.code as string, message: body.error?.message as string };
  };
  const ready = async (who: User, id: string) => waitForVideo(t, id, who.headers, isSettled);
  const upload = async (who: User, file: string, meta: Record<string, string>) => {
    const { videoId } = await tusUpload(t.base, who.token, file, meta);
    const video = await ready(who, videoId);
    expect(video.status, JSON.stringify(video.error)).toBe('ready');
    return video;
  };
  const patch = (who: User, id: string, body: object) =>
    t.app.inject({ method: 'PATCH', url: `/api/v1/videos/${id}`, headers: who.headers, payload: body });

  beforeAll(async () => {
    const [withSound, silent] = await Promise.all([
      clip('remix-original-360x640-3s-audio', { width: 360, height: 640, seconds: 3, audio: true }),
      clip('remix-recording-360x640-2s-silent', { width: 360, height: 640, seconds: 2 }),
    ]);
    recording = silent;
    t = await startMediaApp({
      configure: (c) => {
        c.policies.au = { ...c.policies.au!, features: { ...c.policies.au!.features, duets: false } };
      },
    });
    [alice, bob, carol] = await Promise.all([user(t, 'alice'), user(t, 'bob'), user(t, 'carol', 'AU')]);
    [original, hidden, followersOnly] = await Promise.all([
      upload(alice, withSound, { caption: 'the original' }),
      upload(alice, withSound, { visibility: 'private' }),
      upload(alice, withSound, { visibility: 'followers' }),
    ]);
    expect(original.sound).not.toBeNull();
  }, 120_000);
  afterAll(async () => {
    // fetch keeps its sockets alive; closing the app would otherwise wait for them to time out.
    t?.app.server.closeAllConnections();
    await t?.destroy();
  });

  it('lays a sound under a silent recording: the clip names it and its page lists it', async () => {
    const video = await upload(bob, recording, { soundId: original.sound.id, caption: 'my take' });
    expect(video.sound).toEqual(original.sound);
    expect(video.durationMs).toBeGreaterThan(1900);
    expect(video.durationMs).toBeLessThan(2200);
    const sound = await probeUrl(`${t.base}${video.playback.hls.replace(/master\.m3u8$/, 'sound.m4a')}`);
    expect(sound.streams.map((s) => s.codec_type)).toEqual(['audio']);
    expect(sound.durationS).toBeGreaterThan(1.8);
    expect(sound.durationS).toBeLessThan(2.3);
    const page = await t.app.inject({ method: 'GET', url: `/api/v1/sounds/${original.sound.id}` });
    expect(page.json().videoCount).toBe(2);
    expect(page.json().items.map((v: any) => v.id)).toContain(video.id);
  });

  it('lets someone in another region use the sound: its audio comes from the sound’s own region', async () => {
    const video = await upload(carol, recording, { soundId: original.sound.id });
    expect(video.sound).toEqual(original.sound);
    const sound = await probeUrl(`${t.base}${video.playback.hls.replace(/master\.m3u8$/, 'sound.m4a')}`);
    expect(sound.streams.map((s) => s.codec_type)).toEqual(['audio']);
    const page = await t.app.inject({ method: 'GET', url: `/api/v1/sounds/${original.sound.id}` });
    expect(page.json().videoCount).toBe(3);
  });

  it('composes a side duet at twice the width, with the original’s sound, and names the original', async () => {
    const video = await upload(bob, recording, { duetOf: original.id });
    expect(video).toMatchObject({ width: 720, height: 640, stitchOf: null });
    expect(video.duetOf).toEqual({ id: original.id, author: { id: alice.id, handle: 'alice' } });
    const media = await probeUrl(`${t.base}${video.playback.hls}`);
    const picture = media.streams.filter((s) => s.codec_type === 'video');
    expect(picture.length).toBeGreaterThan(0);
    for (const s of picture) expect(s.width / s.height).toBeCloseTo(720 / 640, 1);
    expect(media.streams.some((s) => s.codec_type === 'audio')).toBe(true);
    expect(media.durationS).toBeGreaterThan(1.8);
    expect(media.durationS).toBeLessThan(2.4);
    // Feed cards (the public index) name the original too.
    const feed = await t.app.inject({ method: 'GET', url: `/api/v1/users/bob/videos`, headers: alice.headers });
    expect(feed.json().items.find((v: any) => v.id === video.id).duetOf.id).toBe(original.id);
  });

  it('stacks a duet (multipart upload) at twice the height', async () => {
    const form = new FormData();
    form.append('duetOf', original.id);
    form.append('layout', 'stack');
    form.append('file', new Blob([readFileSync(recording)]), 'rec.mp4');
    const res = await fetch(`${t.base}/api/v1/videos`, { method: 'POST', headers: bob.headers, body: form });
    expect(res.status).toBe(202);
    const video = await ready(bob, ((await res.json()) as { id: string }).id);
    expect(video).toMatchObject({ status: 'ready', width: 360, height: 1280 });
  });

  it('stitches the original’s first seconds before the recording', async () => {
    const video = await upload(bob, recording, { stitchOf: original.id, stitchMs: '1500' });
    expect(video).toMatchObject({ width: 360, height: 640, duetOf: null });
    expect(video.stitchOf.id).toBe(original.id);
    expect(video.durationMs).toBeGreaterThan(3300);
    expect(video.durationMs).toBeLessThan(3700);
    const media = await probeUrl(`${t.base}${video.playback.hls}`);
    expect(media.durationS).toBeGreaterThan(3.2);
    expect(media.durationS).toBeLessThan(3.9);
    expect(media.streams.some((s) => s.codec_type === 'audio')).toBe(true);
  });

  it('refuses every bad sound, original, layout and stitch length with its code', async () => {
    const cases: [Record<string, string>, number, string][] = [
      [{ soundId: 'nope' }, 400, 'sound.id_invalid'],
      [{ soundId: newId() }, 404, 'sound.not_found'],
      [{ duetOf: 'x' }, 400, 'video.id_invalid'],
      [{ duetOf: newId() }, 404, 'video.not_found'],
      [{ duetOf: hidden.id }, 404, 'video.not_found'],
      [{ stitchOf: followersOnly.id, stitchMs: '1000' }, 404, 'video.not_found'],
      [{ duetOf: original.id, stitchOf: original.id, stitchMs: '1000' }, 400, 'video.remix_conflict'],
      [{ duetOf: original.id, layout: 'diagonal' }, 400, 'video.layout_invalid'],
      [{ layout: 'side' }, 400, 'video.layout_invalid'],
      [{ stitchOf: original.id }, 400, 'video.stitch_ms_invalid'],
      [{ stitchOf: original.id, stitchMs: '0' }, 400, 'video.stitch_ms_invalid'],
      [{ stitchOf: original.id, stitchMs: '5001' }, 400, 'video.stitch_ms_invalid'],
      [{ stitchOf: original.id, stitchMs: '1.5' }, 400, 'video.stitch_ms_invalid'],
      [{ stitchMs: '1000' }, 400, 'video.stitch_ms_invalid'],
    ];
    for (const [meta, status, code] of cases) {
      const got = await refusal(bob, meta);
      expect({ meta, status: got.status, code: got.code }).toEqual({ meta, status, code });
      expect(got.message.length).toBeGreaterThan(10);
    }
    // The region's policy turns duets and stitches off for its residents.
    expect(await refusal(carol, { duetOf: original.id })).toMatchObject({
      status: 403,
      code: 'video.duets_unavailable',
    });
    // A follower in another region may see a followers-only clip, but it may not leave its cell in a duet.
    const dave = await user(t, 'dave', 'DE');
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/alice/follow', headers: dave.headers });
    expect(await refusal(dave, { duetOf: followersOnly.id })).toMatchObject({
      status: 403,
      code: 'video.remix_not_public',
    });
    // A follower may duet a followers-only clip in the same region.
    const follow = await t.app.inject({ method: 'PUT', url: '/api/v1/users/alice/follow', headers: bob.headers });
    expect(follow.statusCode).toBe(204);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: {
        ...bob.headers,
        'tus-resumable': '1.0.0',
        'upload-length': '1000',
        'upload-metadata': `duetOf ${b64(followersOnly.id)}`,
      },
    });
    expect(res.statusCode).toBe(201);
  });

  it('lets the author switch duets, stitches and comments off', async () => {
    const off = await patch(alice, original.id, { allowDuets: false, allowStitches: false, allowComments: false });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ allowDuets: false, allowStitches: false, allowComments: false });
    // Cards read from the public index carry the switches too, so the app's "…" menu can leave Duet and Stitch out.
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/alice/follow', headers: bob.headers });
    const card = async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/feed/following', headers: bob.headers });
      return res.json().items.find((v: any) => v.id === original.id);
    };
    expect(await card()).toMatchObject({ allowDuets: false, allowStitches: false, allowComments: false });
    // An index copy that missed the change (written before the copies existed) is put right at the next start.
    const copy = () =>
      t.ctx.directory
        .selectFrom('videos')
        .select('allow_duets')
        .where('id', '=', original.id)
        .executeTakeFirstOrThrow();
    await t.ctx.directory.updateTable('videos').set({ allow_duets: 1 }).where('id', '=', original.id).execute();
    expect(await t.ctx.media.videos.reconcileIndex()).toBeGreaterThanOrEqual(1);
    expect(await copy()).toEqual({ allow_duets: 0 });
    expect(await card()).toMatchObject({ allowDuets: false });
    expect(await t.ctx.media.videos.reconcileIndex()).toBe(0);
    expect(await refusal(bob, { duetOf: original.id })).toMatchObject({ status: 403, code: 'video.duet_disabled' });
    expect(await refusal(bob, { stitchOf: original.id, stitchMs: '1000' })).toMatchObject({
      status: 403,
      code: 'video.stitch_disabled',
    });
    const comment = await t.app.inject({
      method: 'POST',
      url: `/api/v1/videos/${original.id}/comments`,
      headers: bob.headers,
      payload: { text: 'nice' },
    });
    expect(comment.statusCode).toBe(403);
    expect(comment.json().error.code).toBe('comment.disabled');
    const list = await t.app.inject({
      method: 'GET',
      url: `/api/v1/videos/${original.id}/comments`,
      headers: bob.headers,
    });
    expect(list.json().commenting).toEqual({ allowed: false, reason: 'comment.disabled' });
    expect((await patch(alice, original.id, { allowDuets: 'no' })).statusCode).toBe(400);
    expect((await patch(bob, original.id, { allowDuets: true })).json().error.code).toBe('video.forbidden');
    const on = await patch(alice, original.id, { allowDuets: true, allowStitches: true, allowComments: true });
    expect(on.json()).toMatchObject({ allowDuets: true, allowStitches: true, allowComments: true });
    expect(await card()).toMatchObject({ allowDuets: true, allowStitches: true, allowComments: true });
    expect((await refusal(bob, { duetOf: original.id })).status).toBe(201);
  });

  it('keeps a duet playing when its original is deleted; it no longer names it', async () => {
    const duet = await upload(bob, recording, { duetOf: followersOnly.id });
    // A followers-only original is never named on the duet: that would tell strangers of it.
    expect(duet.duetOf).toBeNull();
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/videos/${original.id}`, headers: alice.headers });
    expect(del.statusCode).toBe(204);
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/users/bob/videos` });
    const duets = res.json().items.filter((v: any) => v.width === 720);
    expect(duets.length).toBeGreaterThan(0);
    for (const v of duets) expect(v.duetOf).toBeNull();
    const media = await fetch(`${t.base}${duets[0].playback.hls}`);
    expect(media.status).toBe(200);
    expect(await media.text()).toContain('#EXT-X-STREAM-INF');
  });
});
