// Transcode benchmark: Reelm's staged transcode vs one plain ffmpeg command (the floor) vs PeerTube's
// default way (the peer). Plain JavaScript because Node 20 cannot run TypeScript; it imports the compiled
// modules, so build first:
//
//   npx tsc -p tsconfig.build.json && node bench/transcode/run.mjs [--seconds 30] [--height 1920] [--fps 30]
//
// The source clip (lavfi testsrc2 + sine, portrait 9:16) is cached in .tmp/bench-transcode/ (git-ignored),
// where outputs are written too (and removed after the run).
// Wall times are what the targets are about; CPU seconds (all child processes) are printed too because
// they barely move when other work shares the cores. --repeat N interleaves N rounds and reports medians.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const lib = (name) => join(root, 'dist/src/media/ffmpeg', name);
if (!existsSync(lib('transcode.js'))) {
  console.error('dist/ is missing: run `npx tsc -p tsconfig.build.json` first.');
  process.exit(1);
}
const { createSpawnRunner, checkFfmpeg } = await import(lib('ffmpeg-runner.js'));
const { probeMedia } = await import(lib('probe.js'));
const { planLadder } = await import(lib('ladder.js'));
const { makeSampleClip } = await import(lib('sample-clips.js'));
const { buildFloorArgs, buildPeerCommands, DEFAULT_ENCODE } = await import(lib('transcode-args.js'));
const { transcodeToHls } = await import(lib('transcode.js'));

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    height: { type: 'string', default: '1920' },
    fps: { type: 'string', default: '30' },
    repeat: { type: 'string', default: '1' },
    ffmpeg: { type: 'string', default: process.env.REELM_FFMPEG ?? 'ffmpeg' },
    ffprobe: { type: 'string', default: process.env.REELM_FFPROBE ?? 'ffprobe' },
  },
});
const seconds = Number(values.seconds);
const height = Number(values.height);
const fps = Number(values.fps);
const repeat = Math.max(1, Number(values.repeat));
const width = 2 * Math.round((height * 9) / 16 / 2);
const ffmpeg = values.ffmpeg;
const runner = createSpawnRunner();

await checkFfmpeg(ffmpeg, values.ffprobe, runner);
const cacheDir = join(root, '.tmp', 'bench-transcode');
await mkdir(cacheDir, { recursive: true });
const clip = join(cacheDir, `clip-${width}x${height}-${fps}fps-${seconds}s.mp4`);
if (!existsSync(clip)) {
  process.stdout.write(`generating ${clip} … `);
  // veryfast at the default CRF gives a phone-like source bitrate (ultrafast would make decoding unrealistically heavy).
  await makeSampleClip(
    `${clip}.part.mp4`,
    { width, height, seconds, fps, audio: true, preset: 'veryfast' },
    runner,
    ffmpeg,
  );
  await rename(`${clip}.part.mp4`, clip);
  console.log('done');
}
const info = await probeMedia(clip, runner, values.ffprobe);
const rungs = planLadder(info);
const work = await mkdtemp(join(cacheDir, 'out-'));

