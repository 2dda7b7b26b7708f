import type { Page, Video } from './api';

/**
 * When a grid (profile, hashtag, sound, search) opens a clip, the watch page plays that list from that clip on,
 * so swiping continues through the grid like in the feed.
 */
export interface Playlist {
  items: Video[];
  cursor: string | null;
  load?: (cursor: string | null) => Promise<Page<Video>>;
}

let current: Playlist | null = null;

export function setPlaylist(p: Playlist | null): void {
  current = p;
}

export function takePlaylist(videoId: string): { playlist: Playlist; index: number } | null {
  if (!current) return null;
  const index = current.items.findIndex((v) => v.id === videoId);
  if (index < 0) return null;
  return { playlist: current, index };
}
