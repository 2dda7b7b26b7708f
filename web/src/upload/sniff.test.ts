import { describe, expect, it } from 'vitest';
import { sniff } from './sniff';

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const pad = (b: Uint8Array) => {
  const out = new Uint8Array(64);
  out.set(b);
  return out;
};

describe('sniff', () => {
  it('knows video containers by their first bytes', () => {
    expect(sniff(pad(bytes([0, 0, 0, 0x20], 'ftypisom')))).toBe('video');
    expect(sniff(pad(bytes([0, 0, 0, 0x14], 'ftypqt  ')))).toBe('video');
    expect(sniff(pad(bytes([0x1a, 0x45, 0xdf, 0xa3])))).toBe('video');
    expect(sniff(pad(bytes('RIFF', [0, 0, 0, 0], 'AVI LIST')))).toBe('video');
  });

  it('refuses what is certainly not a video, whatever its name says', () => {
    expect(sniff(pad(bytes([0xff, 0xd8, 0xff, 0xe0])))).toBe('not-video');
    expect(sniff(pad(bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a])))).toBe('not-video');
    expect(sniff(pad(bytes('%PDF-1.7')))).toBe('not-video');
    expect(sniff(pad(bytes([0, 0, 0, 0x1c], 'ftypheic')))).toBe('not-video');
    expect(sniff(bytes('just some notes about my clip\n'))).toBe('not-video');
  });

  it('leaves what it does not know to the server', () => {
    expect(sniff(pad(bytes([0x13, 0x37, 0x00, 0x01])))).toBe('unknown');
    expect(sniff(bytes([1, 2]))).toBe('unknown');
  });
});
