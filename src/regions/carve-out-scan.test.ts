import { describe, expect, it } from 'vitest';
import { newId } from '../db/ids.js';
import { NeedleSet } from './carve-out-scan.js';

describe('the needle search of verify-absent', () => {
  const id = newId(Date.now());
  const needles = new NeedleSet([
    { kind: 'user id', values: [id] },
    { kind: 'handle', values: ['cy_carve_au'], whole: true },
    { kind: 'email', values: ['Cy.Carve+au@example.org'] },
    { kind: 'handle', values: ['zoë_ünïcode'] },
  ]);
  const found = (text: string) => needles.inText(text).map((n) => n.value);

  it('finds each needle wherever it occurs, inside longer runs of the same characters too', () => {
    expect(found(`reelm:rl:POST/api/v1/me/export-u:${id}`)).toEqual([id]);
    expect(found(`{"jobId":"accounts.export_${id}x"}`)).toEqual([id]);
    // Handles are words: another handle that contains one is not a trace of it.
    expect(found('/users/cy_carve_au/follow')).toEqual(['cy_carve_au']);
    expect(found('said @cy_carve_au.')).toEqual(['cy_carve_au']);
    expect(found('{"handle":"cy_carve_au2"} xcy_carve_au')).toEqual([]);
    expect(found('to: <Cy.Carve+au@example.org>')).toEqual(['Cy.Carve+au@example.org']);
    expect(found('hello zoë_ünïcode')).toEqual(['zoë_ünïcode']);
    expect(found(`${id.slice(0, 25)} cy_carve_a cy.carve+au@example.org`)).toEqual([]);
  });

  it('finds a needle split across two chunks of a stream, and non-ASCII needles by their UTF-8 bytes', () => {
    const s = needles.stream();
    const bytes = Buffer.from(`………… ${id} and zoë_ünïcode ……`, 'utf8');
    const cut = bytes.indexOf(Buffer.from(id)) + 10;
    const cut2 = bytes.indexOf(Buffer.from('ünï')) + 1;
    s.feed(bytes.subarray(0, cut));
    s.feed(bytes.subarray(cut, cut2));
    s.feed(bytes.subarray(cut2));
    expect(
      s
        .hits()
        .map((n) => n.value)
        .sort(),
    ).toEqual([id, 'zoë_ünïcode'].sort());
  });

  it('scans with a region-sized set of needles in time proportional to the text', () => {
    const ids = Array.from({ length: 120_000 }, (_, i) => newId(Date.now() - i * 1000));
    const many = new NeedleSet([
      { kind: 'video id', values: ids },
      { kind: 'handle', values: ids.slice(0, 10_000).map((_, i) => `user_${i}_handle`) },
    ]);
    const text = `${'{"id":"01abcdefghjkmnpqrstvwxyz0","n":42,"tags":["surf"]}\n'.repeat(20_000)} ${ids[77_777]}`;
    const t0 = Date.now();
    expect(many.inText(text).map((n) => n.value)).toEqual([ids[77_777]]);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
