import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logging.js';
import { DEMO_CLIPS, DEMO_USERS, demoClipArgs } from './demo-clips.js';

const run = promisify(execFile);

/** Every demo account's password (documented in the README; demo data is for local trials only). */
export const DEMO_PASSWORD = 'reelm-demo-password';

export interface SeedOptions {
  baseUrl: string;
  ffmpegPath: string;
  log: Logger;
  seconds?: number;
}

async function call<T>(baseUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/**
 * Fills an empty deployment with a handful of accounts in several regions and a dozen generated clips,
 * all through the public HTTP API and the real upload and transcode pipeline, plus follows, likes and comments.
 */
export async function seedDemo(options: SeedOptions): Promise<{ users: number; videos: number }> {
  const { baseUrl, log } = options;
  const seconds = options.seconds ?? 6;
  const tokens = new Map<string, string>();
  for (const user of DEMO_USERS) {
    await call(baseUrl, 'POST', '/accounts', undefined, {
      handle: user.handle,
      password: DEMO_PASSWORD,
      email: `${user.handle}@demo.reelm.invalid`,
      birthdate: '1994-06-15',
      country: user.country,
    });
    const { token } = await call<{ token: string }>(baseUrl, 'POST', '/sessions', undefined, {
      handle: user.handle,
      password: DEMO_PASSWORD,
    });
    tokens.set(user.handle, token);
    await call(baseUrl, 'PATCH', '/me', token, { displayName: user.displayName, bio: user.bio });
  }
  log.info(`demo: ${DEMO_USERS.length} accounts in ${new Set(DEMO_USERS.map((u) => u.country)).size} countries`);

  const dir = await mkdtemp(join(tmpdir(), 'reelm-demo-'));
  const videoIds: string[] = [];
  const authorOf = new Map<string, string>();
  try {
    for (const [i, clip] of DEMO_CLIPS.entries()) {
      const file = join(dir, `clip-${i}.mp4`);
      await run(options.ffmpegPath, demoClipArgs(clip, seconds, file));
      const form = new FormData();
      form.append('caption', clip.caption);
      form.append('visibility', 'public');
      form.append('file', new Blob([await readFile(file)], { type: 'video/mp4' }), `clip-${i}.mp4`);
      const res = await fetch(`${baseUrl}/api/v1/videos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.get(clip.author)}` },
        body: form,
      });
      if (res.status !== 202) throw new Error(`demo upload ${i}: ${res.status} ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      videoIds.push(id);
      authorOf.set(id, clip.author);
      log.info(`demo: uploaded clip ${i + 1}/${DEMO_CLIPS.length} by @${clip.author}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const handles = DEMO_USERS.map((u) => u.handle);
  for (const [i, handle] of handles.entries()) {
    for (const other of [handles[(i + 1) % handles.length]!, handles[(i + 2) % handles.length]!]) {
      await call(baseUrl, 'PUT', `/users/${other}/follow`, tokens.get(handle));
    }
  }

  // Likes and comments need the clips to exist in the public index, so wait for the transcodes.
  const deadline = Date.now() + 15 * 60_000;
  for (const id of videoIds) {
    for (;;) {
      // Only its author sees a clip before it is ready.
      const video = await call<{ status: string }>(baseUrl, 'GET', `/videos/${id}`, tokens.get(authorOf.get(id)!));
      if (video.status !== 'processing' && video.status !== 'uploading') break;
      if (Date.now() > deadline) throw new Error('demo: transcodes did not finish in 15 minutes');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const comments = [
    'this is mesmerising',
    'how long did this take to render?',
    'on repeat 🔁',
    'the sound fits so well',
    'more of these please!',
  ];
  for (const [i, id] of videoIds.entries()) {
    for (const [j, handle] of handles.entries()) {
      if ((i + j) % 2 === 0) await call(baseUrl, 'PUT', `/videos/${id}/like`, tokens.get(handle));
      if ((i + j) % 4 === 1)
        await call(baseUrl, 'POST', `/videos/${id}/comments`, tokens.get(handle), {
          text: comments[(i + j) % comments.length],
        });
    }
  }
  log.info(
    `demo: ready — ${videoIds.length} clips; log in as any of ${handles.map((h) => '@' + h).join(', ')} with password "${DEMO_PASSWORD}"`,
  );
  return { users: handles.length, videos: videoIds.length };
}
