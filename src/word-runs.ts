/**
 * Whole-word matching of short phrases in user text, shared by muted words (feeds) and blocked terms
 * (moderation): case and Unicode compatibility forms do not matter, and a phrase matches as consecutive words.
 */

const WORD = /[\p{L}\p{N}_]+/gu;

export function fold(text: string): string {
  return text.normalize('NFKC').toLocaleLowerCase();
}

/** The words of a text, folded. */
export function words(text: string): string[] {
  return fold(text).match(WORD) ?? [];
}

/** Whether `needle` occurs in `hay` as a run of whole words. */
export function containsRun(hay: readonly string[], needle: readonly string[]): boolean {
  if (needle.length === 0) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}
