import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskMediaStore, type MediaStore } from './media-store.js';
import { S3MediaStore, parseS3Url } from './s3-media-store.js';

async function text(stream: Readable | undefined): Promise<string | undefined> {
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

const work = mkdtempSync(join(tmpdir(), 'reelm-store-'));
let s3server: S3rver;
let s3url = '';

beforeAll(async () => {
  s3server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: join(work, 's3'),
    configureBuckets: [{ name: 'reelm-us', configs: [] }],
  });
  const { port } = await s3server.run();
  s3url = `s3://reelm-us/cells/us?endpoint=http://127.0.0.1:${port}&region=us-east-1`;
});
afterAll(async () => {
  await s3server.close();
  rmSync(work, { recursive: true, force: true });
});

const STORES: [string, () => MediaStore][] = [
  ['disk', () => new DiskMediaStore(join(work, 'disk'))],
  ['s3', () => new S3MediaStore(parseS3Url(s3url, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }))],
];

describe.each(STORES)('media store (%s)', (_name, make) => {
  it('puts a clip folder, reads whole objects and byte ranges, and deletes by prefix', async () => {
    const store = make();
    const local = join(work, `clip-${_name}`);
    mkdirSync(join(local, '360p'), { recursive: true });
    writeFileSync(join(local, 'master.m3u8'), '#EXTM3U\n');
    writeFileSync(join(local, '360p', 'index.m3u8'), '#EXTM3U\n#EXT-X-VERSION:7\n');
    writeFileSync(join(local, '360p', 'seg_00000.m4s'), '0123456789');
    await store.putDir('vid1', local);
    await store.putDir('vid2', local);

    expect(await store.exists('vid1/master.m3u8')).toBe(true);
    expect(await store.size('vid1/360p/seg_00000.m4s')).toBe(10);
    expect(await text(await store.read('vid1/360p/seg_00000.m4s', { start: 2, end: 5 }))).toBe('2345');
    expect(await text(await store.read('vid1/360p/index.m3u8'))).toContain('EXT-X-VERSION');
    expect(await store.read('vid1/missing.m4s')).toBeUndefined();
    expect(await store.size('nope/master.m3u8')).toBeUndefined();

    await store.deletePrefix('vid1');
    expect(await store.exists('vid1/master.m3u8')).toBe(false);
    expect(await store.exists('vid1/360p/seg_00000.m4s')).toBe(false);
    expect(await store.exists('vid2/master.m3u8')).toBe(true);
  });

  it('refuses keys that could leave their prefix', async () => {
    const store = make();
    for (const key of ['../x', 'a/../../b', '.hidden/x', 'a//b', '']) {
      await expect(store.size(key)).rejects.toMatchObject({ code: 'media.bad_path' });
    }
  });
});
