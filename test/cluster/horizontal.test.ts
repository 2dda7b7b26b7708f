import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '../../src/media/ffmpeg/transcode.js';
import { generateKeyBase64 } from '../../src/regions/keys.js';
import { TEST_MODE, removeDir, tempDir } from '../helpers/app.js';
import { PG_ADMIN_URL, createPgStores } from '../helpers/postgres.js';
import { S3_TEST_ENV, startS3, type TestS3 } from '../helpers/s3.js';
import { clip } from '../media/helpers.js';

/**
 * Reelm across processes as it runs across machines: two `reelm serve` and two `reelm worker --region us`
 * over one set of stores (PostgreSQL, S3, BullMQ on Redis), each with its own data folder. Needs the compiled
 * CLI (`npx tsc -p tsconfig.build.json`) and runs in the cluster pass of the suite (`REELM_TEST_MODE=cluster`;
 * once is enough, and four servers plus ffmpeg are heavy on two cores) where PostgreSQL and Redis answer.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const REDIS_URL = process.env.REELM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const REGIONS = ['us', 'eu'];

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
  } catch {
    return false;
  }
  const u = new URL(REDIS_URL);
  return new Promise((ok) => {
    const socket = connect(Number(u.port || 6379), u.hostname);
    socket.setTimeout(2_000, () => (socket.destroy(), ok(false)));
    socket.on('error', () => ok(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => (socket.end(), ok(d.toString().startsWith('+PONG'))));
  });
}

interface Proc {
  name: string;
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

const json = (r: Response): Promise<any> => r.json();
/** Whether a process logged `msg` about one job. */
const logged = (p: Proc, msg: string, jobId: string) =>
  p
    .out()
    .split('\n')
    .some((l) => l.includes(`"msg":"${msg}"`) && l.includes(`"jobId":"${jobId}"`));

