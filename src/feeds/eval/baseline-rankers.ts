import type { EvalRanker } from './leave-one-out.js';

/** Every user gets the same list: items by training interactions. */
export class MostPopularRanker implements EvalRanker {
  readonly name = 'most-popular';
  private counts = new Float64Array(0);

  fit(train: Int32Array[], itemCount: number): void {
    this.counts = new Float64Array(itemCount);
    for (const seq of train) for (const i of seq) this.counts[i]!++;
  }

  scoreInto(_history: Int32Array, out: Float64Array): void {
    out.set(this.counts);
  }
}

/**
 * Item-kNN: cosine similarity of items' user vectors (binary co-occurrence in a user's training
 * sequence), each item keeping its `topK` most similar; a user's score is the summed similarity
 * to their history.
 */
export class ItemKnnRanker implements EvalRanker {
  readonly name = 'item-knn';
  private neighbours: { targets: Int32Array; sims: Float32Array }[] = [];
  private counts = new Float64Array(0);

  constructor(private readonly topK = 100) {}

  fit(train: Int32Array[], itemCount: number): void {
    const users = new Float64Array(itemCount);
    const co: Map<number, number>[] = Array.from({ length: itemCount }, () => new Map());
    for (const seq of train) {
      const distinct = [...new Set(seq)];
      for (const i of distinct) users[i]!++;
      for (let a = 0; a < distinct.length; a++) {
        for (let b = a + 1; b < distinct.length; b++) {
          const i = distinct[a]!;
          const j = distinct[b]!;
          co[i]!.set(j, (co[i]!.get(j) ?? 0) + 1);
          co[j]!.set(i, (co[j]!.get(i) ?? 0) + 1);
        }
      }
    }
    this.counts = users;
    this.neighbours = co.map((row, i) => {
      const sims = [...row].map(([j, c]) => [j, c / Math.sqrt(users[i]! * users[j]!)] as const);
      sims.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
      const kept = sims.slice(0, this.topK);
      return { targets: Int32Array.from(kept, (e) => e[0]), sims: Float32Array.from(kept, (e) => e[1]) };
    });
  }

  scoreInto(history: Int32Array, out: Float64Array): void {
    // Popularity as a vanishing tie-breaker, so users with no neighbours still get a ranking.
    for (let j = 0; j < out.length; j++) out[j] = 1e-9 * this.counts[j]!;
    for (const h of history) {
      const row = this.neighbours[h];
      if (row === undefined) continue;
      for (let k = 0; k < row.targets.length; k++) {
        const t = row.targets[k]!;
        out[t] = out[t]! + row.sims[k]!;
      }
    }
  }
}
