/** A row's edges as a range of the graph's shared arrays: `targets[start..end)` ascending, with their weights. */
export interface RowView {
  targets: Int32Array;
  weights: Float32Array;
  start: number;
  end: number;
}

/**
 * A weighted directed item → item graph with every row capped to its heaviest `topN` edges.
 * Rows accept online increments; a row is pruned back to `topN` once it holds twice that, so the
 * graph stays within capacity × 2·topN edges whatever the traffic (heavy edges survive pruning,
 * which is what a space-saving counter would keep too).
 *
 * Memory is what limits a region's model, so all rows share two typed arrays (a slab): a row is a block
 * of it, sorted by target (8 bytes an edge, found by binary search), where a Map per row cost about
 * 50 bytes an edge plus an object per row. A row that outgrows its block moves to a larger one at the end;
 * the slab is repacked when more than half of it is such abandoned blocks. Reads get ranges of the slab:
 * nothing is copied per query.
 */
export class NeighbourGraph {
  readonly topN: number;
  /** Per row: where its block starts, how many edges it holds, how many it has room for. */
  private start = new Int32Array(0);
  private size = new Int32Array(0);
  private room = new Int32Array(0);
  /** Total weight ever added to a row (kept across pruning: the row's activity, for normalization). */
  private sums = new Float64Array(0);
  private targets = new Int32Array(1024);
  private weights = new Float32Array(1024);
  /** End of the last block handed out. */
  private used = 0;
  /** Room held by live rows (the rest below `used` is abandoned). */
  private held = 0;

  constructor(topN: number) {
    this.topN = Math.max(1, Math.floor(topN));
  }

  add(from: number, to: number, weight: number): void {
    if (from === to || weight === 0) return;
    this.ensureRows(from);
    this.sums[from] = Math.max(0, this.sums[from]! + weight);
    const at = this.search(from, to);
    if (at >= 0) {
      const next = this.weights[at]! + weight;
      if (next > 0) this.weights[at] = next;
      else this.removeAt(from, at);
      return;
    }
    if (weight < 0) return;
    this.insertAt(from, ~at, to, weight);
    if (this.size[from]! > 2 * this.topN) this.prune(from);
  }

  weight(from: number, to: number): number {
    if (from >= this.size.length) return 0;
    const at = this.search(from, to);
    return at >= 0 ? this.weights[at]! : 0;
  }

  rowSum(from: number): number {
    return this.sums[from] ?? 0;
  }

  /** Calls `visit(target, weight)` for each edge of `from`, in target order. */
  forEach(from: number, visit: (to: number, weight: number) => void): void {
    const row = this.row(from);
    if (row === undefined) return;
    for (let i = row.start; i < row.end; i++) visit(row.targets[i]!, row.weights[i]!);
  }

  /** The row as a range of the shared arrays (valid until the next write to the graph). */
  row(from: number): RowView | undefined {
    const n = this.size[from] ?? 0;
    if (n === 0) return undefined;
    const start = this.start[from]!;
    return { targets: this.targets, weights: this.weights, start, end: start + n };
  }

  /** Prunes every row to `topN` now and repacks the slab without spare room (after a bulk fit). */
  compact(): void {
    for (let r = 0; r < this.size.length; r++) if (this.size[r]! > this.topN) this.prune(r);
    this.repack(true);
  }

  /** Forgets evicted slots: their rows and every edge pointing at them. */
  drop(slots: number[]): void {
    const gone = new Set(slots);
    for (const slot of slots) {
      if (slot >= this.size.length) continue;
      this.held -= this.room[slot]!;
      this.size[slot] = 0;
      this.room[slot] = 0;
      this.sums[slot] = 0;
    }
    for (let r = 0; r < this.size.length; r++) {
      const s = this.start[r]!;
      const n = this.size[r]!;
      let k = s;
      for (let i = s; i < s + n; i++) {
        if (gone.has(this.targets[i]!)) continue;
        this.targets[k] = this.targets[i]!;
        this.weights[k++] = this.weights[i]!;
      }
      this.size[r] = k - s;
    }
  }

  get edgeCount(): number {
    let n = 0;
    for (let r = 0; r < this.size.length; r++) n += this.size[r]!;
    return n;
  }

  /** Bytes held by the graph's arrays. */
  get byteSize(): number {
    return this.targets.byteLength + this.weights.byteLength + this.start.byteLength * 3 + this.sums.byteLength;
  }

