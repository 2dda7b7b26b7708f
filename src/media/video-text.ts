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

/** How far ahead a clip may be scheduled. */
export const SCHEDULE_MAX_MS = 30 * 24 * 3600_000;

/** Whether an upload's `draft` metadata asks for a draft ("true"/"false", as tus and multipart carry text). */
export function checkDraft(raw: unknown): boolean {
  if (raw === undefined || raw === null || raw === '' || raw === 'false' || raw === false) return false;
  if (raw === 'true' || raw === true) return true;
  throw new InvalidInputError('video.draft_invalid', 'draft is "true" or "false".');
}

/** A scheduled publication time: an ISO time in the future, at most 30 days ahead. Null when none is asked. */
export function checkPublishAt(raw: unknown, now: Date): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const at = typeof raw === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d)$/.test(raw);
  const ms = at ? Date.parse(raw as string) : NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidInputError(
      'video.publish_at_invalid',
      'publishAt must be an ISO 8601 time with a time zone, such as 2026-12-24T18:00:00Z.',
    );
  }
  if (ms <= now.getTime()) {
    throw new InvalidInputError('video.publish_at_past', 'publishAt must be in the future.');
  }
  if (ms > now.getTime() + SCHEDULE_MAX_MS) {
    throw new InvalidInputError('video.publish_at_too_far', 'A clip can be scheduled at most 30 days ahead.');
  }
  return new Date(ms).toISOString();
}
