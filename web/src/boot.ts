import { api, type Page, type Video } from './api';

/** The For You page fetched at boot, in parallel with hls.js and the session, so the first frame is fast. */
let bootFeed: Promise<Page<Video>> | null = null;

export function prefetchBootFeed(): void {
  if (location.pathname === '/' && !bootFeed) bootFeed = api.forYou(null, 6);
}

export function takeBootFeed(): Promise<Page<Video>> | null {
  const p = bootFeed;
  bootFeed = null;
  return p;
}
