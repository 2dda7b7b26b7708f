// Upload benchmark: the real path a user takes — tus upload over HTTP into a running Reelm, the queued
// transcode job, publishing into the media store — timed from the start of the upload to the first playable
// rung (GET /videos/:id shows playback.hls) and to `ready` (whole ladder). Imports the compiled server, so:
//
//   npx tsc -p tsconfig.build.json && node bench/transcode/upload.mjs [--seconds 30] [--height 1920] [--fps 30] [--cluster | --both]
//
// Uses the same cached source clip as run.mjs ($TMPDIR/reelm-bench-transcode) and prints the same table.
// --cluster runs the same path on the cluster engines: PostgreSQL databases (made and dropped here), an S3
// bucket (moto_server on loopback: tus multipart uploads, the source under sources/, the ladder) and a BullMQ
// queue on the local Redis, with the worker in this process; --both runs embedded then cluster, side by side.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cachedClip, childCpuSeconds, lib, startBenchReelm } from './harness.mjs';

const { createSpawnRunner } = await import(lib('media/ffmpeg/ffmpeg-runner.js'));

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    height: { type: 'string', default: '1920' },
    fps: { type: 'string', default: '30' },
    cluster: { type: 'boolean', default: false },
    both: { type: 'boolean', default: false },
  },
});
const modes = values.both ? ['embedded', 'cluster'] : values.cluster ? ['cluster'] : ['embedded'];
const PG_ADMIN_URL = process.env.REELM_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REELM_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const seconds = Number(values.seconds);
const height = Number(values.height);
const fps = Number(values.fps);
const width = 2 * Math.round((height * 9) / 16 / 2);
const runner = createSpawnRunner();

const clip = await cachedClip({ width, height, fps, seconds }, runner);
const bytes = readFileSync(clip);

/** PostgreSQL databases, an S3 server with one bucket and a Redis queue prefix for region `us`; undo() removes them. */
async function clusterStores() {
  const prefix = `reelm_bench_${randomBytes(3).toString('hex')}`;
  const names = [`${prefix}_dir`, `${prefix}_us`];
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  for (const n of names) await admin.query(`CREATE DATABASE ${n}`);
  await admin.end();
  const url = (n) => Object.assign(new URL(PG_ADMIN_URL), { pathname: `/${n}` }).toString();
  const moto = spawn(process.env.REELM_TEST_MOTO ?? 'moto_server', ['-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise((ok, fail) => {
    let out = '';
    const on = (c) => {
      out += c;
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) ok(m[1]);
    };
    moto.stdout.on('data', on);
    moto.stderr.on('data', on);
    moto.on('error', fail);
  });
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'reelm-bench-us' }));
  s3.destroy();
  return {
    env: {
      REELM_DIRECTORY_URL: url(names[0]),
      REELM_CELL_US_URL: url(names[1]),
      REELM_MEDIA_US_URL: `s3://reelm-bench-us?endpoint=${endpoint}&region=us-east-1`,
      REELM_MEDIA_US_ACCESS_KEY: 'bench',
      REELM_MEDIA_US_SECRET_KEY: 'bench',
      REELM_QUEUE_US_URL: REDIS_URL,
      REELM_QUEUE_PREFIX: `reelm-bench-${process.pid}`,
    },
    undo: async () => {
      moto.kill('SIGTERM');
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      for (const n of names) await c.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function runMode(mode) {
  const stores = mode === 'cluster' ? await clusterStores() : undefined;
  const reelm = await startBenchReelm(stores?.env);
  const load0 = loadavg()[0];
  try {
    const t0 = performance.now();
    const c0 = childCpuSeconds();
    let firstCpu = NaN;
    const videoId = await reelm.upload(bytes, { caption: 'bench' });
    const uploaded = (performance.now() - t0) / 1000;
    let first = NaN;
    let ready = NaN;
    for (;;) {
      const v = await reelm.get(videoId);
      const t = (performance.now() - t0) / 1000;
      if (Number.isNaN(first) && v.playback?.hls) {
        first = t;
        firstCpu = childCpuSeconds() - c0;
      }
      if (v.status === 'ready') {
        ready = t;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return { mode, uploaded, first, firstCpu, ready, readyCpu: childCpuSeconds() - c0, load0, load1: loadavg()[0] };
  } finally {
    await reelm.close();
    await stores?.undo();
  }
}

console.log(
  `source ${width}x${height} ${fps} fps ${seconds} s, ${(bytes.length / 1024 ** 2).toFixed(1)} MB; ${cpus().length} cores`,
);
const results = [];
for (const mode of modes) results.push(await runMode(mode));
const cell = (s, w = 20) => String(s).padStart(w);
const line = (name, f) => console.log(`| ${name.padEnd(32)} |${results.map((r) => ` ${cell(f(r))} |`).join('')}`);
console.log(`\n| ${'measure (from upload start)'.padEnd(32)} |${results.map((r) => ` ${cell(r.mode)} |`).join('')}`);
console.log(`|${'-'.repeat(34)}|${results.map(() => `${'-'.repeat(22)}|`).join('')}`);
line('upload complete (tus, loopback)', (r) => `${r.uploaded.toFixed(1)} s`);
line('first playable (wall / CPU)', (r) => `${r.first.toFixed(1)} s / ${r.firstCpu.toFixed(1)} s`);
line('ladder complete (wall / CPU)', (r) => `${r.ready.toFixed(1)} s / ${r.readyCpu.toFixed(1)} s`);
line('first playable / clip (<= 0.25)', (r) => (r.first / seconds).toFixed(3));
line('load average before / after', (r) => `${r.load0.toFixed(2)} / ${r.load1.toFixed(2)}`);
