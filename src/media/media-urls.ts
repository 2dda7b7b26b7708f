import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CellRegistry } from '../regions/cells.js';

export interface Playback {
  hls: string | null;
  poster: string | null;
}

export interface MediaUrlsDeps {
  cells: CellRegistry;
  now: () => Date;
  /** How long a signed URL works. */
  ttlMs?: number;
}

const TOKEN = /^s-(\d{1,12})-([A-Za-z0-9_-]{32})$/;

/**
 * Playback URLs. Public, ready clips are served at `/media/<region>/<id>/master.m3u8` to anyone; every other
 * clip only through a signed path prefix `/media/<region>/<id>/s-<exp>-<sig>/…`: because the signature is a
 * path segment, the relative URLs inside the playlists (rungs, segments) carry it without rewriting.
 * The HMAC key is derived from the region's KEK: every API process of a cluster signs and checks alike, and
 * the links die with the region's key.
 */
export class MediaUrls {
  private readonly secrets = new Map<string, Buffer>();
  private readonly ttlMs: number;

  constructor(private readonly deps: MediaUrlsDeps) {
    this.ttlMs = deps.ttlMs ?? 6 * 3600_000;
  }

  private secret(region: string): Buffer {
    let secret = this.secrets.get(region);
    if (!secret) {
      secret = this.deps.cells.get(region).keys.purposeKey('media-url');
      this.secrets.set(region, secret);
    }
    return secret;
  }

  private sign(region: string, videoId: string, exp: number): string {
    return createHmac('sha256', this.secret(region))
      .update(`${region}/${videoId}/${exp}`)
      .digest('base64url')
      .slice(0, 32);
  }

  /** The path segment that opens one clip's media until `exp` (seconds since the epoch). */
  token(region: string, videoId: string, exp = Math.floor((this.deps.now().getTime() + this.ttlMs) / 1000)): string {
    return `s-${exp}-${this.sign(region, videoId, exp)}`;
  }

  /** 'ok', 'expired' or 'invalid' for a path segment that looks like a token; undefined if it is not one. */
  check(region: string, videoId: string, segment: string): 'ok' | 'expired' | 'invalid' | undefined {
    const m = TOKEN.exec(segment);
    if (!m) return undefined;
    const exp = Number(m[1]);
    const expected = Buffer.from(this.sign(region, videoId, exp));
    const given = Buffer.from(m[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return exp * 1000 < this.deps.now().getTime() ? 'expired' : 'ok';
  }

  base(region: string, videoId: string, signed: boolean): string {
    return signed ? `/media/${region}/${videoId}/${this.token(region, videoId)}` : `/media/${region}/${videoId}`;
  }

  /** Playback URLs of a clip; `hasPoster` false while nothing is playable. */
  playback(region: string, videoId: string, options: { playable: boolean; signed: boolean }): Playback {
    if (!options.playable) return { hls: null, poster: null };
    const base = this.base(region, videoId, options.signed);
    return { hls: `${base}/master.m3u8`, poster: `${base}/poster.jpg` };
  }
}
