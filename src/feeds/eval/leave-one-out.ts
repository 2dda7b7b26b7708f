/**
 * The MicroLens paper's protocol: sequences cut to their last `maxLength` items, leave-one-out
 * (last = test, second to last = validation), full ranking over every item with the user's input
 * history masked.
 */

/** A model under evaluation, over dense item indices 0..itemCount-1. */
export interface EvalRanker {
  readonly name: string;
  fit(train: Int32Array[], itemCount: number): void;
  /** Scores every item for a history (oldest first) into out[0..itemCount). Higher is better. */
  scoreInto(history: Int32Array, out: Float64Array): void;
}

export interface EvalCase {
  user: number;
  history: Int32Array;
  target: number;
}

export interface SplitData {
  /** Training sequences (users too short to evaluate contribute their whole cut sequence). */
  train: Int32Array[];
  cases: EvalCase[];
}

export interface Protocol {
  validation: SplitData;
  test: SplitData;
  /** Users with fewer than 3 items after cutting: trained on, never evaluated. */
  skippedUsers: number;
}

export function buildProtocol(sequences: Int32Array[], maxLength = 13): Protocol {
  const validation: SplitData = { train: [], cases: [] };
  const test: SplitData = { train: [], cases: [] };
  let skippedUsers = 0;
  sequences.forEach((full, user) => {
    const seq = full.length > maxLength ? full.subarray(full.length - maxLength) : full;
    const n = seq.length;
    if (n < 3) {
      skippedUsers++;
      validation.train.push(seq);
      test.train.push(seq);
      return;
    }
    validation.train.push(seq.subarray(0, n - 2));
    validation.cases.push({ user, history: seq.subarray(0, n - 2), target: seq[n - 2]! });
    test.train.push(seq.subarray(0, n - 1));
    test.cases.push({ user, history: seq.subarray(0, n - 1), target: seq[n - 1]! });
  });
  return { validation, test, skippedUsers };
}

export interface RankingMetrics {
  hr10: number;
  ndcg10: number;
  hr20: number;
  ndcg20: number;
  cases: number;
}

export interface CaseRanks {
  /** 0-based rank of each case's target among unmasked items (ties counted against the target). */
  ranks: Int32Array;
  /** Items in any case's top 10 (only when requested). */
  top10Items: Set<number> | undefined;
}

/**
 * Ranks each case's target against all items. History items are masked (except the target itself
 * when a user re-engages with an item already in the history).
 */
export function rankCases(ranker: EvalRanker, cases: EvalCase[], itemCount: number, collectTop10 = false): CaseRanks {
  const out = new Float64Array(itemCount);
  const ranks = new Int32Array(cases.length);
  const top10Items = collectTop10 ? new Set<number>() : undefined;
  const topIdx = new Int32Array(10);
  const topVal = new Float64Array(10);
  cases.forEach((c, i) => {
    ranker.scoreInto(c.history, out);
    for (const h of c.history) if (h !== c.target) out[h] = -Infinity;
    const t = out[c.target]!;
    let rank = 0;
    if (t === -Infinity || Number.isNaN(t)) rank = itemCount;
    else {
      for (let j = 0; j < itemCount; j++) {
        const v = out[j]!;
        if (v > t || (v === t && j !== c.target)) rank++;
      }
    }
    ranks[i] = rank;
    if (top10Items !== undefined) {
      let filled = 0;
      for (let j = 0; j < itemCount; j++) {
        const v = out[j]!;
        if (v === -Infinity || (filled === 10 && v <= topVal[9]!)) continue;
        let k = filled < 10 ? filled++ : 9;
        while (k > 0 && topVal[k - 1]! < v) {
          topVal[k] = topVal[k - 1]!;
          topIdx[k] = topIdx[k - 1]!;
          k--;
        }
        topVal[k] = v;
        topIdx[k] = j;
      }
      for (let k = 0; k < filled; k++) top10Items.add(topIdx[k]!);
    }
  });
  return { ranks, top10Items };
}

/** HR and NDCG at 10 and 20 over the cases selected by `include` (all when omitted). */
export function metricsFromRanks(ranks: Int32Array, include?: (i: number) => boolean): RankingMetrics {
  let hr10 = 0;
  let ndcg10 = 0;
  let hr20 = 0;
  let ndcg20 = 0;
  let n = 0;
  ranks.forEach((rank, i) => {
    if (include !== undefined && !include(i)) return;
    n++;
    if (rank < 20) {
      const gain = 1 / Math.log2(rank + 2);
      hr20++;
      ndcg20 += gain;
      if (rank < 10) {
        hr10++;
        ndcg10 += gain;
      }
    }
  });
  const d = Math.max(1, n);
  return { hr10: hr10 / d, ndcg10: ndcg10 / d, hr20: hr20 / d, ndcg20: ndcg20 / d, cases: n };
}

/** Training interactions per item in a split's training set. */
export function itemCounts(train: Int32Array[], itemCount: number): Int32Array {
  const counts = new Int32Array(itemCount);
  for (const seq of train) for (const i of seq) counts[i]!++;
  return counts;
}
