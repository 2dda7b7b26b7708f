// What the transcode benches share: the compiled server's modules, the cached source clip, CPU time of ffmpeg
// children, and a running Reelm (embedded or given stores) with a signed-in account that uploads through tus.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tus from 'tus-js-client';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
/** A module of the compiled server (`dist/src/<name>`). */
export const lib = (name) => join(root, 'dist/src', name);
if (!existsSync(lib('cli.js'))) {
  console.error('dist/ is missing: run `npx tsc -p tsconfig.build.json` first.');
  process.exit(1);
}
const { loadConfig } = await import(lib('config.js'));
const { createContext } = await import(lib('context.js'));
const { buildServer } = await import(lib('http/server.js'));
const { startWorkers } = await import(lib('jobs/workers.js'));
const { createLogger } = await import(lib('logging.js'));
const { makeSampleClip } = await import(lib('media/ffmpeg/sample-clips.js'));

/** CPU seconds used by reaped child processes (the in-process worker's ffmpeg runs), from /proc/self/stat. */
export function childCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'latin1').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** The source clip of a size, generated once and cached in $TMPDIR/reelm-bench-transcode (as run.mjs does). */
export async function cachedClip({ width, height, fps, seconds }, runner) {
  const cacheDir = join(tmpdir(), 'reelm-bench-transcode');
  await mkdir(cacheDir, { recursive: true });
  const clip = join(cacheDir, `clip-${width}x${height}-${fps}fps-${seconds}s.mp4`);
  if (!existsSync(clip)) {
    process.stdout.write(`generating ${clip} … `);
    await makeSampleClip(`${clip}.part.mp4`, { width, height, seconds, fps, audio: true, preset: 'veryfast' }, runner);
    await rename(`${clip}.part.mp4`, clip);
    console.log('done');
  }
  return clip;
}

/**
 * A running Reelm on loopback (one region, `us`; `env` names other stores) with its worker in this process and a
 * signed-in account. `upload(bytes, metadata)` sends a clip through tus and answers its id; `get(id)` reads it.
 */
export async function startBenchReelm(env = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'reelm-bench-'));
  const config = loadConfig({ REELM_CONFIG: '', REELM_DATA_DIR: dataDir, REELM_REGIONS: 'us', ...env });
  const ctx = await createContext(config, { log: createLogger('warn') });
  const app = await buildServer(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${app.server.address().port}`;
  const worker = startWorkers(ctx, undefined, { pollMs: 20 });
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
  const headers = { authorization: `Bearer ${token}` };
  return {
    async upload(bytes, metadata) {
      let videoId = '';
      await new Promise((ok, fail) => {
        const upload = new tus.Upload(bytes, {
          endpoint: `${base}/api/v1/uploads`,
          headers,
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
      return videoId;
    },
    async get(videoId) {
      const v = (await app.inject({ method: 'GET', url: `/api/v1/videos/${videoId}`, headers })).json();
      if (v.status === 'failed') throw new Error(`the clip failed: ${v.error?.code} ${v.error?.message}`);
      return v;
    },
    async close() {
      await worker.stop();
      await app.close();
      await ctx.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
