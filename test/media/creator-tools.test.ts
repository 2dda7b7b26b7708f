import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, removeDir, tempDir } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';
import { readZip } from '../helpers/zip.js';
import { smallClip, startMediaApp, tusUpload, user, waitForVideo, type MediaTestApp } from './helpers.js';

type User = Awaited<ReturnType<typeof user>>;

async function multipart(t: MediaTestApp, who: User, fields: Record<string, string>): Promise<string> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([readFileSync(await smallClip())]), 'clip.mp4');
  const res = await fetch(`${t.base}/api/v1/videos`, { method: 'POST', headers: who.headers, body: form });
  if (res.status !== 202) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

const VTT = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello from the captions\n\n00:00:01.500 --> 00:00:02.000\nBye\n';

/** A 1200×800 photo (left half red, right half blue) with EXIF GPS and an orientation that turns it upright. */
async function photoWithGps(): Promise<Buffer> {
  const left = await sharp({ create: { width: 600, height: 800, channels: 3, background: '#ff0000' } })
    .png()
    .toBuffer();
  return sharp({ create: { width: 1200, height: 800, channels: 3, background: '#0000ff' } })
    .composite([{ input: left, left: 0, top: 0 }])
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: 'ReelmTestCam' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2964/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 17/1 4014/100',
      },
    })
    .toBuffer();
}

/**
 * What a creator does after uploading: captions, drafts and scheduled clips, the cover frame, and a profile picture
 * (one app for all: cluster stores are slow to set up).
 */
