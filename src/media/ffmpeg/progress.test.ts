import { describe, expect, it } from 'vitest';
import { ProgressParser, weightedProgress } from './progress.js';

const block = (us: number | 'N/A', progress = 'continue') =>
  `frame=10\nfps=0.0\nout_time_us=${us}\nout_time_ms=${us}\nout_time=00:00:00.000000\nspeed=1x\nprogress=${progress}\n`;

describe('ProgressParser', () => {
  it('turns out_time_us into fractions of the duration and ends at exactly 1', () => {
    const p = new ProgressParser(10_000);
    expect(p.push(block(2_500_000))).toEqual([0.25]);
    expect(p.push(block(5_000_000))).toEqual([0.5]);
    expect(p.push(block(9_000_000, 'end'))).toEqual([1]);
    expect(p.done).toBe(true);
    expect(p.fraction).toBe(1);
  });

  it('handles chunks that split lines and keys anywhere', () => {
    const text = block(1_000_000) + block(3_000_000) + block(3_000_000, 'end');
    const p = new ProgressParser(4_000);
    const seen: number[] = [];
    for (let i = 0; i < text.length; i += 7) seen.push(...p.push(Buffer.from(text.slice(i, i + 7))));
    expect(seen).toEqual([0.25, 0.75, 1]);
  });

  it('never goes backwards, ignores N/A, and stays below 1 until progress=end', () => {
    const p = new ProgressParser(1_000);
    const seen = [
      ...p.push(block('N/A')),
      ...p.push(block(600_000)),
      ...p.push(block(400_000)),
      ...p.push(block(5_000_000)),
    ];
    expect(seen).toEqual([0.6, 0.99]);
    expect(p.push('progress=end\n')).toEqual([1]);
    expect(p.push(block(9_000_000))).toEqual([]);
  });

  it('uses out_time_ms (microseconds despite its name) or out_time when out_time_us is missing', () => {
    const p = new ProgressParser(2_000);
    expect(p.push('out_time_ms=500000\nprogress=continue\n')).toEqual([0.25]);
    expect(p.push('out_time=00:00:01.500000\nprogress=continue\n')).toEqual([0.75]);
  });

  it('reports only the end when the duration is unknown', () => {
    const p = new ProgressParser(0);
    expect(p.push(block(1_000_000))).toEqual([]);
    expect(p.push(block(2_000_000, 'end'))).toEqual([1]);
  });
});

describe('weightedProgress', () => {
  it('maps each stage onto its slice and keeps the total monotonic', () => {
    const seen: number[] = [];
    const [a, b] = weightedProgress([1, 3], (f) => seen.push(f));
    a!(0.5);
    a!(1);
    b!(0);
    b!(0.5);
    a!(0.2); // a late report from an earlier stage must not move the bar back
    b!(1);
    expect(seen).toEqual([0.125, 0.25, 0.625, 1]);
  });
});
