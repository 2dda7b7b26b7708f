import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, filesUnder, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { readZip } from '../helpers/zip.js';

type User = Awaited<ReturnType<typeof signup>> & { headers: Record<string, string> };

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

describe('avatars: re-encoded, stripped, versioned; removed with the account', () => {
  let t: TestApp;
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
    t = await startTestApp();
    const u = await signup(t.app, { handle: 'av_ann' });
    ann = { ...u, headers: bearer(u.token) };
  });
  afterAll(async () => {
    await t.destroy();
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

    const u = await signup(t.app, { handle: 'av_ben' });
    const ben = { ...u, headers: bearer(u.token) };
    const jpeg = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#123456' } })
      .jpeg()
      .toBuffer();
    const { avatarUrl } = (await put(ben, jpeg, 'image/jpeg')).json();
    const exp = await t.app.inject({ method: 'POST', url: '/api/v1/me/export', headers: ben.headers });
    expect(exp.statusCode).toBe(202);
    await t.ctx.exports.build('us', exp.json().id);
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
