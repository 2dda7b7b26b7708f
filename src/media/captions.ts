import { createRequire } from 'node:module';
import { InvalidInputError } from '../errors.js';

interface VttParse {
  cues: { startTime: number; endTime: number; text: string }[];
  errors: { message: string; line: number; col?: number }[];
}
// w3c's parser is CommonJS without types: the little of it used here is typed here.
const { WebVTTParser } = createRequire(import.meta.url)('webvtt-parser') as {
  WebVTTParser: new () => { parse(text: string, mode: 'metadata'): VttParse };
};

/**
 * WebVTT captions as a pure library: the language tag check, the WebVTT check (w3c's parser) and the HLS pieces
 * that name captions in a clip's master playlist. Imports nothing of Reelm but its errors.
 */

/** The largest caption file accepted. */
export const CAPTIONS_MAX_BYTES = 256 * 1024;
/** Most caption languages per clip. */
export const CAPTIONS_MAX_LANGS = 20;

/** A BCP 47 tag in canonical form (`pt-br` → `pt-BR`), or `captions.lang_invalid`. */
export function checkLang(raw: string): string {
  let lang: string | undefined;
  try {
    // Only language[-script][-region], which every player knows: no private use or extensions.
    if (/^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|\d{3}))?$/.test(raw)) lang = Intl.getCanonicalLocales(raw)[0];
  } catch {
    lang = undefined;
  }
  if (!lang) {
    throw new InvalidInputError(
      'captions.lang_invalid',
      `"${raw.slice(0, 40)}" is not a language tag; use a BCP 47 tag such as en, de or pt-BR.`,
    );
  }
  return lang;
}

/** The language's name in itself ("Deutsch", "português (Brasil)"), for players' menus. */
export function langName(lang: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: 'language' }).of(lang) ?? lang;
  } catch {
    return lang;
  }
}

/** Checks a WebVTT file; returns its cues' text (for the region's blocked terms) and its end (ms). */
export function parseCaptions(text: string): { cueText: string[]; endMs: number } {
  const parsed = new WebVTTParser().parse(text.replace(/^\uFEFF/, ''), 'metadata');
  const first = parsed.errors[0];
  if (first) {
    throw new InvalidInputError(
      'captions.invalid',
      `This is not valid WebVTT: ${first.message} (line ${first.line}${first.col ? `, column ${first.col}` : ''}).`,
    );
  }
  if (parsed.cues.length === 0) throw new InvalidInputError('captions.invalid', 'This WebVTT file has no cues.');
  return {
    cueText: parsed.cues.map((c) => c.text),
    endMs: Math.ceil(Math.max(...parsed.cues.map((c) => c.endTime)) * 1000),
  };
}

/** The subtitle media playlist of one language: its whole WebVTT file as one segment. */
export function subtitlePlaylist(lang: string, durationMs: number): string {
  const seconds = Math.max(1, durationMs / 1000);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(seconds)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${seconds.toFixed(3)},`,
    `${lang}.vtt`,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

const GROUP = 'subs';

/**
 * The master playlist with one `SUBTITLES` rendition per language (first is the default) and every variant naming
 * the group; with no languages, the playlist as the transcoder wrote it. Idempotent: earlier renditions are
 * replaced.
 */
export function withSubtitles(master: string, langs: readonly string[]): string {
  const lines = master
    .split('\n')
    .filter((l) => !l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES'))
    .map((l) => (l.startsWith('#EXT-X-STREAM-INF:') ? l.replace(`,SUBTITLES="${GROUP}"`, '') : l));
  if (langs.length === 0) return lines.join('\n');
  const media = langs.map(
    (lang, i) =>
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${GROUP}",LANGUAGE="${lang}",NAME="${langName(lang).replace(/"/g, "'")}",` +
      `DEFAULT=${i === 0 ? 'YES' : 'NO'},AUTOSELECT=YES,URI="captions/${lang}.m3u8"`,
  );
  const first = lines.findIndex((l) => l.startsWith('#EXT-X-STREAM-INF:'));
  const at = first < 0 ? lines.length : first;
  const out = [...lines.slice(0, at), ...media, ...lines.slice(at)];
  return out.map((l) => (l.startsWith('#EXT-X-STREAM-INF:') ? `${l},SUBTITLES="${GROUP}"` : l)).join('\n');
}
