/**
 * Carve-out benchmark: generates a deployment of two regions (au, us) with the feed bench's generator (real sealed
 * e-mails and keys, clips, follows, likes, watch events), copies it into PostgreSQL (a database per cell and the
 * directory), adds a few real media files to au's cell folder, then runs the real CLI — `reelm region export au`
 * (PostgreSQL → standalone SQLite) and `reelm region detach au` — each in its own process, and prints the wall
 * time and peak RSS (VmHWM) of each. It runs a small set (1k users / 10k clips in au) first as the baseline and
 * the full set (10k / 100k) second, and prints the ratios. Then `reelm region verify-absent au` scans what remains
 * (the directory and us's database, the data folder) for the export's manifest: it must find 0 traces. Prints numbers; it is not a test.
 *
 *   npm run bench:carve-out [-- --users 10000 --clips 100000 --keep --heap MB]
 * --heap MB caps the CLI processes' V8 heap (--max-old-space-size): a run that finishes under a small cap shows the
 * copy's memory does not grow with the region (RSS alone also counts garbage V8 has not collected yet).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { copyToPostgres } from '../feed/cluster-copy.js';
import { generate } from '../feed/generate.js';
import { sampleLadder } from '../../src/media/ffmpeg/sample-ladder.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const BIN = join(root, 'bin', 'reelm.js');
const keep = process.argv.includes('--keep');
const heapMb = arg('heap', '');
const log = (line: string) => console.error(`  ${line}`);

interface Run {
  ms: number;
  peakMb: number;
  stdout: string;
  /** Each progress step's label and duration (from the CLI's progress lines on stderr, timed as they arrive). */
  steps: { label: string; ms: number }[];
}

/** Runs the CLI in its own process; its peak RSS is read from /proc while it runs (VmHWM only grows). */
function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((ok, fail) => {
    const t0 = Date.now();
    const child = spawn('node', [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const started = new Map<string, number>();
    const steps: Run['steps'] = [];
    let partial = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const lines = (partial + c.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.endsWith('…')) started.set(line.slice(0, -1), Date.now());
        const done = /^(.*): done/.exec(line);
        if (done && started.has(done[1]!)) steps.push({ label: done[1]!, ms: Date.now() - started.get(done[1]!)! });
      }
    });
    let peakKb = 0;
    const timer = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        peakKb = Math.max(peakKb, Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0));
      } catch {
        // exited between two samples
      }
    }, 20);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) fail(new Error(`reelm ${args.join(' ')} exited ${code}: ${stderr}`));
      else ok({ ms: Date.now() - t0, peakMb: Math.round(peakKb / 1024), stdout, steps });
    });
  });
}

async function countIn(url: string, query: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(query)).rows[0]!.n);
  } finally {
    await c.end();
  }
}

/** au gets about 85% of the generator's users and clips (it skews towards the first region). */
const AU_SHARE = 0.85;

