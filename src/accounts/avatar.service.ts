import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { newId } from '../db/ids.js';
import type { DirectoryDb } from '../db/schema.js';
import { InvalidInputError, UnauthorizedError } from '../errors.js';
import { AVATAR_SIZES, AvatarImageError, makeAvatar } from '../images/avatar-image.js';
import type { Logger } from '../logging.js';
import { userMediaKeys } from '../media/media-paths.js';
import type { MediaStore } from '../media/media-store.js';
import type { Border } from '../regions/border.js';
import type { Viewer } from '../media/clip-access.js';

export interface AvatarServiceDeps {
  directory: Kysely<DirectoryDb>;
  border: Border;
  /** Each region's media store: a user's pictures live in their home cell's. */
  stores: Map<string, MediaStore>;
  now: () => Date;
  log: Logger;
}

/** The largest picture accepted. */
export const AVATAR_MAX_BYTES = 5 * 1024 * 1024;
/** The size a profile's `avatarUrl` names; the large one sits beside it (`…/400.webp`). */
export const AVATAR_CARD_SIZE = 100;

const avatarUrl = (region: string, userId: string, version: string) =>
  `/avatars/${region}/${userId}/${version}/${AVATAR_CARD_SIZE}.webp`;
const URL = /^\/avatars\/([a-z0-9-]+)\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)\/\d+\.webp$/;

/**
 * Profile pictures. An upload is re-encoded (square 400 and 100 px WebP, upright, every metadata block of the
 * original gone: EXIF GPS is protected data) into the owner's home cell media store under a new version
 * (`avatars/<userId>/<version>/<size>.webp`), so each picture has its own URL that caches may keep for good; the
 * public profile then names it, and the previous version's files go.
 */
export class AvatarService {
  constructor(private readonly deps: AvatarServiceDeps) {}

  private store(region: string): MediaStore {
    const store = this.deps.stores.get(region);
    if (!store) throw new Error(`no media store for region ${region}`);
    return store;
  }

  /** The profile's current avatar version, from its URL. */
  private async current(userId: string): Promise<{ region: string; version: string } | undefined> {
    const row = await this.deps.directory
      .selectFrom('users')
      .select('avatar_url')
      .where('id', '=', userId)
      .executeTakeFirst();
    const m = URL.exec(row?.avatar_url ?? '');
    return m && m[2] === userId ? { region: m[1]!, version: m[3]! } : undefined;
  }

  async put(viewer: Viewer, image: Buffer): Promise<{ avatarUrl: string }> {
    if (!viewer) throw new UnauthorizedError();
    let sizes: Map<number, Buffer>;
    try {
      ({ sizes } = await makeAvatar(image));
    } catch (err) {
      if (!(err instanceof AvatarImageError)) throw err;
      if (err.reason === 'pixels') {
        throw new InvalidInputError(
          'avatar.too_many_pixels',
          'This picture has too many pixels; use one of at most 40 megapixels.',
        );
      }
      throw new InvalidInputError(
        'avatar.invalid',
        err.reason === 'format'
          ? 'A profile picture is a JPEG, PNG or WebP image.'
          : 'This file is not an image we can read; use a JPEG, PNG or WebP picture.',
      );
    }
    const { region, userId } = viewer;
    const before = await this.current(userId);
    const version = newId();
    const store = this.store(region);
    const dir = await mkdtemp(join(tmpdir(), 'reelm-avatar-'));
    try {
      for (const [size, bytes] of sizes) {
        const file = join(dir, `${size}.webp`);
        await writeFile(file, bytes);
        await store.putFile(userMediaKeys.avatar(userId, version, `${size}.webp`), file);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const url = avatarUrl(region, userId, version);
    await this.setUrl(region, userId, url);
    if (before) await this.store(before.region).deletePrefix(`${userMediaKeys.avatars(userId)}/${before.version}`);
    this.deps.log.info({ userId, region }, 'avatar set');
    return { avatarUrl: url };
  }

  async remove(viewer: Viewer): Promise<void> {
    if (!viewer) throw new UnauthorizedError();
    await this.setUrl(viewer.region, viewer.userId, null);
    await this.removeAll(viewer.region, viewer.userId);
  }

  /** Every picture file of the user in their cell (account purge; the profile row goes with the account). */
  async removeAll(region: string, userId: string): Promise<void> {
    await this.store(region).deletePrefix(userMediaKeys.avatars(userId));
  }

  /** The user's current picture files, for their data export. */
  async files(region: string, userId: string): Promise<{ name: string; data: Buffer }[]> {
    const current = await this.current(userId);
    if (!current || current.region !== region) return [];
    const out: { name: string; data: Buffer }[] = [];
    for (const size of AVATAR_SIZES) {
      const stream = await this.store(region).read(userMediaKeys.avatar(userId, current.version, `${size}.webp`));
      if (!stream) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
      out.push({ name: `avatar/${size}.webp`, data: Buffer.concat(chunks) });
    }
    return out;
  }

  /**
   * The user's home moved (their picture files were copied with the rest of their media): the profile names the
   * same version in the new region's store. Idempotent: a resumed move finds the URL already pointing there.
   */
  async moved(userId: string, from: string, to: string): Promise<void> {
    const current = await this.current(userId);
    if (!current || current.region !== from) return;
    await this.setUrl(from, userId, avatarUrl(to, userId, current.version));
  }

  private async setUrl(region: string, userId: string, avatarUrl: string | null): Promise<void> {
    await this.deps.border.update(
      region,
      'profile.publish',
      'users',
      { id: userId },
      { avatar_url: avatarUrl, updated_at: this.deps.now().toISOString() },
    );
  }
}
