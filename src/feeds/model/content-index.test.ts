import { describe, expect, it } from 'vitest';
import { tokenizeTitle } from './content-index.js';

describe('tokenizeTitle', () => {
  it('keeps multi-word hashtags and content words', () => {
    expect(tokenizeTitle('Spicy duck, so hot! # homemade summer food # cooking')).toEqual(
      expect.arrayContaining(['spicy', 'duck', 'hot', '#homemade summer food', '#cooking']),
    );
    expect(tokenizeTitle('the and of')).toEqual([]);
  });
});
