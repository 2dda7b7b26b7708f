import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Video } from '../api';
import { reducedMotion } from '../format';
import { attachHls, type Attached } from '../hls';
import { t } from '../i18n';
import { useStore } from '../store';
import { IconHeart, IconMuted, IconPlay, IconVolume } from '../ui/icons';
import {
  justUnlocked,
  pageVisibleStore,
  rateStore,
  registerFlusher,
  setSound,
  soundStore,
  WatchTracker,
} from './playback';

export type Mode = 'active' | 'near' | 'far';

export interface PlayerControls {
  togglePause(): void;
}

let firstFrameMarked = false;
let markFirstFrame: () => void = () => {};
/**
 * Settles when the first clip of the page plays (or soon after, if none does): clips that are only preloaded
 * wait for it, so they don't compete with the visible clip for the first frame.
 */
const firstFrame = Promise.race([
  new Promise<void>((resolve) => (markFirstFrame = resolve)),
  new Promise<void>((resolve) => setTimeout(resolve, 2500)),
]);

/**
 * One clip's <video>: attached (hls.js) while it is on screen or one of the next two, playing only while it is the
 * visible clip of a visible page. Tap pauses, double-tap likes, watched time is reported.
 */
export function ClipPlayer({
  video,
  mode,
  visible,
  onDoubleTap,
  controls,
}: {
  video: Video;
  mode: Mode;
  /** The screen holding this feed is shown (not hidden behind another route). */
  visible: boolean;
  onDoubleTap: () => void;
  controls: { current: PlayerControls | null };
}) {
  const ref = useRef<HTMLVideoElement>(null);
  const barRef = useRef<HTMLDivElement>(null);
  const attached = useRef<Attached | null>(null);
  const tracker = useRef(new WatchTracker(video.id));
  const [failed, setFailed] = useState(false);
  const [userPaused, setUserPaused] = useState(false);
  const [started, setStarted] = useState(false);
  const [ready, setReady] = useState(false);
  const [hearts, setHearts] = useState<{ id: number; x: number; y: number }[]>([]);
  const [cc, setCc] = useState(false);
  const sound = useStore(soundStore);
  const rate = useStore(rateStore);
  const pageVisible = useStore(pageVisibleStore);
  // A clip's media URLs stop working when its audience narrows or a signed link expires: the player then asks for
  // the clip again, once, and plays the URL it gets now (or shows that it cannot).
  const [fresh, setFresh] = useState<string | null>(null);
  const refetched = useRef(false);
  const src = fresh ?? video.playback.hls;
  const onFatal = () => {
    if (refetched.current) return setFailed(true);
    refetched.current = true;
    api.video(video.id).then(
      (v) => (v.playback.hls && v.playback.hls !== src ? setFresh(v.playback.hls) : setFailed(true)),
      () => setFailed(true),
    );
  };
  const mounted = mode !== 'far' && !!src && !failed;
  const shouldPlay = mode === 'active' && visible && pageVisible && !userPaused && mounted;
  const shouldPlayRef = useRef(shouldPlay);
  shouldPlayRef.current = shouldPlay;
  const modeRef = useRef(mode);
  modeRef.current = mode;

  // Attach hls.js while the clip is close to the screen; tear down when it scrolls far away. A preloaded clip
  // waits for the page's first frame, unless it becomes the visible one first.
  const wake = useRef<(() => void) | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!mounted || !el || !src) return;
    let dead = false;
    const turn =
      modeRef.current === 'active'
        ? Promise.resolve()
        : Promise.race([firstFrame, new Promise<void>((r) => (wake.current = r))]);
    turn
      .then(() =>
        dead ? null : attachHls(el, src, { preload: modeRef.current !== 'active', onFatal: () => !dead && onFatal() }),
      )
      .then((a) => {
        if (!a) return;
        if (dead) a.destroy();
        else {
          attached.current = a;
          setReady(true);
        }
      });
    return () => {
      dead = true;
      wake.current = null;
      attached.current?.destroy();
      attached.current = null;
      setReady(false);
      setStarted(false);
    };
  }, [mounted, src]);

  useEffect(() => {
    if (mode === 'active') {
      wake.current?.();
      attached.current?.promote();
    } else setUserPaused(false);
  }, [mode]);

  // Report watch time when the clip leaves the screen.
  useEffect(() => {
    if (mode !== 'active') return;
    const tr = tracker.current;
    return () => tr.flush();
  }, [mode]);
  useEffect(() => registerFlusher((k) => tracker.current.flush(k)), []);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    // Both: loading a source resets the rate to the default one.
    el.defaultPlaybackRate = rate;
    el.playbackRate = rate;
  }, [rate, ready]);

  // Play / pause / sound.
  useEffect(() => {
    const el = ref.current;
    if (!el || !mounted || !ready) return;
    el.muted = !sound;
    if (shouldPlay) {
      const p = el.play();
      p?.catch((e: DOMException) => {
        if (e?.name === 'NotAllowedError' && !el.muted) {
          // Sound needs a gesture first: play muted, sound turns on with the first tap.
          el.muted = true;
          soundStore.set(false);
          el.play().catch(() => {});
        } else if (e?.name === 'AbortError') {
          // Interrupted by the source loading: try again once it can play.
          el.addEventListener('canplay', () => shouldPlayRef.current && el.play().catch(() => {}), { once: true });
        }
      });
    } else if (!el.paused) {
      el.pause();
    }
  }, [shouldPlay, sound, mounted, ready]);

  useEffect(() => {
    if (mode !== 'active') return;
    controls.current = { togglePause: () => setUserPaused((p) => !p) };
    return () => {
      controls.current = null;
    };
  }, [mode]);

  const onTime = () => {
    const el = ref.current;
    if (!el) return;
    tracker.current.tick(el.currentTime);
    if (barRef.current && el.duration > 0) barRef.current.style.transform = `scaleX(${el.currentTime / el.duration})`;
  };
  const onEnded = () => {
    const el = ref.current;
    if (!el) return;
    tracker.current.ended(el.duration);
    tracker.current.flush();
    // Loop by hand so every completion is counted once.
    el.currentTime = 0;
    if (shouldPlay) el.play().catch(() => {});
  };
  const onPlaying = () => {
    setStarted(true);
    if (!firstFrameMarked) {
      firstFrameMarked = true;
      markFirstFrame();
      try {
        performance.mark('reelm:first-frame');
      } catch {
        /* marks are best-effort */
      }
    }
  };

  // Tap / double-tap on the picture.
  const lastTap = useRef<{ t: number; x: number; y: number } | null>(null);
  const single = useRef<number | undefined>(undefined);
  const onClick = (e: MouseEvent) => {
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const x = e.clientX - box.left;
    const y = e.clientY - box.top;
    const now = performance.now();
    const prev = lastTap.current;
    if (prev && now - prev.t < 320 && Math.hypot(prev.x - x, prev.y - y) < 60) {
      clearTimeout(single.current);
      lastTap.current = null;
      const id = now;
      setHearts((h) => [...h, { id, x, y }]);
      setTimeout(() => setHearts((h) => h.filter((v) => v.id !== id)), reducedMotion() ? 500 : 900);
      onDoubleTap();
      return;
    }
    lastTap.current = { t: now, x, y };
    const unlockedNow = justUnlocked();
    single.current = window.setTimeout(() => {
      if (unlockedNow) return; // this tap turned the sound on
      setUserPaused((p) => !p);
    }, 300);
  };

  // Captions are <track>s of the element (the WebVTT files beside the playlist): the browser renders their cues.
  const captions = video.captions ?? [];
  useEffect(() => {
    const tracks = ref.current?.textTracks;
    if (!tracks) return;
    for (let i = 0; i < tracks.length; i++) tracks[i]!.mode = cc && i === 0 ? 'showing' : 'hidden';
  }, [cc, mounted, captions.length]);

  const landscape = (video.width ?? 0) > (video.height ?? 0);
  const showPaused = userPaused && mode === 'active';
  return (
    <div class={`clip ${landscape ? 'clip-landscape' : ''}`}>
      {video.playback.poster && !started && (
        // Posters of clips far from the screen wait; the visible one is what the first paint shows.
        <img
          class="clip-poster"
          src={video.playback.poster}
          alt=""
          decoding="async"
          loading={mode === 'far' ? 'lazy' : 'eager'}
          fetchpriority={mode === 'active' ? 'high' : 'auto'}
        />
      )}
      {mounted && (
        <video
          ref={ref}
          class="clip-video"
          playsInline
          muted
          preload="auto"
          poster={video.playback.poster ?? undefined}
          disablePictureInPicture
          onTimeUpdate={onTime}
          onEnded={onEnded}
          onPlaying={onPlaying}
          onSeeking={() => tracker.current.reset()}
          aria-label={t('feed.clipBy', { handle: video.author.handle })}
        >
          {captions.map((c) => (
            <track key={c.lang} kind="subtitles" src={c.url} srcLang={c.lang} label={c.lang} />
          ))}
        </video>
      )}
      {(failed || !src) && (
        <div class="clip-msg">
          {video.status === 'processing'
            ? t('feed.processing')
            : video.status === 'failed'
              ? t('feed.failed')
              : t('feed.cantPlay')}
        </div>
      )}
      <div class="clip-tap" onClick={onClick} aria-hidden="true" />
      {showPaused && (
        <div class="clip-paused" aria-hidden="true">
          <IconPlay size={72} />
        </div>
      )}
      {hearts.map((h) => (
        <span key={h.id} class="heart-burst" style={{ left: `${h.x}px`, top: `${h.y}px` }} aria-hidden="true">
          <IconHeart size={96} />
        </span>
      ))}
      {mode === 'active' && (
        <div class="clip-controls">
          <button
            type="button"
            class="icon-btn clip-sound"
            aria-label={sound ? t('feed.mute') : t('feed.soundOn')}
            aria-pressed={!sound}
            onClick={(e) => {
              e.stopPropagation();
              setSound(!sound);
            }}
          >
            {sound ? <IconVolume size={22} /> : <IconMuted size={22} />}
          </button>
          <button
            type="button"
            class="icon-btn clip-playpause sr-focusable"
            aria-label={showPaused ? t('feed.play') : t('feed.pause')}
            onClick={(e) => {
              e.stopPropagation();
              setUserPaused((p) => !p);
            }}
          >
            {showPaused ? <IconPlay size={20} /> : <span class="pause-glyph" aria-hidden="true" />}
          </button>
          {captions.length > 0 && (
            <button
              type="button"
              class="icon-btn clip-cc"
              data-testid="cc-button"
              aria-label={cc ? t('feed.captionsOff') : t('feed.captionsOn')}
              aria-pressed={cc}
              onClick={(e) => {
                e.stopPropagation();
                setCc(!cc);
              }}
            >
              CC
            </button>
          )}
        </div>
      )}
      {mode === 'active' && !sound && started && (
        <button type="button" class="unmute-pill" onClick={() => setSound(true)}>
          <IconMuted size={18} /> {t('feed.unmute')}
        </button>
      )}
      <Seekbar videoRef={ref} barRef={barRef} active={mode === 'active'} label={t('feed.seek')} />
    </div>
  );
}

