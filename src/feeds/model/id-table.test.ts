import { describe, expect, it } from 'vitest';
import { IdTable } from './id-table.js';

describe('IdTable', () => {
  it('evicts the least recently touched keys and tells listeners first', () => {
    const table = new IdTable({ capacity: 16, minCount: 1, pendingCapacity: 16 });
    const evicted: string[] = [];
    table.onEvict((slots) => evicted.push(...slots.map((s) => table.keyOf(s)!)));
    for (let i = 0; i < 16; i++) table.touch(`k${i}`);
    table.touch('k0'); // k0 is now the freshest
    table.touch('new');
    expect(evicted).toEqual(['k1']);
    expect(table.get('k0')).toBeDefined();
    expect(table.size).toBe(16);
  });

  it('round-trips through a snapshot', () => {
    const table = new IdTable({ capacity: 8, minCount: 1, pendingCapacity: 8 });
    table.touch('a', 10);
    table.touch('b', 20);
    table.expire(15);
    const copy = IdTable.fromSnapshot({ capacity: 8, minCount: 1, pendingCapacity: 8 }, table.snapshot());
    expect(copy.get('a')).toBeUndefined();
    expect(copy.get('b')).toBe(table.get('b'));
    expect(copy.touch('c')).toBe(table.touch('c')); // the freed slot is reused the same way
  });
});
