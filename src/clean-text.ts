/**
 * The one rule for text people write that others read (captions, comments, bios, display names): characters that
 * render as nothing, or change how the text around them renders, are removed, never refused — a pasted caption
 * with a stray zero-width space is not worth an error. Removed: C0/C1 controls and DEL (line breaks and tabs stay
 * in multi-line text), bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069: they can make a comment
 * read backwards or hide a link's real end), zero-width characters (U+200B–200D, U+2060, U+FEFF) and lone
 * surrogates. A zero-width joiner between two emoji stays: it is what makes 👩‍💻 or 🏳️‍🌈 one picture.
 */

// Emoji ends and starts around a joiner: a pictograph, optionally with a variation selector or skin-tone modifier.
const EMOJI_BEFORE = /\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?$/u;
const EMOJI_AFTER = /^\p{Extended_Pictographic}/u;
// eslint-disable-next-line no-control-regex
const CONTROLS_MULTILINE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS_ONE_LINE = /[\u0000-\u001F\u007F-\u009F]/g;
const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200B\u200C\u2060\uFEFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ZWJ = '\u200D';

export interface CleanTextOptions {
  /** Keep line breaks and tabs (captions, comments, bios); a display name is one line. */
  multiline: boolean;
}

/** The text without invisible and direction-changing characters, NFC-normalised and trimmed. */
export function cleanText(raw: string, options: CleanTextOptions): string {
  let text = raw.replace(LONE_SURROGATE, '');
  // On one line, a line break or tab still separates words; every other control is dropped.
  text = options.multiline
    ? text.replace(CONTROLS_MULTILINE, '')
    : text.replace(/[\t\n\r]+/g, ' ').replace(CONTROLS_ONE_LINE, '');
  text = text.replace(INVISIBLE, '');
  if (text.includes(ZWJ)) text = keepEmojiJoiners(text);
  return text.normalize('NFC').trim();
}

function keepEmojiJoiners(text: string): string {
  const parts = text.split(ZWJ);
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i++) {
    const next = parts[i]!;
    if (EMOJI_BEFORE.test(out) && EMOJI_AFTER.test(next)) out += ZWJ;
    out += next;
  }
  return out;
}
