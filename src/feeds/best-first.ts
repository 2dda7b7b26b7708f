/** A candidate and its index in the candidate list (where the ranking's scores and words are). */
export interface Placed<T> {
  c: T;
  i: number;
}

/**
 * Candidates best score first (ties in list order), sorted as far as asked: a page takes ten of a few hundred,
 * so the best `head` are sorted at once and the rest only if the page runs out of clips that fit.
 */
export class BestFirst<T> {
  private readonly sorted: Placed<T>[];
  private rest: Placed<T>[] | undefined;

  constructor(
    list: T[],
    private readonly scores: Float64Array,
    head: number,
  ) {
    const cut = head < list.length ? scores.slice().sort()[list.length - head]! : -Infinity;
    this.sorted = [];
    this.rest = [];
    for (let i = 0; i < list.length; i++) (scores[i]! >= cut ? this.sorted : this.rest).push({ c: list[i]!, i });
    this.sorted.sort(this.byScore);
  }

  private readonly byScore = (a: Placed<T>, b: Placed<T>) => this.scores[b.i]! - this.scores[a.i]!;

  /** The best candidate that satisfies `fits`. */
  find(fits: (p: Placed<T>) => boolean): Placed<T> | undefined {
    const hit = this.sorted.find(fits);
    if (hit || !this.rest || this.rest.length === 0) return hit;
    // Everything below the cut scores lower than everything above it, so sorting it and appending keeps the order.
    this.sorted.push(...this.rest.sort(this.byScore));
    this.rest = undefined;
    return this.find(fits);
  }
}
