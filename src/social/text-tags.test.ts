import { describe, expect, it } from 'vitest';
import { jsonList, parseHashtags, parseMentions } from './text-tags.js';

describe('caption tags', () => {
  it('finds hashtags once each, lowercased, and ignores anchors inside words', () => {
    expect(parseHashtags('Sunset #Beach #beach and#not #café_2')).toEqual(['beach', 'café_2']);
  });
  it('finds mentions but not e-mail addresses', () => {
    expect(parseMentions('hi @Dana and @bo_b. mail me at x@example.org')).toEqual(['dana', 'bo_b']);
  });
  it('reads JSON lists defensively', () => {
    expect(jsonList('["a",1,"b"]')).toEqual(['a', 'b']);
    expect(jsonList('nope')).toEqual([]);
  });
});
