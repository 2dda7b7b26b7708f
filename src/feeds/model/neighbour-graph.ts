/**
 * A weighted directed item → item graph with every row capped to its heaviest `topN` edges.
 * Rows accept online increments; a row is pruned back to `topN` once it holds twice that, so the
 * graph stays within capacity × 2·topN edges whatever the traffic (heavy edges survive pruning,
 * which is what a space-saving counter would keep too).
 */
export class NeighbourGraph {
  readonly topN: number;
  private rows: (Map<number, number> | undefined)[] = [];
  /** Total weight ever added to a row (kept across pruning: the row's activity, for normalization). */
  private sums = new Float64Array(0);
  /** Read-optimized copies of rows, rebuilt lazily after a write. */
  private frozenTargets: (Int32Array | undefined)[] = [];
  private frozenWeights: (Float32Array | undefined)[] = [];

  constructor(topN: number) {
    this.topN = Math.max(1, Math.floor(topN));
  }

  add(from: number, to: number, weight: number): void {
    if (from === to || weight === 0) return;
    let row = this.rows[from];
    if (row === undefined) {
      row = new Map();
      this.rows[from] = row;
    }
    this.ensureSums(from);
    const next = (row.get(to) ?? 0) + weight;
    if (next > 0) row.set(to, next);
    else row.delete(to);
    this.sums[from] = Math.max(0, (this.sums[from] ?? 0) + weight);
    this.frozenTargets[from] = undefined;
    if (row.size > 2 * this.topN) this.prune(from, row);
  }

  weight(from: number, to: number): number {
    return this.rows[from]?.get(to) ?? 0;
  }

  rowSum(from: number): number {
    return this.sums[from] ?? 0;
  }

  /** Calls `visit(target, weight)` for each edge of `from`. */
  forEach(from: number, visit: (to: number, weight: number) => void): void {
    const targets = this.frozen(from);
    if (targets === undefined) return;
    const weights = this.frozenWeights[from]!;
    for (let i = 0; i < targets.length; i++) visit(targets[i]!, weights[i]!);
  }

  /** The row as parallel arrays (read-only views; valid until the next write to the row). */
  row(from: number): { targets: Int32Array; weights: Float32Array } | undefined {
    const targets = this.frozen(from);
    return targets === undefined ? undefined : { targets, weights: this.frozenWeights[from]! };
  }

  /** Prunes every row to `topN` now (after a bulk fit, so reads touch at most topN edges). */
  compact(): void {
    this.rows.forEach((row, from) => {
      if (row !== undefined && row.size > this.topN) this.prune(from, row);
    });
  }

  /** Forgets evicted slots: their rows and every edge pointing at them. */
  drop(slots: number[]): void {
    const gone = new Set(slots);
    for (const slot of slots) {
      this.rows[slot] = undefined;
      this.frozenTargets[slot] = undefined;
      if (slot < this.sums.length) this.sums[slot] = 0;
    }
    this.rows.forEach((row, from) => {
      if (row === undefined) return;
      let changed = false;
      for (const to of row.keys()) if (gone.has(to)) changed = row.delete(to) || changed;
      if (changed) this.frozenTargets[from] = undefined;
    });
  }

  get edgeCount(): number {
    let n = 0;
    for (const row of this.rows) n += row?.size ?? 0;
    return n;
  }

  /** Flat encoding: per row [from, count, sum] then count × (to, weight). */
  encode(): { index: Float64Array; edges: Float64Array } {
    const index: number[] = [];
    let total = 0;
    this.rows.forEach((row, from) => {
      if (row !== undefined && (row.size > 0 || (this.sums[from] ?? 0) > 0)) {
        index.push(from, row.size, this.sums[from] ?? 0);
        total += row.size;
      }
    });
    const edges = new Float64Array(total * 2);
    let k = 0;
    for (let i = 0; i < index.length; i += 3) {
      for (const [to, w] of this.rows[index[i]!]!) {
        edges[k++] = to;
        edges[k++] = w;
      }
    }
    return { index: Float64Array.from(index), edges };
  }

  static decode(topN: number, index: Float64Array, edges: Float64Array): NeighbourGraph {
    const graph = new NeighbourGraph(topN);
    let k = 0;
    for (let i = 0; i + 2 < index.length; i += 3) {
      const from = index[i]!;
      const count = index[i + 1]!;
      const row = new Map<number, number>();
      for (let e = 0; e < count; e++, k += 2) row.set(edges[k]!, edges[k + 1]!);
      graph.rows[from] = row;
      graph.ensureSums(from);
      graph.sums[from] = index[i + 2]!;
    }
    return graph;
  }

  private ensureSums(slot: number): void {
    if (slot < this.sums.length) return;
    const grown = new Float64Array(Math.max(slot + 1, this.sums.length * 2, 64));
    grown.set(this.sums);
    this.sums = grown;
  }

  private prune(from: number, row: Map<number, number>): void {
    const kept = [...row].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, this.topN);
    this.rows[from] = new Map(kept);
    this.frozenTargets[from] = undefined;
  }

  private frozen(from: number): Int32Array | undefined {
    const cached = this.frozenTargets[from];
    if (cached !== undefined) return cached;
    const row = this.rows[from];
    if (row === undefined || row.size === 0) return undefined;
    const targets = new Int32Array(row.size);
    const weights = new Float32Array(row.size);
    let i = 0;
    for (const [to, w] of row) {
      targets[i] = to;
      weights[i++] = w;
    }
    this.frozenTargets[from] = targets;
    this.frozenWeights[from] = weights;
    return targets;
  }
}
