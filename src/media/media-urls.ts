import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CellRegistry } from '../regions/cells.js';
import { evictOldest } from '../ttl-cache.js';

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

/** Open clips held once computed (about 400 bytes each; the candidate pools hold 5,000 clips). */
const KEYS_HELD = 10_000;

const DEFAULT_POSTER = 'poster.jpg';

/** The poster's file name: the transcoder's pick, or one per cover frame its owner picked (a new URL each time). */
export function posterName(coverMs: number | null): string {
  return coverMs === null ? DEFAULT_POSTER : `poster-${coverMs}.jpg`;
}

/** A caption file's URL next to a clip's master playlist (same key or signature). */
export function captionUrl(hls: string, lang: string): string {
  return hls.replace(/master\.m3u8$/, `captions/${lang}.vtt`);
}

const TOKEN = /^s-(\d{1,12})-([A-Za-z0-9_-]{32})$/;
const KEY = /^k-([A-Za-z0-9_-]{22})$/;

/** What the first path segment after `/media/<region>/<id>/` is. */
export type MediaPathKind = 'signed' | 'keyed' | 'bare';

/**
 * Where a clip's media URLs stand: the clip's own `media_epoch` (bumped when its visibility or moderation changes,
 * or an unfollow narrows who may see it) and its owner's (bumped by a block either way, or the account going
 * private or away). A URL made at one pair stops resolving as soon as either moves.
 */
export interface MediaEpoch {
  clip: number;
  owner: number;
}

/**
 * Playback URLs, the only place they are made. Every URL covers the clip's media epoch, so a URL handed out before
 * access narrowed stops resolving at once:
 *  - a clip open to anyone plays from `/media/<region>/<id>/k-<key>/master.m3u8`, the key an HMAC of the clip and
 *    its epoch (unguessable, so a CDN may keep its segments: once the epoch moves, nobody learns the path again);
 *  - any other clip plays through a signed, expiring prefix `/media/<region>/<id>/s-<exp>-<sig>/…`, the signature
 *    covering the epoch.
 * Both are path segments, so the relative URLs inside the HLS playlists carry them without rewriting. The HMAC key
 * is derived from the region's KEK: every API process of a cluster signs and checks alike, and the links die with
 * the region's key.
 */
export class MediaUrls {
  private readonly secrets = new Map<string, Buffer>();
  /**
   * Open clips' keys and playback URLs as computed: a feed page shows the same clips to many viewers, and neither
   * goes stale (a new epoch is a new entry). The URLs are shared by every answer that shows the clip.
   */
  private readonly open = new Map<string, { key: string; playback: Playback }>();
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

  private mac(region: string, text: string, length: number): string {
    return createHmac('sha256', this.secret(region)).update(text).digest('base64url').slice(0, length);
  }

  /** The path segment of an open clip's media at this epoch. */
  key(region: string, videoId: string, epoch: MediaEpoch): string {
    return this.openClip(region, videoId, epoch).key;
  }

  private openClip(
    region: string,
    videoId: string,
    epoch: MediaEpoch,
    poster = DEFAULT_POSTER,
  ): { key: string; playback: Playback } {
    const text = `k/${region}/${videoId}/${epoch.clip}.${epoch.owner}`;
    const heldAs = poster === DEFAULT_POSTER ? text : `${text}|${poster}`;
    let held = this.open.get(heldAs);
    if (held === undefined) {
      const key = `k-${this.mac(region, text, 22)}`;
      const base = `/media/${region}/${videoId}/${key}`;
      held = { key, playback: { hls: `${base}/master.m3u8`, poster: `${base}/${poster}` } };
      if (this.open.size >= KEYS_HELD) evictOldest(this.open, KEYS_HELD);
      this.open.set(heldAs, held);
    }
    return held;
  }

  /** The path segment that opens one clip's media at this epoch until `exp` (seconds since the epoch). */
  token(
    region: string,
    videoId: string,
    epoch: MediaEpoch,
    exp = Math.floor((this.deps.now().getTime() + this.ttlMs) / 1000),
  ): string {
    return `s-${exp}-${this.mac(region, `${region}/${videoId}/${epoch.clip}.${epoch.owner}/${exp}`, 32)}`;
  }

  kind(segment: string): MediaPathKind {
    return TOKEN.test(segment) ? 'signed' : KEY.test(segment) ? 'keyed' : 'bare';
  }

  /** Whether a signed segment opens the clip at its current epoch: 'ok', 'expired' or 'invalid'. */
  checkToken(region: string, videoId: string, epoch: MediaEpoch, segment: string): 'ok' | 'expired' | 'invalid' {
    const m = TOKEN.exec(segment);
    if (!m) return 'invalid';
    const exp = Number(m[1]);
    if (!equal(m[0], this.token(region, videoId, epoch, exp))) return 'invalid';
    return exp * 1000 < this.deps.now().getTime() ? 'expired' : 'ok';
  }

  checkKey(region: string, videoId: string, epoch: MediaEpoch, segment: string): boolean {
    return equal(segment, this.key(region, videoId, epoch));
  }

  /**
   * Playback URLs of a clip; null while nothing is playable. `open`: viewable by anyone (no signature). `poster`:
   * the poster's file name, which changes when its owner picks another cover frame.
   */
  playback(
    region: string,
    videoId: string,
    options: { playable: boolean; open: boolean; epoch: MediaEpoch; poster?: string },
  ): Playback {
    if (!options.playable) return { hls: null, poster: null };
    const poster = options.poster ?? DEFAULT_POSTER;
    if (options.open) return this.openClip(region, videoId, options.epoch, poster).playback;
    const prefix = this.token(region, videoId, options.epoch);
    const base = `/media/${region}/${videoId}/${prefix}`;
    return { hls: `${base}/master.m3u8`, poster: `${base}/${poster}` };
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
