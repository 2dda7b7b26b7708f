import { describe, expect, it } from 'vitest';
import { BestFirst } from './best-first.js';
import { seededRandom } from './served-filter.js';

describe('BestFirst', () => {
  it('walks candidates in the order of a full stable sort by score, whatever the head', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(random() * 60);
      // Few distinct scores, so that ties (broken by list order) are common.
      const scores = Float64Array.from({ length: n }, () => Math.floor(random() * 8) / 4);
      const list = Array.from({ length: n }, (_, i) => i);
      const expected = [...list].sort((a, b) => scores[b]! - scores[a]!);
      const best = new BestFirst(list, scores, 1 + Math.floor(random() * 12));
      const walked: number[] = [];
      for (let hit = best.find(() => true); hit; hit = best.find((p) => !walked.includes(p.c))) walked.push(hit.c);
      expect(walked).toEqual(expected);
    }
  });
});
