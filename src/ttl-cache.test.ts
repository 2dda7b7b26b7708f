import { describe, expect, it } from 'vitest';
import { TtlCache, evictOldest } from './ttl-cache.js';

describe('TtlCache', () => {
  it('serves entries for ttlMs, remembers absences, and drops the least recently stored past capacity', () => {
    const cache = new TtlCache<string | undefined>({ ttlMs: 100, capacity: 2 });
    cache.set('a', 'A', 0);
    cache.set('gone', undefined, 0);
    expect(cache.entry('a', 99)?.value).toBe('A');
    expect(cache.entry('gone', 50)).toMatchObject({ value: undefined });
    expect(cache.entry('a', 100)).toBeUndefined();
    cache.set('b', 'B', 200);
    cache.set('c', 'C', 200);
    cache.set('d', 'D', 200);
    expect(cache.entry('b', 201)).toBeUndefined();
    expect(cache.entry('d', 201)?.value).toBe('D');
  });

  it('makes room a tenth at a time when full', () => {
    const cache = new TtlCache<number>({ ttlMs: 1000, capacity: 20 });
    for (let i = 0; i < 20; i++) cache.set(`k${i}`, i, 0);
    cache.set('new', 99, 0);
    expect(cache.entry('k0', 1)).toBeUndefined();
    expect(cache.entry('k1', 1)).toBeUndefined();
    expect(cache.entry('k2', 1)?.value).toBe(2);
    expect(cache.entry('new', 1)?.value).toBe(99);
  });

  it('does not keep what was read before a deletion', () => {
    const cache = new TtlCache<number>({ ttlMs: 1000, capacity: 10 });
    const since = cache.version;
    cache.delete('x');
    cache.set('x', 1, 0, since);
    expect(cache.entry('x', 1)).toBeUndefined();
    const later = cache.version;
    cache.set('x', 2, 0, later);
    expect(cache.entry('x', 1)?.value).toBe(2);
    cache.clear();
    expect(cache.entry('x', 1)).toBeUndefined();
  });

  it('evicts the oldest tenth of a full map at once, newest kept', () => {
    const map = new Map(Array.from({ length: 20 }, (_, i) => [i, i]));
    evictOldest(map, 20);
    expect([...map.keys()]).toEqual(Array.from({ length: 18 }, (_, i) => i + 2));
    const small = new Map([['a', 1]]);
    evictOldest(small, 1);
    expect(small.size).toBe(0);
  });
});
