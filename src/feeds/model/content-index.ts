/**
 * Title/caption tokens (hashtags and words) per item, with an inverted index, so that a history
 * can be matched to clips by content — the only signal a brand-new clip has.
 */
const STOPWORDS = new Set(
  (
    'a an and are as at be but by do for from has have he her his i if in into is it its me my no not of on or our ' +
    'she so that the their them then there they this to too up us was we were what when which who will with you your ' +
    'can just all how one out more get got very really see look let'
  ).split(' '),
);

/** Hashtags become `#tag phrase` tokens; other words become lowercase word tokens (stopwords dropped). */
export function tokenizeTitle(text: string): string[] {
  const tokens = new Set<string>();
  const parts = text.toLowerCase().split('#');
  parts.forEach((part, i) => {
    const words = part.match(/[\p{L}\p{N}]+/gu) ?? [];
    // In these captions a hashtag runs from '#' to the next '#' (tags may contain spaces).
    if (i > 0 && words.length > 0 && words.length <= 4) tokens.add('#' + words.join(' '));
    for (const w of words) if (w.length >= 2 && !STOPWORDS.has(w)) tokens.add(w);
  });
  return [...tokens];
}

export class ContentIndex {
  readonly tokenCapacity: number;
  private readonly tokenIds = new Map<string, number>();
  private tokenNames: string[] = [];
  private postings: number[][] = [];
  private itemTokens: (Int32Array | undefined)[] = [];
  private itemNorms: number[] = [];
  private items = 0;

  constructor(tokenCapacity: number) {
    this.tokenCapacity = Math.max(1, Math.floor(tokenCapacity));
  }

  get itemCount(): number {
    return this.items;
  }

  has(slot: number): boolean {
    return this.itemTokens[slot] !== undefined;
  }

  set(slot: number, text: string): void {
    this.remove(slot);
    const ids: number[] = [];
    for (const token of tokenizeTitle(text)) {
      let id = this.tokenIds.get(token);
      if (id === undefined) {
        if (this.tokenNames.length >= this.tokenCapacity) continue; // vocabulary full: unseen tokens carry no signal
        id = this.tokenNames.length;
        this.tokenIds.set(token, id);
        this.tokenNames.push(token);
        this.postings.push([]);
      }
      ids.push(id);
      this.postings[id]!.push(slot);
    }
    this.itemTokens[slot] = Int32Array.from(ids);
    this.items++;
    this.itemNorms[slot] = 0; // recomputed lazily: idf moves as items arrive
  }

  remove(slot: number): void {
    const ids = this.itemTokens[slot];
    if (ids === undefined) return;
    for (const id of ids) {
      const list = this.postings[id]!;
      const at = list.indexOf(slot);
      if (at >= 0) list.splice(at, 1);
    }
    this.itemTokens[slot] = undefined;
    this.items--;
  }

  idf(token: number): number {
    const df = this.postings[token]?.length ?? 0;
    return df === 0 ? 0 : Math.log(1 + this.items / df);
  }

  /**
   * Adds `scale × cos(profile, item)` to `out[slot]` for every item sharing a token with the
   * weighted history profile. Tokens on more than `maxDfFraction` of items are skipped (no
   * information, long postings).
   */
  scoreInto(
    history: { slot: number; weight: number }[],
    out: Float64Array,
    scale: number,
    maxDfFraction: number,
    touched?: (slot: number) => void,
  ): void {
    const profile = new Map<number, number>();
    for (const { slot, weight } of history) {
      const ids = this.itemTokens[slot];
      if (ids === undefined) continue;
      const norm = this.norm(slot);
      if (norm === 0) continue;
      for (const id of ids) profile.set(id, (profile.get(id) ?? 0) + (weight * this.idf(id)) / norm);
    }
    const maxDf = Math.max(2, maxDfFraction * this.items);
    let q = 0;
    for (const [id, w] of profile) if ((this.postings[id]?.length ?? 0) <= maxDf) q += w * w;
    if (q === 0) return;
    const qNorm = Math.sqrt(q);
    for (const [id, w] of profile) {
      const list = this.postings[id]!;
      if (list.length > maxDf) continue;
      const base = (scale * w * this.idf(id)) / qNorm;
      for (const slot of list) {
        if (slot >= out.length) continue;
        touched?.(slot);
        out[slot] = out[slot]! + base / this.norm(slot);
      }
    }
  }

  /** Tokens shared by `slot` and the history, strongest first (for explanations). */
  sharedTokens(slot: number, historySlots: number[], limit: number): string[] {
    const mine = this.itemTokens[slot];
    if (mine === undefined) return [];
    const theirs = new Set<number>();
    for (const h of historySlots) for (const id of this.itemTokens[h] ?? []) theirs.add(id);
    return [...mine]
      .filter((id) => theirs.has(id))
      .sort((a, b) => this.idf(b) - this.idf(a))
      .slice(0, limit)
      .map((id) => this.tokenNames[id]!);
  }

  snapshot(): { tokens: string[]; items: [number, number[]][] } {
    const items: [number, number[]][] = [];
    this.itemTokens.forEach((ids, slot) => {
      if (ids !== undefined) items.push([slot, Array.from(ids)]);
    });
    return { tokens: this.tokenNames.slice(), items };
  }

  static fromSnapshot(tokenCapacity: number, snap: { tokens: string[]; items: [number, number[]][] }): ContentIndex {
    const index = new ContentIndex(tokenCapacity);
    index.tokenNames = snap.tokens.slice();
    index.tokenNames.forEach((t, id) => index.tokenIds.set(t, id));
    index.postings = index.tokenNames.map(() => []);
    for (const [slot, ids] of snap.items) {
      index.itemTokens[slot] = Int32Array.from(ids);
      for (const id of ids) index.postings[id]?.push(slot);
      index.itemNorms[slot] = 0;
      index.items++;
    }
    return index;
  }

  private norm(slot: number): number {
    const cached = this.itemNorms[slot];
    if (cached !== undefined && cached > 0) return cached;
    let s = 0;
    for (const id of this.itemTokens[slot] ?? []) s += this.idf(id) ** 2;
    const norm = Math.sqrt(s);
    this.itemNorms[slot] = norm;
    return norm;
  }
}
