import { describe, expect, it } from 'vitest';
import { decodeSession, encodeSession, seededRandom, ServedFilter } from './served-filter.js';

describe('feed session cursor', () => {
  it('round-trips and remembers served ids', () => {
    const served = new ServedFilter();
    const ids = Array.from({ length: 200 }, (_, i) => `clip-${i}`);
    for (const id of ids) served.add(id);
    const back = decodeSession(encodeSession({ seed: 42, page: 3, lastAuthor: 'a1', lastSound: '', served }));
    expect(back.seed).toBe(42);
    expect(back.page).toBe(3);
    expect(ids.every((id) => back.served.has(id))).toBe(true);
    const others = Array.from({ length: 1000 }, (_, i) => `other-${i}`).filter((id) => back.served.has(id));
    expect(others.length).toBeLessThan(20);
  });

  it('refuses a tampered cursor', () => {
    const cursor = encodeSession({ seed: 1, page: 0, lastAuthor: '', lastSound: '', served: new ServedFilter() });
    const [head, body, sum] = cursor.split('.');
    const forged = Buffer.from(JSON.stringify({ s: 1, n: 9, a: '', o: '' })).toString('base64url');
    expect(() => decodeSession(`${forged}.${body}.${sum}`)).toThrow(/cursor is not valid/);
    expect(() => decodeSession(`${head}.${body}`)).toThrow(/cursor is not valid/);
    expect(() => decodeSession('garbage')).toThrow(/cursor is not valid/);
  });

  it('draws the same numbers from the same seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});
