import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '../../src/media/ffmpeg/transcode.js';
import { removeDir } from '../helpers/app.js';
import {
  bytesOfClip,
  clip,
  isSettled,
  runner,
  smallClip,
  startMediaApp,
  tusUpload,
  user,
  waitForVideo,
  type MediaTestApp,
} from './helpers.js';

const json = (r: Response): Promise<any> => r.json();

async function multipart(
  t: MediaTestApp,
  headers: Record<string, string>,
  file: string,
  fields: Record<string, string> = {},
): Promise<string> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([readFileSync(file)]), 'clip.mp4');
  const res = await fetch(`${t.base}/api/v1/videos`, { method: 'POST', headers, body: form });
  if (res.status !== 202) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return (await json(res)).id;
}

/** Reads a Server-Sent Events stream to its end. */
async function readEvents(url: string, headers: Record<string, string> = {}): Promise<{ event: string; data: any }[]> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event:'))
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return { event: eventLine!.slice(7), data: JSON.parse(dataLine!.slice(6)) };
    });
}

describe('clips: ladder, playback, access, editing', () => {
  let t: MediaTestApp;
  let alice: Awaited<ReturnType<typeof user>>;
  let bob: Awaited<ReturnType<typeof user>>;
  let publicId: string;
  let privateId: string;

  beforeAll(async () => {
    const small = await smallClip();
    t = await startMediaApp();
    alice = await user(t, 'alice');
    bob = await user(t, 'bob', 'AU');
    publicId = await multipart(t, alice.headers, small, { caption: 'hello #World', visibility: 'public' });
    privateId = await multipart(t, alice.headers, small, { caption: 'secret', visibility: 'private' });
    await t.worker!.idle();
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  it('builds the HLS ladder: rungs, sizes, codecs and ~2 s segments, checked with ffprobe', async () => {
    const source = await clip('ladder-720x1280-4s-audio', { width: 720, height: 1280, seconds: 4, audio: true });
    const id = await multipart(t, bob.headers, source, { caption: 'ladder' });
    const events = await readEvents(`${t.base}/api/v1/videos/${id}/events`, bob.headers);
    expect(events[0]!.event).toBe('status');
    expect(events.at(-1)).toEqual({ event: 'status', data: { status: 'ready' } });
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data.progress);
    expect(progress.length).toBeGreaterThan(0);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);

    const video = (await t.app.inject({ method: 'GET', url: `/api/v1/videos/${id}` })).json();
    expect(video).toMatchObject({ status: 'ready', width: 720, height: 1280 });
    const master = await fetch(`${t.base}${video.playback.hls}`);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const variants = (await master.text()).split('\n').filter((l) => l && !l.startsWith('#'));
    expect([...variants].sort()).toEqual(['360p/index.m3u8', '480p/index.m3u8', '720p/index.m3u8']);
    // Through the server, so the same check holds whichever store (folder or bucket) holds the media.
    const dir = `${t.base}${video.playback.hls.replace(/master\.m3u8$/, '')}`;
    const expected: Record<string, [number, number]> = { '720p': [720, 1280], '480p': [480, 854], '360p': [360, 640] };
    for (const [rung, [w, h]] of Object.entries(expected)) {
      const playlist = `${dir}${rung}/index.m3u8`;
      const { stdout } = await runner.run('ffprobe', [
        '-v',
        'error',
        '-print_format',
        'json',
        '-show_streams',
        playlist,
      ]);
      const streams = JSON.parse(stdout).streams as {
        codec_type: string;
        codec_name: string;
        width?: number;
        height?: number;
      }[];
      const v = streams.find((s) => s.codec_type === 'video')!;
      expect([v.codec_name, v.width, v.height]).toEqual(['h264', w, h]);
      expect(streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
      const { segments } = parseMediaPlaylist(await (await fetch(playlist)).text());
      expect(segments.length).toBe(2);
      for (const s of segments) expect(Math.abs(s.durationS - 2)).toBeLessThan(0.25);
    }
    const { stdout } = await runner.run('ffprobe', [
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_streams',
      `${dir}sound.m4a`,
    ]);
    expect(JSON.parse(stdout).streams.map((s: { codec_name: string }) => s.codec_name)).toEqual(['aac']);
    expect(existsSync(join(t.ctx.cells.get('au').dir, 'work', id))).toBe(false);
  });

  it('serves media with Range requests, content types and cache headers', async () => {
    const shown = (await t.app.inject({ method: 'GET', url: `/api/v1/videos/${publicId}` })).json();
    const base = `${t.base}${shown.playback.hls.replace('/master.m3u8', '')}`;
    expect(base).toMatch(/\/k-[A-Za-z0-9_-]{22}$/);
    const whole = await fetch(`${base}/poster.jpg`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('image/jpeg');
    // Under the keyed path, which stops resolving when access narrows, a CDN may keep files for a day.
    expect(whole.headers.get('cache-control')).toBe('public, max-age=86400, immutable');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    const part = await fetch(`${base}/poster.jpg`, { headers: { range: 'bytes=10-109' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-109/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(10, 110));
    const tail = await fetch(`${base}/poster.jpg`, { headers: { range: 'bytes=-50' } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 50));
    const beyond = await fetch(`${base}/poster.jpg`, { headers: { range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

    const rung = await fetch(`${base}/360p/index.m3u8`);
    expect(rung.headers.get('cache-control')).toBe('public, max-age=60');
    // The bare path still plays an open clip, with nothing kept longer than a minute.
    const bare = await fetch(`${t.base}/media/us/${publicId}/poster.jpg`);
    expect([bare.status, bare.headers.get('cache-control')]).toEqual([200, 'public, max-age=60']);
    const { segments, map } = parseMediaPlaylist(await rung.text());
    const init = await fetch(`${base}/360p/${map}`);
    expect(init.headers.get('content-type')).toBe('video/mp4');
    const seg = await fetch(`${base}/360p/${segments[0]!.uri}`);
    expect(seg.headers.get('content-type')).toBe('video/iso.segment');
    const sound = await fetch(`${base}/sound.m4a`, { headers: { range: 'bytes=0-7' } });
    expect(sound.status).toBe(206);
    expect(sound.headers.get('content-type')).toBe('audio/mp4');
  });

  it('opens private media only through a signed, unexpired path prefix', async () => {
    expect((await fetch(`${t.base}/media/us/${privateId}/master.m3u8`)).status).toBe(404);
    expect((await fetch(`${t.base}/media/us/${privateId}/poster.jpg`)).status).toBe(404);
    const owner = (
      await t.app.inject({ method: 'GET', url: `/api/v1/videos/${privateId}`, headers: alice.headers })
    ).json();
    const master = await fetch(`${t.base}${owner.playback.hls}`);
    expect(master.status).toBe(200);
    expect(master.headers.get('cache-control')).toContain('private');
    // A player resolves the rungs and segments relative to the master: the signature travels in the path.
    const rungUrl = new URL(
      (await master.text()).split('\n').find((l) => l && !l.startsWith('#'))!,
      `${t.base}${owner.playback.hls}`,
    );
    const rung = await fetch(rungUrl);
    expect(rung.status).toBe(200);
    const segUrl = new URL(parseMediaPlaylist(await rung.text()).segments[0]!.uri, rungUrl);
    expect((await fetch(segUrl)).status).toBe(200);

    const forged = owner.playback.hls.replace(
      /s-(\d+)-([A-Za-z0-9_-]{32})/,
      (_m: string, exp: string) => `s-${exp}-${'A'.repeat(32)}`,
    );
    const bad = await fetch(`${t.base}${forged}`);
    expect(bad.status).toBe(403);
    expect((await json(bad)).error.code).toBe('media.link_invalid');
    const epoch = { clip: (await t.ctx.media.videos.row('us', privateId))!.media_epoch, owner: 0 };
    const expiredToken = t.ctx.media.urls.token('us', privateId, epoch, Math.floor(Date.now() / 1000) - 60);
    const expired = await fetch(`${t.base}/media/us/${privateId}/${expiredToken}/master.m3u8`);
    expect(expired.status).toBe(403);
    expect((await json(expired)).error.code).toBe('media.link_expired');
    // A token for one clip does not open another.
    const otherToken = t.ctx.media.urls.token('us', publicId, { clip: 0, owner: 0 });
    expect((await fetch(`${t.base}/media/us/${privateId}/${otherToken}/master.m3u8`)).status).toBe(403);
  });

  it('cannot be walked out of a clip’s folder', async () => {
    const secret = readFileSync(join(t.dataDir, 'keys', 'us.kek'), 'utf8');
    for (const url of [
      `/media/us/${publicId}/../../../../keys/us.kek`,
      `/media/us/${publicId}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/keys/us.kek`,
      `/media/us/${publicId}/..%2f..%2f..%2f..%2fkeys%2fus.kek`,
      `/media/us/${publicId}/.hidden`,
      `/media/us/..%2f..%2fkeys/x/us.kek`,
      `/media/xx/${publicId}/master.m3u8`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url });
      // A path that normalises to outside /media lands on the web app's shell (a deep link), never on a file.
      const shell = res.statusCode === 200 && String(res.headers['content-type']).startsWith('text/html');
      expect(res.statusCode === 404 || shell, `${url} → ${res.statusCode}`).toBe(true);
      expect(res.body).not.toContain(secret.trim());
    }
  });

  it('shows clips by visibility, and 404s rather than revealing private ones', async () => {
    const get = (id: string, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'GET', url: `/api/v1/videos/${id}`, headers });
    expect((await get(publicId)).json()).toMatchObject({
      status: 'ready',
      hashtags: ['world'],
      author: { handle: 'alice', displayName: 'alice' },
    });
    expect((await get(privateId, alice.headers)).statusCode).toBe(200);
    for (const headers of [{}, bob.headers]) {
      const res = await get(privateId, headers);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('video.not_found');
    }
    const unknown = await get('01h00000000000000000000000');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('video.not_found');
    expect((await get('not-an-id')).statusCode).toBe(404);

    const theirs = await t.app.inject({ method: 'GET', url: '/api/v1/users/alice/videos', headers: bob.headers });
    expect(theirs.json().items.map((v: { id: string }) => v.id)).toEqual([publicId]);
    const mine = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users/alice/videos?limit=1',
      headers: alice.headers,
    });
    expect(mine.json().items.map((v: { id: string }) => v.id)).toEqual([privateId]);
    const next = await t.app.inject({
      method: 'GET',
      url: `/api/v1/users/alice/videos?limit=1&cursor=${mine.json().cursor}`,
      headers: alice.headers,
    });
    expect(next.json()).toMatchObject({ items: [{ id: publicId }], cursor: null });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/nobody_here/videos' })).statusCode).toBe(404);
  });

  it('lets only the owner edit or delete, republishing the public index as visibility changes', async () => {
    const patch = (id: string, headers: Record<string, string>, payload: object) =>
      t.app.inject({ method: 'PATCH', url: `/api/v1/videos/${id}`, headers, payload });
    const count = async () => (await t.app.inject({ method: 'GET', url: '/api/v1/users/alice' })).json().stats.videos;
    const indexed = async (id: string) =>
      !!(await t.ctx.directory.selectFrom('videos').select('id').where('id', '=', id).executeTakeFirst());
    expect(await count()).toBe(1);

    const other = await patch(publicId, bob.headers, { caption: 'mine now' });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('video.forbidden');
    expect((await patch(privateId, bob.headers, { caption: 'x' })).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/videos/${publicId}`, headers: bob.headers })).statusCode,
    ).toBe(403);
    expect((await patch(publicId, {}, { caption: 'x' })).statusCode).toBe(401);
    expect((await patch(publicId, alice.headers, { visibility: 'friends' })).json().error.code).toBe(
      'video.visibility_invalid',
    );
    expect((await patch(publicId, alice.headers, { caption: 'x'.repeat(2201) })).json().error.code).toBe(
      'video.caption_too_long',
    );
    expect((await patch(publicId, alice.headers, { title: 'x' })).statusCode).toBe(400);

    const publicHls = (await t.app.inject({ method: 'GET', url: `/api/v1/videos/${publicId}` })).json().playback.hls;
    expect((await fetch(`${t.base}${publicHls}`)).status).toBe(200);
    const hidden = await patch(publicId, alice.headers, { visibility: 'private', caption: 'now #hidden with @bob' });
    expect(hidden.json()).toMatchObject({ visibility: 'private', hashtags: ['hidden'], mentions: ['bob'] });
    expect(hidden.json().playback.hls).toMatch(/\/s-\d+-/);
    expect(await indexed(publicId)).toBe(false);
    expect(
      await t.ctx.directory.selectFrom('sounds').select('id').where('video_id', '=', publicId).executeTakeFirst(),
    ).toBeUndefined();
    expect(await count()).toBe(0);
    expect((await fetch(`${t.base}/media/us/${publicId}/master.m3u8`)).status).toBe(404);
    // The keyed path handed out while it was public stops resolving at once, CDN copies of it expire.
    expect((await fetch(`${t.base}${publicHls}`)).status).toBe(404);

    const shown = await patch(publicId, alice.headers, { visibility: 'public' });
    expect(shown.json().playback.hls).toMatch(new RegExp(`^/media/us/${publicId}/k-[A-Za-z0-9_-]{22}/master\\.m3u8$`));
    expect(shown.json().playback.hls).not.toBe(publicHls);
    expect((await fetch(`${t.base}${shown.json().playback.hls}`)).status).toBe(200);
    expect(await indexed(publicId)).toBe(true);
    expect(await count()).toBe(1);
    const index = await t.ctx.directory
      .selectFrom('videos')
      .selectAll()
      .where('id', '=', publicId)
      .executeTakeFirstOrThrow();
    expect(index).toMatchObject({
      caption: 'now #hidden with @bob',
      region: 'us',
      author_id: alice.id,
      width: 360,
      height: 640,
    });

    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/videos/${publicId}`, headers: alice.headers });
    expect(del.statusCode).toBe(204);
    expect(await indexed(publicId)).toBe(false);
    expect(await count()).toBe(0);
    expect(await bytesOfClip(t, 'us', publicId)).toEqual([]);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/videos/${publicId}`, headers: alice.headers })).statusCode,
    ).toBe(404);
    expect(
      await t.ctx.cells.get('us').db.selectFrom('sounds').select('id').where('video_id', '=', publicId).execute(),
    ).toEqual([]);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/videos/${publicId}`, headers: alice.headers })).statusCode,
    ).toBe(404);
  });

  it('streams the current state first and closes a finished clip’s events at once', async () => {
    const events = await readEvents(`${t.base}/api/v1/videos/${privateId}/events`, alice.headers);
    expect(events).toEqual([{ event: 'status', data: { status: 'ready' } }]);
    expect((await fetch(`${t.base}/api/v1/videos/${privateId}/events`, { headers: bob.headers })).status).toBe(404);
  });
});

