import { useEffect, useRef, useState } from 'preact/hooks';
import type { Video } from '../api';
import { attachHls, type Attached } from '../hls';
import { t } from '../i18n';

/**
 * The clip under review, with the browser's own controls. Not the feed's player: a moderator's watching is not a
 * view, and a removed clip still plays here (the case answers with media that plays).
 */
export function CaseVideo({ video }: { video: Video }) {
  const ref = useRef<HTMLVideoElement>(null);
  const [failed, setFailed] = useState(false);
  const src = video.playback.hls;
  useEffect(() => {
    const el = ref.current;
    if (!el || !src) return;
    let dead = false;
    let attached: Attached | null = null;
    setFailed(false);
    void attachHls(el, src, { preload: false, onFatal: () => !dead && setFailed(true) }).then((a) => {
      if (dead) return a.destroy();
      attached = a;
      el.play().catch(() => {});
    });
    return () => {
      dead = true;
      attached?.destroy();
    };
  }, [src]);
  return (
    <div class="case-video">
      {src && !failed ? (
        <video
          ref={ref}
          data-testid="case-video"
          controls
          muted
          loop
          playsInline
          poster={video.playback.poster ?? undefined}
          aria-label={t('feed.clipBy', { handle: video.author.handle })}
        />
      ) : (
        <p class="clip-msg">{t('feed.cantPlay')}</p>
      )}
    </div>
  );
}
