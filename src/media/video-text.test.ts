import { describe, expect, it } from 'vitest';
import { checkCaption, checkVisibility, cleanFilename, parseHashtags, parseMentions } from './video-text.js';

describe('caption rules', () => {
  it('parses unicode hashtags, lowercased and de-duplicated', () => {
    expect(parseHashtags('Sunset #Été #été #日本 #snake_case #1 a#notatag &#39;')).toEqual([
      'été',
      '日本',
      'snake_case',
      '1',
    ]);
  });
  it('parses mentions by the handle rule, not e-mail addresses, without a sentence-ending dot', () => {
    expect(parseMentions('thanks @Alice and @bob.smith. mail me@example.org or @ab @x_y_z')).toEqual([
      'alice',
      'bob.smith',
      'x_y_z',
    ]);
  });
  it('finds mentions in comments too, and nothing that is not a handle', () => {
    expect(parseMentions('hi @Dana and @bo_b. mail me at x@example.org @' + 'a'.repeat(25))).toEqual(['dana', 'bo_b']);
  });
  it('limits captions to 2,200 characters (not bytes) and checks visibility', () => {
    expect(checkCaption('🎉'.repeat(2200))).toHaveLength(4400);
    expect(() => checkCaption('a'.repeat(2201))).toThrow(/at most 2200/);
    expect(checkVisibility(undefined)).toBe('public');
    expect(() => checkVisibility('friends')).toThrow(/public, followers, private/);
    expect(cleanFilename('C:\\Users\\me\\clip\u0001.mp4')).toBe('clip.mp4');
  });
});
