import { useEffect, useRef, useState } from 'preact/hooks';
import type { Video } from '../api';
import { attachHls, type Attached } from '../hls';
import { t } from '../i18n';
import { FormError } from '../ui/misc';

/** What the recording is made with: a sound under it, or an original it is a duet or stitch of. */
export interface RecordWith {
  /** A sound's audio, played while recording (the server lays the sound under the published clip). */
  soundUrl?: string;
  /** The original beside the camera (duet) or played before recording (stitch). */
  original?: { video: Video; mode: 'duet' | 'stitch'; stitchMs: number };
}

export const LIMITS = [10_000, 60_000, 180_000] as const;

/** Portrait canvas the camera is drawn into: the recording keeps one size whichever camera is on. */
const CANVAS = { width: 540, height: 960 };

const MIME_TYPES = ['video/webm;codecs=vp9,opus', 'video/webm;codecs=vp8,opus', 'video/webm', 'video/mp4'];

function pickMime(): string {
  return MIME_TYPES.find((m) => MediaRecorder.isTypeSupported(m)) ?? '';
}

function fmtSeconds(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Records from the camera and microphone: hold the button to record, let go to pause (each hold is a segment of
 * one recording), up to the chosen limit; flip the camera at any time (the camera is drawn into a canvas, so the
 * recording does not change tracks), retake, then hand the finished file on. With a sound, the sound plays while
 * recording; with a duet's original, the original plays beside the camera in step with the holds.
 */
export function Recorder({ with: w, onRecorded }: { with: RecordWith; onRecorded: (file: File) => void }) {
  const [limit, setLimit] = useState<number>(LIMITS[0]);
  const [facing, setFacing] = useState<'user' | 'environment'>('user');
  const [error, setError] = useState('');
  const [recordedMs, setRecordedMs] = useState(0);
  const [segments, setSegments] = useState(0);
  const [holding, setHolding] = useState(false);
  const [ready, setReady] = useState(false);
  const camRef = useRef<HTMLVideoElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const soundRef = useRef<HTMLAudioElement>(null);
  const originalRef = useRef<HTMLVideoElement>(null);
  const cameraRef = useRef<MediaStream | null>(null);
  const recorderRef = useRef<MediaRecorder | null>(null);
  const chunksRef = useRef<Blob[]>([]);
  const startedRef = useRef(0);
  const doneMsRef = useRef(0);

  // The camera (re)opens when the facing mode changes; the canvas keeps drawing whichever is open.
  useEffect(() => {
    let stopped = false;
    setReady(false);
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: facing, width: { ideal: 1280 }, height: { ideal: 720 } }, audio: true })
      .then((stream) => {
        if (stopped) return stream.getTracks().forEach((tr) => tr.stop());
        cameraRef.current?.getVideoTracks().forEach((tr) => tr.stop());
        cameraRef.current = stream;
        if (camRef.current) {
          camRef.current.srcObject = stream;
          void camRef.current.play().catch(() => {});
        }
        setReady(true);
      })
      .catch(() => setError(t('record.noCamera')));
    return () => {
      stopped = true;
    };
  }, [facing]);

  useEffect(
    () => () => {
      cameraRef.current?.getTracks().forEach((tr) => tr.stop());
      if (recorderRef.current?.state !== 'inactive') recorderRef.current?.stop();
    },
    [],
  );

  // Draws the camera into the portrait canvas, cropped to fill it (mirrored for the front camera).
  useEffect(() => {
    const timer = setInterval(() => {
      const cam = camRef.current;
      const ctx = canvasRef.current?.getContext('2d');
      if (!cam || !ctx || cam.videoWidth === 0) return;
      const scale = Math.max(CANVAS.width / cam.videoWidth, CANVAS.height / cam.videoHeight);
      const dw = cam.videoWidth * scale;
      const dh = cam.videoHeight * scale;
      ctx.save();
      if (facing === 'user') {
        ctx.translate(CANVAS.width, 0);
        ctx.scale(-1, 1);
      }
      ctx.drawImage(cam, (CANVAS.width - dw) / 2, (CANVAS.height - dh) / 2, dw, dh);
      ctx.restore();
    }, 1000 / 30);
    return () => clearInterval(timer);
  }, [facing]);

  // The clock of the recording, which also ends it at the limit.
  useEffect(() => {
    if (!holding) return;
    const timer = setInterval(() => {
      const ms = doneMsRef.current + (performance.now() - startedRef.current);
      setRecordedMs(ms);
      if (ms >= limit) release();
    }, 100);
    return () => clearInterval(timer);
  }, [holding, limit]);

  // The original's media, for a duet (beside the camera) or a stitch (its first part, shown before recording).
  useEffect(() => {
    const el = originalRef.current;
    const hls = w.original?.video.playback.hls;
    if (!el || !hls) return;
    let attached: Attached | undefined;
    let gone = false;
    void attachHls(el, hls, { preload: false, onFatal: () => {} }).then((a) => {
      if (gone) a.destroy();
      else attached = a;
    });
    return () => {
      gone = true;
      attached?.destroy();
    };
  }, [w.original?.video.id]);

  const hold = () => {
    if (!ready || holding || recordedMs >= limit) return;
    if (!recorderRef.current) {
      const canvas = canvasRef.current!;
      const stream = canvas.captureStream(30);
      cameraRef.current?.getAudioTracks().forEach((tr) => stream.addTrack(tr));
      const mime = pickMime();
      const rec = new MediaRecorder(stream, mime ? { mimeType: mime } : {});
      rec.ondataavailable = (e) => e.data.size > 0 && chunksRef.current.push(e.data);
      rec.start(1000);
      recorderRef.current = rec;
    } else {
      recorderRef.current.resume();
    }
    startedRef.current = performance.now();
    setHolding(true);
    setSegments((n) => n + 1);
    void soundRef.current?.play().catch(() => {});
    if (w.original?.mode === 'duet') void originalRef.current?.play().catch(() => {});
  };

  function release() {
    if (!recorderRef.current || recorderRef.current.state !== 'recording') return;
    recorderRef.current.pause();
    doneMsRef.current += performance.now() - startedRef.current;
    setRecordedMs(doneMsRef.current);
    setHolding(false);
    soundRef.current?.pause();
    if (w.original?.mode === 'duet') originalRef.current?.pause();
  }

  const retake = () => {
    const rec = recorderRef.current;
    recorderRef.current = null;
    if (rec && rec.state !== 'inactive') {
      rec.ondataavailable = null;
      rec.stop();
    }
    chunksRef.current = [];
    doneMsRef.current = 0;
    setRecordedMs(0);
    setSegments(0);
    setHolding(false);
    if (soundRef.current) soundRef.current.currentTime = 0;
    if (originalRef.current) originalRef.current.currentTime = 0;
  };

  const finish = () => {
    const rec = recorderRef.current;
    if (!rec) return;
    release();
    rec.onstop = () => {
      const type = (rec.mimeType || 'video/webm').split(';')[0]!;
      const file = new File(chunksRef.current, `recording.${type === 'video/mp4' ? 'mp4' : 'webm'}`, { type });
      recorderRef.current = null;
      cameraRef.current?.getTracks().forEach((tr) => tr.stop());
      onRecorded(file);
    };
    rec.stop();
  };

  const duet = w.original?.mode === 'duet';
  return (
    <div class="recorder" data-testid="recorder" data-recorded-ms={Math.round(recordedMs)} data-segments={segments}>
      <div class={`recorder-stage ${duet ? 'is-duet' : ''}`}>
        {w.original && (
          <video
            ref={originalRef}
            class="recorder-original"
            data-testid="recorder-original"
            playsInline
            muted={w.original.mode === 'stitch'}
            loop={w.original.mode === 'stitch'}
            onTimeUpdate={(e) => {
              const el = e.target as HTMLVideoElement;
              // A stitch shows only the part that will be used.
              if (w.original?.mode === 'stitch' && el.currentTime * 1000 > w.original.stitchMs) el.currentTime = 0;
            }}
            autoPlay={w.original.mode === 'stitch'}
          />
        )}
        <canvas ref={canvasRef} width={CANVAS.width} height={CANVAS.height} class="recorder-canvas" />
        <video ref={camRef} class="visually-hidden-input" muted playsInline />
      </div>
      {w.soundUrl && <audio ref={soundRef} src={w.soundUrl} loop preload="auto" data-testid="recorder-sound" />}
      <FormError message={error} />
      <div class="recorder-limits" role="group" aria-label={t('record.limit')}>
        {LIMITS.map((l) => (
          <button
            key={l}
            type="button"
            class={`chip ${l === limit ? 'is-on' : ''}`}
            aria-pressed={l === limit}
            disabled={segments > 0}
            data-testid={`record-limit-${l / 1000}`}
            onClick={() => setLimit(l)}
          >
            {l < 60_000 ? `${l / 1000} s` : `${l / 60_000} min`}
          </button>
        ))}
      </div>
      <p class="recorder-time" aria-live="polite">
        {t('record.time', { t: fmtSeconds(recordedMs), max: fmtSeconds(limit), n: segments })}
      </p>
      <div class="btn-row">
        <button
          type="button"
          class="btn btn-secondary"
          data-testid="record-flip"
          onClick={() => setFacing((f) => (f === 'user' ? 'environment' : 'user'))}
        >
          {t('record.flip')}
        </button>
        <button
          type="button"
          class={`btn btn-primary record-button ${holding ? 'is-recording' : ''}`}
          data-testid="record-hold"
          disabled={!ready || recordedMs >= limit}
          aria-pressed={holding}
          onPointerDown={hold}
          onPointerUp={release}
          onPointerLeave={release}
          onKeyDown={(e) => (e.key === ' ' || e.key === 'Enter') && !e.repeat && hold()}
          onKeyUp={(e) => (e.key === ' ' || e.key === 'Enter') && release()}
        >
          {holding ? t('record.recording') : t('record.hold')}
        </button>
        <button
          type="button"
          class="btn btn-secondary"
          data-testid="record-retake"
          disabled={!segments}
          onClick={retake}
        >
          {t('record.retake')}
        </button>
        <button
          type="button"
          class="btn btn-primary"
          data-testid="record-done"
          disabled={!segments || holding}
          onClick={finish}
        >
          {t('record.done')}
        </button>
      </div>
    </div>
  );
}
