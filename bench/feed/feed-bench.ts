/**
 * Feed benchmark: generates a synthetic Reelm (N users, M clips, K watch events over the regions), starts the
 * real server in its own process on 127.0.0.1, and measures For You, Following, a video page (signed in), a video's
 * comments page and /health (the ceiling) with autocannon: p50/p99 latency and requests per second, plus the server's RSS.
 *
 *   npm run bench:feed -- --scale 0.05 [--duration 10] [--connections 16] [--keep] [--profile DIR] [--cluster | --both]
 *   npm run bench:feed -- --data DIR   measures again on a folder an earlier --keep run left (no generation)
 * Defaults (scale 1): 100k users, 1M clips, 10M events. Prints numbers; it is not a test.
 * --cluster serves the same generated data from PostgreSQL (a database per cell and the directory, copied row for
 * row; queues on the local Redis); --both runs embedded then cluster and prints them side by side.
 * REELM_BENCH_NODE_FLAGS="--flag ..." starts the server's Node.js with those flags (to try V8 settings).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadConfig } from '../../src/config.js';
import { copyToPostgres } from './cluster-copy.js';
import { generate } from './generate.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const scale = Number(arg('scale', '1'));
const duration = Number(arg('duration', '10'));
const connections = Number(arg('connections', '16'));
const keep = process.argv.includes('--keep');
// --profile DIR writes a V8 CPU profile of the server there (open it in Chrome DevTools).
const profileDir = arg('profile', '');
// --only TEXT runs just the endpoints whose name contains TEXT (plus /health, the ceiling).
const only = arg('only', '');
const modes: ('embedded' | 'cluster')[] = process.argv.includes('--both')
  ? ['embedded', 'cluster']
  : process.argv.includes('--cluster')
    ? ['cluster']
    : ['embedded'];
const REDIS_URL = process.env.REELM_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

function rssOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

async function waitHealthy(base: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become healthy');
}

interface Result {
  name: string;
  p50: number;
  p99: number;
  rps: number;
  errors: number;
}

/** Starts `reelm serve` on the data folder (and the stores `env` names) and runs the endpoint suite against it. */
async function measure(
  dataDir: string,
  env: Record<string, string>,
  data: Awaited<ReturnType<typeof generate>>,
): Promise<{ results: Result[]; rssMb: number; peakMb: number }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      ...(process.env.REELM_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : []),
      join(root, 'bin/reelm.js'),
      'serve',
      '--port',
      String(port),
      '--data',
      dataDir,
    ],
    {
      env: { ...process.env, ...env, REELM_LOG_LEVEL: 'warn', HOST: '127.0.0.1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  try {
    await waitHealthy(base, child);
    console.log(`server up (pid ${child.pid}), RSS ${rssOf(child.pid!).rssMb} MiB`);
    const viewers = data.viewers;
    const headers = (i: number) => ({ authorization: `Bearer ${viewers[i % viewers.length]!.token}` });
    // Warm-up: loads each region's model, the candidate pools and the followed creators' newest clips, as the
    // first minute of a real server would (each viewer opens For You and Following once).
    const warm = Date.now();
    for (let i = 0; i < viewers.length; i++) {
      await fetch(`${base}/api/v1/feed/for-you?limit=10`, { headers: headers(i) });
      await fetch(`${base}/api/v1/feed/following?limit=10`, { headers: headers(i) });
    }
    console.log(`warm-up (models, pools, one For You and one Following page per viewer) ${Date.now() - warm} ms`);

    let n = 0;
    const rotating = (path: () => string) => [
      { setupRequest: (req: Record<string, unknown>) => ({ ...req, path: path(), headers: headers(n++) }) },
    ];
    let clip = 0;
    const runs: [string, Parameters<typeof autocannon>[0]][] = [
      ['/health (ceiling)', { url: `${base}/health` }],
      ['For You (signed in)', { url: base, requests: rotating(() => '/api/v1/feed/for-you?limit=10') }],
      ['For You (visitor)', { url: `${base}/api/v1/feed/for-you?limit=10` }],
      ['Following', { url: base, requests: rotating(() => '/api/v1/feed/following?limit=10') }],
      [
        'Video page (signed in)',
        {
          url: base,
          requests: rotating(() => `/api/v1/videos/${data.clipIds[(clip++ * 7919) % data.clipIds.length]}`),
        },
      ],
      [
        'Video comments page',
        {
          url: base,
          requests: rotating(() => `/api/v1/videos/${data.clipIds[(clip++ * 7919) % data.clipIds.length]}/comments`),
        },
      ],
    ];
    const results: Result[] = [];
    for (const [name, options] of runs.filter(([name], i) => i === 0 || !only || name.includes(only))) {
      const r = await autocannon({ connections, duration, ...options });
      results.push({
        name,
        p50: r.latency.p50,
        p99: r.latency.p99,
        rps: Math.round(r.requests.average),
        errors: r.errors + r.non2xx,
      });
    }
    return { results, ...rssOf(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function main(): Promise<void> {
  const reuse = arg('data', '');
  const dataDir = reuse ? resolve(reuse) : mkdtempSync(join(tmpdir(), 'reelm-bench-'));
  const config = loadConfig({ REELM_DATA_DIR: dataDir, REELM_LOG_LEVEL: 'warn', REELM_CONFIG: '' });
  // What the load needs of the generated data (tokens of the viewers, clip ids) is kept next to it for --data.
  const manifest = join(dataDir, 'bench-manifest.json');
  let data: Awaited<ReturnType<typeof generate>>;
  if (reuse) {
    const saved = JSON.parse(readFileSync(manifest, 'utf8')) as { scale: number; data: typeof data };
    data = saved.data;
    console.log(`scale ${saved.scale}, reusing ${dataDir}`);
  } else {
    const sizes = {
      users: Math.round(100_000 * scale),
      clips: Math.round(1_000_000 * scale),
      events: Math.round(10_000_000 * scale),
    };
    console.log(
      `scale ${scale}: ${sizes.users} users, ${sizes.clips} clips, ${sizes.events} watch events over ${config.regions.join(', ')}`,
    );
    const started = Date.now();
    const generated = await generate(config, {
      ...sizes,
      follows: 20,
      viewers: 200,
      seed: 42,
      log: (l) => console.log(`  ${l}`),
    });
    // A sample of clip ids is enough for the clip pages.
    data = {
      viewers: generated.viewers,
      clipIds: generated.clipIds.filter((_, i) => i % Math.max(1, Math.floor(generated.clipIds.length / 20_000)) === 0),
    };
    writeFileSync(manifest, JSON.stringify({ scale, data }));
    console.log(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const drops: (() => Promise<void>)[] = [];
  try {
    const measured: { mode: string; results: Result[]; rssMb: number; peakMb: number; load: number }[] = [];
    for (const mode of modes) {
      let env: Record<string, string> = {};
      if (mode === 'cluster') {
        const stores = await copyToPostgres(config, (l) => console.log(`  ${l}`));
        drops.push(stores.drop);
        // The data folder still holds the region keys the generator sealed with; every cluster process needs them.
        env = {
          ...stores.env,
          REELM_QUEUE_PREFIX: `reelm-bench-${process.pid}`,
          ...Object.fromEntries(config.regions.map((r) => [`REELM_QUEUE_${r.toUpperCase()}_URL`, REDIS_URL])),
        };
      }
      console.log(
        `\n${mode}: ${mode === 'cluster' ? 'PostgreSQL per cell + directory, BullMQ on Redis' : 'SQLite per cell + directory'}`,
      );
      measured.push({ mode, ...(await measure(dataDir, env, data)), load: loadavg()[0] ?? 0 });
    }
    console.log(`\n${connections} connections, ${duration} s each, 127.0.0.1, ${cpus().length} cores`);
    console.log(
      `endpoint                 ${measured.map((m) => `${m.mode.padStart(9)}: p50 ms   p99 ms    req/s  errors`).join('  ')}`,
    );
    for (let i = 0; i < measured[0]!.results.length; i++) {
      const cells = measured.map((m) => {
        const r = m.results[i]!;
        return `${''.padStart(10)} ${String(r.p50).padStart(6)} ${String(r.p99).padStart(8)} ${String(r.rps).padStart(8)} ${String(r.errors).padStart(7)}`;
      });
      console.log(`${measured[0]!.results[i]!.name.padEnd(24)} ${cells.join('  ')}`);
    }
    for (const m of measured)
      console.log(
        `${m.mode}: server RSS ${m.rssMb} MiB (peak ${m.peakMb} MiB), load average after ${m.load.toFixed(2)}`,
      );
  } finally {
    for (const drop of drops) await drop();
    if (!keep && !reuse) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`data kept in ${dataDir}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
