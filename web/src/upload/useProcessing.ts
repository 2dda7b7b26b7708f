import { useEffect, useState } from 'preact/hooks';
import { api, type VideoStatus } from '../api';

export interface ProcessingState {
  status: VideoStatus;
  /** 0–1, or null before the first progress event. */
  progress: number | null;
  error: string;
}

/**
 * Follow a new clip's processing live (SSE `progress` and `status` events on /videos/:id/events). Falls back to
 * polling GET /videos/:id if the stream can't be kept open.
 */
export function useProcessing(videoId: string): ProcessingState {
  const [s, setS] = useState<ProcessingState>({ status: 'processing', progress: null, error: '' });
  useEffect(() => {
    let done = false;
    let poll: number | undefined;
    const apply = (status: VideoStatus | undefined, progress?: number, error?: { message?: string }) => {
      if (done) return;
      setS((prev) => ({
        status: status ?? prev.status,
        progress: typeof progress === 'number' ? Math.max(prev.progress ?? 0, Math.min(1, progress)) : prev.progress,
        error: error?.message ?? prev.error,
      }));
      if (status === 'ready' || status === 'failed') {
        done = true;
        es?.close();
        clearTimeout(poll);
      }
    };
    const check = () =>
      api.video(videoId).then(
        (v) => apply(v.status, v.progress, v.error),
        () => {},
      );
    const startPolling = () => {
      const tick = () => {
        if (done) return;
        void check().finally(() => {
          if (!done) poll = window.setTimeout(tick, 2000);
        });
      };
      tick();
    };
    let es: EventSource | null = new EventSource(api.videoEventsUrl(videoId), { withCredentials: true });
    es.addEventListener('progress', (e) => {
      try {
        apply(undefined, (JSON.parse((e as MessageEvent<string>).data) as { progress: number }).progress);
      } catch {
        /* ignore */
      }
    });
    es.addEventListener('status', (e) => {
      try {
        const d = JSON.parse((e as MessageEvent<string>).data) as { status: VideoStatus; error?: { message?: string } };
        apply(d.status, d.status === 'ready' ? 1 : undefined, d.error);
      } catch {
        /* ignore */
      }
    });
    es.onerror = () => {
      // The stream closed (server finished or connection dropped): poll instead until we know the end state.
      if (done || !es) return;
      es.close();
      es = null;
      startPolling();
    };
    // In case it finished before the stream opened.
    void check();
    return () => {
      done = true;
      es?.close();
      clearTimeout(poll);
    };
  }, [videoId]);
  return s;
}
