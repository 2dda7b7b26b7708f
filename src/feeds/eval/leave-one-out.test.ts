import { describe, expect, it } from 'vitest';
import { MostPopularRanker } from './baseline-rankers.js';
import { buildProtocol, metricsFromRanks, rankCases, type EvalRanker } from './leave-one-out.js';

const seq = (...items: number[]): Int32Array => Int32Array.from(items);

describe('buildProtocol', () => {
  it('cuts to the last 13 items and holds out the last two', () => {
    const long = seq(...Array.from({ length: 20 }, (_, i) => i));
    const p = buildProtocol([long, seq(1, 2)]);
    expect(p.skippedUsers).toBe(1);
    expect(Array.from(p.validation.train[0]!)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(p.validation.cases[0]!.target).toBe(18);
    expect(Array.from(p.test.train[0]!)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(p.test.cases[0]!.target).toBe(19);
    // The short user is trained on but never evaluated.
    expect(Array.from(p.test.train[1]!)).toEqual([1, 2]);
    expect(p.test.cases).toHaveLength(1);
  });
});

describe('rankCases', () => {
  it('masks the history and counts ties against the target', () => {
    const fixed: EvalRanker = {
      name: 'fixed',
      fit: () => undefined,
      scoreInto: (_h, out) => out.set([5, 4, 3, 3, 1]),
    };
    const { ranks, top10Items } = rankCases(
      fixed,
      [
        { user: 0, history: seq(0), target: 1 }, // item 0 masked: rank 0
        { user: 1, history: seq(4), target: 2 }, // 0, 1 above, 3 tied: rank 3
      ],
      5,
      true,
    );
    expect(Array.from(ranks)).toEqual([0, 3]);
    expect([...top10Items!].sort()).toEqual([0, 1, 2, 3, 4]);
    const m = metricsFromRanks(ranks);
    expect(m.hr10).toBe(1);
    expect(m.ndcg10).toBeCloseTo((1 + 1 / Math.log2(5)) / 2);
    expect(metricsFromRanks(Int32Array.from([25]))).toMatchObject({ hr20: 0, ndcg20: 0 });
  });

  it('ranks most-popular as expected', () => {
    const ranker = new MostPopularRanker();
    ranker.fit([seq(0, 1), seq(1, 2), seq(1)], 3);
    const { ranks } = rankCases(ranker, [{ user: 0, history: seq(1), target: 2 }], 3);
    expect(ranks[0]).toBe(1); // item 0 and 2 tie (1 each): counted against the target
  });
});
