// Upload benchmark: the real path a user takes — tus upload over HTTP into a running Reelm, the queued
// transcode job, publishing into the media store — timed from the start of the upload to the first playable
// rung (GET /videos/:id shows playback.hls) and to `ready` (whole ladder). Imports the compiled server, so:
//
//   npx tsc -p tsconfig.build.json && node bench/transcode/upload.mjs [--seconds 30] [--height 1920] [--fps 30]
//
// Uses the same cached source clip as run.mjs ($TMPDIR/reelm-bench-transcode) and prints the same table.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as tus from 'tus-js-client';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const lib = (name) => join(root, 'dist/src', name);
if (!existsSync(lib('cli.js'))) {
  console.error('dist/ is missing: run `npx tsc -p tsconfig.build.json` first.');
  process.exit(1);
}
const { loadConfig } = await import(lib('config.js'));
const { createContext } = await import(lib('context.js'));
const { buildServer } = await import(lib('http/server.js'));
const { startWorkers } = await import(lib('jobs/workers.js'));
const { createLogger } = await import(lib('logging.js'));
const { createSpawnRunner } = await import(lib('media/ffmpeg/ffmpeg-runner.js'));
const { makeSampleClip } = await import(lib('media/ffmpeg/sample-clips.js'));

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    height: { type: 'string', default: '1920' },
    fps: { type: 'string', default: '30' },
  },
});
const seconds = Number(values.seconds);
const height = Number(values.height);
const fps = Number(values.fps);
const width = 2 * Math.round((height * 9) / 16 / 2);
const runner = createSpawnRunner();

const cacheDir = join(tmpdir(), 'reelm-bench-transcode');
await mkdir(cacheDir, { recursive: true });
const clip = join(cacheDir, `clip-${width}x${height}-${fps}fps-${seconds}s.mp4`);
if (!existsSync(clip)) {
  process.stdout.write(`generating ${clip} … `);
  await makeSampleClip(`${clip}.part.mp4`, { width, height, seconds, fps, audio: true, preset: 'veryfast' }, runner);
  await rename(`${clip}.part.mp4`, clip);
  console.log('done');
}
const bytes = readFileSync(clip);

const dataDir = await mkdtemp(join(tmpdir(), 'reelm-bench-upload-'));
const config = loadConfig({ REELM_DATA_DIR: dataDir, REELM_REGIONS: 'us' });
const ctx = await createContext(config, { log: createLogger('warn') });
const app = await buildServer(ctx);
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${app.server.address().port}`;
const worker = startWorkers(ctx, undefined, { pollMs: 20 });
const load0 = loadavg()[0];
/** CPU seconds used by reaped child processes (the in-process worker's ffmpeg runs), from /proc/self/stat. */
function childCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'latin1').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

try {
  const account = { handle: 'bench', password: 'a long enough passphrase', email: 'bench@example.org', birthdate: '1990-01-01', country: 'US' };
  await app.inject({ method: 'POST', url: '/api/v1/accounts', payload: account });
  const { token } = (await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { handle: 'bench', password: account.password } })).json();
  console.log(`source ${width}x${height} ${fps} fps ${seconds} s, ${(bytes.length / 1024 ** 2).toFixed(1)} MB; ${cpus().length} cores, load ${load0.toFixed(2)}`);

  const t0 = performance.now();
  const c0 = childCpuSeconds();
  let firstCpu = NaN;
  let videoId = '';
  await new Promise((ok, fail) => {
    const upload = new tus.Upload(bytes, {
      endpoint: `${base}/api/v1/uploads`,
      headers: { authorization: `Bearer ${token}` },
      metadata: { filename: 'bench.mp4', caption: 'bench', visibility: 'public' },
      chunkSize: 8 * 1024 ** 2,
      storeFingerprintForResuming: false,
      onAfterResponse: (_req, res) => {
        videoId ||= res.getHeader('Reelm-Video-Id') ?? '';
      },
      onSuccess: ok,
      onError: fail,
    });
    upload.start();
  });
  const uploaded = (performance.now() - t0) / 1000;
  let first = NaN;
  let ready = NaN;
  for (;;) {
    const v = (await app.inject({ method: 'GET', url: `/api/v1/videos/${videoId}`, headers: { authorization: `Bearer ${token}` } })).json();
    const t = (performance.now() - t0) / 1000;
    if (Number.isNaN(first) && v.playback?.hls) {
      first = t;
      firstCpu = childCpuSeconds() - c0;
    }
    if (v.status === 'ready') {
      ready = t;
      break;
    }
    if (v.status === 'failed') throw new Error(`the clip failed: ${v.error?.code} ${v.error?.message}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  const line = (cells) => `| ${cells[0].padEnd(36)} | ${cells[1].padStart(9)} | ${cells[2].padStart(9)} | ${cells[3].padEnd(8)} | ${cells[4].padEnd(3)} |`;
  console.log(`\n${line(['measure (from upload start)', 'wall', 'CPU', 'target', 'met'])}`);
  console.log(`|${'-'.repeat(38)}|${'-'.repeat(11)}|${'-'.repeat(11)}|----------|-----|`);
  console.log(line(['upload complete (tus, loopback)', `${uploaded.toFixed(1)} s`, '', '', '']));
  console.log(line(['first playable', `${first.toFixed(1)} s`, `${firstCpu.toFixed(1)} s`, '', '']));
  console.log(line(['ladder complete (ready)', `${ready.toFixed(1)} s`, `${(childCpuSeconds() - c0).toFixed(1)} s`, '', '']));
  const ratio = first / seconds;
  console.log(line(['first playable / clip duration', ratio.toFixed(3), '', '<= 0.25', ratio <= 0.25 ? 'yes' : 'NO']));
  console.log(`\nload average now ${loadavg()[0].toFixed(2)} (was ${load0.toFixed(2)}); 2-core targets assume otherwise idle cores.`);
} finally {
  await worker.stop();
  await app.close();
  await ctx.close();
  await rm(dataDir, { recursive: true, force: true });
}
