import { ContentIndex } from './content-index.js';
import { IdTable } from './id-table.js';
import { NeighbourGraph } from './neighbour-graph.js';
import { packSnapshot, unpackSnapshot } from './binary-pack.js';

/** Capacities and hyperparameters of the For You model. Defaults are the values tuned on MicroLens-50k validation. */
export interface ForYouModelOptions {
  /** Most items with their own parameters; least recently engaged items are evicted beyond it. */
  itemCapacity: number;
  /** Engagements an item needs before it gets its own parameters (Monolith-style admission filter). */
  minItemCount: number;
  /** Edges kept per item and direction. */
  neighbours: number;
  /** Skip transitions are learned between items up to this many steps apart in a user's sequence. */
  maxGap: number;
  /** Weight of a transition `g` steps apart is `gapDecay^(g-1)`. */
  gapDecay: number;
  /** Newest history items used when scoring. */
  historyLength: number;
  /** The k-th newest history item (k = 0 newest) votes with weight `recencyDecay^k`. */
  recencyDecay: number;
  /** Weight of reverse edges (B engaged before A) relative to forward transitions (A then B). */
  backwardWeight: number;
  /** A history item's votes are divided by (its edge mass + 1)^rowNormalization. */
  rowNormalization: number;
  /** Candidate scores are divided by (engagements + 1)^popularityDebias. */
  popularityDebias: number;
  /** Adds popularityPrior × ln(1 + engagements): a tie-breaker and a prior for empty histories. */
  popularityPrior: number;
  /** Weight of the title/hashtag match. */
  contentWeight: number;
  /** The content match counts fully for unseen items and fades as contentColdCount / (contentColdCount + engagements). */
  contentColdCount: number;
  /** Tokens on more than this fraction of items are ignored by the content match. */
  contentMaxDf: number;
  /** Most distinct title tokens. */
  tokenCapacity: number;
  /** Most users whose recent items are held in RAM for online updates (LRU, keyed by a hash). */
  userCapacity: number;
  /** Seed of every random choice (tie order is already deterministic; reserved for learned components). */
  seed: number;
}

export const DEFAULT_FOR_YOU_OPTIONS: ForYouModelOptions = {
  itemCapacity: 500_000,
  minItemCount: 1,
  neighbours: 200,
  maxGap: 12,
  gapDecay: 0.9,
  historyLength: 12,
  recencyDecay: 0.7,
  backwardWeight: 0.15,
  rowNormalization: 0.5,
  popularityDebias: 0.2,
  popularityPrior: 1e-4,
  contentWeight: 0.4,
  contentColdCount: 0.5,
  contentMaxDf: 0.05,
  tokenCapacity: 200_000,
  userCapacity: 100_000,
  seed: 1,
};

/** An engagement's strength: completed watch 1, partial watch its fraction, like/share extra, "not interested" negative. */
export interface EngagementSignal {
  weight?: number;
  /** Event time, ms since epoch (used for expiry of stale items). */
  at?: number;
}

/** What `recommend` leaves out: anything with `has` (a Set, or the feed's served filter). */
export interface ReadonlySetLike {
  has(key: string): boolean;
}

export interface Recommendation {
  itemKey: string;
  score: number;
  /** Why: `transition from X`, `co-engaged with X`, `content match: #tag`, `popular`. */
  signals: string[];
}