async function runSet(users: number, clips: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'reelm-carve-bench-'));
  const out = mkdtempSync(join(tmpdir(), 'reelm-carve-bench-out-'));
  writeFileSync(join(dataDir, 'reelm.config.json'), JSON.stringify({ regions: ['au', 'us'] }));
  const config = loadConfig({ REELM_CONFIG: '', REELM_DATA_DIR: dataDir, REELM_LOG_LEVEL: 'warn' });
  console.error(`generating ~${users} users / ~${clips} clips in au (plus us)…`);
  await generate(config, {
    users: Math.round(users / AU_SHARE),
    clips: Math.round(clips / AU_SHARE),
    events: Math.round(clips / AU_SHARE),
    follows: 10,
    viewers: 1,
    seed: 7,
    log,
  });
  // The generator gives every sound the first clip of the set as its origin; the app makes a sound from its
  // creator's own clip (in the creator's region), so each sound gets one of its creator's clips here.
  const generated = new SQLite(join(dataDir, 'directory', 'directory.sqlite'));
  generated.exec(
    `update sounds set video_id = coalesce((select v.id from videos v where v.author_id = sounds.author_id order by v.id limit 1), video_id)`,
  );
  generated.close();
  const stores = await copyToPostgres(config, log);
  // The cluster deployment is the PostgreSQL copy: the generator's SQLite stores leave the data folder.
  rmSync(join(dataDir, 'directory'), { recursive: true, force: true });
  for (const r of ['au', 'us'])
    for (const f of ['cell.sqlite', 'cell.sqlite-wal', 'cell.sqlite-shm'])
      rmSync(join(dataDir, 'cells', r, f), { force: true });
  const env: Record<string, string> = { REELM_CONFIG: '', REELM_LOG_LEVEL: 'silent', ...stores.env };
  if (heapMb) env.NODE_OPTIONS = `--max-old-space-size=${heapMb}`;
  const auUrl = stores.env.REELM_CELL_AU_URL!;
  // A few real files as media: an HLS ladder for ten of au's clips (the rest are rows only).
  const ladder = await sampleLadder();
  const c = new pg.Client({ connectionString: auUrl });
  await c.connect();
  for (const { id } of (await c.query<{ id: string }>('select id from videos order by id limit 10')).rows)
    cpSync(ladder, join(dataDir, 'cells', 'au', 'media', id), { recursive: true });
  await c.end();
  const counts = {
    users: await countIn(auUrl, 'select count(*) as n from accounts'),
    clips: await countIn(auUrl, 'select count(*) as n from videos'),
    follows: await countIn(auUrl, 'select count(*) as n from follows'),
    likes: await countIn(auUrl, 'select count(*) as n from likes'),
    watchEvents: await countIn(auUrl, 'select count(*) as n from watch_events'),
  };
  console.error(`au on PostgreSQL: ${JSON.stringify(counts)}`);
  const exported = await cli(['region', 'export', 'au', '--out', out, '--data', dataDir], env);
  const detached = await cli(['region', 'detach', 'au', '--data', dataDir], env);
  const verified = await cli(['region', 'verify-absent', 'au', '--ids-from', out, '--data', dataDir], env);
  const traces = Number(/^(\d+) traces of au found/m.exec(verified.stdout)?.[1] ?? NaN);
  if (!keep) {
    await stores.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  } else console.error(`kept ${dataDir} and ${out} (databases stay too)`);
  return { counts, exported, detached, verified, traces };
}

const big = { users: Number(arg('users', '10000')), clips: Number(arg('clips', '100000')) };
const small = { users: Math.round(big.users / 10), clips: Math.round(big.clips / 10) };
const base = await runSet(small.users, small.clips);
const full = await runSet(big.users, big.clips);
const row = (name: string, r: Awaited<ReturnType<typeof runSet>>) =>
  `${name.padEnd(8)} users ${String(r.counts.users).padStart(6)}  clips ${String(r.counts.clips).padStart(7)}  ` +
  `export ${String(r.exported.ms).padStart(7)} ms ${String(r.exported.peakMb).padStart(5)} MiB   ` +
  `detach ${String(r.detached.ms).padStart(7)} ms ${String(r.detached.peakMb).padStart(5)} MiB   ` +
  `verify-absent ${String(r.verified.ms).padStart(7)} ms ${String(r.verified.peakMb).padStart(5)} MiB, ${r.traces} traces`;
console.log(
  `carve-out of au from PostgreSQL (export → standalone SQLite; detach), each in its own process${heapMb ? ` with a ${heapMb} MiB heap cap` : ''}:`,
);
console.log(row('baseline', base));
console.log(row('full', full));
for (const [name, r] of [
  ['export', full.exported],
  ['detach', full.detached],
] as const)
  console.log(
    `full ${name} steps: ${r.steps
      .filter((s) => s.ms >= 200)
      .map((s) => `${s.label.replace(/^(export|detach) au: /, '')} ${s.ms} ms`)
      .join('; ')}`,
  );
console.log(
  `ratio    rows x${(full.counts.clips / base.counts.clips).toFixed(1)}  export time x${(full.exported.ms / base.exported.ms).toFixed(1)}, ` +
    `peak RSS x${(full.exported.peakMb / base.exported.peakMb).toFixed(2)}; detach time x${(full.detached.ms / base.detached.ms).toFixed(1)}, ` +
    `peak RSS x${(full.detached.peakMb / base.detached.peakMb).toFixed(2)}`,
);
