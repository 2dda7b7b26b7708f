/** Hashtags and @mentions in captions and comments. Tags are lowercase without '#'; handles without '@'. */
const TAG = /(?:^|[^\p{L}\p{N}_&])#([\p{L}\p{N}_]{1,100})/gu;
const MENTION = /(?:^|[^\p{L}\p{N}_.@])@([a-z0-9_.]{2,64})/giu;

export function parseHashtags(text: string): string[] {
  return [...new Set([...text.matchAll(TAG)].map((m) => m[1]!.toLowerCase()))];
}

export function parseMentions(text: string): string[] {
  return [...new Set([...text.matchAll(MENTION)].map((m) => m[1]!.toLowerCase().replace(/\.+$/, '')))];
}

/** Reads a JSON array of strings from a text column; anything else counts as empty. */
export function jsonList(text: string | null | undefined): string[] {
  if (!text) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
