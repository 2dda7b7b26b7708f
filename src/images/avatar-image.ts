import sharp from 'sharp';

/**
 * Profile pictures as a pure library over sharp: decode an upload (JPEG, PNG or WebP only), turn it upright,
 * crop it square and encode each size as WebP with nothing of the original's metadata (EXIF, GPS, XMP, ICC
 * profiles, comments). Imports nothing of Reelm.
 */

export const AVATAR_FORMATS = ['jpeg', 'png', 'webp'] as const;
export const AVATAR_SIZES = [400, 100] as const;
/** Decoding stops past this many pixels: a small file can declare a huge image (a "pixel bomb"). */
export const AVATAR_MAX_PIXELS = 40_000_000;

export class AvatarImageError extends Error {
  constructor(
    readonly reason: 'invalid' | 'format' | 'pixels',
    message: string,
  ) {
    super(message);
  }
}

export interface AvatarImages {
  /** WebP bytes by size (px). */
  sizes: Map<number, Buffer>;
}

export async function makeAvatar(input: Buffer): Promise<AvatarImages> {
  const options = { limitInputPixels: AVATAR_MAX_PIXELS, failOn: 'error' as const };
  let format: string | undefined;
  let pixels: number;
  try {
    const meta = await sharp(input, options).metadata();
    format = meta.format;
    pixels = (meta.width ?? 0) * (meta.height ?? 0);
  } catch (err) {
    const message = (err as Error).message;
    if (/pixel limit/i.test(message)) throw new AvatarImageError('pixels', message);
    throw new AvatarImageError('invalid', `not an image (${message})`);
  }
  if (!format || !(AVATAR_FORMATS as readonly string[]).includes(format)) {
    throw new AvatarImageError('format', `a ${format ?? 'unknown'} image`);
  }
  if (pixels > AVATAR_MAX_PIXELS) throw new AvatarImageError('pixels', `${pixels} pixels`);
  const sizes = new Map<number, Buffer>();
  try {
    for (const size of AVATAR_SIZES) {
      // rotate() with no angle applies the EXIF orientation; sharp writes no metadata unless asked to.
      const out = await sharp(input, options)
        .rotate()
        .resize(size, size, { fit: 'cover', position: 'centre' })
        .webp({ quality: 82 })
        .toBuffer();
      sizes.set(size, out);
    }
  } catch (err) {
    const message = (err as Error).message;
    if (/pixel limit/i.test(message)) throw new AvatarImageError('pixels', message);
    throw new AvatarImageError('invalid', message);
  }
  return { sizes };
}
