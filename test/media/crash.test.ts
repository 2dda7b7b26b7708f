import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesUnder, removeDir, tempDir } from '../helpers/app.js';
import { clip, tusUpload } from './helpers.js';

/**
 * Needs the compiled CLI (`dist/`): `npm test` builds it in `pretest`; when running this file alone, run
 * `npx tsc -p tsconfig.build.json` first.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const json = (r: Response): Promise<any> => r.json();

function startServer(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/reelm.js'), 'start', '--port', '0', '--data', dataDir], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      REELM_JOB_LEASE_MS: '3000',
      REELM_SIGNUP_PER_MINUTE: '1000',
      REELM_LOGIN_PER_MINUTE: '1000',
      REELM_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`the server did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on http:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, base: `http://127.0.0.1:${m[1]}` });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => fail(new Error(`the server exited (${code}): ${out}`)));
  });
}

describe('a worker killed mid-transcode', () => {
  const dataDir = tempDir();
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    removeDir(dataDir);
  });

  it('finishes the clip after a restart, leaving no temp files', async () => {
    if (!existsSync(join(ROOT, 'dist/src/cli.js'))) throw new Error('build first: npx tsc -p tsconfig.build.json');
    const source = await clip('crash-720x1280-8s-audio', { width: 720, height: 1280, seconds: 8, audio: true });
    let server = await startServer(dataDir);
    children.push(server.child);
    const signup = await fetch(`${server.base}/api/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        handle: 'dana',
        password: 'a long enough passphrase',
        email: 'dana@example.org',
        birthdate: '1990-01-01',
        country: 'US',
      }),
    });
    expect(signup.status).toBe(201);
    const login = await fetch(`${server.base}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'dana', password: 'a long enough passphrase' }),
    });
    const { token } = await json(login);
    const headers = { authorization: `Bearer ${token}` };
    const { videoId } = await tusUpload(server.base, token, source, { caption: 'survives a crash' });

    let progress = 0;
    for (const until = Date.now() + 30_000; progress <= 0 && Date.now() < until;) {
      const v = await json(await fetch(`${server.base}/api/v1/videos/${videoId}`, { headers }));
      expect(v.status).not.toBe('ready');
      progress = v.progress ?? 0;
      if (progress <= 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(progress).toBeGreaterThan(0);
    const killed = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGKILL');
    await killed;
    const cellDir = join(dataDir, 'cells', 'us');
    // The crash left work behind (the transcoder's work folder).
    expect(existsSync(join(cellDir, 'work', videoId))).toBe(true);

    server = await startServer(dataDir);
    children.push(server.child);
    let video: any;
    for (const until = Date.now() + 60_000; Date.now() < until;) {
      video = await json(await fetch(`${server.base}/api/v1/videos/${videoId}`, { headers }));
      if (video.status === 'ready' || video.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(video).toMatchObject({ status: 'ready', width: 720, height: 1280, caption: 'survives a crash' });
    const master = await fetch(`${server.base}${video.playback.hls}`);
    expect(master.status).toBe(200);
    expect((await master.text()).match(/index\.m3u8/g)).toHaveLength(3);
    const leftovers = filesUnder(cellDir).filter(
      (f) => f.includes('.tmp-') || f.includes(`${join('work', videoId)}`) || f.includes('.put-'),
    );
    expect(leftovers).toEqual([]);
    expect(existsSync(join(cellDir, 'work')) ? readdirSync(join(cellDir, 'work')) : []).toEqual([]);
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }, 120_000);
});
