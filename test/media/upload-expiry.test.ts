import { utimesSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.js';
import { startHousekeeping, sweepPeriodMs } from '../../src/jobs/housekeeping.js';
import { removeDir } from '../helpers/app.js';
import { bytesOfClip, startMediaApp, uploadLeftovers, user, type MediaTestApp } from './helpers.js';

const EXPIRY_MS = 3_600_000;

/** A clock the test moves; the app's services and its worker read it. */
function testClock() {
  let t = Date.now();
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('abandoned uploads expire; open uploads are capped', () => {
  const clock = testClock();
  let t: MediaTestApp;
  let olga: Awaited<ReturnType<typeof user>>;
  /** Open uploads the first test leaves for the sweep. */
  let expiring: string[] = [];

  beforeAll(async () => {
    t = await startMediaApp({
      clock,
      env: { REELM_UPLOAD_EXPIRY_MS: String(EXPIRY_MS), REELM_UPLOADS_OPEN_MAX: '2' },
    });
    olga = await user(t, 'olga');
  });
  afterAll(async () => {
    await t.close();
    await t.pg?.drop();
    await t.s3?.close();
    removeDir(t.dataDir);
  });

  const create = () =>
    fetch(`${t.base}/api/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${olga.token}`, 'tus-resumable': '1.0.0', 'upload-length': '10000' },
    });
  /** Starts an upload and sends its first bytes; answers the clip id and upload URL. */
  async function startUpload(): Promise<{ id: string; url: string }> {
    const res = await create();
    expect(res.status, await res.clone().text()).toBe(201);
    const url = new URL(res.headers.get('location')!, t.base).href;
    const patch = await fetch(url, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${olga.token}`,
        'tus-resumable': '1.0.0',
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
      body: Buffer.alloc(6000, 1),
    });
    expect(patch.status).toBe(204);
    return { id: res.headers.get('reelm-video-id')!, url };
  }
  const row = (id: string) =>
    t.ctx.cells.get('us').db.selectFrom('videos').select('status').where('id', '=', id).executeTakeFirst();
  /** Open S3 multipart uploads of a clip (cluster mode), which hold parts the bucket keeps until aborted. */
  async function openParts(id: string): Promise<number> {
    if (!t.s3) return 0;
    const s3 = new S3Client({
      endpoint: t.s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: t.s3.bucket('us'), Prefix: 'uploads/' }));
    return (res.Uploads ?? []).filter((u) => u.Key?.includes(id)).length;
  }

  it('caps open uploads per user with 429 upload.too_many_open, and a cancelled one frees its slot', async () => {
    const a = await startUpload();
    const b = await startUpload();
    const third = await create();
    expect(third.status).toBe(429);
    expect(third.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await third.json()) as { error: unknown }).error).toMatchObject({
      code: 'upload.too_many_open',
      message: expect.stringContaining('at most 2'),
    });
    const del = await fetch(b.url, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${olga.token}`, 'tus-resumable': '1.0.0' },
    });
    expect(del.status).toBe(204);
    const again = await startUpload();
    // Leave two open uploads of different ages for the sweep below.
    expect(await row(a.id)).toEqual({ status: 'uploading' });
    expect(await row(again.id)).toEqual({ status: 'uploading' });
    expiring = [a.id, again.id];
  });

  it('a sweep removes an expired upload’s clip, bytes and tus state, and keeps a fresh one', async () => {
    const [first, second] = expiring;
    expect((await uploadLeftovers(t, 'us')).some((f) => f.startsWith(first!))).toBe(true);
    if (t.s3) expect(await openParts(first!)).toBe(1);
    clock.advance(EXPIRY_MS + 60_000);
    await startHousekeeping(t.ctx);
    const swept = async (id: string) => (await row(id)) === undefined && (await bytesOfClip(t, 'us', id)).length === 0;
    await until('the sweep', async () => (await swept(first!)) && (await swept(second!)));
    for (const id of [first!, second!]) {
      expect(await bytesOfClip(t, 'us', id)).toEqual([]);
      expect(await openParts(id)).toBe(0);
      const video = await fetch(`${t.base}/api/v1/videos/${id}`, { headers: olga.headers });
      expect(video.status).toBe(404);
    }

    const fresh = await startUpload();
    // A crash after the row went but before the bytes did: the files alone are swept too.
    const orphan = await startUpload();
    await t.ctx.cells.get('us').db.deleteFrom('videos').where('id', '=', orphan.id).execute();
    clock.advance(EXPIRY_MS / 2);
    // Files are judged by their own age and the app's clock, here well past it; an open clip's files are never touched.
    expect(await t.ctx.media.sweeper.sweep('us')).toBe(1);
    expect(await bytesOfClip(t, 'us', orphan.id)).toEqual([]);
    expect(await openParts(orphan.id)).toBe(0);
    expect(await row(fresh.id)).toEqual({ status: 'uploading' });
    const head = await fetch(fresh.url, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${olga.token}`, 'tus-resumable': '1.0.0' },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe('6000');

    clock.advance(EXPIRY_MS);
    await startHousekeeping(t.ctx);
    await until('the second sweep', () => swept(fresh.id));
    expect(await bytesOfClip(t, 'us', fresh.id)).toEqual([]);
    const gone = await fetch(fresh.url, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${olga.token}`, 'tus-resumable': '1.0.0' },
    });
    expect(gone.status).toBe(404);
  });

  it('keeps sweeping: each sweep queues the next within min(expiry, 10 min)', async () => {
    expect(sweepPeriodMs(t.ctx)).toBe(10 * 60_000);
    if (t.ctx.queues.get('us')!.constructor.name !== 'CellJobQueue') return;
    const queued = () =>
      t.ctx.cells
        .get('us')
        .db.selectFrom('jobs')
        .select(['run_at', 'status'])
        .where('name', '=', 'housekeeping.sweep')
        .where('status', 'in', ['queued', 'running'])
        .execute();
    // Slots the test's clock jumped over run now; then one sweep waits for the next slot.
    await until('due sweeps to run', async () =>
      (await queued()).every((j) => j.status === 'queued' && Date.parse(j.run_at) > clock.now().getTime()),
    );
    const next = await queued();
    expect(next).toHaveLength(1);
    const due = Date.parse(next[0]!.run_at) - clock.now().getTime();
    expect(due).toBeGreaterThan(0);
    expect(due).toBeLessThanOrEqual(10 * 60_000);
  });

  it('removes multipart temp files left by a stopped process, not ones being written', async () => {
    const dir = join(t.ctx.cells.get('us').dir, 'uploads');
    mkdirSync(dir, { recursive: true });
    const left = join(dir, `.mp-${newId()}`);
    const live = join(dir, `.mp-${newId()}`);
    writeFileSync(left, Buffer.alloc(1000));
    writeFileSync(live, Buffer.alloc(1000));
    const now = clock.now().getTime();
    utimesSync(left, new Date(now - 5 * 60_000), new Date(now - 5 * 60_000));
    utimesSync(live, new Date(now), new Date(now));
    expect(await t.ctx.media.sweeper.removeMultipartLeftovers()).toBe(1);
    expect(existsSync(left)).toBe(false);
    expect(existsSync(live)).toBe(true);
    // Between starts, the housekeeping sweep removes one nobody has written to for an hour.
    utimesSync(live, new Date(now - 2 * 3_600_000), new Date(now - 2 * 3_600_000));
    await startHousekeeping(t.ctx);
    await until('the stale temp file to go', async () => !existsSync(live));
  });
});