/** CPU seconds used by reaped child processes so far (fields cutime + cstime of /proc/self/stat). */
function childCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'latin1').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}
const timed = async (fn) => {
  const t0 = performance.now();
  const c0 = childCpuSeconds();
  await fn();
  return { wall: (performance.now() - t0) / 1000, cpu: childCpuSeconds() - c0 };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const prepareDirs = async (outDir) => {
  for (const r of rungs) await mkdir(join(outDir, r.name), { recursive: true });
};

const load0 = loadavg()[0];
console.log(
  `source ${info.width}x${info.height} ${info.fps} fps ${info.durationMs / 1000} s, audio ${info.hasAudio}; ` +
    `ladder ${rungs.map((r) => r.name).join('/')}; presets: full ${DEFAULT_ENCODE.preset}, first ${DEFAULT_ENCODE.firstPreset}; ` +
    `${cpus().length} cores, load ${load0.toFixed(2)}`,
);

const runs = { floor: [], reelm: [], first: [], firstCpu: [], peer: [] };
try {
  for (let round = 1; round <= repeat; round++) {
    // (b) the floor: the same ladder, presets and bitrates in one plain ffmpeg process.
    const floorDir = join(work, `floor-${round}`);
    await prepareDirs(floorDir);
    const floor = await timed(() => runner.run(ffmpeg, buildFloorArgs({ input: clip, outDir: floorDir, info, rungs })));
    runs.floor.push(floor);

    // (a) Reelm: first playable (lowest rung + poster + sound), then the rest from one decode.
    let firstPlayable = NaN;
    let firstCpu = NaN;
    const t0 = performance.now();
    const c0 = childCpuSeconds();
    const reelm = await timed(() =>
      transcodeToHls({
        input: clip,
        outDir: join(work, `reelm-${round}`),
        info,
        runner,
        ffmpegPath: ffmpeg,
        onFirstPlayable: () => {
          firstPlayable = (performance.now() - t0) / 1000;
          firstCpu = childCpuSeconds() - c0;
        },
      }),
    );
    runs.reelm.push(reelm);
    runs.first.push(firstPlayable);
    runs.firstCpu.push(firstCpu);

    // (c) the peer: PeerTube's default, one single-threaded process per rung, one after another.
    const peerDir = join(work, `peer-${round}`);
    await prepareDirs(peerDir);
    const peer = await timed(async () => {
      for (const args of buildPeerCommands({ input: clip, outDir: peerDir, info, rungs }))
        await runner.run(ffmpeg, args);
    });
    runs.peer.push(peer);
    console.log(
      `round ${round}: floor ${floor.wall.toFixed(1)} s, reelm first ${firstPlayable.toFixed(1)} s / complete ${reelm.wall.toFixed(1)} s, ` +
        `peer ${peer.wall.toFixed(1)} s (load ${loadavg()[0].toFixed(2)})`,
    );
    await rm(join(work, `floor-${round}`), { recursive: true, force: true });
    await rm(join(work, `reelm-${round}`), { recursive: true, force: true });
    await rm(join(work, `peer-${round}`), { recursive: true, force: true });
  }

  const wall = (k) => median(runs[k].map((r) => r.wall));
  const cpu = (k) => median(runs[k].map((r) => r.cpu));
  const [floor, reelm, peer, first] = [wall('floor'), wall('reelm'), wall('peer'), median(runs.first)];
  const clipS = info.durationMs / 1000;
  const line = (cells) =>
    `| ${cells[0].padEnd(36)} | ${cells[1].padStart(9)} | ${cells[2].padStart(9)} | ${cells[3].padEnd(8)} | ${cells[4].padEnd(3)} |`;
  console.log(`\n${line(['measure' + (repeat > 1 ? ` (median of ${repeat})` : ''), 'wall', 'CPU', 'target', 'met'])}`);
  console.log(`|${'-'.repeat(38)}|${'-'.repeat(11)}|${'-'.repeat(11)}|----------|-----|`);
  console.log(
    line(['floor: whole ladder, one ffmpeg', `${floor.toFixed(1)} s`, `${cpu('floor').toFixed(1)} s`, '', '']),
  );
  console.log(
    line(['peer: per rung, -threads 1, 4 s seg', `${peer.toFixed(1)} s`, `${cpu('peer').toFixed(1)} s`, '', '']),
  );
  console.log(
    line(['reelm: first playable', `${first.toFixed(1)} s`, `${median(runs.firstCpu).toFixed(1)} s`, '', '']),
  );
  console.log(line(['reelm: ladder complete', `${reelm.toFixed(1)} s`, `${cpu('reelm').toFixed(1)} s`, '', '']));
  const ratio = (name, value, target, ok) => console.log(line([name, value.toFixed(3), '', target, ok ? 'yes' : 'NO']));
  ratio('first playable / clip duration', first / clipS, '<= 0.25', first / clipS <= 0.25);
  ratio('reelm complete / floor', reelm / floor, '<= 1.15', reelm / floor <= 1.15);
  ratio('peer / reelm complete', peer / reelm, '>= 1.5', peer / reelm >= 1.5);
  console.log(line(['reelm CPU / floor CPU', (cpu('reelm') / cpu('floor')).toFixed(3), '', '(info)', '']));
  console.log(
    `\nload average now ${loadavg()[0].toFixed(2)} (was ${load0.toFixed(2)}); 2-core targets assume otherwise idle cores.`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
