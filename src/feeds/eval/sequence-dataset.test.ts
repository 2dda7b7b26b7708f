import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, parseSequences, parseTitles, resolveDatasetPaths } from './sequence-dataset.js';

describe('parseSequences', () => {
  it('reads string ids, blank lines and CRLF', () => {
    const ds = parseSequences('alice\ta b c\r\n\r\nbob\tc  d\r\n\n');
    expect(ds.users).toEqual(['alice', 'bob']);
    expect(ds.items).toEqual(['a', 'b', 'c', 'd']);
    expect(ds.sequences.map((s) => Array.from(s))).toEqual([
      [0, 1, 2],
      [2, 3],
    ]);
    expect(ds.interactions).toBe(5);
  });

  it('rejects lines without a tab or without items, naming the line', () => {
    expect(() => parseSequences('u1\ta\nu2 b c\n', 'f.tsv')).toThrow(/f\.tsv:2/);
    expect(() => parseSequences('u1\t \n')).toThrow(DatasetError);
    expect(() => parseSequences('\n\n')).toThrow(/no sequences/);
  });
});

describe('parseTitles', () => {
  it('handles a header, quoted commas and doubled quotes', () => {
    const titles = parseTitles('item,title\n1,"a, b # tag"\r\n2,"say ""hi"""\n3,plain\n');
    expect(titles.get('1')).toBe('a, b # tag');
    expect(titles.get('2')).toBe('say "hi"');
    expect(titles.get('3')).toBe('plain');
  });
});

describe('resolveDatasetPaths', () => {
  it('finds the pairs file in a folder and its sibling titles', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reelm-ds-'));
    writeFileSync(join(dir, 'X_pairs.tsv'), 'u\ta b c\n');
    writeFileSync(join(dir, 'X_titles.csv'), 'item,title\na,hello\n');
    expect(resolveDatasetPaths(dir)).toEqual({ pairs: join(dir, 'X_pairs.tsv'), titles: join(dir, 'X_titles.csv') });
    expect(resolveDatasetPaths(join(dir, 'X_pairs.tsv')).titles).toBe(join(dir, 'X_titles.csv'));
    expect(() => resolveDatasetPaths(join(dir, 'missing.tsv'))).toThrow(/not found/);
  });
});
