import { describe, expect, it } from 'vitest';
import { NeighbourGraph } from './neighbour-graph.js';

describe('NeighbourGraph', () => {
  it('caps rows to topN, keeping the heaviest edges, and drops evicted targets', () => {
    const graph = new NeighbourGraph(3);
    for (let to = 1; to <= 10; to++) graph.add(0, to, to);
    graph.compact();
    expect([...graph.row(0)!.targets].sort((a, b) => a - b)).toEqual([8, 9, 10]);
    expect(graph.rowSum(0)).toBe(55);
    graph.drop([9]);
    expect([...graph.row(0)!.targets].sort((a, b) => a - b)).toEqual([8, 10]);
  });
});
