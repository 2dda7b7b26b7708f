import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import { isId } from '../db/ids.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import type { ClipAccess, Viewer } from './clip-access.js';
import { STITCH_MAX_MS } from './ffmpeg/compose-args.js';

/**
 * What an upload may be made from — a sound (`soundId`), a duet (`duetOf`, `layout`) or a stitch (`stitchOf`,
 * `stitchMs`) of another clip — checked before anything is written. The original must be a ready clip the uploader
 * may see (the one access rule decides), whose author left duets or stitches on, in regions whose policy has
 * `features.duets` on; a clip that is not public is never composed into another cell's clip (it is protected data).
 */

export interface RemixInput {
  soundId?: unknown;
  duetOf?: unknown;
  layout?: unknown;
  stitchOf?: unknown;
  stitchMs?: unknown;
}

/** The clip's columns that say what it was made from. */
export interface RemixFields {
  sound_id: string | null;
  duet_of: string | null;
  duet_layout: string | null;
  stitch_of: string | null;
  stitch_ms: number | null;
}

export const NO_REMIX: RemixFields = {
  sound_id: null,
  duet_of: null,
  duet_layout: null,
  stitch_of: null,
  stitch_ms: null,
};

export interface RemixRulesDeps {
  directory: Kysely<DirectoryDb>;
  access: ClipAccess;
  /** Whether a region's policy has a feature on (`features.duets`). */
  featureOn: (region: string, feature: string) => boolean;
}

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

export class RemixRules {
  constructor(private readonly deps: RemixRulesDeps) {}

  async check(owner: NonNullable<Viewer>, input: RemixInput): Promise<RemixFields> {
    const fields: RemixFields = { ...NO_REMIX };
    if (present(input.soundId)) fields.sound_id = await this.sound(input.soundId);
    const duet = present(input.duetOf);
    const stitch = present(input.stitchOf);
    if (duet && stitch) {
      throw new InvalidInputError('video.remix_conflict', 'A clip can be a duet or a stitch, not both at once.');
    }
    if (present(input.layout) && !duet) {
      throw new InvalidInputError('video.layout_invalid', 'A layout only applies to a duet (send duetOf as well).');
    }
    if (present(input.stitchMs) && !stitch) {
      throw new InvalidInputError('video.stitch_ms_invalid', 'stitchMs only applies to a stitch (send stitchOf).');
    }
    if (duet) {
      const layout = present(input.layout) ? String(input.layout) : 'side';
      if (layout !== 'side' && layout !== 'stack') {
        throw new InvalidInputError('video.layout_invalid', 'A duet’s layout is "side" or "stack".');
      }
      fields.duet_of = await this.original(owner, input.duetOf, 'duet');
      fields.duet_layout = layout;
    }
    if (stitch) {
      const ms = Number(input.stitchMs);
      if (!present(input.stitchMs) || !Number.isInteger(ms) || ms <= 0 || ms > STITCH_MAX_MS) {
        throw new InvalidInputError(
          'video.stitch_ms_invalid',
          `stitchMs is how much of the original to use: a whole number of milliseconds from 1 to ${STITCH_MAX_MS}.`,
        );
      }
      fields.stitch_of = await this.original(owner, input.stitchOf, 'stitch');
      fields.stitch_ms = ms;
    }
    return fields;
  }

  /** A sound anyone may use: one with a public page (the directory's copy). */
  private async sound(value: unknown): Promise<string> {
    const id = String(value);
    if (!isId(id)) throw new InvalidInputError('sound.id_invalid', 'soundId is not a sound id.');
    const sound = await this.deps.directory.selectFrom('sounds').select('id').where('id', '=', id).executeTakeFirst();
    if (!sound) throw new NotFoundError('sound.not_found', 'This sound does not exist or can no longer be used.');
    return sound.id;
  }

  private async original(owner: NonNullable<Viewer>, value: unknown, kind: 'duet' | 'stitch'): Promise<string> {
    const id = String(value);
    const field = kind === 'duet' ? 'duetOf' : 'stitchOf';
    if (!isId(id)) throw new InvalidInputError('video.id_invalid', `${field} is not a video id.`);
    // Not found and not visible are the same 404: nothing is revealed about clips the uploader may not see.
    const found = await this.deps.access.require(id, owner);
    const clip = found.from === 'cell' ? found : await this.deps.access.inCell(found.region, id);
    if (!clip) throw new NotFoundError('video.not_found', 'This video does not exist or is not available to you.');
    for (const region of new Set([owner.region, clip.region])) {
      if (!this.deps.featureOn(region, 'duets')) {
        throw new ForbiddenError('video.duets_unavailable', 'Duets and stitches are not available in this region.');
      }
    }
    if (clip.row.status !== 'ready') {
      throw new ConflictError('video.remix_not_ready', 'This video is still being processed; try again when it plays.');
    }
    if (kind === 'duet' && clip.row.allow_duets !== 1 && clip.ownerId !== owner.userId) {
      throw new ForbiddenError('video.duet_disabled', 'The author of this video has turned duets off.');
    }
    if (kind === 'stitch' && clip.row.allow_stitches !== 1 && clip.ownerId !== owner.userId) {
      throw new ForbiddenError('video.stitch_disabled', 'The author of this video has turned stitches off.');
    }
    if (clip.region !== owner.region && clip.row.visibility !== 'public') {
      throw new ForbiddenError(
        'video.remix_not_public',
        'Only public videos can be dueted or stitched from another region; this one is for its audience only.',
      );
    }
    return id;
  }
}
