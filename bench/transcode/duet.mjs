// Duet benchmark: in one run, the transcode of a plain clip and of a duet of the same length, measured two ways:
//
// - through the upload path (tus upload over HTTP into a running Reelm, the queued transcode job, the ladder
//   published into the media store), from the start of the upload to `ready`: first the plain clip, which then
//   becomes the duet's original, then a recording of the same size uploaded with `duetOf` (the job fetches the
//   original's rendition from the media store and composes both in the same two passes);
// - the bare ffmpeg pass: the whole ladder from one plain ffmpeg command (`buildFloorArgs`), for the plain clip
//   and for the duet (`buildComposition` in front, the source clip standing in for the original's rendition).
//
//   npx tsc -p tsconfig.build.json && node bench/transcode/duet.mjs [--seconds 30] [--height 1280] [--fps 30]
//
// (`npm run bench:duet` does both.) The source clip is cached in $TMPDIR/reelm-bench-transcode, as run.mjs does.
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
const { probeMedia } = await import(lib('media/ffmpeg/probe.js'));
const { planLadder } = await import(lib('media/ffmpeg/ladder.js'));
const { buildFloorArgs } = await import(lib('media/ffmpeg/transcode-args.js'));
const { buildComposition } = await import(lib('media/ffmpeg/compose-args.js'));

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    height: { type: 'string', default: '1280' },
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

/** CPU seconds used by reaped child processes (ffmpeg runs), from /proc/self/stat. */
function childCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'latin1').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function timed(fn) {
  const t0 = performance.now();
  const c0 = childCpuSeconds();
  const value = await fn();
  return { wall: (performance.now() - t0) / 1000, cpu: childCpuSeconds() - c0, value };
}

/** Upload → ready through a running Reelm (embedded stores, worker in this process). */
async function throughUploads() {
  const dataDir = await mkdtemp(join(tmpdir(), 'reelm-bench-duet-'));
  const config = loadConfig({ REELM_CONFIG: '', REELM_DATA_DIR: dataDir, REELM_REGIONS: 'us' });
  const ctx = await createContext(config, { log: createLogger('warn') });
  const app = await buildServer(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${app.server.address().port}`;
  const worker = startWorkers(ctx, undefined, { pollMs: 20 });
  try {
    const account = {
      handle: 'bench',
      password: 'a long enough passphrase',
      email: 'bench@example.org',
      birthdate: '1990-01-01',
      country: 'US',
    };
    await app.inject({ method: 'POST', url: '/api/v1/accounts', payload: account });
    const { token } = (
      await app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { handle: 'bench', password: account.password },
      })
    ).json();
    const publish = async (metadata) => {
      let videoId = '';
      await new Promise((ok, fail) => {
        const upload = new tus.Upload(bytes, {
          endpoint: `${base}/api/v1/uploads`,
          headers: { authorization: `Bearer ${token}` },
          metadata: { filename: 'bench.mp4', visibility: 'public', ...metadata },
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
      for (;;) {
        const res = await app.inject({
          method: 'GET',
          url: `/api/v1/videos/${videoId}`,
          headers: { authorization: `Bearer ${token}` },
        });
        const v = res.json();
        if (v.status === 'ready') return v;
        if (v.status === 'failed') throw new Error(`the clip failed: ${v.error?.code} ${v.error?.message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const plain = await timed(() => publish({ caption: 'plain' }));
    const duet = await timed(() => publish({ caption: 'duet', duetOf: plain.value.id }));
    return { plain, duet };
  } finally {
    await worker.stop();
    await app.close();
    await ctx.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The whole ladder in one bare ffmpeg command, plain and as a duet. */
async function bareFfmpeg() {
  const out = await mkdtemp(join(tmpdir(), 'reelm-bench-duet-ffmpeg-'));
  try {
    const info = await probeMedia(clip, runner);
    const run = async (name, runInfo, compose) => {
      const dir = join(out, name);
      const rungs = planLadder(runInfo);
      for (const r of rungs) await mkdir(join(dir, r.name), { recursive: true });
      const args = buildFloorArgs({ input: clip, outDir: dir, info: runInfo, rungs, ...(compose ? { compose } : {}) });
      return timed(() => runner.run('ffmpeg', args, { durationMs: runInfo.durationMs }));
    };
    const plain = await run('plain', info);
    const compose = buildComposition({ main: info, duet: { original: { path: clip, info }, layout: 'side' } });
    const duet = await run('duet', compose.info, compose);
    return { plain, duet, duetSize: `${compose.info.width}x${compose.info.height}` };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

console.log(
  `source ${width}x${height} ${fps} fps ${seconds} s, ${(bytes.length / 1024 ** 2).toFixed(1)} MB; ${cpus().length} cores; ` +
    `load ${loadavg()[0].toFixed(2)}`,
);
const uploads = await throughUploads();
const bare = await bareFfmpeg();
const row = (name, p, d) =>
  console.log(
    `| ${name.padEnd(34)} | ${`${p.wall.toFixed(1)} s / ${p.cpu.toFixed(1)} s`.padStart(17)} | ` +
      `${`${d.wall.toFixed(1)} s / ${d.cpu.toFixed(1)} s`.padStart(17)} | ${(d.wall / p.wall).toFixed(2).padStart(10)} | ` +
      `${(d.cpu / p.cpu).toFixed(2).padStart(9)} |`,
  );
console.log(`\nduet output ${bare.duetSize} (side by side); wall / CPU seconds`);
console.log(
  `| ${'measure'.padEnd(34)} | ${'plain'.padStart(17)} | ${'duet'.padStart(17)} | ${'duet/plain'.padStart(10)} | ${'CPU ratio'.padStart(9)} |`,
);
console.log(`|${'-'.repeat(36)}|${'-'.repeat(19)}|${'-'.repeat(19)}|${'-'.repeat(12)}|${'-'.repeat(11)}|`);
row('upload → ready (tus, job, store)', uploads.plain, uploads.duet);
row('bare ffmpeg, whole ladder', bare.plain, bare.duet);
console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
