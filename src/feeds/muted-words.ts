import { InvalidInputError } from '../errors.js';
import type { Viewer } from '../media/clip-access.js';
import type { CellRegistry } from '../regions/cells.js';
import { TtlCache } from '../ttl-cache.js';
import { containsRun, fold, words as tokens } from '../word-runs.js';

export const MUTED_WORDS_MAX = 200;
export const MUTED_WORD_MAX_LENGTH = 50;

/** The text of a clip muted words are matched against: caption words, hashtags and the sound's title. */
export interface ClipText {
  caption: string;
  hashtags: readonly string[];
  soundTitle: string | null | undefined;
}

/**
 * A viewer's muted words, ready to test clips: a plain entry matches whole words of the caption or the sound's
 * title (a phrase matches as consecutive words) and a hashtag of that name; `#tag` matches only the hashtag.
 * Case and Unicode compatibility forms do not matter.
 */
export class MuteMatcher {
  private readonly tags = new Set<string>();
  private readonly phrases: string[][] = [];

  constructor(words: readonly string[]) {
    for (const word of words) {
      const folded = fold(word.trim());
      if (folded.startsWith('#')) {
        const tag = tokens(folded.slice(1)).join('_');
        if (tag) this.tags.add(tag);
        continue;
      }
      const run = tokens(folded);
      if (run.length === 0) continue;
      this.phrases.push(run);
      if (run.length === 1) this.tags.add(run[0]!);
    }
  }

  get empty(): boolean {
    return this.tags.size === 0 && this.phrases.length === 0;
  }

  /** A pooled clip, with the titles of the sounds known so far (a sound not among them is not matched). */
  hidesItem(
    item: { row: { caption: string; sound_id: string | null }; tags: string[] },
    titles: { get(id: string): string | undefined },
  ): boolean {
    const { row } = item;
    return this.hides({
      caption: row.caption,
      hashtags: item.tags,
      soundTitle: row.sound_id ? titles.get(row.sound_id) : null,
    });
  }

  hides(clip: ClipText): boolean {
    for (const tag of clip.hashtags) if (this.tags.has(fold(tag))) return true;
    if (this.phrases.length === 0) return false;
    const caption = tokens(clip.caption);
    const sound = clip.soundTitle ? tokens(clip.soundTitle) : [];
    for (const run of this.phrases) if (containsRun(caption, run) || containsRun(sound, run)) return true;
    return false;
  }
}

/** Trims, checks and de-duplicates (case-insensitively, first spelling kept) a list a viewer sent. */
export function checkMutedWords(raw: readonly string[]): string[] {
  if (raw.length > MUTED_WORDS_MAX)
    throw new InvalidInputError(
      'muted_words.too_many',
      `You can mute at most ${MUTED_WORDS_MAX} words; this list has ${raw.length}.`,
    );
  const out: string[] = [];
  const seen = new Set<string>();
  for (const entry of raw) {
    const word = entry.normalize('NFC').trim();
    const length = [...word].length;
    if (length < 1 || length > MUTED_WORD_MAX_LENGTH || /[\p{Cc}\p{Cf}]/u.test(word))
      throw new InvalidInputError(
        'muted_words.invalid_word',
        `Each muted word has 1 to ${MUTED_WORD_MAX_LENGTH} characters (no control characters); "${[...word].slice(0, 20).join('')}" has ${length}.`,
      );
    if (word === '#' || tokens(word).length === 0)
      throw new InvalidInputError('muted_words.invalid_word', `"${word}" has no letters or digits to match.`);
    const key = fold(word);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(word);
  }
  return out;
}

/**
 * Muted words: the viewer's protected data, kept in their home cell (`muted_words`, in the data catalog, so
 * "download your data", a purge and a carve-out take them along) and held here as a matcher for a minute
 * (a change made through this process applies at once; through another, within the minute).
 */
export class MutedWords {
  private readonly held: TtlCache<MuteMatcher>;
  private static readonly NONE = new MuteMatcher([]);

  constructor(
    private readonly deps: { cells: CellRegistry; now: () => Date },
    options: { ttlMs: number; capacity: number } = { ttlMs: 60_000, capacity: 10_000 },
  ) {
    this.held = new TtlCache(options);
  }

  async list(viewer: NonNullable<Viewer>): Promise<string[]> {
    const rows = await this.deps.cells
      .get(viewer.region)
      .db.selectFrom('muted_words')
      .select('word')
      .where('user_id', '=', viewer.userId)
      .orderBy('position')
      .execute();
    return rows.map((r) => r.word);
  }

  /** Replaces the list; returns it as stored. */
  async replace(viewer: NonNullable<Viewer>, raw: readonly string[]): Promise<string[]> {
    const words = checkMutedWords(raw);
    const at = this.deps.now().toISOString();
    await this.deps.cells
      .get(viewer.region)
      .db.transaction()
      .execute(async (trx) => {
        await trx.deleteFrom('muted_words').where('user_id', '=', viewer.userId).execute();
        for (let i = 0; i < words.length; i += 100)
          await trx
            .insertInto('muted_words')
            .values(
              words
                .slice(i, i + 100)
                .map((word, k) => ({ user_id: viewer.userId, word, position: i + k, created_at: at })),
            )
            .execute();
      });
    this.held.delete(this.key(viewer));
    return words;
  }

  /** The viewer's matcher (an empty one for visitors and for viewers who mute nothing). */
  async matcher(viewer: Viewer): Promise<MuteMatcher> {
    if (!viewer) return MutedWords.NONE;
    const key = this.key(viewer);
    const now = this.deps.now().getTime();
    const held = this.held.entry(key, now);
    if (held) return held.value;
    const since = this.held.version;
    const words = await this.list(viewer);
    const matcher = words.length > 0 ? new MuteMatcher(words) : MutedWords.NONE;
    this.held.set(key, matcher, now, since);
    return matcher;
  }

  /** Leaves out the clips the viewer's muted words match (feeds, discovery and search lists). */
  async filter<T extends { caption: string; hashtags: string[]; sound: { title: string } | null }>(
    viewer: Viewer,
    videos: T[],
  ): Promise<T[]> {
    const matcher = await this.matcher(viewer);
    if (matcher.empty) return videos;
    return videos.filter(
      (v) => !matcher.hides({ caption: v.caption, hashtags: v.hashtags, soundTitle: v.sound?.title }),
    );
  }

  private key(viewer: NonNullable<Viewer>): string {
    return `${viewer.region}:${viewer.userId}`;
  }
}
