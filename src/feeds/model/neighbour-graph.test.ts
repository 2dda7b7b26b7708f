import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NeighbourGraph } from './neighbour-graph.js';

function edges(graph: NeighbourGraph, from: number): [number, number][] {
  const out: [number, number][] = [];
  graph.forEach(from, (to, w) => out.push([to, w]));
  return out;
}

describe('NeighbourGraph', () => {
  it('caps rows to topN, keeping the heaviest edges, and drops evicted targets', () => {
    const graph = new NeighbourGraph(3);
    for (let to = 1; to <= 10; to++) graph.add(0, to, to);
    graph.compact();
    expect(edges(graph, 0).map(([to]) => to)).toEqual([8, 9, 10]);
    expect(graph.rowSum(0)).toBe(55);
    graph.drop([9]);
    expect(edges(graph, 0).map(([to]) => to)).toEqual([8, 10]);
  });

  it('holds what a map per row would hold, through growth, pruning, removal, eviction and a snapshot', () => {
    const op = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant('add' as const),
          from: fc.nat(30),
          to: fc.nat(60),
          w: fc.integer({ min: -3, max: 5 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('drop' as const), slots: fc.array(fc.nat(60), { maxLength: 3 }) }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.integer({ min: 1, max: 6 }), (ops, topN) => {
        const graph = new NeighbourGraph(topN);
        // The reference: a Map per row with the same pruning rule (heaviest topN, ties to the lower target).
        const rows = new Map<number, Map<number, number>>();
        const prune = (row: Map<number, number>, keep: number) => {
          const kept = [...row].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, keep);
          row.clear();
          for (const [k, v] of kept) row.set(k, v);
        };
        for (const o of ops) {
          if (o.kind === 'add') {
            graph.add(o.from, o.to, o.w);
            if (o.from === o.to || o.w === 0) continue;
            const row = rows.get(o.from) ?? rows.set(o.from, new Map()).get(o.from)!;
            const next = (row.get(o.to) ?? 0) + o.w;
            if (next > 0) row.set(o.to, next);
            else row.delete(o.to);
            if (row.size > 2 * topN) prune(row, topN);
          } else if (o.kind === 'drop') {
            graph.drop(o.slots);
            for (const s of o.slots) rows.delete(s);
            for (const row of rows.values()) for (const s of o.slots) row.delete(s);
          } else {
            graph.compact();
            for (const row of rows.values()) if (row.size > topN) prune(row, topN);
          }
        }
        const restored = (() => {
          const { index, edges: e } = graph.encode();
          return NeighbourGraph.decode(topN, index, e);
        })();
        for (let from = 0; from <= 30; from++) {
          const want = [...(rows.get(from) ?? new Map<number, number>())].sort((a, b) => a[0] - b[0]);
          expect(edges(graph, from)).toEqual(want);
          expect(edges(restored, from)).toEqual(want);
          for (const [to, w] of want) expect(graph.weight(from, to)).toBe(w);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('moves, repacks and grows its shared arrays without losing an edge', () => {
    const graph = new NeighbourGraph(20);
    const rows = new Map<number, Map<number, number>>();
    let seed = 7;
    const rand = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    for (let i = 0; i < 100_000; i++) {
      // Row sizes differ widely, so blocks are outgrown, abandoned and repacked many times.
      const from = rand(rand(300) + 1);
      const to = rand(37);
      graph.add(from, to, 1);
      if (from === to) continue;
      const row = rows.get(from) ?? rows.set(from, new Map()).get(from)!;
      row.set(to, (row.get(to) ?? 0) + 1);
    }
    for (const [from, row] of rows) expect(edges(graph, from)).toEqual([...row].sort((a, b) => a[0] - b[0]));
    graph.compact();
    // Tight after compaction: 20 edges a row at 8 bytes, plus the per-row arrays.
    expect(graph.byteSize).toBeLessThanOrEqual(Math.max(1024, 300 * 20) * 8 + 512 * 20);
    for (const [from, row] of rows) {
      const kept = [...row].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 20);
      expect(edges(graph, from)).toEqual(kept.sort((a, b) => a[0] - b[0]));
    }
  });
});
