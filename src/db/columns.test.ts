import { describe, expect, it } from 'vitest';
import { jsonList } from './columns.js';

describe('column helpers', () => {
  it('reads JSON lists defensively', () => {
    expect(jsonList('["a",1,"b"]')).toEqual(['a', 'b']);
    expect(jsonList('nope')).toEqual([]);
    expect(jsonList(null)).toEqual([]);
  });
});
