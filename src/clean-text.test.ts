import { describe, expect, it } from 'vitest';
import { cleanText } from './clean-text.js';

const many = { multiline: true };
const one = { multiline: false };

describe('cleanText', () => {
  it('removes controls, bidi overrides and isolates, zero-width characters and lone surrogates', () => {
    expect(cleanText('a\u0000b\u0007c\u007f\u0085d', many)).toBe('abcd');
    expect(cleanText('price \u202E0.99\u202C $ \u2066x\u2069', many)).toBe('price 0.99 $ x');
    expect(cleanText('zero\u200Bwidth\u200C\u2060\uFEFF', many)).toBe('zerowidth');
    expect(cleanText('lone \uD800 and \uDC00 halves', many)).toBe('lone  and  halves');
    expect(cleanText('\u200B\u202E', many)).toBe('');
  });

  it('keeps line breaks in multi-line text and makes one line of a name', () => {
    expect(cleanText('first\r\nsecond\tthird', many)).toBe('first\nsecond\tthird');
    expect(cleanText('Ada\nLovelace', one)).toBe('Ada Lovelace');
  });

  it('keeps emoji sequences joined by ZWJ, and well-formed astral characters', () => {
    for (const emoji of ['👩‍💻', '🏳️‍🌈', '👨‍👩‍👧‍👦', '🧑🏽‍🚀']) expect(cleanText(`hi ${emoji}`, many)).toBe(`hi ${emoji}`);
    expect(cleanText('a\u200Db 👍\u200D x', many)).toBe('ab 👍 x');
    expect(cleanText('𝔘𝔫𝔦𝔠𝔬𝔡𝔢', many)).toBe('𝔘𝔫𝔦𝔠𝔬𝔡𝔢');
  });
});
