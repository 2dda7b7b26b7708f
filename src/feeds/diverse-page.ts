/** What a page needs to know of a clip to keep it varied. */
export interface Varied {
  id: string;
  author_id: string;
  sound_id: string | null;
}

/** The best clip of a source that satisfies `fits` (the source leaves out what it has already given). */
export type Draw<P> = (fits: (clip: Varied) => boolean) => P | undefined;

/**
 * Fills up to `slots` places, each from the first of the slot's sources that has a clip, preferring in turn a clip
 * whose creator and sound both differ from the one before, one whose creator differs, then any. Variety is a
 * preference, never a filter: a page runs short only when every source is empty, so an instance of one creator
 * still serves all of its clips.
 */
export function fillPage<P extends { clip: Varied }>(
  slots: number,
  before: { author: string; sound: string },
  sourcesFor: (slot: number) => Draw<P>[],
): P[] {
  const taken = new Set<string>();
  const out: P[] = [];
  let { author, sound } = before;
  const levels: ((c: Varied) => boolean)[] = [
    (c) => !taken.has(c.id) && c.author_id !== author && (!c.sound_id || c.sound_id !== sound),
    (c) => !taken.has(c.id) && c.author_id !== author,
    (c) => !taken.has(c.id),
  ];
  for (let slot = 0; out.length < slots; slot++) {
    const sources = sourcesFor(slot);
    let pick: P | undefined;
    for (const fits of levels) {
      for (const draw of sources) if ((pick = draw(fits))) break;
      if (pick) break;
    }
    if (!pick) break;
    taken.add(pick.clip.id);
    out.push(pick);
    author = pick.clip.author_id;
    sound = pick.clip.sound_id ?? '';
  }
  return out;
}
