import { describe, expect, it } from 'vitest';
import { decodeSession, encodeSession, newSession, seededRandom, ServedFilter } from './served-filter.js';

describe('feed session cursor', () => {
  it('round-trips and remembers served ids', () => {
    const served = new ServedFilter();
    const ids = Array.from({ length: 200 }, (_, i) => `clip-${i}`);
    for (const id of ids) served.add(id);
    const back = decodeSession(encodeSession({ ...newSession(42), page: 3, lastAuthor: 'a1', served }));
    expect(back.seed).toBe(42);
    expect(back.page).toBe(3);
    expect(ids.every((id) => back.served.has(id))).toBe(true);
    expect(back.replayed.isEmpty()).toBe(true);
    const others = Array.from({ length: 1000 }, (_, i) => `other-${i}`).filter((id) => back.served.has(id));
    expect(others.length).toBeLessThan(20);
  });

  it('carries what a rewatching session has shown again, and only once it has', () => {
    const session = newSession(5);
    expect(encodeSession(session).split('.')).toHaveLength(3);
    session.replayed.add('clip-1');
    const back = decodeSession(encodeSession(session));
    expect(back.replayed.has('clip-1')).toBe(true);
    expect(back.replayed.has('clip-2')).toBe(false);
    back.replayed.clear();
    expect(back.replayed.has('clip-1')).toBe(false);
    expect(encodeSession(back).split('.')).toHaveLength(3);
  });

  it('refuses a tampered cursor', () => {
    const cursor = encodeSession(newSession(1));
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
