import { describe, expect, it } from 'vitest';
import { newestOf } from './candidate-pools.js';
import { seededRandom } from './served-filter.js';

describe('newestOf', () => {
  it('merges lists sorted newest first into the newest `limit`, as a full sort would', () => {
    const random = seededRandom(11);
    for (let round = 0; round < 200; round++) {
      const lists = Array.from({ length: Math.floor(random() * 8) }, () =>
        Array.from({ length: Math.floor(random() * 6) }, () => Math.floor(random() * 1000)).sort((a, b) => b - a),
      );
      const limit = 1 + Math.floor(random() * 10);
      expect(newestOf(lists, limit, (a, b) => a > b)).toEqual(
        lists
          .flat()
          .sort((a, b) => b - a)
          .slice(0, limit),
      );
    }
  });
});
