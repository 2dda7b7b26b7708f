import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import type { JobRunner } from '../../src/jobs/worker.js';
import { startWorkers } from '../../src/jobs/workers.js';
import { createSpawnRunner } from '../../src/media/ffmpeg/ffmpeg-runner.js';
import { makeSampleClip, type SampleClipOptions } from '../../src/media/ffmpeg/sample-clips.js';
import { bearer, filesUnder, signup, startTestApp, type TestApp } from '../helpers/app.js';

export const runner = createSpawnRunner();

/** Synthetic clips are made once per machine (they are deterministic) and shared by the media tests. */
const FIXTURES = join(tmpdir(), 'reelm-media-fixtures-v1');

export async function clip(name: string, options: SampleClipOptions): Promise<string> {
  mkdirSync(FIXTURES, { recursive: true });
  const path = join(FIXTURES, `${name}.mp4`);
  if (!existsSync(path)) {
    const part = join(FIXTURES, `${name}.${process.pid}.tmp.mp4`);
    await makeSampleClip(part, { preset: 'ultrafast', ...options }, runner);
    const { renameSync } = await import('node:fs');
    renameSync(part, path);
  }
  return path;
}

/** A 2 s 360×640 clip with sound: the default test upload. */
export const smallClip = () => clip('small-360x640-2s-audio', { width: 360, height: 640, seconds: 2, audio: true });

export function fixtureFile(name: string, bytes: Buffer | string): string {
  mkdirSync(FIXTURES, { recursive: true });
  const path = join(FIXTURES, name);
  writeFileSync(path, bytes);
  return path;
}

export interface MediaTestApp extends TestApp {
  base: string;
  worker: JobRunner | undefined;
  stopWorker(): Promise<void>;
}

/** The app listening on a real port, with (by default) a worker over every cell's queue. */
export async function startMediaApp(
  options: Parameters<typeof startTestApp>[0] & { worker?: boolean } = {},
): Promise<MediaTestApp> {
  const t = await startTestApp(options);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const worker = options.worker === false ? undefined : startWorkers(t.ctx, undefined, { pollMs: 50 });
  const stopWorker = async () => {
    await worker?.stop();
  };
  return {
    ...t,
    base: `http://127.0.0.1:${port}`,
    worker,
    stopWorker,
    close: async () => {
      await stopWorker();
      await t.close();
    },
  };
}

export async function user(t: TestApp, handle: string, country = 'US') {
  const u = await signup(t.app, { handle, country });
  return { ...u, headers: bearer(u.token) };
}

export interface TusResult {
  url: string;
  videoId: string;
}

/** Uploads a file with tus-js-client over HTTP and resolves with the upload URL and the clip id. */
export function tusUpload(
  base: string,
  token: string,
  file: string,
  metadata: Record<string, string> = {},
  extra: Partial<tus.UploadOptions> = {},
): Promise<TusResult> {
  const data = readFileSync(file);
  return new Promise((resolve, reject) => {
    let videoId = '';
    const upload = new tus.Upload(data, {
      endpoint: `${base}/api/v1/uploads`,
      headers: { authorization: `Bearer ${token}` },
      metadata: { filename: 'clip.mp4', ...metadata },
      retryDelays: null,
      storeFingerprintForResuming: false,
      onAfterResponse: (_req, res) => {
        videoId ||= res.getHeader('Reelm-Video-Id') ?? '';
      },
      onError: reject,
      onSuccess: () => resolve({ url: upload.url!, videoId }),
      ...extra,
    });
    upload.start();
  });
}

/** Polls the clip until `done(video)` holds; returns the last answer. */
export async function waitForVideo(
  t: TestApp,
  id: string,
  headers: Record<string, string>,
  done: (v: any) => boolean,
  timeoutMs = 45_000,
): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/videos/${id}`, headers });
    const body = res.json();
    if (res.statusCode === 200 && done(body)) return body;
    if (Date.now() > until) throw new Error(`video ${id} did not get there in time: ${res.statusCode} ${res.body}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const isSettled = (v: { status: string }) => v.status === 'ready' || v.status === 'failed';

/** The clip's uploaded source in its cell: `<cell>/sources/<id>`, or `sources/<id>` in the region's bucket. */
export async function sourceOf(t: TestApp, region: string, videoId: string): Promise<Buffer | undefined> {
  if (t.s3) return t.s3.get(region, `sources/${videoId}`);
  const path = join(t.ctx.cells.get(region).dir, 'sources', videoId);
  return existsSync(path) ? readFileSync(path) : undefined;
}

/** Names of what uploads left in the cell: the uploads folder (multipart temp files) and, on S3, `uploads/` keys. */
export async function uploadLeftovers(t: TestApp, region: string): Promise<string[]> {
  const dir = join(t.ctx.cells.get(region).dir, 'uploads');
  const local = existsSync(dir) ? readdirSync(dir) : [];
  const remote = t.s3 ? (await t.s3.keys(region, 'uploads/')).map((k) => k.slice('uploads/'.length)) : [];
  return [...local, ...remote];
}

/** Every local file and bucket key of a region that names the clip (source, work area, media, uploads). */
export async function bytesOfClip(t: TestApp, region: string, videoId: string): Promise<string[]> {
  const dir = t.ctx.cells.get(region).dir;
  const local = existsSync(dir) ? filesUnder(dir).filter((f) => f.includes(videoId)) : [];
  const remote = t.s3 ? (await t.s3.keys(region)).filter((k) => k.includes(videoId)) : [];
  return [...local, ...remote];
}
