/**
 * Feed benchmark: generates a synthetic Reelm (N users, M clips, K watch events over the regions), starts the
 * real server in its own process on 127.0.0.1, and measures For You, Following, a video's comments page and
 * /health (the ceiling) with autocannon: p50/p99 latency and requests per second, plus the server's RSS.
 *
 *   npm run bench:feed -- --scale 0.05 [--duration 10] [--connections 16] [--keep] [--profile DIR] [--data DIR]
 * Defaults (scale 1): 100k users, 1M clips, 10M events. Prints numbers; it is not a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadConfig } from '../../src/config.js';
import { generate, type Generated } from './generate.js';

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
// --data DIR reuses a data set kept by an earlier --keep run (same scale), so before/after runs serve the same data.
const reuse = arg('data', '');
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

async function main(): Promise<void> {
  const dataDir = reuse ? resolve(reuse) : mkdtempSync(join(tmpdir(), 'reelm-bench-'));
  const config = loadConfig({ REELM_DATA_DIR: dataDir, REELM_LOG_LEVEL: 'warn' });
  const sizes = { users: Math.round(100_000 * scale), clips: Math.round(1_000_000 * scale), events: Math.round(10_000_000 * scale) };
  const manifest = join(dataDir, 'bench-data.json');
  let data: Generated;
  if (reuse && existsSync(manifest)) {
    data = JSON.parse(readFileSync(manifest, 'utf8')) as Generated;
    console.log(`reusing ${dataDir}: ${data.clipIds.length} clips, ${data.viewers.length} viewers`);
  } else {
    console.log(`scale ${scale}: ${sizes.users} users, ${sizes.clips} clips, ${sizes.events} watch events over ${config.regions.join(', ')}`);
    const started = Date.now();
    data = await generate(config, { ...sizes, follows: 20, viewers: 200, seed: 42, log: (l) => console.log(`  ${l}`) });
    writeFileSync(manifest, JSON.stringify(data));
    console.log(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : []), join(root, 'bin/reelm.js'), 'serve', '--port', String(port), '--data', dataDir], {
    env: { ...process.env, REELM_LOG_LEVEL: 'warn', HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitHealthy(base, child);
    console.log(`server up (pid ${child.pid}), RSS ${rssOf(child.pid!).rssMb} MiB`);
    const viewers = data.viewers;
    const headers = (i: number) => ({ authorization: `Bearer ${viewers[i % viewers.length]!.token}` });
    // Warm-up: loads each region's model and the candidate pools, as the first minute of a real server would.
    const warm = Date.now();
    for (let i = 0; i < viewers.length; i++) await fetch(`${base}/api/v1/feed/for-you?limit=10`, { headers: headers(i) });
    console.log(`warm-up (models and pools) ${Date.now() - warm} ms`);

    let n = 0;
    const rotating = (path: () => string) => [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: path(), headers: headers(n++) }) }];
    let clip = 0;
    const runs: [string, Parameters<typeof autocannon>[0]][] = [
      ['/health (ceiling)', { url: `${base}/health` }],
      ['For You (signed in)', { url: base, requests: rotating(() => '/api/v1/feed/for-you?limit=10') }],
      ['For You (visitor)', { url: `${base}/api/v1/feed/for-you?limit=10` }],
      ['Following', { url: base, requests: rotating(() => '/api/v1/feed/following?limit=10') }],
      ['Video comments page', { url: base, requests: rotating(() => `/api/v1/videos/${data.clipIds[(clip++ * 7919) % data.clipIds.length]}/comments`) }],
    ];
    const results: { name: string; p50: number; p99: number; rps: number; errors: number }[] = [];
    for (const [name, options] of runs.filter(([name], i) => i === 0 || !only || name.includes(only))) {
      const r = await autocannon({ connections, duration, ...options });
      results.push({ name, p50: r.latency.p50, p99: r.latency.p99, rps: Math.round(r.requests.average), errors: r.errors + r.non2xx });
    }
    const mem = rssOf(child.pid!);
    const ceiling = results[0]!.rps;
    console.log(`\n${connections} connections, ${duration} s each, 127.0.0.1, embedded SQLite`);
    console.log('endpoint                 p50 ms   p99 ms    req/s   of ceiling   errors');
    for (const r of results) {
      console.log(`${r.name.padEnd(24)} ${String(r.p50).padStart(6)} ${String(r.p99).padStart(8)} ${String(r.rps).padStart(8)} ${`${Math.round((100 * r.rps) / ceiling)}%`.padStart(12)} ${String(r.errors).padStart(8)}`);
    }
    console.log(`server RSS ${mem.rssMb} MiB (peak ${mem.peakMb} MiB); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (!keep && !reuse) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`data kept in ${dataDir}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
