import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillPage, type Draw, type Varied } from './diverse-page.js';

const arbClips = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 }))
  .chain(([authors, sounds]) =>
    fc.array(
      fc.record({
        author: fc.integer({ min: 0, max: authors - 1 }),
        sound: fc.option(fc.integer({ min: 0, max: sounds }), { nil: null }),
      }),
      { maxLength: 40 },
    ),
  )
  .map((list) =>
    list.map((c, i): Varied => ({
      id: `v${i}`,
      author_id: `a${c.author}`,
      sound_id: c.sound === null ? null : `s${c.sound}`,
    })),
  );

/** A source over a ranked list: the best clip that fits, each clip given once. */
function source(list: Varied[]): { draw: Draw<{ clip: Varied }>; given: Set<string> } {
  const given = new Set<string>();
  return {
    given,
    draw: (fits) => {
      const clip = list.find((c) => !given.has(c.id) && fits(c));
      if (!clip) return undefined;
      given.add(clip.id);
      return { clip };
    },
  };
}

describe('fillPage', () => {
  it('fills every slot while clips remain, and repeats a creator back to back only when no other is left', () => {
    fc.assert(
      fc.property(arbClips, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 4 }), (clips, slots, split) => {
        // Two sources (ranked and exploration), the second taking every third slot first.
        const a = source(clips.filter((_, i) => i % 5 !== split));
        const b = source(clips.filter((_, i) => i % 5 === split));
        const page = fillPage(slots, { author: 'a0', sound: '' }, (slot) =>
          slot % 3 === 2 ? [b.draw, a.draw] : [a.draw, b.draw],
        );
        expect(page.length).toBe(Math.min(slots, clips.length));
        expect(new Set(page.map((p) => p.clip.id)).size).toBe(page.length);
        let last = 'a0';
        const left = new Set(clips.map((c) => c.id));
        for (const { clip } of page) {
          if (clip.author_id === last) {
            const other = clips.find((c) => left.has(c.id) && c.author_id !== last);
            expect(other, `${clip.id} repeats ${last} though ${other?.id} was left`).toBeUndefined();
          }
          left.delete(clip.id);
          last = clip.author_id;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('prefers a different sound too, but never drops a clip for it', () => {
    const clips: Varied[] = [
      { id: 'x', author_id: 'a1', sound_id: 's1' },
      { id: 'y', author_id: 'a2', sound_id: 's1' },
      { id: 'z', author_id: 'a3', sound_id: 's2' },
    ];
    const s = source(clips);
    const page = fillPage(3, { author: '', sound: '' }, () => [s.draw]);
    expect(page.map((p) => p.clip.id)).toEqual(['x', 'z', 'y']);
  });
});
