import { HANDLE_PATTERN } from '../accounts/account-rules.js';
import { cleanText } from '../clean-text.js';
import { InvalidInputError } from '../errors.js';

/**
 * The one parser of clip and comment text: hashtags, @mentions (by the handle rule of accounts), and the
 * caption and visibility checks.
 */

export const CAPTION_MAX = 2200;
export const VISIBILITIES = ['public', 'followers', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

// A tag is unicode letters, digits and "_"; a mention is a run of handle characters after "@" that is a handle.
const HASHTAG = /(?<![\p{L}\p{N}_&])#([\p{L}\p{N}_]{1,100})/gu;
const MENTION = /(?<![\p{L}\p{N}_.@])@([A-Za-z0-9_.]+)/gu;

/** Lowercased, de-duplicated tags in order of first use, without '#'. */
export function parseHashtags(caption: string): string[] {
  const seen = new Set<string>();
  for (const m of caption.matchAll(HASHTAG)) seen.add(m[1]!.toLocaleLowerCase());
  return [...seen];
}

/** Lowercased, de-duplicated handles without '@'; a sentence-ending dot is not part of the handle. */
export function parseMentions(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(MENTION)) {
    const handle = m[1]!.toLowerCase().replace(/\.+$/, '');
    if (HANDLE_PATTERN.test(handle)) seen.add(handle);
  }
  return [...seen];
}

export function checkCaption(raw: unknown): string {
  if (raw === undefined || raw === null) return '';
  if (typeof raw !== 'string') throw new InvalidInputError('video.caption_invalid', 'The caption must be text.');
  const caption = cleanText(raw, { multiline: true });
  const length = [...caption].length;
  if (length > CAPTION_MAX) {
    throw new InvalidInputError(
      'video.caption_too_long',
      `A caption has at most ${CAPTION_MAX} characters; this one has ${length}.`,
    );
  }
  return caption;
}

export function checkVisibility(raw: unknown): Visibility {
  if (raw === undefined || raw === null || raw === '') return 'public';
  if (typeof raw !== 'string' || !(VISIBILITIES as readonly string[]).includes(raw)) {
    throw new InvalidInputError(
      'video.visibility_invalid',
      `Visibility must be one of ${VISIBILITIES.join(', ')}; got "${String(raw).slice(0, 40)}".`,
    );
  }
  return raw as Visibility;
}

/** A client file name kept for the owner's reference only: no path, no control characters, bounded. */
export function cleanFilename(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw === '') return null;
  const base = raw.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255);
  return clean || null;
}