describe('bad input: every file gets a clear error, and the server keeps serving', () => {
  let t: MediaTestApp;
  let alice: Awaited<ReturnType<typeof user>>;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    const { tmpdir } = await import('node:os');
    const dir = join(tmpdir(), 'reelm-media-fixtures-v1');
    const small = await smallClip();
    files.truncated = join(dir, 'truncated.mp4');
    const bytes = readFileSync(small);
    (await import('node:fs')).writeFileSync(files.truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    files.png = join(dir, 'still.mp4');
    if (!existsSync(files.png))
      await runner.run('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'color=c=red:s=64x64',
        '-frames:v',
        '1',
        '-f',
        'image2',
        '-c:v',
        'png',
        files.png,
      ]);
    files.audio = join(dir, 'audio-only.mp4');
    if (!existsSync(files.audio))
      await runner.run('ffmpeg', [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=300:duration=1',
        '-c:a',
        'aac',
        '-f',
        'mp4',
        files.audio,
      ]);
    files.long = await clip('long-160x284-4s', { width: 160, height: 284, seconds: 4 });
    files.wide = await clip('wide-720x1280-1s', { width: 720, height: 1280, seconds: 1 });
    t = await startMediaApp({ env: { REELM_DURATION_MAX_MS: '3000', REELM_MAX_LONG_EDGE: '1000' } });
    alice = await user(t, 'alice');
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  const cases: [string, string, RegExp][] = [
    ['truncated', 'media.corrupt', /incomplete|damaged/],
    ['png', 'media.unsupported', /still image|not a video/],
    ['audio', 'media.unsupported', /no picture/],
    ['long', 'media.too_long', /at most 3 s/],
    ['wide', 'media.resolution_too_large', /at most 1000 pixels/],
  ];
  for (const [name, code, message] of cases) {
    it(`${name}: ${code}`, async () => {
      const { videoId } = await tusUpload(t.base, alice.token, files[name]!);
      const video = await waitForVideo(t, videoId, alice.headers, isSettled);
      expect(video).toMatchObject({ status: 'failed', error: { code }, playback: { hls: null, poster: null } });
      expect(video.error.message).toMatch(message);
      const events = await readEvents(`${t.base}/api/v1/videos/${videoId}/events`, alice.headers);
      expect(events).toEqual([{ event: 'status', data: { status: 'failed', error: video.error } }]);
      expect(await bytesOfClip(t, 'us', videoId)).toEqual([]);
      expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    });
  }
});
