import { useEffect } from 'preact/hooks';
import type { Video } from './api';

const APP = 'Reelm';

/** The tab's title: what the screen shows, then the app's name. */
export function setTitle(what: string | null | undefined): void {
  document.title = what ? `${what} · ${APP}` : APP;
}

/** A screen's title while it is on screen (`shown`: a screen kept mounted behind another one sets none). */
export function useTitle(what: string | null | undefined, shown = true): void {
  useEffect(() => {
    if (shown) setTitle(what);
  }, [what, shown]);
}

/** A clip by its caption (the first line, shortened), else by its creator. */
export function clipTitle(v: Pick<Video, 'caption' | 'author'>): string {
  const line = v.caption.split('\n')[0]!.trim();
  if (!line) return `@${v.author.handle}`;
  const chars = [...line];
  return chars.length > 60 ? `${chars.slice(0, 59).join('')}…` : line;
}
