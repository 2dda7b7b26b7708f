import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../helpers/app.js';
import {
  bytesOfClip,
  fixtureFile,
  isSettled,
  smallClip,
  sourceOf,
  startMediaApp,
  tusUpload,
  uploadLeftovers,
  user,
  waitForVideo,
  type MediaTestApp,
} from './helpers.js';

const json = (r: Response): Promise<any> => r.json();
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('uploads (tus and multipart)', () => {
  let t: MediaTestApp;
  let alice: Awaited<ReturnType<typeof user>>;
  let emma: Awaited<ReturnType<typeof user>>;
  let clipPath: string;

  beforeAll(async () => {
    clipPath = await smallClip();
    t = await startMediaApp({
      env: { REELM_UPLOAD_MAX_BYTES: String(5 * 1024 ** 2), REELM_MULTIPART_MAX_BYTES: String(1024 ** 2) },
    });
    alice = await user(t, 'alice');
    emma = await user(t, 'emma', 'FR');
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  it('uploads with tus-js-client into the uploader’s cell, then transcodes to a playable clip', async () => {
    const { url, videoId } = await tusUpload(t.base, emma.token, clipPath, {
      caption: 'Bonjour #Paris @alice',
      visibility: 'public',
    });
    expect(videoId).toMatch(/^[0-9a-z]{26}$/);
    expect(url).toContain(`/api/v1/uploads/${videoId}`);
    // The source landed in the eu cell only (its folder or its bucket); no other cell has a byte of it.
    const eu = t.ctx.cells.get('eu').dir;
    expect((await sourceOf(t, 'eu', videoId))?.equals(readFileSync(clipPath))).toBe(true);
    for (const region of ['us', 'au', 'nz', 'row']) expect(await bytesOfClip(t, region, videoId)).toEqual([]);
    const video = await waitForVideo(t, videoId, emma.headers, isSettled);
    expect(video).toMatchObject({
      id: videoId,
      status: 'ready',
      caption: 'Bonjour #Paris @alice',
      hashtags: ['paris'],
      mentions: ['alice'],
      visibility: 'public',
      author: { id: emma.id, handle: 'emma' },
      width: 360,
      height: 640,
      sound: { title: 'original sound - @emma' },
      stats: { views: 0, likes: 0, comments: 0, shares: 0 },
    });
    expect(video.durationMs).toBeGreaterThan(1800);
    // A clip open to anyone plays from its keyed path (no signature, no expiry).
    expect(video.playback.hls).toMatch(new RegExp(`^/media/eu/${videoId}/k-[A-Za-z0-9_-]{22}/master\\.m3u8$`));
    expect(video.playback.poster).toBe(video.playback.hls.replace('master.m3u8', 'poster.jpg'));
    // The upload's own bookkeeping is gone; the work folder too.
    expect((await uploadLeftovers(t, 'eu')).filter((f) => f.startsWith(videoId))).toEqual([]);
    expect(existsSync(join(eu, 'work', videoId))).toBe(false);
    // The source is kept out of reach of the media routes, whatever the path.
    for (const path of [
      `sources/${videoId}`,
      `${videoId}/../sources/${videoId}`,
      `${videoId}/..%2Fsources%2F${videoId}`,
      `uploads/${videoId}`,
    ]) {
      expect((await fetch(`${t.base}/media/eu/${path}`)).status, path).toBe(404);
    }
    // Anyone sees a public clip; the directory index and the author's count follow.
    const anon = await t.app.inject({ method: 'GET', url: `/api/v1/videos/${videoId}` });
    expect(anon.statusCode).toBe(200);
    const profile = await t.app.inject({ method: 'GET', url: '/api/v1/users/emma' });
    expect(profile.json().stats.videos).toBe(1);
  });

  it('shows the clip to its owner while uploading, and resumes an interrupted upload', async () => {
    const data = readFileSync(clipPath);
    let created = '';
    let videoId = '';
    const first = await new Promise<string>((resolve, reject) => {
      const upload = new tus.Upload(data, {
        endpoint: `${t.base}/api/v1/uploads`,
        headers: { authorization: `Bearer ${alice.token}` },
        metadata: { filename: 'x.mp4', caption: 'resumed', visibility: 'private' },
        chunkSize: 16 * 1024,
        retryDelays: null,
        storeFingerprintForResuming: false,
        onAfterResponse: (_req, res) => {
          videoId ||= res.getHeader('Reelm-Video-Id') ?? '';
        },
        onUploadUrlAvailable: () => {
          created = upload.url!;
        },
        onChunkComplete: (_chunk, accepted) => {
          if (accepted >= 32 * 1024) void upload.abort().then(() => resolve(upload.url!));
        },
        onError: reject,
        onSuccess: () => reject(new Error('the upload should have been interrupted')),
      });
      upload.start();
    });
    expect(first).toBe(created);
    const during = await t.app.inject({ method: 'GET', url: `/api/v1/videos/${videoId}`, headers: alice.headers });
    expect(during.json()).toMatchObject({
      status: 'uploading',
      visibility: 'private',
      playback: { hls: null, poster: null },
    });
    // Others cannot see it, nor learn that it exists.
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/videos/${videoId}`, headers: emma.headers })).statusCode,
    ).toBe(404);
    const head = await fetch(first, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${alice.token}`, 'tus-resumable': '1.0.0' },
    });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThanOrEqual(32 * 1024);
    expect(offset).toBeLessThan(data.length);
    // Someone else cannot even look at the upload.
    const foreign = await fetch(first, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${emma.token}`, 'tus-resumable': '1.0.0' },
    });
    expect(foreign.status).toBe(404);
    const resumed = await tusUpload(t.base, alice.token, clipPath, {}, { uploadUrl: first });
    expect(resumed.url).toBe(first);
    expect((await sourceOf(t, 'us', videoId))?.equals(data)).toBe(true);
    const video = await waitForVideo(t, videoId, alice.headers, isSettled);
    expect(video.status).toBe('ready');
    // A private clip is not in the public index, and its media URLs are signed.
    expect(
      await t.ctx.directory.selectFrom('videos').select('id').where('id', '=', videoId).executeTakeFirst(),
    ).toBeUndefined();
    expect(video.playback.hls).toMatch(new RegExp(`^/media/us/${videoId}/s-\\d+-[A-Za-z0-9_-]{32}/master\\.m3u8$`));
  });

  it('resumes an upload across a server restart', async () => {
    const dataDir = tempDir();
    const first = await startMediaApp({ dataDir, worker: false });
    let s = first;
    const bob = await user(s, 'bob');
    const data = readFileSync(clipPath);
    const half = Math.floor(data.length / 2);
    const create = await fetch(`${s.base}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bob.token}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(data.length),
        'upload-metadata': `caption ${b64('after restart')}`,
      },
    });
    expect(create.status).toBe(201);
    const videoId = create.headers.get('reelm-video-id')!;
    expect(create.headers.get('access-control-expose-headers')).toContain('Reelm-Video-Id');
    const path = new URL(create.headers.get('location')!, s.base).pathname;
    const patch = await fetch(`${s.base}${path}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${bob.token}`,
        'tus-resumable': '1.0.0',
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
      body: data.subarray(0, half),
    });
    expect(patch.status).toBe(204);
    await s.close();

    s = await startMediaApp({ dataDir, pg: first.pg, s3: first.s3, queuePrefix: first.queuePrefix });
    const head = await fetch(`${s.base}${path}`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${bob.token}`, 'tus-resumable': '1.0.0' },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(half));
    await tusUpload(s.base, bob.token, clipPath, {}, { uploadUrl: `${s.base}${path}` });
    const video = await waitForVideo(s, videoId, bob.headers, isSettled);
    expect(video).toMatchObject({ status: 'ready', caption: 'after restart' });
    await s.close();
    await first.pg?.drop();
    await first.s3?.close();
    removeDir(dataDir);
  });

  it('terminates an upload (tus termination): the clip and its bytes are gone', async () => {
    const create = await fetch(`${t.base}/api/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'tus-resumable': '1.0.0', 'upload-length': '1000' },
    });
    const videoId = create.headers.get('reelm-video-id')!;
    const url = new URL(create.headers.get('location')!, t.base).href;
    await fetch(url, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${alice.token}`,
        'tus-resumable': '1.0.0',
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
      body: Buffer.alloc(100),
    });
    const del = await fetch(url, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.token}`, 'tus-resumable': '1.0.0' },
    });
    expect(del.status).toBe(204);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/videos/${videoId}`, headers: alice.headers })).statusCode,
    ).toBe(404);
    expect((await uploadLeftovers(t, 'us')).filter((f) => f.startsWith(videoId))).toEqual([]);
    expect(await bytesOfClip(t, 'us', videoId)).toEqual([]);
  });

  it('refuses bad creations with a clear JSON error before writing anything', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${t.base}/api/v1/uploads`, {
        method: 'POST',
        headers: { 'tus-resumable': '1.0.0', 'upload-length': '1000', ...headers },
      });
    const before = (await uploadLeftovers(t, 'us')).length;
    const rowsBefore = (await t.ctx.cells.get('us').db.selectFrom('videos').select('id').execute()).length;

    const anon = await post({});
    expect(anon.status).toBe(401);
    expect((await json(anon)).error.code).toBe('auth.required');

    const auth = { authorization: `Bearer ${alice.token}` };
    const badVis = await post({ ...auth, 'upload-metadata': `visibility ${b64('friends')}` });
    expect(badVis.status).toBe(400);
    expect((await json(badVis)).error).toMatchObject({ code: 'video.visibility_invalid' });

    const long = await post({ ...auth, 'upload-metadata': `caption ${b64('é'.repeat(2201))}` });
    expect(long.status).toBe(400);
    expect((await json(long)).error.code).toBe('video.caption_too_long');

    const big = await post({ ...auth, 'upload-length': String(5 * 1024 ** 2 + 1) });
    expect(big.status).toBe(413);
    expect((await json(big)).error.code).toBe('media.too_large');

    const empty = await post({ ...auth, 'upload-length': '0' });
    expect(empty.status).toBe(400);
    expect((await json(empty)).error.code).toBe('media.corrupt');

    const garbled = await post({ ...auth, 'upload-metadata': 'caption not base64!!' });
    expect(garbled.status).toBe(400);

    expect((await uploadLeftovers(t, 'us')).length).toBe(before);
    expect((await t.ctx.cells.get('us').db.selectFrom('videos').select('id').execute()).length).toBe(rowsBefore);
    // The caption limit counts characters, not bytes: exactly 2,200 is fine.
    const ok = await post({ ...auth, 'upload-metadata': `caption ${b64('é'.repeat(2200))}` });
    expect(ok.status).toBe(201);
  });

  it('accepts a small clip as multipart and refuses an oversized one with 413', async () => {
    const form = new FormData();
    form.append('caption', 'multipart #small');
    form.append('visibility', 'followers');
    form.append('file', new Blob([readFileSync(clipPath)], { type: 'video/mp4' }), 'clip.mp4');
    const res = await fetch(`${t.base}/api/v1/videos`, { method: 'POST', headers: alice.headers, body: form });
    expect(res.status).toBe(202);
    const { id, status } = await json(res);
    expect(status).toBe('processing');
    const video = await waitForVideo(t, id, alice.headers, isSettled);
    expect(video).toMatchObject({ status: 'ready', visibility: 'followers', hashtags: ['small'] });

    const huge = new FormData();
    huge.append('file', new Blob([Buffer.alloc(1024 ** 2 + 10)]), 'big.mp4');
    const tooBig = await fetch(`${t.base}/api/v1/videos`, { method: 'POST', headers: alice.headers, body: huge });
    expect(tooBig.status).toBe(413);
    expect((await json(tooBig)).error.code).toBe('media.too_large');

    const bad = new FormData();
    bad.append('visibility', 'everyone');
    bad.append('file', new Blob([readFileSync(clipPath)]), 'clip.mp4');
    const badRes = await fetch(`${t.base}/api/v1/videos`, { method: 'POST', headers: alice.headers, body: bad });
    expect(badRes.status).toBe(400);
    expect((await json(badRes)).error.code).toBe('video.visibility_invalid');
    // Nothing of the refused uploads stays behind.
    const leftovers = (await uploadLeftovers(t, 'us')).filter((f) => f.startsWith('.mp-'));
    expect(leftovers).toEqual([]);
    const zero = new FormData();
    zero.append('file', new Blob([]), 'zero.mp4');
    const zeroRes = await fetch(`${t.base}/api/v1/videos`, { method: 'POST', headers: alice.headers, body: zero });
    expect(zeroRes.status).toBe(400);
    expect((await json(zeroRes)).error.code).toBe('media.corrupt');
  });

  it('answers 503 media.ffmpeg_missing when ffmpeg is not installed, and keeps serving the rest', async () => {
    const s = await startMediaApp({ env: { REELM_FFMPEG: '/nonexistent/ffmpeg' }, worker: false });
    const carol = await user(s, 'carol');
    const res = await fetch(`${s.base}/api/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${carol.token}`, 'tus-resumable': '1.0.0', 'upload-length': '10' },
    });
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.error.code).toBe('media.ffmpeg_missing');
    expect(body.error.message).toContain('apt-get install');
    expect((await s.app.inject({ method: 'GET', url: '/api/v1/me', headers: carol.headers })).statusCode).toBe(200);
    expect(s.logs()).toContain('ffmpeg was not found');
    await s.close();
    removeDir(s.dataDir);
  });

  it('keeps a text file or a zero-byte source from ever becoming a clip', async () => {
    const text = fixtureFile('notes.mp4', 'this is not a video, just some notes\n'.repeat(20));
    const { videoId } = await tusUpload(t.base, alice.token, text);
    const video = await waitForVideo(t, videoId, alice.headers, isSettled);
    expect(video).toMatchObject({ status: 'failed', error: { code: 'media.unsupported' }, playback: { hls: null } });
    expect(video.error.message).toMatch(/text file/);
    expect(await sourceOf(t, 'us', videoId)).toBeUndefined();
    expect(await bytesOfClip(t, 'us', videoId)).toEqual([]);
  });
});