/**
 * The progress line at the foot of a clip, draggable (pointer) and a slider for the keyboard (← → by five seconds):
 * the hit area is taller than the line it draws.
 */
function Seekbar({
  videoRef,
  barRef,
  active,
  label,
}: {
  videoRef: { current: HTMLVideoElement | null };
  barRef: { current: HTMLDivElement | null };
  active: boolean;
  label: string;
}) {
  const [dragging, setDragging] = useState(false);
  const seekTo = (fraction: number) => {
    const el = videoRef.current;
    if (!el || !(el.duration > 0)) return;
    const f = Math.min(1, Math.max(0, fraction));
    el.currentTime = f * el.duration;
    if (barRef.current) barRef.current.style.transform = `scaleX(${f})`;
  };
  const at = (e: PointerEvent) => {
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    return (e.clientX - box.left) / box.width;
  };
  const el = videoRef.current;
  return (
    <div
      class={`clip-seek ${dragging ? 'is-dragging' : ''}`}
      data-testid="seekbar"
      role={active ? 'slider' : undefined}
      tabIndex={active ? 0 : -1}
      aria-hidden={active ? undefined : 'true'}
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={el && el.duration > 0 ? Math.round(el.duration) : 0}
      aria-valuenow={el ? Math.round(el.currentTime) : 0}
      onPointerDown={(e) => {
        e.stopPropagation();
        (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        setDragging(true);
        seekTo(at(e));
      }}
      onPointerMove={(e) => dragging && seekTo(at(e))}
      onPointerUp={() => setDragging(false)}
      onPointerCancel={() => setDragging(false)}
      onClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => {
        const v = videoRef.current;
        if (!v || !(v.duration > 0) || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
        e.preventDefault();
        e.stopPropagation();
        seekTo((v.currentTime + (e.key === 'ArrowRight' ? 5 : -5)) / v.duration);
      }}
    >
      <div class="clip-progress">
        <div ref={barRef} class="clip-progress-bar" />
      </div>
    </div>
  );
}
