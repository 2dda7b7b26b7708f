import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidInputError } from '../errors.js';

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/**
 * Where a region's published renditions live (master playlist, rungs, poster, sound), keyed by
 * `<videoId>/<path>`. ffmpeg always works on local temp paths; finished files are then put here, so an
 * object store can replace the disk without touching the transcoder.
 */
export interface MediaStore {
  /** Copies one local file to `key`, replacing it atomically for readers. */
  putFile(key: string, localPath: string): Promise<void>;
  /** Copies every file under `localDir` to `prefix/…`; playlists last, the master playlist very last. */
  putDir(prefix: string, localDir: string): Promise<void>;
  /** Size of the object, or undefined when there is none. */
  size(key: string): Promise<number | undefined>;
  /** A stream of the whole object or of an inclusive byte range; undefined when there is none. */
  read(key: string, range?: ByteRange): Promise<Readable | undefined>;
  exists(key: string): Promise<boolean>;
  /** Removes every object under `prefix/`. */
  deletePrefix(prefix: string): Promise<void>;
  /** Removes one object (none there is fine). */
  delete(key: string): Promise<void>;
  /** Every key under `prefix/` (a home-region move copies a clip's objects one by one). */
  list(prefix: string): Promise<string[]>;
}

// Names start with a letter or digit: no "..", no hidden temp files, no separators in a part.
const KEY_PART = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Splits and checks a store key; a key that could leave its prefix is refused. */
export function keyParts(key: string): string[] {
  const parts = key.split('/');
  if (parts.length === 0 || parts.length > 8 || !parts.every((p) => KEY_PART.test(p))) {
    throw new InvalidInputError('media.bad_path', 'This media path is not valid.');
  }
  return parts;
}

/** Orders files so that nothing refers to a file not yet written: media, then rung playlists, then the master. */
export function publishOrder(files: string[]): string[] {
  const rank = (f: string) => (f === 'master.m3u8' ? 2 : f.endsWith('.m3u8') ? 1 : 0);
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Every file under `dir`, recursively, leaving out hidden (temporary) ones. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** A cell's media on local disk: `<cell.dir>/media/<videoId>/…`. */
export class DiskMediaStore implements MediaStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    const path = resolve(this.root, ...keyParts(key));
    if (!path.startsWith(this.root + sep))
      throw new InvalidInputError('media.bad_path', 'This media path is not valid.');
    return path;
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const dest = this.pathOf(key);
    await mkdir(resolve(dest, '..'), { recursive: true });
    const tmp = `${resolve(dest, '..')}${sep}.put-${randomBytes(6).toString('hex')}`;
    try {
      await copyFile(localPath, tmp);
      await rename(tmp, dest);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async putDir(prefix: string, localDir: string): Promise<void> {
    keyParts(prefix);
    const files = (await listFiles(localDir)).map((f) => relative(localDir, f).split(sep).join('/'));
    for (const rel of publishOrder(files)) await this.putFile(`${prefix}/${rel}`, join(localDir, rel));
  }

  async size(key: string): Promise<number | undefined> {
    const s = await stat(this.pathOf(key)).catch(() => undefined);
    return s?.isFile() ? s.size : undefined;
  }

  async read(key: string, range?: ByteRange): Promise<Readable | undefined> {
    const path = this.pathOf(key);
    if ((await this.size(key)) === undefined) return undefined;
    return createReadStream(path, range ? { start: range.start, end: range.end } : {});
  }

  async exists(key: string): Promise<boolean> {
    return (await stat(this.pathOf(key)).catch(() => undefined)) !== undefined;
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.pathOf(prefix), { recursive: true, force: true });
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.pathOf(prefix);
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) return [];
    return (await listFiles(dir)).map((f) => `${prefix}/${relative(dir, f).split(sep).join('/')}`).sort();
  }
}
