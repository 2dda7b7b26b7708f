import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { jsonList } from '../db/columns.js';
import type { CellDb } from '../db/schema.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import type { TextPolicy } from '../moderation/blocked-terms.js';
import type { CellRegistry } from '../regions/cells.js';
import { CAPTIONS_MAX_LANGS, checkLang, parseCaptions, subtitlePlaylist, withSubtitles } from './captions.js';
import type { Viewer } from './clip-access.js';
import type { MediaStore } from './media-store.js';
import type { VideoService } from './video.service.js';

export interface CaptionServiceDeps {
  cells: CellRegistry;
  videos: VideoService;
  /** The region's blocked terms: caption text is clip text. */
  text: TextPolicy;
  now: () => Date;
}

async function readText(store: MediaStore, key: string): Promise<string | undefined> {
  const stream = await store.read(key);
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A clip's WebVTT captions, one file per language in the clip's own media store (`<id>/captions/<lang>.vtt`, with a
 * subtitle playlist beside it), named by the master playlist and listed on the clip's row. Only its owner changes
 * them; who may read them is the clip's access rule, as for every other file of the clip.
 */
export class CaptionService {
  constructor(private readonly deps: CaptionServiceDeps) {}

  private db(region: string): Kysely<CellDb> {
    return this.deps.cells.get(region).db;
  }

  /** Adds or replaces the captions of one language. */
  async put(videoId: string, viewer: Viewer, rawLang: string, text: string): Promise<void> {
    const lang = checkLang(rawLang);
    const { region, row } = await this.deps.videos.owned(videoId, viewer);
    if (row.status !== 'ready') {
      throw new ConflictError('captions.not_ready', 'Captions can be added once the video has finished processing.');
    }
    const { cueText } = parseCaptions(text);
    await this.deps.text.check(region, ...cueText);
    const langs = jsonList(row.captions);
    if (!langs.includes(lang) && langs.length >= CAPTIONS_MAX_LANGS) {
      throw new InvalidInputError(
        'captions.too_many',
        `A video has captions in at most ${CAPTIONS_MAX_LANGS} languages.`,
      );
    }
    const store = this.deps.videos.store(region);
    const dir = await mkdtemp(join(tmpdir(), 'reelm-captions-'));
    try {
      await writeFile(join(dir, 'c.vtt'), text.replace(/^\uFEFF/, ''));
      await writeFile(join(dir, 'c.m3u8'), subtitlePlaylist(lang, row.duration_ms ?? 0));
      await store.putFile(`${videoId}/captions/${lang}.vtt`, join(dir, 'c.vtt'));
      await store.putFile(`${videoId}/captions/${lang}.m3u8`, join(dir, 'c.m3u8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await this.setLangs(region, videoId, langs.includes(lang) ? langs : [...langs, lang]);
  }

  async remove(videoId: string, viewer: Viewer, rawLang: string): Promise<void> {
    const lang = checkLang(rawLang);
    const { region, row } = await this.deps.videos.owned(videoId, viewer);
    const langs = jsonList(row.captions);
    if (!langs.includes(lang)) {
      throw new NotFoundError('captions.not_found', `This video has no captions in ${lang}.`);
    }
    await this.setLangs(
      region,
      videoId,
      langs.filter((l) => l !== lang),
    );
    const store = this.deps.videos.store(region);
    await store.delete(`${videoId}/captions/${lang}.m3u8`);
    await store.delete(`${videoId}/captions/${lang}.vtt`);
  }

  /** Writes the list, then the master playlist naming it, then the index copy (public clips' cards list them). */
  private async setLangs(region: string, videoId: string, langs: string[]): Promise<void> {
    await this.db(region)
      .updateTable('videos')
      .set({ captions: JSON.stringify(langs), updated_at: this.deps.now().toISOString() })
      .where('id', '=', videoId)
      .execute();
    await this.writeMaster(region, videoId, langs);
    const clip = await this.deps.videos.access().inCell(region, videoId);
    if (clip) await this.deps.videos.syncDirectory(clip);
  }

  /** The master playlist as the transcoder wrote it, with the clip's subtitle renditions. */
  async writeMaster(region: string, videoId: string, langs: readonly string[]): Promise<void> {
    const store = this.deps.videos.store(region);
    const key = `${videoId}/master.m3u8`;
    const master = await readText(store, key);
    if (master === undefined) return;
    const dir = await mkdtemp(join(tmpdir(), 'reelm-master-'));
    try {
      await writeFile(join(dir, 'master.m3u8'), withSubtitles(master, langs));
      await store.putFile(key, join(dir, 'master.m3u8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
