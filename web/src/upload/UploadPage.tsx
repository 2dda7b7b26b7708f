import { useEffect, useRef, useState } from 'preact/hooks';
import { Upload, type PreviousUpload } from 'tus-js-client';
import { api, type Visibility } from '../api';
import { fmtDuration, reducedMotion } from '../format';
import { t } from '../i18n';
import { Link, locStore } from '../router';
import { useStore } from '../store';
import { toast, toastError, useMe } from '../session';
import { SuspendedBanner } from '../safety/SuspendedBanner';
import { sniffFile } from './sniff';
import { IconCheck, IconUpload } from '../ui/icons';
import { Empty, FormError, Spinner } from '../ui/misc';
import { useProcessing } from './useProcessing';
import { Recorder, type RecordWith } from './Recorder';
import { useTitle } from '../title';

const MAX_CAPTION = 2200;
const CHUNK = 5 * 1024 * 1024;
const VIDEO_EXT = /\.(mp4|m4v|mov|webm|mkv|avi|3gp)$/i;
const idKey = (uploadUrl: string) => `reelm.upload.video:${uploadUrl}`;

type Phase = 'edit' | 'uploading' | 'paused' | 'error' | 'done';

function VisibilityPicker({
  value,
  onChange,
  disabled,
}: {
  value: Visibility;
  onChange: (v: Visibility) => void;
  disabled: boolean;
}) {
  const opts: [Visibility, string, string][] = [
    ['public', t('upload.public'), t('upload.publicHint')],
    ['followers', t('upload.followers'), t('upload.followersHint')],
    ['private', t('upload.private'), t('upload.privateHint')],
  ];
  return (
    <fieldset class="field visibility" disabled={disabled}>
      <legend>{t('upload.visibility')}</legend>
      {opts.map(([v, label, hint]) => (
        <label key={v} class={`choice ${value === v ? 'is-checked' : ''}`}>
          <input
            type="radio"
            name="visibility"
            value={v}
            checked={value === v}
            onChange={() => onChange(v)}
            data-testid={`visibility-${v}`}
          />
          <span>
            <strong>{label}</strong>
            <small>{hint}</small>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

function Processing({ videoId, onAnother }: { videoId: string; onAnother: () => void }) {
  const p = useProcessing(videoId);
  const [removing, setRemoving] = useState(false);
  const remove = async () => {
    setRemoving(true);
    try {
      await api.deleteVideo(videoId);
      toast(t('upload.removed'));
      onAnother();
    } catch (e) {
      toastError(e);
      setRemoving(false);
    }
  };
  const pct = Math.round((p.progress ?? 0) * 100);
  return (
    <div class="processing" data-testid="processing-status" data-status={p.status} aria-live="polite">
      {p.status === 'ready' ? (
        <>
          <p class="ok">
            <IconCheck size={22} /> {t('upload.ready')}
          </p>
          <div class="btn-row">
            <Link href={`/v/${videoId}`} class="btn btn-primary" data-testid="processing-view">
              {t('upload.view')}
            </Link>
            <button type="button" class="btn btn-secondary" onClick={onAnother}>
              {t('upload.another')}
            </button>
          </div>
        </>
      ) : p.status === 'failed' ? (
        <>
          <p class="form-error" role="alert">
            {t('upload.failed', { message: p.error || t('error.generic') })}
          </p>
          <div class="btn-row">
            <button
              type="button"
              class="btn btn-secondary"
              data-testid="processing-remove"
              disabled={removing}
              onClick={remove}
            >
              {t('upload.remove')}
            </button>
            <button type="button" class="btn btn-secondary" onClick={onAnother}>
              {t('upload.another')}
            </button>
          </div>
        </>
      ) : (
        <>
          <p>{p.progress === null ? t('upload.processingStart') : t('upload.processing', { p: pct })}</p>
          <div
            class="bar bar-processing"
            role="progressbar"
            aria-label={t('upload.processingProgress')}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={p.progress === null ? undefined : pct}
          >
            <div
              class={`bar-fill ${p.progress === null ? 'indeterminate' : ''}`}
              style={{ width: `${p.progress === null ? 30 : pct}%` }}
            />
          </div>
        </>
      )}
    </div>
  );
}

/** What `/upload?sound=…`, `?duet=…&layout=…` or `?stitch=…&ms=…` asks the new clip to be made with. */
interface MadeWith {
  meta: Record<string, string>;
  record: RecordWith;
  label: string;
}

function useMadeWith(query: URLSearchParams): MadeWith | null | undefined {
  const sound = query.get('sound');
  const duet = query.get('duet');
  const stitch = query.get('stitch');
  const layout = query.get('layout') === 'stack' ? 'stack' : 'side';
  const ms = Math.min(5000, Math.max(1, Number(query.get('ms')) || 3000));
  const [made, setMade] = useState<MadeWith | null | undefined>(sound || duet || stitch ? undefined : null);
  useEffect(() => {
    if (!sound && !duet && !stitch) return setMade(null);
    let gone = false;
    void (async () => {
      try {
        if (duet || stitch) {
          const video = await api.video((duet ?? stitch)!);
          const meta: Record<string, string> = duet
            ? { duetOf: video.id, layout }
            : { stitchOf: video.id, stitchMs: String(ms) };
          const label = t(duet ? 'record.duetWith' : 'record.stitchWith', { handle: video.author.handle });
          if (!gone)
            setMade({ meta, label, record: { original: { video, mode: duet ? 'duet' : 'stitch', stitchMs: ms } } });
        } else {
          const page = await api.sound(sound!);
          // Every clip of a sound carries the sound's audio as its own `sound.m4a`.
          const hls = page.items.find((v) => v.playback.hls)?.playback.hls;
          const soundUrl = hls ? hls.replace(/master\.m3u8$/, 'sound.m4a') : undefined;
          if (!gone)
            setMade({
              meta: { soundId: page.id },
              label: t('record.withSound', { title: page.title }),
              record: soundUrl ? { soundUrl } : {},
            });
        }
      } catch (e) {
        toastError(e);
        if (!gone) setMade(null);
      }
    })();
    return () => {
      gone = true;
    };
  }, [sound, duet, stitch, layout, ms]);
  return made;
}

/**
 * /upload — record with the camera or pick or drop a clip, preview it, caption it, and send it with tus
 * (pausable, resumable); made with a sound, or as a duet or stitch of another clip, when the address says so.
 */
/** Publish at once, keep as a draft (only you see it), or schedule it (a local date and time, ≤ 30 days ahead). */
interface Publishing {
  draft: boolean;
  at: string;
}

function publishingMetadata(p: Publishing): Record<string, string> {
  if (p.draft) return { draft: 'true' };
  return p.at ? { publishAt: new Date(p.at).toISOString() } : {};
}

function PublishingPicker({
  value,
  onChange,
  disabled,
}: {
  value: Publishing;
  onChange: (p: Publishing) => void;
  disabled: boolean;
}) {
  return (
    <fieldset class="field" disabled={disabled}>
      <label class="check">
        <input
          type="checkbox"
          data-testid="upload-draft"
          checked={value.draft}
          onChange={(e) => onChange({ draft: (e.target as HTMLInputElement).checked, at: '' })}
        />
        {t('upload.draft')}
      </label>
      {!value.draft && (
        <label class="check">
          {t('upload.schedule')}
          <input
            type="datetime-local"
            data-testid="upload-schedule"
            value={value.at}
            onInput={(e) => onChange({ draft: false, at: (e.target as HTMLInputElement).value })}
          />
        </label>
      )}
    </fieldset>
  );
}

export function UploadPage() {
  const me = useMe();
  useTitle(t('nav.upload'));
  const loc = useStore(locStore);
  const madeWith = useMadeWith(loc.query);
  const [recording, setRecording] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [duration, setDuration] = useState<number | null>(null);
  const [caption, setCaption] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('public');
  const [publishing, setPublishing] = useState<Publishing>({ draft: false, at: '' });
  const [phase, setPhase] = useState<Phase>('edit');
  const [progress, setProgress] = useState(0);
  const [error, setError] = useState('');
  const [retrying, setRetrying] = useState(false);
  const [videoId, setVideoId] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const uploadRef = useRef<Upload | null>(null);
  const idRef = useRef<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => () => void uploadRef.current?.abort(), []);
  useEffect(() => {
    if (!preview) return;
    return () => URL.revokeObjectURL(preview);
  }, [preview]);
  // After a dropped connection outlasted the retries, continue as soon as we're back online.
  useEffect(() => {
    const on = () => {
      if (phase === 'error' && uploadRef.current) resume();
    };
    addEventListener('online', on);
    return () => removeEventListener('online', on);
  }, [phase]);

  const choose = async (f: File | null | undefined) => {
    if (!f) return;
    // The first bytes decide where they can: a photo renamed .mp4 is refused here, not after its upload.
    const kind = await sniffFile(f);
    if (kind === 'not-video' || (kind === 'unknown' && !f.type.startsWith('video/') && !VIDEO_EXT.test(f.name))) {
      setError(t('upload.notVideo'));
      return;
    }
    setError('');
    setFile(f);
    setDuration(null);
    setPreview(URL.createObjectURL(f));
    setRecording(false);
  };

  const reset = () => {
    uploadRef.current?.abort();
    uploadRef.current = null;
    idRef.current = null;
    setFile(null);
    setPreview(null);
    setCaption('');
    setVisibility('public');
    setPhase('edit');
    setProgress(0);
    setError('');
    setVideoId(null);
  };

  const statusRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (phase !== 'edit')
      statusRef.current?.scrollIntoView({ block: 'nearest', behavior: reducedMotion() ? 'auto' : 'smooth' });
  }, [phase, videoId]);

  const start = async () => {
    if (!file) return;
    setError('');
    setPhase('uploading');
    setProgress(0);
    let resumed = false;
    const up = new Upload(file, {
      endpoint: api.uploadsEndpoint,
      chunkSize: CHUNK,
      retryDelays: [0, 1000, 3000, 5000],
      removeFingerprintOnSuccess: true,
      storeFingerprintForResuming: true,
      metadata: {
        filename: file.name,
        filetype: file.type || 'video/mp4',
        caption: caption.trim(),
        visibility,
        ...madeWith?.meta,
        ...publishingMetadata(publishing),
      },
      onAfterResponse(_req, res) {
        const id = res.getHeader(api.uploadVideoIdHeader);
        if (id && !idRef.current) idRef.current = id;
        setRetrying(false);
      },
      onUploadUrlAvailable() {
        if (up.url && idRef.current) localStorage.setItem(idKey(up.url), idRef.current);
      },
      onShouldRetry() {
        setRetrying(true);
        return true;
      },
      onProgress(sent, total) {
        setProgress(total ? sent / total : 0);
      },
      onSuccess() {
        setRetrying(false);
        if (up.url) localStorage.removeItem(idKey(up.url));
        const id = idRef.current;
        setProgress(1);
        if (!id) {
          setPhase('error');
          setError(t('error.generic'));
          return;
        }
        // A resumed upload was created with the caption of the first attempt; make sure this one sticks.
        if (resumed) void api.updateVideo(id, { caption: caption.trim(), visibility }).catch(() => {});
        setVideoId(id);
        setPhase('done');
      },
      onError(err) {
        setRetrying(false);
        setPhase('error');
        const body = (err as { originalResponse?: { getBody(): string } | null }).originalResponse?.getBody?.();
        let msg: string;
        try {
          msg = body ? ((JSON.parse(body) as { error?: { message?: string } }).error?.message ?? '') : '';
        } catch {
          msg = '';
        }
        setError(
          t('upload.uploadFailed', { message: msg || (navigator.onLine ? t('error.generic') : t('error.network')) }),
        );
      },
    });
    uploadRef.current = up;
    try {
      const prev: PreviousUpload[] = await up.findPreviousUploads();
      const p = prev.find((x) => x.uploadUrl && localStorage.getItem(idKey(x.uploadUrl)));
      if (p) {
        idRef.current = localStorage.getItem(idKey(p.uploadUrl!));
        up.resumeFromPreviousUpload(p);
        resumed = true;
      }
    } catch {
      /* start fresh */
    }
    up.start();
  };

  const pause = () => {
    void uploadRef.current?.abort();
    setPhase('paused');
  };
  const resume = () => {
    setError('');
    setPhase('uploading');
    uploadRef.current?.start();
  };

  if (me === undefined) return <Spinner />;
  if (me === null)
    return (
      <div class="page">
        <h1 class="page-title">{t('upload.title')}</h1>
        <Empty icon={<IconUpload size={48} />} title={t('auth.prompt.upload')}>
          <Link href="/signup?next=/upload" class="btn btn-primary">
            {t('auth.prompt.signup')}
          </Link>
          <Link href="/login?next=/upload" class="btn btn-secondary">
            {t('nav.login')}
          </Link>
        </Empty>
      </div>
    );
  if (me.suspendedUntil)
    return (
      <div class="page">
        <h1 class="page-title">{t('upload.title')}</h1>
        <SuspendedBanner until={me.suspendedUntil} />
      </div>
    );

  const pct = Math.round(progress * 100);
  const busy =
    phase === 'uploading' || phase === 'paused' || phase === 'done' || (phase === 'error' && !!uploadRef.current);
  const tooLong = caption.length > MAX_CAPTION;

  return (
    <div class="page upload-page">
      <h1 class="page-title">{t('upload.title')}</h1>
      {madeWith && (
        <p class="chip upload-made-with" data-testid="upload-made-with">
          {madeWith.label}
        </p>
      )}
      {!file && madeWith !== undefined && (
        <div class="tabs upload-tabs" role="tablist">
          <button
            type="button"
            role="tab"
            class={`tab ${recording ? 'is-on' : ''}`}
            aria-selected={recording}
            data-testid="upload-tab-record"
            onClick={() => setRecording(true)}
          >
            {t('record.tab')}
          </button>
          <button
            type="button"
            role="tab"
            class={`tab ${!recording ? 'is-on' : ''}`}
            aria-selected={!recording}
            data-testid="upload-tab-file"
            onClick={() => setRecording(false)}
          >
            {t('record.fileTab')}
          </button>
        </div>
      )}
      {!file && recording && madeWith !== undefined ? (
        <Recorder with={madeWith?.record ?? {}} onRecorded={(f) => void choose(f)} />
      ) : !file ? (
        <div
          class={`dropzone ${dragging ? 'is-dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            void choose(e.dataTransfer?.files?.[0]);
          }}
        >
          <IconUpload size={48} />
          <label class="btn btn-primary" for="upload-input">
            {t('upload.pick')}
          </label>
          <input
            id="upload-input"
            ref={inputRef}
            class="visually-hidden-input"
            type="file"
            name="file"
            accept="video/*"
            data-testid="upload-input"
            onChange={(e) => void choose((e.target as HTMLInputElement).files?.[0])}
          />
          <p>{t('upload.drop')}</p>
          <p class="muted small">{t('upload.hint')}</p>
          <FormError message={error} />
        </div>
      ) : (
        <div class="upload-grid">
          <div class="upload-preview">
            {preview && (
              <video
                src={preview}
                muted
                loop
                autoPlay
                playsInline
                data-testid="upload-preview"
                onLoadedMetadata={(e) => setDuration((e.target as HTMLVideoElement).duration * 1000)}
              />
            )}
            <div class="upload-file">
              <span class="ellipsis">{file.name}</span>
              {duration !== null && Number.isFinite(duration) && (
                <span class="chip">{t('upload.duration', { d: fmtDuration(duration) })}</span>
              )}
            </div>
            {!busy && (
              <button type="button" class="link-btn" onClick={reset}>
                {t('upload.change')}
              </button>
            )}
          </div>
          <form
            class="upload-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (!tooLong && phase === 'edit') void start();
            }}
          >
            <div class="field">
              <label for="upload-caption">{t('upload.caption')}</label>
              <textarea
                id="upload-caption"
                name="caption"
                data-testid="upload-caption"
                rows={4}
                value={caption}
                disabled={busy}
                aria-invalid={tooLong}
                aria-describedby="caption-count"
                placeholder={t('upload.captionPlaceholder')}
                onInput={(e) => setCaption((e.target as HTMLTextAreaElement).value)}
              />
              <small id="caption-count" class={`counter ${tooLong ? 'over' : ''}`} aria-live="polite">
                {tooLong ? t('upload.captionTooLong', { max: MAX_CAPTION }) + ' ' : ''}
                {t('upload.captionCount', { n: caption.length, max: MAX_CAPTION })}
              </small>
            </div>
            <VisibilityPicker value={visibility} onChange={setVisibility} disabled={busy} />
            <PublishingPicker value={publishing} onChange={setPublishing} disabled={busy} />

            {phase === 'edit' && (
              <div class="btn-row">
                <button type="button" class="btn btn-secondary" onClick={reset}>
                  {t('upload.discard')}
                </button>
                <button type="submit" class="btn btn-primary" data-testid="upload-submit" disabled={tooLong}>
                  {t('upload.post')}
                </button>
              </div>
            )}

            {(phase === 'uploading' || phase === 'paused' || phase === 'error' || phase === 'done') && (
              <div class="upload-status" aria-live="polite">
                <div class="bar-label">
                  <span>
                    {phase === 'paused'
                      ? t('upload.paused', { p: pct })
                      : retrying
                        ? t('upload.retrying')
                        : t('upload.uploading', { p: pct })}
                  </span>
                </div>
                <div
                  class="bar"
                  role="progressbar"
                  data-testid="upload-progress"
                  data-progress={pct}
                  aria-label={t('upload.progress')}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={pct}
                >
                  <div class="bar-fill" style={{ width: `${pct}%` }} />
                </div>
                {phase === 'uploading' && (
                  <button type="button" class="btn btn-secondary" onClick={pause} data-testid="upload-pause">
                    {t('upload.pause')}
                  </button>
                )}
                {phase === 'paused' && (
                  <button type="button" class="btn btn-primary" onClick={resume} data-testid="upload-resume">
                    {t('upload.resume')}
                  </button>
                )}
                {phase === 'error' && (
                  <>
                    <p class="form-error" role="alert">
                      {error}
                    </p>
                    <button type="button" class="btn btn-primary" onClick={resume} data-testid="upload-retry">
                      {t('upload.retry')}
                    </button>
                  </>
                )}
              </div>
            )}
            {phase === 'done' && videoId && <Processing videoId={videoId} onAnother={reset} />}
            <div ref={statusRef} class="upload-status" />
          </form>
        </div>
      )}
      {error && phase === 'edit' && file && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