describe('captions, drafts, scheduling, the cover frame and avatars', () => {
  const dataDir = tempDir();
  let t: MediaTestApp;
  let first: MediaTestApp;
  let alice: User;
  let bob: User;
  let clipId: string;
  let draftId: string;

  const call = (method: string, url: string, who?: User, extra: Record<string, unknown> = {}) =>
    t.app.inject({ method: method as 'GET', url: `/api/v1${url}`, headers: who?.headers ?? {}, ...extra });
  const putVtt = (id: string, lang: string, body: string | Buffer, who: User, type = 'text/vtt') =>
    call('PUT', `/videos/${id}/captions/${lang}`, who, {
      payload: body,
      headers: { ...who.headers, 'content-type': type },
    });

  beforeAll(async () => {
    t = first = await startMediaApp({ dataDir });
    alice = await user(t, 'ct_alice');
    bob = await user(t, 'ct_bob', 'AU');
    expect((await call('PUT', '/users/ct_alice/follow', bob)).statusCode).toBe(204);
    clipId = await multipart(t, alice, { caption: 'with captions' });
    draftId = await multipart(t, alice, { caption: 'a draft #ctdraft for @ct_bob', draft: 'true' });
    await waitForVideo(t, clipId, alice.headers, (v) => v.status === 'ready');
    await waitForVideo(t, draftId, alice.headers, (v) => v.status === 'ready');
  });
  afterAll(async () => {
    await t.close();
    await first.pg?.drop();
    await first.s3?.close();
    removeDir(dataDir);
  });

  it('adds captions as a SUBTITLES rendition of the master playlist, and removes them', async () => {
    expect((await putVtt(clipId, 'pt-br', VTT, alice)).statusCode).toBe(204);
    expect((await putVtt(clipId, 'de', VTT.replace('Hello', 'Hallo'), alice)).statusCode).toBe(204);
    const video = (await call('GET', `/videos/${clipId}`, bob)).json();
    expect(video.captions.map((c: { lang: string }) => c.lang)).toEqual(['pt-BR', 'de']);
    const master = await (await fetch(`${t.base}${video.playback.hls}`)).text();
    expect(master).toContain(
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="pt-BR",NAME="português (Brasil)",DEFAULT=YES,' +
        'AUTOSELECT=YES,URI="captions/pt-BR.m3u8"',
    );
    const variants = master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) expect(v).toMatch(/,SUBTITLES="subs"$/);
    const base = video.playback.hls.replace(/master\.m3u8$/, '');
    const playlist = await (await fetch(`${t.base}${base}captions/pt-BR.m3u8`)).text();
    expect(playlist).toContain('pt-BR.vtt');
    const vtt = await fetch(`${t.base}${video.captions[0].url}`);
    expect(vtt.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(await vtt.text()).toContain('Hello from the captions');

    expect((await call('DELETE', `/videos/${clipId}/captions/de`, alice)).statusCode).toBe(204);
    expect((await call('DELETE', `/videos/${clipId}/captions/de`, alice)).json().error.code).toBe('captions.not_found');
    const after = (await call('GET', `/videos/${clipId}`, bob)).json();
    expect(after.captions.map((c: { lang: string }) => c.lang)).toEqual(['pt-BR']);
    const master2 = await (await fetch(`${t.base}${after.playback.hls}`)).text();
    expect(master2).not.toContain('LANGUAGE="de"');
    expect((await fetch(`${t.base}${base}captions/de.vtt`)).status).toBe(404);
  });

  it('refuses bad captions with a code each', async () => {
    const code = async (res: Awaited<ReturnType<typeof call>>) => [res.statusCode, res.json().error.code];
    expect(await code(await putVtt(clipId, 'en', 'not a caption file', alice))).toEqual([400, 'captions.invalid']);
    const invalid = await putVtt(clipId, 'en', 'WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nbackwards\n', alice);
    expect(invalid.json().error.message).toContain('End timestamp is not greater than start timestamp');
    expect(await code(await putVtt(clipId, 'en_US', VTT, alice))).toEqual([400, 'captions.lang_invalid']);
    const big = `${VTT}\n${'00:00:01.000 --> 00:00:02.000\nmore words\n\n'.repeat(7000)}`;
    expect(await code(await putVtt(clipId, 'en', big, alice))).toEqual([413, 'captions.too_large']);
    expect(await code(await putVtt(clipId, 'en', VTT, alice, 'text/plain'))).toEqual([415, 'captions.content_type']);
    expect(await code(await putVtt(clipId, 'en', VTT, alice, 'application/octet-stream'))).toEqual([
      415,
      'captions.content_type',
    ]);
    expect(await code(await putVtt(clipId, 'en', VTT, bob))).toEqual([403, 'video.forbidden']);
    expect(await code(await putVtt(draftId, 'en', VTT, bob))).toEqual([404, 'video.not_found']);
    // Caption text is clip text: the region's blocked terms apply.
    await t.ctx.moderation.terms.replace('us', ['zorblax']);
    expect(await code(await putVtt(clipId, 'en', VTT.replace('Bye', 'zorblax'), alice))).toEqual([
      400,
      'content.blocked_term',
    ]);
    await t.ctx.moderation.terms.replace('us', []);

    // Not before the clip is processed (its master playlist is not final yet), nor cover frames.
    const pending = await publishTestVideo(t.ctx, alice, { state: 'processing' });
    expect(await code(await putVtt(pending.id, 'en', VTT, alice))).toEqual([409, 'captions.not_ready']);
    const cover = await call('PATCH', `/videos/${pending.id}`, alice, { payload: { coverMs: 0 } });
    expect([cover.statusCode, cover.json().error.code]).toEqual([409, 'video.not_ready']);
    // At most 20 languages.
    const many = await publishTestVideo(t.ctx, alice, { media: true });
    const langs = [
      'aa',
      'ab',
      'af',
      'ak',
      'am',
      'an',
      'ar',
      'as',
      'av',
      'ay',
      'az',
      'ba',
      'be',
      'bg',
      'bi',
      'bm',
      'bn',
      'bo',
      'br',
      'bs',
    ];
    for (const lang of langs) expect((await putVtt(many.id, lang, VTT, alice)).statusCode).toBe(204);
    expect(await code(await putVtt(many.id, 'ca', VTT, alice))).toEqual([400, 'captions.too_many']);
    expect((await putVtt(many.id, 'aa', VTT, alice)).statusCode).toBe(204);
  });

  it('picks the cover frame: a new poster at a new URL, 400 outside the clip', async () => {
    const before = (await call('GET', `/videos/${clipId}`, alice)).json();
    const oldPoster = await (await fetch(`${t.base}${before.playback.poster}`)).arrayBuffer();
    const res = await call('PATCH', `/videos/${clipId}`, alice, { payload: { coverMs: 100 } });
    expect(res.statusCode).toBe(200);
    const after = res.json();
    expect(after.coverMs).toBe(100);
    expect(after.playback.poster).not.toBe(before.playback.poster);
    const poster = await fetch(`${t.base}${after.playback.poster}`);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await poster.arrayBuffer());
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(bytes.equals(Buffer.from(oldPoster))).toBe(false);
    // Others see the same poster through the public index.
    expect((await call('GET', `/videos/${clipId}`, bob)).json().playback.poster).toBe(after.playback.poster);
    for (const coverMs of [-1, 2_500_000]) {
      const bad = await call('PATCH', `/videos/${clipId}`, alice, { payload: { coverMs } });
      expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'video.cover_invalid']);
    }
  });

  it('keeps a draft its owner’s alone, then publishes it: index, profile, search and mentions follow', async () => {
    const own = (await call('GET', `/videos/${draftId}`, alice)).json();
    expect(own).toMatchObject({ status: 'ready', draft: true, scheduledFor: null });
    expect((await call('GET', `/videos/${draftId}`, bob)).statusCode).toBe(404);
    expect((await call('GET', `/videos/${draftId}`)).statusCode).toBe(404);
    // Media URLs: the owner's are signed; without a signature nothing is served.
    expect(own.playback.hls).toMatch(/\/s-\d+-/);
    expect((await fetch(`${t.base}/media/us/${draftId}/master.m3u8`)).status).toBe(404);
    const ids = (res: Awaited<ReturnType<typeof call>>) => res.json().items.map((v: { id: string }) => v.id);
    expect(ids(await call('GET', '/users/ct_alice/videos', bob))).not.toContain(draftId);
    expect(ids(await call('GET', '/users/ct_alice/videos', alice))).toContain(draftId);
    expect(ids(await call('GET', '/me/drafts', alice))).toEqual([draftId]);
    expect((await call('GET', '/me/drafts')).statusCode).toBe(401);
    expect(ids(await call('GET', '/me/drafts', bob))).toEqual([]);
    expect(ids(await call('GET', '/feed/following', bob))).not.toContain(draftId);
    for (const url of ['/hashtags/ctdraft', '/search?q=ctdraft', '/feed/for-you', '/trending']) {
      expect(JSON.stringify((await call('GET', url, bob)).json())).not.toContain(draftId);
    }
    const notes = async () =>
      (await call('GET', '/notifications', bob)).json().items.filter((n: { type: string }) => n.type === 'mention');
    expect(await notes()).toEqual([]);

    const published = await call('PATCH', `/videos/${draftId}`, alice, { payload: { draft: false } });
    expect(published.statusCode).toBe(200);
    expect(published.json()).toMatchObject({ draft: false, scheduledFor: null });
    expect((await call('GET', `/videos/${draftId}`, bob)).json().draft).toBeUndefined();
    expect(ids(await call('GET', '/users/ct_alice/videos', bob))).toContain(draftId);
    expect(ids(await call('GET', '/me/drafts', alice))).toEqual([]);
    expect(ids(await call('GET', '/feed/following', bob))).toContain(draftId);
    expect(await notes()).toHaveLength(1);
    expect(JSON.stringify((await call('GET', '/search?q=ctdraft', bob)).json())).toContain(draftId);

    // Back to drafts: gone from everyone else again, and the media URL handed out meanwhile stops working.
    const open = (await call('GET', `/videos/${draftId}`, bob)).json().playback.hls;
    expect((await fetch(`${t.base}${open}`)).status).toBe(200);
    expect((await call('PATCH', `/videos/${draftId}`, alice, { payload: { draft: true } })).json().draft).toBe(true);
    expect((await call('GET', `/videos/${draftId}`, bob)).statusCode).toBe(404);
    expect((await fetch(`${t.base}${open}`)).status).toBe(404);
    expect(JSON.stringify((await call('GET', '/search?q=ctdraft', bob)).json())).not.toContain(draftId);
  });

  it('schedules a clip through a durable job that survives a restart', async () => {
    const bad = async (publishAt: string) => {
      const res = await call('PATCH', `/videos/${draftId}`, alice, { payload: { publishAt } });
      return [res.statusCode, res.json().error.code];
    };
    expect(await bad('tomorrow')).toEqual([400, 'video.publish_at_invalid']);
    expect(await bad('2020-01-01T00:00:00Z')).toEqual([400, 'video.publish_at_past']);
    expect(await bad(new Date(Date.now() + 31 * 86400_000).toISOString())).toEqual([400, 'video.publish_at_too_far']);

    // Scheduled at upload (tus metadata), far ahead: owner-only, with its time.
    const later = new Date(Date.now() + 3600_000).toISOString();
    const { videoId } = await tusUpload(t.base, alice.token, await smallClip(), { caption: 'soon', publishAt: later });
    const own = await waitForVideo(t, videoId, alice.headers, (v) => v.status === 'ready');
    expect(own).toMatchObject({ scheduledFor: later, draft: false });
    expect((await call('GET', `/videos/${videoId}`, bob)).statusCode).toBe(404);

    // Brought forward to a moment after a restart: the job (in the cell's queue or Redis) is what publishes it.
    const soon = new Date(Date.now() + 2500).toISOString();
    expect((await call('PATCH', `/videos/${videoId}`, alice, { payload: { publishAt: soon } })).statusCode).toBe(200);
    await t.close();
    t = await startMediaApp({ dataDir, pg: first.pg, s3: first.s3, queuePrefix: first.queuePrefix });
    const seen = await waitForVideo(t, videoId, bob.headers, (v) => v.status === 'ready', 20_000);
    expect(seen.scheduledFor).toBeUndefined();
    expect((await call('GET', `/videos/${videoId}`, alice)).json().scheduledFor).toBeNull();
    const profile = (await call('GET', '/users/ct_alice/videos', bob)).json().items.map((v: { id: string }) => v.id);
    expect(profile).toContain(videoId);
  });

  it('refuses bad draft metadata at upload', async () => {
    const form = new FormData();
    form.append('draft', 'maybe');
    form.append('file', new Blob([readFileSync(await smallClip())]), 'clip.mp4');
    const res = await fetch(`${t.base}/api/v1/videos`, { method: 'POST', headers: alice.headers, body: form });
    expect([res.status, ((await res.json()) as any).error.code]).toEqual([400, 'video.draft_invalid']);
  });

  describe('avatars: re-encoded, stripped, versioned; removed with the account', () => {
    let ann: User;

    const put = (who: User, body: Buffer | string, type: string) =>
      t.app.inject({
        method: 'PUT',
        url: '/api/v1/me/avatar',
        headers: { ...who.headers, 'content-type': type },
        payload: body,
      });
    /** The user's avatar objects in their cell's media store (a folder, or the region's bucket). */
    const objects = async (userId: string): Promise<string[]> => {
      if (t.s3) return (await t.s3.keys('us')).filter((k) => k.includes(`avatars/${userId}/`));
      const dir = join(t.ctx.cells.get('us').dir, 'media', 'avatars', userId);
      return existsSync(dir) ? filesUnder(dir) : [];
    };
    const fetchFile = (url: string) => t.app.inject({ method: 'GET', url });

    beforeAll(async () => {
      ann = await user(t, 'av_ann');
    });

    it('stores square 400 and 100 px WebP without any metadata, upright, at a cacheable versioned URL', async () => {
      const original = await photoWithGps();
      // The fixture does carry GPS (the EXIF GPS IFD pointer, tag 0x8825) and its camera: the checks below can fail.
      const exif = (await sharp(original).metadata()).exif!;
      expect(exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88]))).toBe(true);
      expect(original.includes(Buffer.from('ReelmTestCam'))).toBe(true);
      const res = await put(ann, original, 'image/jpeg');
      expect(res.statusCode).toBe(200);
      const { avatarUrl } = res.json();
      expect(avatarUrl).toMatch(new RegExp(`^/avatars/us/${ann.id}/[A-Za-z0-9_-]+/100\\.webp$`));
      for (const [url, size] of [
        [avatarUrl, 100],
        [avatarUrl.replace(/100\.webp$/, '400.webp'), 400],
      ] as const) {
        const file = await fetchFile(url);
        expect(file.statusCode).toBe(200);
        expect(file.headers['content-type']).toBe('image/webp');
        expect(file.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        const meta = await sharp(file.rawPayload).metadata();
        expect(meta).toMatchObject({ format: 'webp', width: size, height: size });
        expect(meta.exif).toBeUndefined();
        expect(meta.xmp).toBeUndefined();
        expect(meta.icc).toBeUndefined();
        expect(file.rawPayload.includes(Buffer.from('ReelmTestCam'))).toBe(false);
        expect(file.rawPayload.includes(Buffer.from('GPS'))).toBe(false);
        // Orientation 6 turns the photo a quarter clockwise: its red left half ends up on top.
        const { data } = await sharp(file.rawPayload)
          .resize(2, 2, { fit: 'fill' })
          .raw()
          .toBuffer({ resolveWithObject: true });
        expect(data[0]!).toBeGreaterThan(200); // top-left red
        expect(data[2]!).toBeLessThan(60);
        expect(data[3 * 2 + 2]!).toBeGreaterThan(200); // bottom-left blue
      }
      // Every place that shows the user names it.
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: ann.headers })).json().avatarUrl).toBe(
        avatarUrl,
      );
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/av_ann' })).json().avatarUrl).toBe(avatarUrl);

      // A new picture is a new URL; the old one's files are gone.
      const png = await sharp({ create: { width: 300, height: 500, channels: 4, background: '#00ff0080' } })
        .png()
        .toBuffer();
      const next = (await put(ann, png, 'image/png')).json().avatarUrl;
      expect(next).not.toBe(avatarUrl);
      expect((await fetchFile(avatarUrl)).statusCode).toBe(404);
      expect((await fetchFile(next)).statusCode).toBe(200);
      expect(await objects(ann.id)).toHaveLength(2);
    });

    it('refuses what is not a picture, too large, a pixel bomb or another type, with a code each', async () => {
      const code = (res: Awaited<ReturnType<typeof put>>) => [res.statusCode, res.json().error.code];
      expect(code(await put(ann, Buffer.from('not an image at all'), 'image/jpeg'))).toEqual([400, 'avatar.invalid']);
      const gif = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } })
        .gif()
        .toBuffer();
      expect(code(await put(ann, gif, 'image/png'))).toEqual([400, 'avatar.invalid']);
      expect(code(await put(ann, gif, 'image/gif'))).toEqual([415, 'avatar.content_type']);
      expect(code(await put(ann, '{"a":1}', 'application/json'))).toEqual([415, 'avatar.content_type']);
      expect(code(await put(ann, Buffer.alloc(5 * 1024 * 1024 + 1), 'image/jpeg'))).toEqual([413, 'avatar.too_large']);
      // 10,000 × 10,000 of one colour compresses to a few KB, and would decode to 300 MB.
      const bomb = await sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: '#000' } })
        .png({ compressionLevel: 9 })
        .toBuffer();
      expect(bomb.length).toBeLessThan(5 * 1024 * 1024);
      expect(code(await put(ann, bomb, 'image/png'))).toEqual([400, 'avatar.too_many_pixels']);
      const visitor = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/me/avatar',
        headers: { 'content-type': 'image/png' },
        payload: gif,
      });
      expect(visitor.statusCode).toBe(401);
    });

    it('removes the picture on DELETE, exports it, and purges it with the account', async () => {
      const del = await t.app.inject({ method: 'DELETE', url: '/api/v1/me/avatar', headers: ann.headers });
      expect(del.statusCode).toBe(204);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/av_ann' })).json().avatarUrl).toBeNull();
      expect(await objects(ann.id)).toEqual([]);

      const ben = await user(t, 'av_ben');
      const jpeg = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#123456' } })
        .jpeg()
        .toBuffer();
      const { avatarUrl } = (await put(ben, jpeg, 'image/jpeg')).json();
      const exp = await t.app.inject({ method: 'POST', url: '/api/v1/me/export', headers: ben.headers });
      expect(exp.statusCode).toBe(202);
      // The cell's worker builds it.
      for (let i = 0; i < 200; i++) {
        const job = await t.app.inject({
          method: 'GET',
          url: `/api/v1/me/exports/${exp.json().id}`,
          headers: ben.headers,
        });
        if (job.json().status === 'ready') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const zip = await readZip(join(t.ctx.cells.get('us').dir, 'exports', exp.json().id, 'reelm-export.zip'));
      expect(zip.get('avatar/100.webp')?.equals((await fetchFile(avatarUrl)).rawPayload)).toBe(true);
      expect(zip.has('avatar/400.webp')).toBe(true);

      const gone = await t.app.inject({
        method: 'DELETE',
        url: '/api/v1/me',
        headers: ben.headers,
        payload: { password: 'a long enough passphrase' },
      });
      expect(gone.statusCode).toBe(202);
      expect(await objects(ben.id)).toHaveLength(2);
      await t.ctx.deletion.purgeDue('us', { all: true });
      expect(await objects(ben.id)).toEqual([]);
      expect((await fetchFile(avatarUrl)).statusCode).toBe(404);
    });
  });
});
