import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Page, Video } from '../api';
import { reducedMotion } from '../format';
import { t } from '../i18n';
import { errorText } from '../session';
import { CommentsDrawer } from '../comments/CommentsDrawer';
import { ErrorBox, Spinner } from '../ui/misc';
import type { Mode, PlayerControls } from './ClipPlayer';
import { FeedItem, type VideoPatch } from './FeedItem';

export interface FeedSource {
  load: ((cursor: string | null) => Promise<Page<Video>>) | null;
  /** Already fetched first page (boot prefetch or a grid's list). */
  initial?: Promise<Page<Video>> | Page<Video>;
  startIndex?: number;
}

/**
 * The vertical, snap-scrolling clip list. The visible clip plays; the previous one and the next two keep an
 * attached player (preloaded); the rest are posters. Loads more with the keyset cursor near the end.
 */
export function Feed({
  source,
  visible,
  empty,
  header,
  onActive,
}: {
  source: FeedSource;
  visible: boolean;
  empty?: ComponentChildren;
  header?: ComponentChildren;
  /** The clip on screen changed. */
  onActive?: (v: Video) => void;
}) {
  const [items, setItems] = useState<Video[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [active, setActive] = useState(0);
  const [commentsFor, setCommentsFor] = useState<string | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const controls = useRef<PlayerControls | null>(null);
  const busy = useRef(false);
  const seen = useRef(new Set<string>());

  const append = (page: Page<Video>, replace: boolean) => {
    // A clip shown again on purpose (For You's rewatching, once nothing new is left) is kept; any other repeat is not.
    const fresh = page.items.filter((v) => (v.reason?.source === 'rewatch' || !seen.current.has(v.id)) && v.playback);
    fresh.forEach((v) => seen.current.add(v.id));
    setItems((prev) => (replace ? fresh : [...prev, ...fresh]));
    setCursor(page.cursor);
  };

  const loadMore = useCallback(
    (c: string | null, replace = false) => {
      if (busy.current || !source.load) return;
      busy.current = true;
      setLoading(true);
      setError(null);
      source.load(c).then(
        (page) => {
          append(page, replace);
          busy.current = false;
          setLoading(false);
        },
        (e) => {
          busy.current = false;
          setError(e);
          setLoading(false);
        },
      );
    },
    [source],
  );

  // First page.
  useEffect(() => {
    seen.current = new Set();
    setItems([]);
    setActive(0);
    if (source.initial) {
      busy.current = true;
      Promise.resolve(source.initial).then(
        (page) => {
          busy.current = false;
          append(page, true);
          setLoading(false);
          if (source.startIndex) setActive(source.startIndex);
        },
        (e) => {
          busy.current = false;
          setError(e);
          setLoading(false);
        },
      );
    } else loadMore(null, true);
  }, [source]);

  // Start at the clip asked for (a grid's tapped tile), the first one included: when the first page replaces the
  // spinner, the list would otherwise keep whatever offset the browser gave it (it landed on the last clip).
  useLayoutEffect(() => {
    if (items.length === 0 || !listRef.current) return;
    const el = listRef.current.children[source.startIndex ?? 0] as HTMLElement | undefined;
    if (el) listRef.current.scrollTop = el.offsetTop;
  }, [items.length > 0]);

  // Which clip is on screen.
  useEffect(() => {
    const root = listRef.current;
    if (!root) return;
    const io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          if (e.isIntersecting && e.intersectionRatio >= 0.6)
            setActive(Number((e.target as HTMLElement).dataset.index));
        }
      },
      { root, threshold: [0.6] },
    );
    root.querySelectorAll<HTMLElement>('.feed-item').forEach((el) => io.observe(el));
    return () => io.disconnect();
  }, [items]);

  const current = items[active];
  useEffect(() => {
    if (current && visible) onActive?.(current);
  }, [current?.id, visible]);

  // Near the end: follow the cursor.
  useEffect(() => {
    if (cursor && !loading && !error && active >= items.length - 3) loadMore(cursor);
  }, [active, items.length, cursor, loading, error]);

  const activeRef = useRef(active);
  activeRef.current = active;
  const go = useCallback((i: number) => {
    const root = listRef.current;
    if (!root) return;
    const el = root.children[i] as HTMLElement | undefined;
    if (!el || !el.classList.contains('feed-item')) return;
    // The target is known: start it now rather than when the smooth scroll has carried it on screen.
    setActive(i);
    root.scrollTo({ top: el.offsetTop, behavior: reducedMotion() ? 'auto' : 'smooth' });
  }, []);

  // Mouse wheel and trackpad: one gesture moves one clip. Left to scroll snapping, a single wheel notch on a
  // tall screen snaps back to the same clip, and a trackpad flick can skip several.
  useEffect(() => {
    const root = listRef.current;
    if (!root || !visible) return;
    let acc = 0;
    let locked = false;
    let quiet: number | undefined;
    const onWheel = (e: WheelEvent) => {
      if (e.ctrlKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) return;
      e.preventDefault();
      // A gesture ends after a short pause; momentum events until then belong to the step already taken.
      clearTimeout(quiet);
      quiet = window.setTimeout(() => {
        locked = false;
        acc = 0;
      }, 160);
      if (locked) return;
      acc += e.deltaMode === 1 ? e.deltaY * 40 : e.deltaY;
      if (Math.abs(acc) < 30) return;
      locked = true;
      go(activeRef.current + Math.sign(acc));
    };
    root.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      root.removeEventListener('wheel', onWheel);
      clearTimeout(quiet);
    };
  }, [visible, go]);

  // Keyboard: ↑/↓ and j/k move, space pauses.
  useEffect(() => {
    if (!visible) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
      const tgt = e.target as HTMLElement | null;
      if (tgt && (tgt.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(tgt.tagName))) return;
      if (document.querySelector('dialog[open]')) return;
      if (e.key === 'ArrowDown' || e.key === 'j' || e.key === 'PageDown') {
        e.preventDefault();
        go(activeRef.current + 1);
      } else if (e.key === 'ArrowUp' || e.key === 'k' || e.key === 'PageUp') {
        e.preventDefault();
        go(activeRef.current - 1);
      } else if (e.key === ' ' || e.key === 'Spacebar') {
        if (tgt && (tgt.tagName === 'BUTTON' || tgt.tagName === 'A')) return;
        e.preventDefault();
        controls.current?.togglePause();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [visible, go]);

  const onPatch = useCallback(
    (id: string, f: VideoPatch) => setItems((l) => l.map((v) => (v.id === id ? f(v) : v))),
    [],
  );
  const onFollowAuthor = useCallback(
    (authorId: string) =>
      setItems((l) =>
        l.map((v) =>
          v.author.id === authorId
            ? { ...v, viewer: { liked: false, favorited: false, ...v.viewer, followingAuthor: true } }
            : v,
        ),
      ),
    [],
  );
  const onComments = useCallback((v: Video) => setCommentsFor(v.id), []);
  const onNotInterested = useCallback(() => go(activeRef.current + 1), [go]);
  const commentVideo = commentsFor ? (items.find((v) => v.id === commentsFor) ?? null) : null;

  // A clip that comes round again gets a key of its own.
  const shown = new Map<string, number>();
  const keys = items.map((v) => {
    const n = shown.get(v.id) ?? 0;
    shown.set(v.id, n + 1);
    return n === 0 ? v.id : `${v.id}~${n}`;
  });

  const mode = (i: number): Mode => (i === active ? 'active' : i >= active - 1 && i <= active + 2 ? 'near' : 'far');

  return (
    <div class="feed-wrap">
      {header}
      <div class="feed" ref={listRef} role="feed" aria-busy={loading} aria-label={t('feed.label')}>
        {items.map((v, i) => (
          <FeedItem
            key={keys[i]}
            video={v}
            index={i}
            mode={mode(i)}
            visible={visible}
            controls={controls}
            onPatch={onPatch}
            onFollowAuthor={onFollowAuthor}
            onComments={onComments}
            onNotInterested={onNotInterested}
            firstRewatch={v.reason?.source === 'rewatch' && items[i - 1]?.reason?.source !== 'rewatch'}
          />
        ))}
        {(loading || error || items.length === 0 || (!cursor && source.load)) && (
          <div class={`feed-tail ${items.length === 0 ? 'feed-tail-full' : ''}`}>
            {error ? (
              <ErrorBox
                message={errorText(error)}
                onRetry={() => loadMore(items.length ? cursor : null, items.length === 0)}
              />
            ) : loading ? (
              <Spinner />
            ) : items.length === 0 ? (
              empty
            ) : (
              <p class="muted">{t('feed.end')}</p>
            )}
          </div>
        )}
      </div>
      <p class="sr-only">{t('feed.keys')}</p>
      {items.length > 1 && (
        <div class="feed-nav" aria-hidden="false">
          <button
            type="button"
            class="icon-btn round"
            aria-label={t('feed.prev')}
            disabled={active === 0}
            onClick={() => go(active - 1)}
          >
            <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
              <path
                d="m6 15 6-6 6 6"
                fill="none"
                stroke="currentColor"
                stroke-width="2.4"
                stroke-linecap="round"
                stroke-linejoin="round"
              />
            </svg>
          </button>
          <button
            type="button"
            class="icon-btn round"
            aria-label={t('feed.next')}
            disabled={active >= items.length - 1}
            onClick={() => go(active + 1)}
          >
            <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
              <path
                d="m6 9 6 6 6-6"
                fill="none"
                stroke="currentColor"
                stroke-width="2.4"
                stroke-linecap="round"
                stroke-linejoin="round"
              />
            </svg>
          </button>
        </div>
      )}
      <CommentsDrawer
        video={commentVideo}
        onClose={() => setCommentsFor(null)}
        onCount={(id, delta) =>
          onPatch(id, (v) => ({ ...v, stats: { ...v.stats, comments: Math.max(0, v.stats.comments + delta) } }))
        }
      />
    </div>
  );
}
