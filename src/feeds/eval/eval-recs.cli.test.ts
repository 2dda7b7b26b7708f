import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './eval-recs.cli.js';

function capture(): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  return { out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('eval-recs', () => {
  it('prints every model and a JSON summary as the last line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reelm-eval-'));
    const lines: string[] = [];
    // A chain a0 → a1 → ... that most users walk, plus two short users (trained on, not evaluated).
    for (let u = 0; u < 60; u++) {
      const start = u % 10;
      lines.push(`user${u}\t${Array.from({ length: 6 }, (_, i) => `a${start + i}`).join(' ')}`);
    }
    lines.push('short1\ta1', 'short2\ta2 a3');
    writeFileSync(join(dir, 'Tiny_pairs.tsv'), lines.join('\r\n') + '\r\n\r\n');
    writeFileSync(
      join(dir, 'Tiny_titles.csv'),
      'item,title\n' + Array.from({ length: 16 }, (_, i) => `a${i},"clip ${i} # t${i % 3}"`).join('\n'),
    );
    const { out } = capture();
    expect(await main(['--dataset', dir, '--json'])).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/2 with < 3 items used for training only/);
    const summary = JSON.parse(text.trim().split('\n').at(-1)!) as {
      models: Record<string, { test: { hr10: number; ndcg10: number }; coverage10: number; peakRssMb: number }>;
      ranker: string;
    };
    expect(summary.ranker).toBe('for-you');
    expect(Object.keys(summary.models)).toEqual(expect.arrayContaining(['most-popular', 'item-knn', 'for-you']));
    // The chain is fully predictable from the last item; popularity is not.
    expect(summary.models['for-you']!.test.hr10).toBe(1);
    expect(summary.models['for-you']!.test.ndcg10).toBeGreaterThan(summary.models['most-popular']!.test.ndcg10);
    expect(summary.models['for-you']!.peakRssMb).toBeGreaterThan(0);
  });

  it('exits 1 with a clear message on a missing or malformed dataset', async () => {
    const { err } = capture();
    expect(await main(['--dataset', '/nonexistent/data.tsv'])).toBe(1);
    expect(err.join('')).toMatch(/dataset not found/);
    const dir = mkdtempSync(join(tmpdir(), 'reelm-bad-'));
    writeFileSync(join(dir, 'bad.tsv'), 'u1\ta b c\nthis line has no tab\n');
    expect(await main(['--dataset', join(dir, 'bad.tsv')])).toBe(1);
    expect(err.join('')).toMatch(/bad\.tsv:2/);
    expect(await main([])).toBe(1);
  });
});
