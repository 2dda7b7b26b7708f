import { InvalidInputError } from '../errors.js';
import type { CellRegistry } from '../regions/cells.js';
import { TtlCache } from '../ttl-cache.js';
import { containsRun, words as foldedWords } from '../word-runs.js';

export const BLOCKED_TERMS_MAX = 500;
export const BLOCKED_TERM_MIN = 2;
export const BLOCKED_TERM_MAX = 50;

/** Refuses text that contains one of a region's blocked terms: what media, social and accounts are given. */
export interface TextPolicy {
  /** Throws `400 content.blocked_term` when any text contains a term blocked in `region`. */
  check(region: string, ...texts: string[]): Promise<void>;
}

/** Words with their accents taken off as well: "zörblax" is not a way around "zorblax". */
function words(text: string): string[] {
  return foldedWords(text.normalize('NFKD').replace(/\p{M}/gu, ''));
}

/** Checks a terms list as a moderator wrote it: trimmed, de-duplicated (folded), each 2–50 characters. */
export function checkTerms(raw: readonly string[]): string[] {
  if (raw.length > BLOCKED_TERMS_MAX)
    throw new InvalidInputError(
      'blocked_terms.too_many',
      `A region can block at most ${BLOCKED_TERMS_MAX} terms; this list has ${raw.length}.`,
    );
  const out = new Map<string, string>();
  for (const entry of raw) {
    const term = entry.trim();
    const length = [...term].length;
    if (
      length < BLOCKED_TERM_MIN ||
      length > BLOCKED_TERM_MAX ||
      /[\p{Cc}\p{Cf}]/u.test(term) ||
      words(term).length === 0
    )
      throw new InvalidInputError(
        'blocked_terms.invalid',
        `Each blocked term has ${BLOCKED_TERM_MIN} to ${BLOCKED_TERM_MAX} characters with at least one letter or digit; "${[...term].slice(0, 20).join('')}" does not.`,
      );
    const key = words(term).join(' ');
    if (!out.has(key)) out.set(key, term);
  }
  return [...out.values()];
}

/**
 * A region's blocked terms, kept in its cell. Terms match whole words, whatever their case and accents (a phrase as
 * consecutive words), in captions, comments and display names of that region. Each process keeps a region's list for 10 s
 * (the one that changed it drops its copy at once).
 */
export class BlockedTerms implements TextPolicy {
  private readonly lists = new TtlCache<string[][]>({ ttlMs: 10_000, capacity: 64 });

  constructor(private readonly deps: { cells: CellRegistry; now: () => Date }) {}

  async list(region: string): Promise<string[]> {
    const rows = await this.deps.cells
      .get(region)
      .db.selectFrom('blocked_terms')
      .select('term')
      .orderBy('term')
      .execute();
    return rows.map((r) => r.term);
  }

  /** Replaces the region's list; returns what was added and removed (for the audit chain). */
  async replace(region: string, terms: readonly string[]): Promise<{ added: number; removed: number }> {
    const next = checkTerms(terms);
    const before = new Set(await this.list(region));
    const at = this.deps.now().toISOString();
    await this.deps.cells
      .get(region)
      .db.transaction()
      .execute(async (tx) => {
        await tx.deleteFrom('blocked_terms').execute();
        if (next.length > 0)
          await tx
            .insertInto('blocked_terms')
            .values(next.map((term) => ({ term, created_at: at })))
            .execute();
      });
    this.lists.delete(region);
    const added = next.filter((t) => !before.has(t)).length;
    return { added, removed: before.size - (next.length - added) };
  }

  private async runs(region: string): Promise<string[][]> {
    const now = Date.now();
    const cached = this.lists.entry(region, now);
    if (cached) return cached.value;
    const since = this.lists.version;
    const runs = (await this.list(region)).map(words).filter((r) => r.length > 0);
    this.lists.set(region, runs, now, since);
    return runs;
  }

  async check(region: string, ...texts: string[]): Promise<void> {
    if (!this.deps.cells.has(region)) return;
    const runs = await this.runs(region);
    if (runs.length === 0) return;
    for (const text of texts) {
      const hay = words(text);
      if (runs.some((run) => containsRun(hay, run)))
        throw new InvalidInputError(
          'content.blocked_term',
          'This text contains a term that is not allowed in your region. Change it and try again.',
        );
    }
  }
}
