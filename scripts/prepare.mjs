#!/usr/bin/env node
// Makes a fresh clone runnable: checks the OS packages Reelm needs (installing them with apt-get when
// running as root on Debian, otherwise printing the exact command), then builds what is missing or stale.
//   node scripts/prepare.mjs start   ffmpeg + server + web app
//   node scripts/prepare.mjs test    the above + chromium (browser tests)
//   node scripts/prepare.mjs build   server only
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const mode = process.argv[2] ?? 'start';
const root = new URL('..', import.meta.url).pathname;

function has(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function ensurePackages(wanted) {
  const missing = wanted.filter(({ bin }) => !has(process.env[`REELM_${bin.toUpperCase()}`] ?? bin));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  const command = `sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !has('apt-get')) {
    console.error(`Reelm needs ${missing.map((m) => m.bin).join(', ')}. Install with:\n  ${command}`);
    process.exit(1);
  }
  console.log(`Installing ${pkgs.join(', ')} from Debian's packages (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...pkgs],
  ]) {
    const res = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (res.status !== 0) {
      console.error(`apt-get ${args[0]} failed. Install by hand:\n  ${command}`);
      process.exit(1);
    }
  }
}

function newest(dir) {
  let latest = 0;
  if (!existsSync(dir)) return latest;
  if (!statSync(dir).isDirectory()) return statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      latest = Math.max(latest, newest(p));
    } else latest = Math.max(latest, statSync(p).mtimeMs);
  }
  return latest;
}

function stale(sources, output) {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  return sources.some((s) => newest(join(root, s)) > built);
}

function run(cmd, args) {
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
}

/** The test suite also runs on PostgreSQL, S3 (s3rver, from npm) and BullMQ on Redis: both must answer. */
async function ensureServices() {
  const net = await import('node:net');
  const reachable = (url, fallbackPort) =>
    new Promise((resolve) => {
      const u = new URL(url);
      const socket = net.connect({ host: u.hostname, port: Number(u.port || fallbackPort) });
      socket.setTimeout(2000);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => (socket.destroy(), resolve(false)));
    });
  const pgUrl = process.env.REELM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REELM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
  const missing = [];
  if (!(await reachable(pgUrl, 5432)))
    missing.push(
      `PostgreSQL at ${pgUrl}:\n  sudo apt-get install -y postgresql && sudo pg_ctlcluster $(ls /etc/postgresql) main start\n  (tests log in without a password from 127.0.0.1: allow "trust" for 127.0.0.1/32 in pg_hba.conf, or set REELM_TEST_PG_URL=postgres://USER:PASSWORD@127.0.0.1:5432/postgres)`,
    );
  if (!(await reachable(redisUrl, 6379)))
    missing.push(
      `Redis at ${redisUrl}:\n  sudo apt-get install -y redis-server && redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
    );
  // s3rver lacks the multipart calls (ListParts) that resumable uploads into S3 need; moto's server has them.
  const moto = process.env.REELM_TEST_MOTO ?? 'moto_server';
  // Debian's Python refuses a bare `pip install` (PEP 668, "externally managed"); pipx installs into its own venv.
  if (!has(moto))
    missing.push(
      `moto's S3 server (${moto}), for the cluster-mode pass:\n  sudo apt-get install -y pipx && pipx install "moto[server]" && pipx ensurepath\n  (or set REELM_TEST_MOTO to a moto_server binary)`,
    );
  if (missing.length) {
    console.error(`The test suite needs these services running:\n${missing.join('\n')}`);
    process.exit(1);
  }
}

const packages = [
  { bin: 'ffmpeg', pkg: 'ffmpeg' },
  { bin: 'ffprobe', pkg: 'ffmpeg' },
];
if (mode === 'test') packages.push({ bin: 'chromium', pkg: 'chromium' });
if (mode !== 'build') ensurePackages(packages);
if (mode === 'test') await ensureServices();

if (stale(['src', 'tsconfig.json', 'tsconfig.build.json'], join(root, 'dist/.built'))) {
  console.log('Building the server (tsc)…');
  run('npx', ['tsc', '-p', 'tsconfig.build.json']);
  run('touch', [join(root, 'dist/.built')]);
}
if (
  mode !== 'build' &&
  existsSync(join(root, 'web/index.html')) &&
  stale(['web/src', 'web/index.html', 'web/vite.config.ts'], join(root, 'web/dist/index.html'))
) {
  console.log('Building the web app (vite)…');
  run('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);
}
