import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors.js';

const BITS = 4096;
const HASHES = 4;

/**
 * A Bloom filter of clip ids already served in a feed session, small enough to ride in the cursor
 * (512 bytes): the next page continues without repeats and the server keeps no per-session state.
 * A false positive only skips a candidate (about 1% after 400 clips).
 */
export class ServedFilter {
  /** False until a bit is set: the first page of a session probes nothing. */
  private empty: boolean;

  constructor(readonly bits: Uint8Array = new Uint8Array(BITS / 8)) {
    this.empty = bits.every((b) => b === 0);
  }

  add(id: string): void {
    this.empty = false;
    ServedFilter.probe(id, this.bits, true);
  }

  has(id: string): boolean {
    return !this.empty && ServedFilter.probe(id, this.bits, false);
  }

  isEmpty(): boolean {
    return this.empty;
  }

  clear(): void {
    this.bits.fill(0);
    this.empty = true;
  }

  /**
   * Bit k of an id is (h1 + k·h2) mod BITS over its two FNV-style hashes. Sets the bits (`set`) or tells whether
   * all are set. Written without arrays: this runs for every candidate of every page.
   */
  private static probe(id: string, bits: Uint8Array, set: boolean): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    for (let k = 0; k < HASHES; k++) {
      const p = ((h1 + Math.imul(k, h2)) >>> 0) % BITS;
      if (set) bits[p >> 3]! |= 1 << (p & 7);
      else if ((bits[p >> 3]! & (1 << (p & 7))) === 0) return false;
    }
    return true;
  }
}

/**
 * Where a feed session stands: its seed, page number, what it served, the last creator and sound shown, and —
 * once nothing new is left — what it has shown again in the current round of rewatching.
 */
export interface FeedSession {
  seed: number;
  page: number;
  lastAuthor: string;
  lastSound: string;
  served: ServedFilter;
  replayed: ServedFilter;
  /** How far the session has gone through clips older than the pools (a position of CandidatePools.older). */
  older?: string;
}

export function newSession(seed: number): FeedSession {
  return { seed, page: 0, lastAuthor: '', lastSound: '', served: new ServedFilter(), replayed: new ServedFilter() };
}

function checksum(parts: string[]): string {
  const hash = createHash('sha256').update('reelm-feed-cursor');
  for (const part of parts) hash.update('\0').update(part);
  return hash.digest('base64url').slice(0, 12);
}

/** `head.served[.replayed].checksum`: the replayed filter rides along only once a session has begun rewatching. */
export function encodeSession(s: FeedSession): string {
  const head = Buffer.from(
    JSON.stringify({ s: s.seed, n: s.page, a: s.lastAuthor, o: s.lastSound, ...(s.older ? { w: s.older } : {}) }),
  ).toString('base64url');
  const parts = [head, Buffer.from(s.served.bits).toString('base64url')];
  if (!s.replayed.isEmpty()) parts.push(Buffer.from(s.replayed.bits).toString('base64url'));
  return `${parts.join('.')}.${checksum(parts)}`;
}

/** Reads a For You cursor; anything altered or malformed is refused with `cursor.invalid`. */
export function decodeSession(cursor: string): FeedSession {
  const invalid = () => new InvalidInputError('cursor.invalid', 'The cursor is not valid; start again without one.');
  const parts = cursor.split('.');
  if (parts.length !== 3 && parts.length !== 4) throw invalid();
  const sum = parts.pop()!;
  if (checksum(parts) !== sum) throw invalid();
  try {
    const [head, body, replayedBody] = parts as [string, string, string | undefined];
    const h = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as Record<string, unknown>;
    const bits = new Uint8Array(Buffer.from(body, 'base64url'));
    const replayed = replayedBody ? new Uint8Array(Buffer.from(replayedBody, 'base64url')) : new Uint8Array(BITS / 8);
    const ok =
      Number.isInteger(h.s) &&
      Number.isInteger(h.n) &&
      (h.n as number) >= 0 &&
      typeof h.a === 'string' &&
      typeof h.o === 'string' &&
      (h.w === undefined || (typeof h.w === 'string' && h.w.length <= 200)) &&
      bits.length === BITS / 8 &&
      replayed.length === BITS / 8;
    if (!ok) throw new Error('shape');
    return {
      seed: h.s as number,
      page: h.n as number,
      lastAuthor: h.a as string,
      lastSound: h.o as string,
      served: new ServedFilter(bits),
      replayed: new ServedFilter(replayed),
      ...(typeof h.w === 'string' ? { older: h.w } : {}),
    };
  } catch {
    throw invalid();
  }
}

/** mulberry32: a small seeded generator, so a feed is reproducible under a fixed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