  /** Flat encoding: per row [from, count, sum] then count × (to, weight). */
  encode(): { index: Float64Array; edges: Float64Array } {
    const index: number[] = [];
    let total = 0;
    for (let r = 0; r < this.size.length; r++) {
      if (this.size[r]! > 0 || this.sums[r]! > 0) {
        index.push(r, this.size[r]!, this.sums[r]!);
        total += this.size[r]!;
      }
    }
    const edges = new Float64Array(total * 2);
    let k = 0;
    for (let i = 0; i < index.length; i += 3) {
      const s = this.start[index[i]!]!;
      for (let e = s; e < s + index[i + 1]!; e++) {
        edges[k++] = this.targets[e]!;
        edges[k++] = this.weights[e]!;
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
      const pairs: [number, number][] = [];
      for (let e = 0; e < count; e++, k += 2) pairs.push([edges[k]!, edges[k + 1]!]);
      pairs.sort((a, b) => a[0] - b[0]);
      graph.ensureRows(from);
      graph.move(from, count);
      const s = graph.start[from]!;
      pairs.forEach(([to, w], e) => {
        graph.targets[s + e] = to;
        graph.weights[s + e] = w;
      });
      graph.size[from] = count;
      graph.sums[from] = index[i + 2]!;
    }
    return graph;
  }

  private ensureRows(slot: number): void {
    if (slot < this.size.length) return;
    const length = Math.max(slot + 1, this.size.length * 2, 64);
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(length);
      b.set(a);
      return b;
    };
    this.start = grow(this.start, (n) => new Int32Array(n));
    this.size = grow(this.size, (n) => new Int32Array(n));
    this.room = grow(this.room, (n) => new Int32Array(n));
    this.sums = grow(this.sums, (n) => new Float64Array(n));
  }

  /** Index of `to` in the slab if the row has it, else the bitwise complement of where it would go. */
  private search(from: number, to: number): number {
    let lo = this.start[from]!;
    let hi = lo + this.size[from]! - 1;
    const targets = this.targets;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = targets[mid]!;
      if (t < to) lo = mid + 1;
      else if (t > to) hi = mid - 1;
      else return mid;
    }
    return ~lo;
  }

  private insertAt(from: number, at: number, to: number, weight: number): void {
    const n = this.size[from]!;
    if (n === this.room[from]!) {
      const offset = at - this.start[from]!;
      this.move(from, Math.max(4, Math.ceil(n * 1.5)));
      at = this.start[from]! + offset;
    }
    const end = this.start[from]! + n;
    this.targets.copyWithin(at + 1, at, end);
    this.weights.copyWithin(at + 1, at, end);
    this.targets[at] = to;
    this.weights[at] = weight;
    this.size[from] = n + 1;
  }

  private removeAt(from: number, at: number): void {
    const end = this.start[from]! + this.size[from]!;
    this.targets.copyWithin(at, at + 1, end);
    this.weights.copyWithin(at, at + 1, end);
    this.size[from]!--;
  }

  /** Moves the row to a fresh block of `room` edges at the end of the slab. */
  private move(from: number, room: number): void {
    if (this.used + room > this.targets.length) {
      // Mostly abandoned blocks: repack (rows keep their room); then grow if that was not enough.
      if (this.held < this.used / 2) this.repack(false);
      if (this.used + room > this.targets.length) this.resize(Math.max(this.targets.length * 2, this.used + room));
    }
    const s = this.used;
    const old = this.start[from]!;
    const n = this.size[from]!;
    this.targets.copyWithin(s, old, old + n);
    this.weights.copyWithin(s, old, old + n);
    this.held += room - this.room[from]!;
    this.start[from] = s;
    this.room[from] = room;
    this.used += room;
  }

  private resize(length: number): void {
    const targets = new Int32Array(length);
    const weights = new Float32Array(length);
    targets.set(this.targets.subarray(0, this.used));
    weights.set(this.weights.subarray(0, this.used));
    this.targets = targets;
    this.weights = weights;
  }

  /** Copies every live row into fresh arrays, in row order; `tight` gives back every row's spare room. */
  private repack(tight: boolean): void {
    let total = 0;
    for (let r = 0; r < this.size.length; r++) total += tight ? this.size[r]! : this.room[r]!;
    const length = Math.max(1024, tight ? total : total * 2);
    const targets = new Int32Array(length);
    const weights = new Float32Array(length);
    let k = 0;
    for (let r = 0; r < this.size.length; r++) {
      const s = this.start[r]!;
      const n = this.size[r]!;
      targets.set(this.targets.subarray(s, s + n), k);
      weights.set(this.weights.subarray(s, s + n), k);
      this.start[r] = k;
      if (tight) this.room[r] = n;
      k += this.room[r]!;
    }
    this.targets = targets;
    this.weights = weights;
    this.used = k;
    this.held = k;
  }

  /** Keeps the `topN` heaviest edges (ties: lower target), in target order, in the row's own block. */
  private prune(from: number): void {
    const s = this.start[from]!;
    const n = this.size[from]!;
    const order = Array.from({ length: n }, (_, i) => s + i);
    order.sort((a, b) => this.weights[b]! - this.weights[a]! || this.targets[a]! - this.targets[b]!);
    const kept = order.slice(0, this.topN).sort((a, b) => a - b);
    kept.forEach((i, k) => {
      this.targets[s + k] = this.targets[i]!;
      this.weights[s + k] = this.weights[i]!;
    });
    this.size[from] = kept.length;
  }
}
