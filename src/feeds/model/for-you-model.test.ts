import { describe, expect, it } from 'vitest';
import { seededRandom } from '../served-filter.js';
import { ForYouModel } from './for-you-model.js';

const rng = seededRandom;

/** Users walk a ring of items with random jumps: strong item-to-next-item structure. */
function syntheticSequences(users: number, items: number, seed: number): { userKey: string; items: string[] }[] {
  const rand = rng(seed);
  return Array.from({ length: users }, (_, u) => {
    let at = Math.floor(rand() * items);
    const seq: string[] = [];
    const length = 3 + Math.floor(rand() * 10);
    for (let i = 0; i < length; i++) {
      seq.push(`v${at}`);
      at = rand() < 0.8 ? (at + 1) % items : Math.floor(rand() * items);
    }
    return { userKey: `u${u}`, items: seq };
  });
}

describe('ForYouModel', () => {
  it('recommends the learned next item, with the transition as its reason', () => {
    const model = new ForYouModel();
    model.fit(syntheticSequences(2000, 200, 1));
    const [top] = model.recommend(['v10', 'v11'], 5);
    expect(top?.itemKey).toBe('v12');
    expect(top?.signals).toContain('transition from v11');
  });

  it('online observe() changes the ranking', () => {
    const model = new ForYouModel();
    model.fit(syntheticSequences(500, 100, 2));
    const before = model.recommend(['v5'], 3).map((r) => r.itemKey);
    expect(before[0]).toBe('v6');
    for (let u = 0; u < 200; u++) {
      model.observe(`fan${u}`, 'v5');
      model.observe(`fan${u}`, 'v77', { weight: 2 });
    }
    expect(model.recommend(['v5'], 3)[0]?.itemKey).toBe('v77');
    // "Not interested" after v5 pushes it back down again.
    for (let u = 0; u < 400; u++) {
      model.observe(`hater${u}`, 'v5');
      model.observe(`hater${u}`, 'v77', { weight: -2 });
    }
    expect(model.recommend(['v5'], 3)[0]?.itemKey).toBe('v6');
  });

  it('scores a candidate list exactly as it scores the whole catalogue', () => {
    // (How fast: npm run bench:model.)
    const model = new ForYouModel();
    model.fit(syntheticSequences(30_000, 20_000, 3));
    for (let i = 0; i < 20_000; i++) model.setItemContent(`v${i}`, `clip ${i} # tag${i % 300} # topic${i % 37}`);
    const rand = rng(4);
    const candidates = Array.from({ length: 500 }, () => `v${Math.floor(rand() * 20_000)}`);
    const history = Array.from({ length: 12 }, (_, i) => `v${1000 + i * 7}`);
    const all = model.score(history);
    const some = model.score(history, candidates);
    expect(some.size).toBe(new Set(candidates).size);
    for (const [key, score] of some) expect(score).toBe(all.get(key));
  });

  it("serves only reached clips, in the full ranking's order and with its scores", () => {
    const model = new ForYouModel({ neighbours: 20 });
    model.fit(syntheticSequences(3000, 2000, 9));
    for (let i = 0; i < 2000; i += 3) model.setItemContent(`v${i}`, `clip ${i} # tag${i % 50}`);
    const rand = rng(11);
    for (let trial = 0; trial < 30; trial++) {
      const history = Array.from({ length: 1 + (trial % 12) }, () => `v${Math.floor(rand() * 2000)}`);
      const inHistory = new Set(history);
      const full = [...model.score(history)]
        .filter(([key, v]) => v !== -Infinity && !inHistory.has(key))
        .sort((a, b) => b[1] - a[1] || model.slotOf(a[0])! - model.slotOf(b[0])!);
      const position = new Map(full.map(([key], i) => [key, i]));
      const got = model.recommend(history, 60, new Set(), { reachedOnly: true });
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThanOrEqual(60);
      for (let i = 0; i < got.length; i++) {
        expect(got[i]!.score).toBe(full[position.get(got[i]!.itemKey)!]![1]);
        if (i > 0) expect(position.get(got[i]!.itemKey)!).toBeGreaterThan(position.get(got[i - 1]!.itemKey)!);
      }
      // Reached clips outrank what only the popularity prior scores: the head of the full ranking is served.
      expect(got[0]!.itemKey).toBe(full[0]![0]);
    }
  });

  it('recommends exactly what a scan of every item would (ties: lower slot first)', () => {
    const model = new ForYouModel({ neighbours: 20 });
    model.fit(syntheticSequences(3000, 2000, 9));
    for (let i = 0; i < 2000; i += 3) model.setItemContent(`v${i}`, `clip ${i} # tag${i % 50}`);
    model.setItemContent('cold', 'fresh clip # tag7');
    const rand = rng(10);
    for (let trial = 0; trial < 40; trial++) {
      const history = Array.from({ length: 1 + (trial % 14) }, () => `v${Math.floor(rand() * 2100)}`);
      const exclude = new Set(Array.from({ length: trial % 5 }, () => `v${Math.floor(rand() * 2000)}`));
      const k = [1, 10, 60, 500][trial % 4]!;
      const inHistory = new Set(history);
      const expected = [...model.score(history)]
        .filter(([key, v]) => v !== -Infinity && !inHistory.has(key) && !exclude.has(key))
        .sort((a, b) => b[1] - a[1] || model.slotOf(a[0])! - model.slotOf(b[0])!)
        .slice(0, k);
      const got = model.recommend(history, k, exclude);
      expect(got.map((r) => [r.itemKey, r.score])).toEqual(expected);
    }
  });

  it('restores from serialize() with identical scores and keeps learning', () => {
    const model = new ForYouModel({ neighbours: 50 });
    model.fit(syntheticSequences(1000, 300, 5));
    model.setItemContent('new-clip', 'cats being silly # cats # funny');
    model.setItemContent('v3', 'a cat video # cats');
    const copy = ForYouModel.restore(model.serialize());
    const history = ['v3', 'v4', 'v9'];
    expect([...copy.score(history)]).toEqual([...model.score(history)]);
    expect(copy.recommend(history, 10)).toEqual(model.recommend(history, 10));
    expect(copy.options.neighbours).toBe(50);
    copy.observe('u', 'v3');
    copy.observe('u', 'brand-new');
    expect(copy.score(['v3'], ['brand-new']).get('brand-new')).toBeGreaterThan(0);
    expect(() => ForYouModel.restore(Buffer.from('not a model'))).toThrow(/snapshot/);
  });

  it('stays within its capacities whatever the number of distinct ids', () => {
    const model = new ForYouModel({ itemCapacity: 256, neighbours: 8, userCapacity: 50 });
    const rand = rng(6);
    for (let i = 0; i < 20_000; i++)
      model.observe(`u${Math.floor(rand() * 5000)}`, `item${Math.floor(rand() * 50_000)}`, { at: i });
    expect(model.itemCount).toBeLessThanOrEqual(256);
    expect(model.bufferedUserCount).toBeLessThanOrEqual(50);
    expect(model.edgeCount).toBeLessThanOrEqual(2 * 256 * 2 * 8);
    // Recently seen ids survive eviction; expiry drops the stale ones.
    model.observe('u1', 'fresh', { at: 30_000 });
    expect(model.slotOf('fresh')).toBeDefined();
    expect(model.expire(25_000)).toBeGreaterThan(0);
    expect(model.itemCount).toBe(1);
  });

  it('gives an id its own parameters only after minItemCount engagements', () => {
    const model = new ForYouModel({ minItemCount: 3 });
    model.observe('a', 'x');
    model.observe('b', 'x');
    expect(model.slotOf('x')).toBeUndefined();
    model.observe('c', 'x');
    expect(model.slotOf('x')).toBeDefined();
  });

  it('lets content lift a clip nobody has engaged with yet', () => {
    const model = new ForYouModel();
    model.fit(syntheticSequences(500, 100, 7));
    for (let i = 0; i < 100; i++)
      model.setItemContent(`v${i}`, i >= 1 && i <= 3 ? `skateboard trick # skateboarding` : `recipe ${i} # cooking`);
    model.setItemContent('cold-skate', 'new kickflip # skateboarding');
    model.setItemContent('cold-cook', 'new soup # cooking');
    const recs = model.recommend(['v1', 'v2', 'v3'], 20);
    const skate = recs.find((r) => r.itemKey === 'cold-skate');
    expect(skate?.signals.some((s) => s.includes('#skateboarding'))).toBe(true);
    const scores = model.score(['v1', 'v2', 'v3'], ['cold-skate', 'cold-cook']);
    expect(scores.get('cold-skate')!).toBeGreaterThan(scores.get('cold-cook')!);
  });

  it('is deterministic: same seed and events give byte-identical models', () => {
    const build = (): ForYouModel => {
      const model = new ForYouModel({ seed: 42, itemCapacity: 500 });
      model.fit(syntheticSequences(800, 900, 8));
      for (let i = 0; i < 2000; i++) model.observe(`u${i % 97}`, `v${(i * 31) % 1200}`, { at: i });
      return model;
    };
    const a = build();
    const b = build();
    expect(a.serialize().equals(b.serialize())).toBe(true);
    expect(a.recommend(['v1', 'v2'], 20)).toEqual(b.recommend(['v1', 'v2'], 20));
  });
});
