import { useEffect, useState } from 'preact/hooks';
import { api, type Video, type VideoPatch, type Visibility } from '../api';
import { t, type StringKey } from '../i18n';
import { toast, toastError } from '../session';
import { Sheet } from '../ui/Sheet';

/**
 * The creator's switches: one line each. They are sent only once the clip says which way they are, so a server
 * without them is never asked to change them.
 */
const SWITCHES: { field: 'allowComments' | 'allowDuets' | 'allowStitches'; label: StringKey }[] = [
  { field: 'allowComments', label: 'edit.allowComments' },
  { field: 'allowDuets', label: 'edit.allowDuets' },
  { field: 'allowStitches', label: 'edit.allowStitches' },
];

const VISIBILITIES: Visibility[] = ['public', 'followers', 'private'];

/** Edit your own clip: caption, who sees it, cover frame, switches, captions, publish a draft, delete. */
export function EditClipSheet({
  video,
  open,
  onClose,
  onChange,
  onDeleted,
}: {
  video: Video;
  open: boolean;
  onClose: () => void;
  onChange: (v: Video) => void;
  onDeleted?: () => void;
}) {
  const [caption, setCaption] = useState(video.caption);
  const [visibility, setVisibility] = useState<Visibility>(video.visibility);
  const [coverMs, setCoverMs] = useState(video.coverMs ?? 0);
  const [lang, setLang] = useState('en');
  const [busy, setBusy] = useState(false);
  const [when, setWhen] = useState('');
  const switches = video as Video & Partial<Record<(typeof SWITCHES)[number]['field'], boolean>>;
  useEffect(() => {
    setCaption(video.caption);
    setVisibility(video.visibility);
  }, [video.id, open]);

  const run = async (what: () => Promise<Video | void>, done?: StringKey) => {
    setBusy(true);
    try {
      const v = await what();
      onChange(v ?? (await api.video(video.id)));
      if (done) toast(t(done));
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(false);
    }
  };
  const save = (patch: VideoPatch, done: StringKey = 'edit.saved') => run(() => api.updateVideo(video.id, patch), done);
  const unpublished = video.draft === true || !!video.scheduledFor;

  return (
    <Sheet open={open} onClose={onClose} title={t('edit.title')} testid="edit-sheet" titleId={`edit-${video.id}`}>
      <div class="edit-body">
        {unpublished && (
          <section class="edit-section">
            <p class="muted" data-testid="edit-unpublished">
              {video.scheduledFor
                ? t('edit.scheduledFor', { at: new Date(video.scheduledFor).toLocaleString() })
                : t('edit.isDraft')}
            </p>
            <button
              type="button"
              class="btn btn-primary"
              data-testid="edit-publish"
              disabled={busy}
              onClick={() => save({ draft: false }, 'edit.published')}
            >
              {t('edit.publish')}
            </button>
            <label class="check">
              {t('upload.schedule')}
              <input
                type="datetime-local"
                data-testid="edit-schedule"
                value={when}
                onInput={(e) => setWhen((e.target as HTMLInputElement).value)}
              />
            </label>
            <button
              type="button"
              class="btn btn-secondary"
              data-testid="edit-schedule-save"
              disabled={busy || !when}
              onClick={() => save({ publishAt: new Date(when).toISOString() }, 'edit.scheduled')}
            >
              {t('edit.schedule')}
            </button>
          </section>
        )}
        <form
          class="edit-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save({ caption: caption.trim(), visibility });
          }}
        >
          <label class="field">
            <span>{t('edit.caption')}</span>
            <textarea
              data-testid="edit-caption"
              value={caption}
              maxLength={2200}
              onInput={(e) => setCaption((e.target as HTMLTextAreaElement).value)}
            />
          </label>
          <label class="field">
            <span>{t('edit.visibility')}</span>
            <select
              data-testid="edit-visibility"
              value={visibility}
              onChange={(e) => setVisibility((e.target as HTMLSelectElement).value as Visibility)}
            >
              {VISIBILITIES.map((v) => (
                <option key={v} value={v}>
                  {t(`edit.visibility.${v}` as StringKey)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="btn btn-primary" data-testid="edit-save" disabled={busy}>
            {t('edit.save')}
          </button>
        </form>

        {video.durationMs !== null && video.status === 'ready' && (
          <section class="edit-section">
            <h3>{t('edit.cover')}</h3>
            {video.playback.poster && (
              <img class="edit-cover" src={video.playback.poster} alt="" data-testid="edit-poster" />
            )}
            <input
              type="range"
              min={0}
              max={video.durationMs}
              step={100}
              value={coverMs}
              aria-label={t('edit.coverAt')}
              data-testid="edit-cover-range"
              onInput={(e) => setCoverMs(Number((e.target as HTMLInputElement).value))}
            />
            <button
              type="button"
              class="btn btn-secondary"
              data-testid="edit-cover-save"
              disabled={busy}
              onClick={() => save({ coverMs }, 'edit.coverSaved')}
            >
              {t('edit.coverSet', { s: (coverMs / 1000).toFixed(1) })}
            </button>
          </section>
        )}

        {SWITCHES.some((s) => typeof switches[s.field] === 'boolean') && (
          <section class="edit-section">
            {SWITCHES.filter((s) => typeof switches[s.field] === 'boolean').map((s) => (
              <label key={s.field} class="check">
                <input
                  type="checkbox"
                  data-testid={`edit-${s.field}`}
                  checked={switches[s.field]}
                  disabled={busy}
                  onChange={(e) => save({ [s.field]: (e.target as HTMLInputElement).checked })}
                />
                {t(s.label)}
              </label>
            ))}
          </section>
        )}

        {video.status === 'ready' && (
          <section class="edit-section">
            <h3>{t('edit.captions')}</h3>
            <ul class="edit-captions">
              {video.captions.map((c) => (
                <li key={c.lang} data-testid={`edit-caption-${c.lang}`}>
                  <span>{c.lang}</span>
                  <button
                    type="button"
                    class="btn btn-secondary"
                    disabled={busy}
                    onClick={() => run(() => api.deleteCaptions(video.id, c.lang), 'edit.captionsRemoved')}
                  >
                    {t('edit.remove')}
                  </button>
                </li>
              ))}
            </ul>
            <label class="field">
              <span>{t('edit.captionsLang')}</span>
              <input
                data-testid="edit-captions-lang"
                value={lang}
                maxLength={35}
                onInput={(e) => setLang((e.target as HTMLInputElement).value.trim())}
              />
            </label>
            <label class="field">
              <span>{t('edit.captionsFile')}</span>
              <input
                type="file"
                accept=".vtt,text/vtt"
                data-testid="edit-captions-file"
                disabled={busy}
                onChange={(e) => {
                  const input = e.target as HTMLInputElement;
                  const file = input.files?.[0];
                  if (!file) return;
                  void run(() => api.putCaptions(video.id, lang, file), 'edit.captionsAdded').then(() => {
                    input.value = '';
                  });
                }}
              />
            </label>
          </section>
        )}

        <section class="edit-section edit-actions">
          <button
            type="button"
            class="btn btn-danger"
            data-testid="edit-delete"
            disabled={busy}
            onClick={async () => {
              if (!confirm(t('edit.deleteConfirm'))) return;
              try {
                await api.deleteVideo(video.id);
                toast(t('upload.removed'));
                onClose();
                onDeleted?.();
              } catch (e) {
                toastError(e);
              }
            }}
          >
            {t('edit.delete')}
          </button>
        </section>
      </div>
    </Sheet>
  );
}
