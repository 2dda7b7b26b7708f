import { describe, expect, it } from 'vitest';
import { languageFromHeader } from './language.js';

describe('languageFromHeader', () => {
  it('takes the supported language the browser prefers most, by primary subtag', () => {
    expect(languageFromHeader('de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7')).toBe('de');
    expect(languageFromHeader('en-GB, de;q=0.5')).toBe('en');
    expect(languageFromHeader('fr-FR, de;q=0.3, en;q=0.6')).toBe('en');
    expect(languageFromHeader('fr, DE-at;q=0.2')).toBe('de');
    expect(languageFromHeader('de;q=0.4, en;q=0.4')).toBe('de');
  });

  it('names nothing when the header names no language the app speaks', () => {
    expect(languageFromHeader(undefined)).toBeUndefined();
    expect(languageFromHeader('')).toBeUndefined();
    expect(languageFromHeader('*')).toBeUndefined();
    expect(languageFromHeader('fr-FR, ja;q=0.5')).toBeUndefined();
    expect(languageFromHeader('de;q=0')).toBeUndefined();
  });
});
