import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import type { ClipAccess } from './clip-access.js';
import { buildComposition, type Composition, type DuetLayout } from './ffmpeg/compose-args.js';
import type { FfmpegRunner } from './ffmpeg/ffmpeg-runner.js';
import { MediaError } from './ffmpeg/media-errors.js';
import { probeMedia, type MediaInfo } from './ffmpeg/probe.js';
import { parseMediaPlaylist } from './ffmpeg/transcode.js';
import { OUTPUT_FILES } from './ffmpeg/transcode-args.js';
import type { MediaStore } from './media-store.js';
import type { VideoRow } from './clip-access.js';

/**
 * The media a duet, stitch or sound is composed from, fetched into the transcode's work folder from the media
 * store of the region that holds it: an original's published rendition (its init and segments joined into one
 * fragmented MP4), a sound's `sound.m4a`. Sounds and public clips are public data; a clip that is not public is only
 * ever composed within its own cell (remix-rules.ts).
 */
export interface RemixMediaDeps {
  directory: Kysely<DirectoryDb>;
  access: ClipAccess;
  stores: Map<string, MediaStore>;
  runner: FfmpegRunner;
  ffprobePath: string;
}

/** Renditions up to this short edge are enough to sit beside (or before) a phone recording. */
const ORIGINAL_SHORT_EDGE = 720;

export class RemixMedia {
  constructor(private readonly deps: RemixMediaDeps) {}

  /** The composition for this clip, or undefined for a plain one. Throws `MediaError` when an original is gone. */
  async prepare(row: VideoRow, main: MediaInfo, work: string, signal?: AbortSignal): Promise<Composition | undefined> {
    const originalId = row.duet_of ?? row.stitch_of;
    const original = originalId ? await this.original(originalId, join(work, 'original'), signal) : undefined;
    const sound = row.sound_id ? await this.sound(row.sound_id, join(work, 'sound')) : undefined;
    return buildComposition({
      main,
      ...(row.duet_of && original ? { duet: { original, layout: (row.duet_layout ?? 'side') as DuetLayout } } : {}),
      ...(row.stitch_of && original ? { stitch: { original, stitchMs: row.stitch_ms ?? 0 } } : {}),
      ...(sound ? { sound: { path: sound } } : {}),
    });
  }

  private store(region: string): MediaStore {
    const store = this.deps.stores.get(region);
    if (!store) throw new Error(`no media store for region ${region}`);
    return store;
  }

  private async original(id: string, dir: string, signal?: AbortSignal) {
    // Whoever may see it now, the clip was allowed when it was uploaded: the rule was asked then (remix-rules.ts).
    const clip = await this.deps.access.locate(id);
    const store = clip ? this.store(clip.region) : undefined;
    const master = store ? await readText(store, `${id}/${OUTPUT_FILES.master}`) : undefined;
    if (!clip || !store || !master) {
      throw new MediaError(
        'media.original_missing',
        'The video this was made from has been deleted, so it cannot be combined with your recording.',
      );
    }
    const rung = pickRendition(master);
    const playlist = rung ? await readText(store, `${id}/${rung}/${OUTPUT_FILES.playlist}`) : undefined;
    if (!rung || !playlist) throw new MediaError('media.original_missing', 'The original video’s media is missing.');
    const { segments, map } = parseMediaPlaylist(playlist);
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'original.mp4');
    const out = createWriteStream(path);
    try {
      // A CMAF rendition is its init segment followed by its media segments: together, one fragmented MP4.
      for (const key of [map ?? OUTPUT_FILES.init, ...segments.map((s) => s.uri)]) {
        const body = await store.read(`${id}/${rung}/${key}`);
        if (!body) throw new MediaError('media.original_missing', 'The original video’s media is incomplete.');
        // Written chunk by chunk: one stream takes every segment, without a pipeline's listeners per segment.
        for await (const chunk of body) {
          if (!out.write(chunk)) await once(out, 'drain');
        }
      }
    } finally {
      await new Promise<void>((done) => out.end(done));
    }
    return { path, info: await probeMedia(path, this.deps.runner, this.deps.ffprobePath, signal) };
  }

  private async sound(soundId: string, dir: string): Promise<string> {
    const sound = await this.deps.directory
      .selectFrom('sounds')
      .select(['region', 'video_id'])
      .where('id', '=', soundId)
      .executeTakeFirst();
    const body = sound && (await this.deps.stores.get(sound.region)?.read(`${sound.video_id}/${OUTPUT_FILES.sound}`));
    if (!body) {
      throw new MediaError('media.sound_missing', 'The sound this video uses is no longer available.');
    }
    await mkdir(dir, { recursive: true });
    const path = join(dir, OUTPUT_FILES.sound);
    await pipeline(body, createWriteStream(path));
    return path;
  }
}

/** The rendition to compose from: the largest up to 720p short edge (the smallest when all are larger). */
export function pickRendition(master: string): string | undefined {
  const rungs: { name: string; edge: number }[] = [];
  let edge: number | undefined;
  for (const line of master.split('\n')) {
    const m = /RESOLUTION=(\d+)x(\d+)/.exec(line);
    if (m) edge = Math.min(Number(m[1]), Number(m[2]));
    else if (line.endsWith(`/${OUTPUT_FILES.playlist}`) && edge !== undefined) {
      rungs.push({ name: line.slice(0, -OUTPUT_FILES.playlist.length - 1), edge });
      edge = undefined;
    }
  }
  const fits = rungs.filter((r) => r.edge <= ORIGINAL_SHORT_EDGE).sort((a, b) => b.edge - a.edge);
  return (fits[0] ?? rungs.sort((a, b) => a.edge - b.edge)[0])?.name;
}

async function readText(store: MediaStore, key: string): Promise<string | undefined> {
  const body = await store.read(key);
  if (!body) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