/** FNV-1a over UTF-16 code units, 53 bits: user buffers are keyed by this, never by the raw user key. */
function hashUserKey(key: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

/**
 * The For You ranker: sequence-aware item-to-item model (position-decayed skip transitions of
 * several orders in both directions, popularity-debiased) plus a title/hashtag content match for
 * cold clips. All state is aggregate per item; a user's context arrives as `history` at query time.
 */
export class ForYouModel {
  readonly options: ForYouModelOptions;
  private ids: IdTable;
  private forward: NeighbourGraph;
  private backward: NeighbourGraph;
  private content: ContentIndex;
  private engagements = new Float64Array(1024);
  /**
   * Per slot, the two terms of finish() that depend only on its engagements, kept in step with them:
   * `(engagements + 1)^popularityDebias` and `popularityPrior × ln(1 + engagements)`. Scoring reads them for
   * thousands of slots per request; engagements change once per event.
   */
  private debiasDivisor = new Float64Array(1024).fill(1);
  private priorTerm = new Float64Array(1024);
  private readonly users = new Map<number, number[]>();
  private scratch = new Float64Array(0);
  private contentScratch = new Float64Array(0);
  /** Upper bound of every slot's engagements (never lowered): bounds the score of a slot no history reaches. */
  private maxEngagement = 0;
  /** Sparse scoring scratch, all zero between calls (only the touched entries are written and reset). */
  private votes = new Float64Array(0);
  private contentVotes = new Float64Array(0);
  private touchMark = new Uint8Array(0);
  /** The slots a sparse scoring reached, in the order first reached: `touched[0..touchedCount)`. */
  private touched = new Int32Array(1024);
  private touchedCount = 0;
  /** contentVotes while a sparse scoring is in play, else undefined (no content match). */
  private sparseContent: Float64Array | undefined;

  constructor(options: Partial<ForYouModelOptions> = {}) {
    this.options = { ...DEFAULT_FOR_YOU_OPTIONS, ...options };
    const o = this.options;
    this.ids = new IdTable({ capacity: o.itemCapacity, minCount: o.minItemCount, pendingCapacity: o.itemCapacity });
    this.forward = new NeighbourGraph(o.neighbours);
    this.backward = new NeighbourGraph(o.neighbours);
    this.content = new ContentIndex(o.tokenCapacity);
    this.listenForEvictions();
  }

  /** Items that currently have their own parameters. */
  get itemCount(): number {
    return this.ids.size;
  }

  /** Users whose recent items are buffered for online updates. */
  get bufferedUserCount(): number {
    return this.users.size;
  }

  /** Edges held across both graphs (bounded by 2 × itemCapacity × 2 × neighbours). */
  get edgeCount(): number {
    return this.forward.edgeCount + this.backward.edgeCount;
  }

  /** Bytes held by both neighbour graphs' arrays. */
  get graphBytes(): number {
    return this.forward.byteSize + this.backward.byteSize;
  }

  /** One engagement event, online: updates item statistics and the transitions from the user's recent items. */
  observe(userKey: string, itemKey: string, signal: EngagementSignal = {}): void {
    const weight = signal.weight ?? 1;
    if (!Number.isFinite(weight) || weight === 0) return;
    const slot = this.ids.touch(itemKey, signal.at);
    if (slot === undefined) return;
    const userHash = hashUserKey(userKey);
    let recent = this.users.get(userHash);
    if (recent === undefined) {
      recent = [];
      if (this.users.size >= this.options.userCapacity) {
        const oldest = this.users.keys().next();
        if (!oldest.done) this.users.delete(oldest.value);
      }
    } else this.users.delete(userHash); // re-insert: Map order is the LRU order
    this.users.set(userHash, recent);
    this.learn(recent, slot, weight);
  }

  /** Bulk training from time-ordered sequences (same update rule as observe, without buffering users). */
  fit(sequences: Iterable<{ userKey: string; items: string[] }>): void {
    for (const { items } of sequences) {
      const recent: number[] = [];
      for (const key of items) {
        const slot = this.ids.touch(key);
        if (slot !== undefined) this.learn(recent, slot, 1);
      }
    }
    this.forward.compact();
    this.backward.compact();
  }

  /** Title/caption with hashtags; gives the item a slot so it can be recommended before anyone engages. */
  setItemContent(itemKey: string, text: string): void {
    const slot = this.ids.get(itemKey) ?? this.admit(itemKey);
    if (slot !== undefined) this.content.set(slot, text);
  }

  /** Evicts items not engaged with since `before` (ms since epoch); returns how many. */
  expire(before: number): number {
    return this.ids.expire(before);
  }

  /** Slot of an item key (for bulk callers such as the offline evaluation), if it has parameters. */
  slotOf(itemKey: string): number | undefined {
    return this.ids.get(itemKey);
  }

  /** One past the largest slot in use: the length `scoreSlotsInto` fills. */
  get slotLimit(): number {
    return this.ids.highWater;
  }

  /** Engagement mass of a slot. */
  engagementsOf(slot: number): number {
    return this.engagements[slot] ?? 0;
  }

  /**
   * Scores every slot for a history of slots (time order, newest last) into `out[0..slotLimit)`.
   * Free slots get -Infinity. This is the kernel behind score() and recommend().
   */
  scoreSlotsInto(history: ArrayLike<number>, out: Float64Array): void {
    const content = this.accumulate(history, out);
    for (let s = 0; s < this.ids.highWater; s++) out[s] = this.finish(s, out[s]!, content);
  }

  /** Scores for `candidates` (or every known item when omitted) given a history (time order, newest last). Unknown candidates are left out. */
  score(history: string[], candidates?: string[]): Map<string, number> {
    const result = new Map<string, number>();
    if (candidates === undefined) {
      const out = this.scoreAll(history);
      for (const [key, slot] of this.ids.entries()) result.set(key, out[slot]!);
      return result;
    }
    // Only the candidates are finished: the votes themselves are sparse (history × capped rows).
    this.accumulateSparse(this.slotsOf(history));
    for (const key of candidates) {
      const slot = this.ids.get(key);
      if (slot !== undefined) result.set(key, this.finish(slot, this.votes[slot] ?? 0, this.sparseContent));
    }
    this.resetSparse();
    return result;
  }

  /**
   * Top-k items not in `exclude` (nor in the history), each with the signals that put it there.
   * `reachedOnly` (serving) returns only items the history reaches through the graphs or content, possibly
   * fewer than k, and never scans the whole catalogue: the rest would be ranked by the popularity prior alone,
   * which the feed's trending source covers. Without it the result equals a full scan (offline evaluation).
   */
  recommend(
    history: string[],
    k: number,
    exclude: ReadonlySetLike = new Set(),
    options: { reachedOnly?: boolean } = {},
  ): Recommendation[] {
    const historySlots = this.slotsOf(history);
    const top =
      this.topSparse(historySlots, k, exclude, options.reachedOnly === true) ?? this.topFull(historySlots, k, exclude);
    // Explaining costs graph lookups per history item: done when a caller reads `signals`, for the clips it shows.
    const explain = (slot: number) => this.explain(slot, historySlots);
    return top.map(({ slot, score }) => {
      let signals: string[] | undefined;
      return {
        itemKey: this.ids.keyOf(slot)!,
        score,
        get signals() {
          return (signals ??= explain(slot));
        },
      };
    });
  }

  /**
   * Top-k among the slots the history actually reaches (its graph rows and content postings: a few thousand
   * at most) instead of the whole catalogue. Every other slot scores at most `popularityPrior × ln(1 + max
   * engagements)`; when k reached slots beat that bound the result equals the full scan (same ties: lower slot
   * first), otherwise this returns undefined and the caller scans everything.
   */
  private topSparse(
    historySlots: number[],
    k: number,
    exclude: ReadonlySetLike,
    reachedOnly: boolean,
  ): { slot: number; score: number }[] | undefined {
    this.accumulateSparse(historySlots);
    try {
      const top: { slot: number; score: number }[] = [];
      // Reached slots come in no particular order: equal scores are ordered by slot, as the full scan does.
      const beats = (v: number, s: number, t: { slot: number; score: number }) =>
        v > t.score || (v === t.score && s < t.slot);
      const { touched, touchedCount } = this;
      for (let n = 0; n < touchedCount; n++) {
        const s = touched[n]!;
        const v = this.finish(s, this.votes[s]!, this.sparseContent);
        if (v === -Infinity || (top.length === k && !beats(v, s, top[k - 1]!))) continue;
        if (historySlots.includes(s)) continue;
        const key = this.ids.keyOf(s);
        if (key === undefined || exclude.has(key)) continue;
        let i = top.length < k ? top.length : k - 1;
        while (i > 0 && beats(v, s, top[i - 1]!)) i--;
        top.splice(i, 0, { slot: s, score: v });
        if (top.length > k) top.pop();
      }
      if (reachedOnly) return top;
      const untouchedBound = this.options.popularityPrior * Math.log1p(this.maxEngagement);
      if (k > 0 && (top.length < k || untouchedBound >= top[k - 1]!.score)) return undefined;
      return top;
    } finally {
      this.resetSparse();
    }
  }

  /** Zeroes the sparse scratch entries the last accumulateSparse() wrote. */
  private resetSparse(): void {
    const { touched, touchedCount, votes, contentVotes } = this;
    for (let n = 0; n < touchedCount; n++) {
      const s = touched[n]!;
      votes[s] = 0;
      contentVotes[s] = 0;
    }
    this.touchedCount = 0;
  }

  private topFull(historySlots: number[], k: number, exclude: ReadonlySetLike): { slot: number; score: number }[] {
    const out = this.scratchFor(this.ids.highWater);
    this.scoreSlotsInto(historySlots, out);
    const seen = new Set(historySlots);
    const top: number[] = [];
    for (let s = 0; s < this.ids.highWater; s++) {
      const v = out[s]!;
      if (v === -Infinity || seen.has(s)) continue;
      if (top.length === k && v <= out[top[k - 1]!]!) continue;
      const key = this.ids.keyOf(s);
      if (key === undefined || exclude.has(key)) continue;
      let i = top.length < k ? top.length : k - 1;
      while (i > 0 && out[top[i - 1]!]! < v) i--;
      top.splice(i, 0, s);
      if (top.length > k) top.pop();
    }
    return top.map((slot) => ({ slot, score: out[slot]! }));
  }

  serialize(): Buffer {
    const f = this.forward.encode();
    const b = this.backward.encode();
    const n = this.ids.highWater;
    return packSnapshot(
      { version: 1, options: this.options, ids: this.ids.snapshot(), content: this.content.snapshot() },
      {
        forwardIndex: f.index,
        forwardEdges: f.edges,
        backwardIndex: b.index,
        backwardEdges: b.edges,
        engagements: this.engagements.slice(0, n),
      },
    );
  }

  /** Rebuilds a model from serialize(); online user buffers are not persisted (no per-user data at rest). */
  static restore(buf: Buffer): ForYouModel {
    const { header, sections } = unpackSnapshot(buf);
    const h = header as {
      version: number;
      options: ForYouModelOptions;
      ids: Parameters<typeof IdTable.fromSnapshot>[1];
      content: Parameters<typeof ContentIndex.fromSnapshot>[1];
    };
    if (h.version !== 1) throw new Error(`unsupported For You model snapshot version ${String(h.version)}`);
    const model = new ForYouModel(h.options);
    const o = model.options;
    const f64 = (name: string): Float64Array => {
      const a = sections.get(name);
      if (!(a instanceof Float64Array)) throw new Error(`model snapshot lacks ${name}`);
      return a;
    };
    model.ids = IdTable.fromSnapshot(
      { capacity: o.itemCapacity, minCount: o.minItemCount, pendingCapacity: o.itemCapacity },
      h.ids,
    );
    model.forward = NeighbourGraph.decode(o.neighbours, f64('forwardIndex'), f64('forwardEdges'));
    model.backward = NeighbourGraph.decode(o.neighbours, f64('backwardIndex'), f64('backwardEdges'));
    model.content = ContentIndex.fromSnapshot(o.tokenCapacity, h.content);
    const pop = f64('engagements');
    model.growTo(pop.length - 1);
    for (let s = 0; s < pop.length; s++) model.setEngagements(s, pop[s]!);
    model.listenForEvictions();
    return model;
  }

  private listenForEvictions(): void {
    this.ids.onEvict((slots) => {
      this.forward.drop(slots);
      this.backward.drop(slots);
      for (const s of slots) {
        this.content.remove(s);
        if (s < this.engagements.length) this.setEngagements(s, 0);
      }
      const gone = new Set(slots);
      for (const recent of this.users.values()) {
        for (let i = recent.length - 1; i >= 0; i--) if (gone.has(recent[i]!)) recent.splice(i, 1);
      }
    });
  }

  private admit(key: string): number | undefined {
    // Content registration is not an engagement: it must not wait for the admission filter.
    for (let i = 0; i < this.ids.minCount; i++) {
      const slot = this.ids.touch(key);
      if (slot !== undefined) return slot;
    }
    return undefined;
  }

  /** The update rule shared by observe() and fit(): `recent` is the user's buffer, newest last. */
  private learn(recent: number[], slot: number, weight: number): void {
    const o = this.options;
    this.growTo(slot);
    this.setEngagements(slot, Math.max(0, this.engagements[slot]! + weight));
    let w = weight;
    for (let g = 1; g <= o.maxGap && g <= recent.length; g++, w *= o.gapDecay) {
      const prev = recent[recent.length - g]!;
      this.forward.add(prev, slot, w);
      this.backward.add(slot, prev, w);
    }
    // A negative signal weakens edges into the item but does not become context for the next one.
    if (weight > 0) {
      recent.push(slot);
      if (recent.length > o.maxGap) recent.shift();
    }
  }

  /** Makes the per-slot arrays long enough for `slot`. */
  private growTo(slot: number): void {
    if (slot < this.engagements.length) return;
    const size = Math.max(slot + 1, this.engagements.length * 2);
    const grow = (a: Float64Array, fill: number) => {
      const grown = new Float64Array(size).fill(fill);
      grown.set(a);
      return grown;
    };
    this.engagements = grow(this.engagements, 0);
    this.debiasDivisor = grow(this.debiasDivisor, 1);
    this.priorTerm = grow(this.priorTerm, 0);
  }

  /** Sets a slot's engagement mass and the scoring terms derived from it (the slot must be within growTo). */
  private setEngagements(slot: number, value: number): void {
    const o = this.options;
    this.engagements[slot] = value;
    this.debiasDivisor[slot] = Math.pow(value + 1, o.popularityDebias);
    this.priorTerm[slot] = o.popularityPrior * Math.log1p(value);
    if (value > this.maxEngagement) this.maxEngagement = value;
  }

  /** The recent history, newest first, with recency weights and each item's hub normalisation. */
  private weightedHistory(history: ArrayLike<number>, n: number): { slot: number; weight: number; norm: number }[] {
    const o = this.options;
    const used = Math.min(history.length, o.historyLength);
    const out: { slot: number; weight: number; norm: number }[] = [];
    let r = 1;
    for (let k = 0; k < used; k++, r *= o.recencyDecay) {
      const h = history[history.length - 1 - k]!;
      if (h < 0 || h >= n) continue;
      // Hub items vote with less weight each: their edges say less about this user.
      const norm = Math.pow(
        this.forward.rowSum(h) + o.backwardWeight * this.backward.rowSum(h) + 1,
        o.rowNormalization,
      );
      out.push({ slot: h, weight: r, norm });
    }
    return out;
  }

  /** Writes raw transition votes into `out[0..slotLimit)`; returns content match scores when content is in play. */
  private accumulate(history: ArrayLike<number>, out: Float64Array): Float64Array | undefined {
    const o = this.options;
    const n = this.ids.highWater;
    out.fill(0, 0, n);
    const weighted = this.weightedHistory(history, n);
    for (const { slot, weight, norm } of weighted) {
      this.addRow(this.forward, slot, weight / norm, out);
      if (o.backwardWeight !== 0) this.addRow(this.backward, slot, (weight * o.backwardWeight) / norm, out);
    }
    if (o.contentWeight === 0 || this.content.itemCount === 0 || weighted.length === 0) return undefined;
    if (this.contentScratch.length < n) this.contentScratch = new Float64Array(2 * n);
    this.contentScratch.fill(0, 0, n);
    this.content.scoreInto(weighted, this.contentScratch, 1, o.contentMaxDf);
    return this.contentScratch;
  }

  /**
   * accumulate() into the zeroed `votes`/`contentVotes` scratch, touching only reached slots, which it lists in
   * `touched[0..touchedCount)`. The caller zeroes them again with resetSparse().
   */
  private accumulateSparse(history: ArrayLike<number>): void {
    const o = this.options;
    const n = this.ids.highWater;
    if (this.votes.length < n) {
      const size = Math.max(n, 2 * this.votes.length, 1024);
      this.votes = new Float64Array(size);
      this.contentVotes = new Float64Array(size);
      this.touchMark = new Uint8Array(size);
    }
    this.touchedCount = 0;
    const weighted = this.weightedHistory(history, n);
    for (const { slot, weight, norm } of weighted) {
      this.addRowSparse(this.forward, slot, weight / norm);
      if (o.backwardWeight !== 0) this.addRowSparse(this.backward, slot, (weight * o.backwardWeight) / norm);
    }
    this.sparseContent = undefined;
    if (o.contentWeight !== 0 && this.content.itemCount !== 0 && weighted.length !== 0) {
      this.content.scoreInto(weighted, this.contentVotes, 1, o.contentMaxDf, (t) => this.mark(t));
      this.sparseContent = this.contentVotes;
    }
    for (let i = 0; i < this.touchedCount; i++) this.touchMark[this.touched[i]!] = 0;
  }

  /** Lists a slot in `touched` the first time a scoring reaches it. */
  private mark(t: number): void {
    if (this.touchMark[t] !== 0) return;
    this.touchMark[t] = 1;
    if (this.touchedCount === this.touched.length) {
      const grown = new Int32Array(this.touched.length * 2);
      grown.set(this.touched);
      this.touched = grown;
    }
    this.touched[this.touchedCount++] = t;
  }

  private addRowSparse(graph: NeighbourGraph, from: number, scale: number): void {
    const row = graph.row(from);
    if (row === undefined) return;
    const { targets, weights, end } = row;
    const votes = this.votes;
    for (let i = row.start; i < end; i++) {
      const t = targets[i]!;
      if (t >= votes.length) continue;
      if (this.touchMark[t] === 0) this.mark(t);
      votes[t] = votes[t]! + scale * weights[i]!;
    }
  }

  /** Final score of one slot from its raw votes: popularity debiasing, cold-start content, prior. */
  private finish(slot: number, votes: number, content: Float64Array | undefined): number {
    if (this.ids.keyOf(slot) === undefined) return -Infinity;
    const o = this.options;
    let v = votes;
    if (v !== 0 && o.popularityDebias !== 0) v /= this.debiasDivisor[slot] ?? 1;
    if (content !== undefined)
      v +=
        (o.contentWeight * content[slot]! * o.contentColdCount) / (o.contentColdCount + (this.engagements[slot] ?? 0));
    return v + (this.priorTerm[slot] ?? 0);
  }

  private scratchFor(n: number): Float64Array {
    if (this.scratch.length < n) this.scratch = new Float64Array(Math.max(n, 2 * this.scratch.length));
    return this.scratch;
  }

  private addRow(graph: NeighbourGraph, from: number, scale: number, out: Float64Array): void {
    const row = graph.row(from);
    if (row === undefined) return;
    const { targets, weights, end } = row;
    for (let i = row.start; i < end; i++) {
      const t = targets[i]!;
      out[t] = out[t]! + scale * weights[i]!;
    }
  }

  private slotsOf(history: string[]): number[] {
    const slots: number[] = [];
    for (const key of history) {
      const s = this.ids.get(key);
      if (s !== undefined) slots.push(s);
    }
    return slots;
  }

  private scoreAll(history: string[]): Float64Array {
    const out = this.scratchFor(this.ids.highWater);
    this.scoreSlotsInto(this.slotsOf(history), out);
    return out;
  }

  private explain(slot: number, history: number[]): string[] {
    const signals: string[] = [];
    let bestForward = -1;
    let bestBackward = -1;
    let f = 0;
    let b = 0;
    for (const h of history.slice(-this.options.historyLength)) {
      const wf = this.forward.weight(h, slot);
      const wb = this.backward.weight(h, slot);
      if (wf > f) [f, bestForward] = [wf, h];
      if (wb > b) [b, bestBackward] = [wb, h];
    }
    if (bestForward >= 0) signals.push(`transition from ${this.ids.keyOf(bestForward)!}`);
    if (bestBackward >= 0 && bestBackward !== bestForward)
      signals.push(`co-engaged with ${this.ids.keyOf(bestBackward)!}`);
    const tokens = this.content.sharedTokens(slot, history, 2);
    if (tokens.length > 0) signals.push(`content match: ${tokens.join(', ')}`);
    if (signals.length === 0) signals.push('popular');
    return signals;
  }
}