describe.skipIf(TEST_MODE !== 'cluster' || !(await reachable()))(
  'horizontal: two API processes, two workers, shared stores',
  () => {
    const procs: Proc[] = [];
    const dirs: string[] = [];
    let s3: TestS3;
    let stores: Awaited<ReturnType<typeof createPgStores>>;
    let env: Record<string, string>;

    function start(name: string, args: string[]): Proc {
      const dataDir = tempDir(`reelm-h-${name}-`);
      dirs.push(dataDir);
      // Its own process group, so a kill takes ffmpeg with it, as a machine going down would.
      const child = spawn(process.execPath, [join(ROOT, 'bin/reelm.js'), ...args], {
        cwd: ROOT,
        env: { ...process.env, ...env, REELM_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
      const proc = { name, child, out: () => out, exited };
      procs.push(proc);
      return proc;
    }

    async function until<T>(
      what: string,
      fn: () => Promise<T | undefined> | T | undefined,
      timeoutMs = 60_000,
    ): Promise<T> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const v = await fn();
        if (v !== undefined && v !== false) return v as T;
        if (Date.now() > end)
          throw new Error(
            `timed out waiting for ${what}\n${procs.map((p) => `--- ${p.name}\n${p.out().slice(-3000)}`).join('\n')}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const listening = (p: Proc) =>
      until(`${p.name} to listen`, () => /listening on http:\/\/localhost:(\d+)/.exec(p.out())?.[1]).then(
        (port) => `http://127.0.0.1:${port}`,
      );

    beforeAll(async () => {
      if (!existsSync(join(ROOT, 'dist/src/cli.js'))) throw new Error('build first: npx tsc -p tsconfig.build.json');
      [s3, stores] = await Promise.all([startS3(REGIONS), createPgStores(REGIONS)]);
      env = {
        REELM_CONFIG: '',
        REELM_REGIONS: REGIONS.join(','),
        HOST: '127.0.0.1',
        REELM_LOG_LEVEL: 'info',
        REELM_SIGNUP_PER_MINUTE: '1000',
        REELM_LOGIN_PER_MINUTE: '1000',
        REELM_JOB_LEASE_MS: '5000',
        REELM_QUEUE_PREFIX: `reelm-t-${process.env.REELM_TEST_RUN ?? 'solo'}-h${randomBytes(4).toString('hex')}`,
        REELM_DIRECTORY_URL: stores.directoryUrl,
        ...S3_TEST_ENV(REGIONS),
      };
      for (const r of REGIONS) {
        const R = r.toUpperCase();
        // Every process of a cluster must hold the same region keys (sealed fields, signed links).
        Object.assign(env, {
          [`REELM_CELL_${R}_URL`]: stores.cellUrls[r]!,
          [`REELM_MEDIA_${R}_URL`]: s3.urls[r]!,
          [`REELM_QUEUE_${R}_URL`]: REDIS_URL,
          [`REELM_KEK_${R}`]: generateKeyBase64(),
        });
      }
    });

    afterAll(async () => {
      for (const p of procs)
        if (p.child.exitCode === null && p.child.signalCode === null) process.kill(-p.child.pid!, 'SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await s3?.close();
      await stores?.drop();
      for (const d of dirs) removeDir(d);
    });

    it('uploads through one API, transcodes on a worker that dies mid-job, plays through the other API', async () => {
      const source = await clip('horizontal-720x1280-12s-audio', {
        width: 720,
        height: 1280,
        seconds: 12,
        audio: true,
      });
      // The schema is made once, before the crowd arrives (as `reelm migrate` does in a deployment).
      const migrate = start('migrate', ['migrate']);
      expect(await migrate.exited).toBe(0);
      const apiA = start('api-a', ['serve', '--port', '0']);
      const apiB = start('api-b', ['serve', '--port', '0']);
      const workers = [
        start('worker-1', ['worker', '--region', 'us']),
        start('worker-2', ['worker', '--region', 'us']),
      ];
      const [a, b] = await Promise.all([listening(apiA), listening(apiB)]);
      for (const w of workers) await until(`${w.name} to start`, () => w.out().includes('worker started'));

      const signup = await fetch(`${a}/api/v1/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          handle: 'hana',
          password: 'a long enough passphrase',
          email: 'hana@example.org',
          birthdate: '1990-01-01',
          country: 'US',
        }),
      });
      expect(signup.status).toBe(201);
      // A session made by one API process is good at the other.
      const login = await fetch(`${b}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handle: 'hana', password: 'a long enough passphrase' }),
      });
      const { token } = await json(login);
      const auth = { authorization: `Bearer ${token}` };

      // tus through A, interrupted after the first chunk; B takes the rest (the offset comes from the bucket).
      const data = readFileSync(source);
      let videoId = '';
      const firstUrl = await new Promise<string>((ok, fail) => {
        const upload = new tus.Upload(data, {
          endpoint: `${a}/api/v1/uploads`,
          headers: auth,
          metadata: { filename: 'h.mp4', caption: 'across #machines', visibility: 'public' },
          chunkSize: 256 * 1024,
          retryDelays: null,
          storeFingerprintForResuming: false,
          onAfterResponse: (_req, res) => {
            videoId ||= res.getHeader('Reelm-Video-Id') ?? '';
          },
          onChunkComplete: (_chunk, accepted) => {
            if (accepted >= 256 * 1024) void upload.abort().then(() => ok(upload.url!));
          },
          onError: fail,
          onSuccess: () => fail(new Error('the upload should have been interrupted')),
        });
        upload.start();
      });
      expect(videoId).toMatch(/^[0-9a-z]{26}$/);
      const path = new URL(firstUrl).pathname;
      const head = await fetch(`${b}${path}`, { method: 'HEAD', headers: { ...auth, 'tus-resumable': '1.0.0' } });
      expect(Number(head.headers.get('upload-offset'))).toBe(256 * 1024);
      await new Promise<void>((ok, fail) => {
        const upload = new tus.Upload(data, {
          endpoint: `${b}/api/v1/uploads`,
          uploadUrl: `${b}${path}`,
          headers: auth,
          chunkSize: 1024 * 1024,
          retryDelays: null,
          storeFingerprintForResuming: false,
          onError: fail,
          onSuccess: () => ok(),
        });
        upload.start();
      });
      expect((await s3.get('us', `sources/${videoId}`))?.equals(data)).toBe(true);
      expect(await s3.keys('us', 'uploads/')).toEqual([]);

      // Kill (process group, ffmpeg included) the worker that is transcoding, once it has made progress.
      const video = async (base: string) => json(await fetch(`${base}/api/v1/videos/${videoId}`, { headers: auth }));
      await until('transcode progress', async () => ((await video(b)).progress > 0 ? true : undefined), 60_000);
      const victim = await until('the worker running the job', () =>
        workers.find((w) => logged(w, 'job started', `transcode_${videoId}`)),
      );
      const survivor = workers.find((w) => w !== victim)!;
      process.kill(-victim.child.pid!, 'SIGKILL');
      await victim.exited;
      expect((await video(a)).status).toBe('processing');

      // BullMQ sees the stalled job after one lease (5 s) and gives it to the other worker.
      const ready = await until(
        'the clip to be ready',
        async () => {
          const v = await video(a);
          if (v.status === 'failed') throw new Error(`the clip failed: ${JSON.stringify(v.error)}`);
          return v.status === 'ready' ? v : undefined;
        },
        120_000,
      );
      // The job writes `ready` before its worker logs that it is done: wait for the line rather than race it.
      await until('the survivor to log the job done', () =>
        logged(survivor, 'job done', `transcode_${videoId}`) ? true : undefined,
      );
      expect(ready).toMatchObject({
        caption: 'across #machines',
        width: 720,
        height: 1280,
        sound: { title: 'original sound - @hana' },
      });

      // Play through B: master, a variant, a segment by range.
      const master = await fetch(`${b}${ready.playback.hls}`);
      expect(master.status).toBe(200);
      const masterText = await master.text();
      const variants = masterText.split('\n').filter((l) => l && !l.startsWith('#'));
      expect(variants.length).toBeGreaterThanOrEqual(2);
      const base = `${b}${ready.playback.hls.replace(/master\.m3u8$/, '')}`;
      const variant = await fetch(`${base}${variants[0]}`);
      expect(variant.status).toBe(200);
      const playlist = parseMediaPlaylist(await variant.text());
      const rungDir = variants[0]!.replace(/index\.m3u8$/, '');
      const segment = await fetch(`${base}${rungDir}${playlist.segments[1]!.uri}`, {
        headers: { range: 'bytes=100-1099' },
      });
      expect(segment.status).toBe(206);
      expect(segment.headers.get('content-range')).toMatch(/^bytes 100-1099\/\d+$/);
      expect((await segment.arrayBuffer()).byteLength).toBe(1000);

      // Exactly one ladder in the bucket: every key is named by a playlist (or is the poster or sound).
      const expected = new Set([`${videoId}/master.m3u8`, `${videoId}/poster.jpg`, `${videoId}/sound.m4a`]);
      for (const v of variants) {
        const dir = v.replace(/index\.m3u8$/, '');
        const p = parseMediaPlaylist(await (await fetch(`${base}${v}`)).text());
        expected.add(`${videoId}/${v}`);
        expected.add(`${videoId}/${dir}${p.map}`);
        for (const s of p.segments) expected.add(`${videoId}/${dir}${s.uri}`);
      }
      expect(await s3.keys('us', `${videoId}/`)).toEqual([...expected].sort());
      // The source stays (for re-transcodes) and is never served; other buckets have nothing of the clip.
      expect(await s3.keys('us', 'sources/')).toEqual([`sources/${videoId}`]);
      expect((await fetch(`${b}/media/us/sources/${videoId}`)).status).toBe(404);
      expect((await s3.keys('eu')).filter((k) => k.includes(videoId))).toEqual([]);

      // One index row, one sound: the re-run did not publish twice.
      const count = async (url: string, sql: string) => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          return Number((await c.query(sql, [videoId])).rows[0].n);
        } finally {
          await c.end();
        }
      };
      expect(await count(stores.directoryUrl, 'SELECT count(*) AS n FROM videos WHERE id = $1')).toBe(1);
      expect(await count(stores.directoryUrl, 'SELECT count(*) AS n FROM sounds WHERE video_id = $1')).toBe(1);
      expect(await count(stores.cellUrls.us!, 'SELECT count(*) AS n FROM sounds WHERE video_id = $1')).toBe(1);
      const profile = await json(await fetch(`${b}/api/v1/users/hana`));
      expect(profile.stats.videos).toBe(1);

      // Roles stay apart: the API processes ran no job, the workers served no HTTP.
      for (const api of [apiA, apiB]) expect(api.out()).not.toContain('"job started"');
      for (const w of workers) expect(w.out()).not.toContain('listening on');

      // SIGTERM: every process stops on its own, cleanly.
      for (const p of [apiA, apiB, survivor]) p.child.kill('SIGTERM');
      const codes = await Promise.race([
        Promise.all([apiA, apiB, survivor].map((p) => p.exited)),
        new Promise<string>((r) => setTimeout(() => r('timeout'), 20_000)),
      ]);
      expect(codes).toEqual([0, 0, 0]);
    }, 240_000);
  },
);
