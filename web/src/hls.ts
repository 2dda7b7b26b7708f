import type HlsType from 'hls.js';

type HlsCtor = typeof HlsType;

let hlsPromise: Promise<HlsCtor | null> | null = null;

/** Start loading hls.js (light build). Called at boot, in parallel with the first feed request. */
export function loadHls(): Promise<HlsCtor | null> {
  if (!hlsPromise) {
    hlsPromise = import('hls.js/dist/hls.light.mjs').then(
      (m) => (m.default as HlsCtor) ?? null,
      () => null,
    );
  }
  return hlsPromise;
}

export type Hls = InstanceType<HlsCtor>;

export interface Attached {
  /** Grow the buffer once the clip is the one on screen. */
  promote(): void;
  destroy(): void;
}

/**
 * Play an HLS URL in a <video>. hls.js when it is supported (checked first, because some Chromium builds claim
 * native HLS with "maybe" but cannot play it); native HLS otherwise (Safari, iOS).
 */
/** The bandwidth the last player measured, so the next clip starts at a rung this connection can carry. */
let bandwidthEstimate = 0;

export async function attachHls(
  video: HTMLVideoElement,
  src: string,
  opts: { preload: boolean; onFatal: () => void },
): Promise<Attached> {
  const Hls = await loadHls();
  if (Hls && Hls.isSupported()) {
    const hls = new Hls({
      // No throwaway test fragment before the first frame: start from what earlier clips measured (or hls.js's
      // conservative default, a low rung, for the very first clip) and let ABR climb while it plays.
      testBandwidth: false,
      ...(bandwidthEstimate > 0 ? { abrEwmaDefaultEstimate: bandwidthEstimate } : {}),
      // Preloaded clips only fetch their first seconds; the visible clip grows its buffer.
      maxBufferLength: opts.preload ? 3 : 12,
      maxMaxBufferLength: opts.preload ? 4 : 30,
      backBufferLength: 10,
      startLevel: -1,
      capLevelToPlayerSize: true,
      // Our clips are fMP4 (CMAF): there is nothing to transmux, and a worker would evaluate all of hls.js a
      // second time while the first frame is due.
      enableWorker: false,
      lowLatencyMode: false,
      startFragPrefetch: true,
    });
    let recovered = false;
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
        recovered = true;
        hls.recoverMediaError();
        return;
      }
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR && !recovered) {
        recovered = true;
        hls.startLoad();
        return;
      }
      opts.onFatal();
    });
    hls.on(Hls.Events.FRAG_LOADED, () => {
      if (hls.bandwidthEstimate > 0) bandwidthEstimate = hls.bandwidthEstimate;
    });
    hls.loadSource(src);
    hls.attachMedia(video);
    return {
      promote() {
        hls.config.maxBufferLength = 12;
        hls.config.maxMaxBufferLength = 30;
      },
      destroy() {
        if (hls.bandwidthEstimate > 0) bandwidthEstimate = hls.bandwidthEstimate;
        hls.destroy();
      },
    };
  }
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.preload = opts.preload ? 'metadata' : 'auto';
    video.src = src;
    const onErr = () => opts.onFatal();
    video.addEventListener('error', onErr);
    return {
      promote() {
        video.preload = 'auto';
      },
      destroy() {
        video.removeEventListener('error', onErr);
        video.removeAttribute('src');
        video.load();
      },
    };
  }
  opts.onFatal();
  return { promote() {}, destroy() {} };
}
