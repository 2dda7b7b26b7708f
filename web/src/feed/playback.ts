import { api } from '../api';
import { createStore } from '../store';

/** Sound is off until the first interaction with the page; after that it stays on across clips. */
export const soundStore = createStore(false);
/** Playback speed, chosen in a clip's "…" menu: it applies to every clip until changed. */
export const RATES = [0.5, 1, 1.5, 2] as const;
export const rateStore = createStore<number>(1);
let unlockedAt = 0;
let userChoseMute = false;

function unlock(): void {
  if (!userChoseMute && !soundStore.get()) {
    soundStore.set(true);
    unlockedAt = performance.now();
  }
  removeEventListener('pointerdown', unlock, true);
  removeEventListener('keydown', unlock, true);
}
addEventListener('pointerdown', unlock, true);
addEventListener('keydown', unlock, true);

/** Whether the current tap is the one that just turned the sound on (so it shouldn't also pause). */
export const justUnlocked = () => performance.now() - unlockedAt < 600;

export function setSound(on: boolean): void {
  userChoseMute = !on;
  soundStore.set(on);
}

/** Whether the page is visible (paused when the tab is hidden). */
export const pageVisibleStore = createStore(document.visibilityState === 'visible');

/** Watch-time reporters of every mounted clip, flushed when the page goes away. */
const flushers = new Set<(keepalive: boolean) => void>();
export const registerFlusher = (f: (keepalive: boolean) => void) => {
  flushers.add(f);
  return () => flushers.delete(f);
};
const flushAll = () => flushers.forEach((f) => f(true));

document.addEventListener('visibilitychange', () => {
  const visible = document.visibilityState === 'visible';
  pageVisibleStore.set(visible);
  if (!visible) flushAll();
});
addEventListener('pagehide', flushAll);

/**
 * Counts real watched time of one clip: the sum of media-time advances while playing (not wall time), so pauses,
 * stalls and hidden tabs don't count; `completed` once it played through the end.
 */
export class WatchTracker {
  private ms = 0;
  private completed = false;
  private last: number | null = null;
  constructor(private readonly videoId: string) {}

  tick(t: number): void {
    if (this.last !== null) {
      const d = t - this.last;
      if (d > 0 && d < 1.5) this.ms += d * 1000;
    }
    this.last = t;
  }
  /** Playback jumped (seek, loop restart): don't count the jump. */
  reset(): void {
    this.last = null;
  }
  ended(duration: number): void {
    if (this.last !== null && Number.isFinite(duration) && duration > this.last)
      this.ms += (duration - this.last) * 1000;
    this.last = null;
    this.completed = true;
  }
  flush(keepalive = false): void {
    const watchedMs = Math.round(this.ms);
    const completed = this.completed;
    this.ms = 0;
    this.completed = false;
    if (watchedMs < 50 && !completed) return;
    void api.view(this.videoId, { watchedMs, completed }, keepalive);
  }
}
