import { useState } from 'preact/hooks';
import { api, type Video } from '../api';
import { t } from '../i18n';
import { openReport } from '../safety/report';
import { requireAuth, toast, toastError, useMe } from '../session';
import { navigate } from '../router';
import { useStore } from '../store';
import { EditClipSheet } from '../edit/EditClipSheet';
import { Sheet } from '../ui/Sheet';
import { RATES, rateStore } from './playback';

/** Copies a clip's share link (counted as a share), or offers the system share sheet where copying is refused. */
export async function copyClipLink(video: Video, onShared?: () => void): Promise<void> {
  try {
    const { url } = await api.share(video.id, 'copy_link');
    const abs = new URL(url, location.origin).href;
    onShared?.();
    try {
      await navigator.clipboard.writeText(abs);
      toast(t('action.copied'));
    } catch {
      if (navigator.share) await navigator.share({ url: abs }).catch(() => {});
      else toast(`${t('action.shareFailed')}: ${abs}`, 6000);
    }
  } catch (e) {
    toastError(e);
  }
}

type RemixKey = 'duet' | 'stitch' | 'use-sound';

/** A clip's "…" menu: edit (your own clip), not interested, copy link, report (someone else's clip), playback speed. */
export function ClipMenu({
  video,
  open,
  onClose,
  onShared,
  onNotInterested,
  onEdited,
}: {
  video: Video;
  open: boolean;
  onClose: () => void;
  onShared: () => void;
  onNotInterested: () => void;
  onEdited?: (v: Video) => void;
}) {
  const rate = useStore(rateStore);
  const me = useMe();
  const [editing, setEditing] = useState(false);
  const own = !!me && me.id === video.author.id;
  const notInterested = async () => {
    onClose();
    if (!requireAuth('generic')) return;
    try {
      await api.notInterested(video.id);
      toast(t('menu.notInterestedDone'));
      onNotInterested();
    } catch (e) {
      toastError(e);
    }
  };
  // The author's switches: the server refuses a duet or stitch they turned off (their own clip stays theirs to remix).
  const remixes: [RemixKey, string][] = [];
  if (own || video.allowDuets) remixes.push(['duet', `/upload?duet=${video.id}`]);
  if (own || video.allowStitches) remixes.push(['stitch', `/upload?stitch=${video.id}`]);
  if (video.sound) remixes.push(['use-sound', `/upload?sound=${video.sound.id}`]);
  return (
    <>
      {own && (
        <EditClipSheet
          video={video}
          open={editing}
          onClose={() => setEditing(false)}
          onChange={(v) => onEdited?.(v)}
          onDeleted={() => onNotInterested()}
        />
      )}
      <Sheet open={open} onClose={onClose} title={t('menu.title')} testid="clip-menu" titleId={`menu-${video.id}`}>
        <ul class="menu-list">
          {own && (
            <li>
              <button
                type="button"
                class="menu-item"
                data-testid="menu-edit"
                onClick={() => {
                  onClose();
                  setEditing(true);
                }}
              >
                {t('edit.action')}
              </button>
            </li>
          )}
          <li>
            <button type="button" class="menu-item" data-testid="menu-not-interested" onClick={notInterested}>
              {t('menu.notInterested')}
            </button>
          </li>
          <li>
            <button
              type="button"
              class="menu-item"
              data-testid="menu-copy-link"
              onClick={() => {
                onClose();
                void copyClipLink(video, onShared);
              }}
            >
              {t('menu.copyLink')}
            </button>
          </li>
          {remixes.map(([key, href]) => (
            <li key={key}>
              <button
                type="button"
                class="menu-item"
                data-testid={`menu-${key}`}
                onClick={() => {
                  onClose();
                  if (requireAuth('generic')) navigate(href);
                }}
              >
                {t(key === 'duet' ? 'menu.duet' : key === 'stitch' ? 'menu.stitch' : 'menu.useSound')}
              </button>
            </li>
          ))}
          {me?.id !== video.author.id && (
            <li>
              <button
                type="button"
                class="menu-item"
                data-testid="menu-report"
                onClick={() => {
                  onClose();
                  openReport({ type: 'video', id: video.id });
                }}
              >
                {t('report.action')}
              </button>
            </li>
          )}
          <li class="menu-rates" role="group" aria-label={t('menu.speed')}>
            <span>{t('menu.speed')}</span>
            <span class="menu-rate-buttons">
              {RATES.map((r) => (
                <button
                  key={r}
                  type="button"
                  class={`chip ${r === rate ? 'is-on' : ''}`}
                  aria-pressed={r === rate}
                  data-testid={`menu-rate-${r}`}
                  onClick={() => rateStore.set(r)}
                >
                  {r === 1 ? t('menu.speedNormal') : `${r}×`}
                </button>
              ))}
            </span>
          </li>
        </ul>
      </Sheet>
    </>
  );
}
