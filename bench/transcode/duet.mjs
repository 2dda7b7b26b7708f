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
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cachedClip, childCpuSeconds, lib, startBenchReelm } from './harness.mjs';

const { createSpawnRunner } = await import(lib('media/ffmpeg/ffmpeg-runner.js'));
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

const clip = await cachedClip({ width, height, fps, seconds }, runner);
const bytes = readFileSync(clip);

async function timed(fn) {
  const t0 = performance.now();
  const c0 = childCpuSeconds();
  const value = await fn();
  return { wall: (performance.now() - t0) / 1000, cpu: childCpuSeconds() - c0, value };
}

/** Upload → ready through a running Reelm (embedded stores, worker in this process). */
async function throughUploads() {
  const reelm = await startBenchReelm();
  try {
    const publish = async (metadata) => {
      const videoId = await reelm.upload(bytes, metadata);
      for (;;) {
        const v = await reelm.get(videoId);
        if (v.status === 'ready') return v;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const plain = await timed(() => publish({ caption: 'plain' }));
    const duet = await timed(() => publish({ caption: 'duet', duetOf: plain.value.id }));
    return { plain, duet };
  } finally {
    await reelm.close();
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
