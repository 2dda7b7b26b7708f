/** Highest fraction reported before ffmpeg says `progress=end`, so 1 always means "finished". */
const BEFORE_END_CAP = 0.99;

/**
 * Incremental parser for ffmpeg's `-progress pipe:1` key=value stream. Chunks may split lines anywhere;
 * fractions of `durationMs` come out monotonic, and exactly 1 once `progress=end` arrives.
 */
export class ProgressParser {
  private pending = '';
  private blockTimeUs: number | undefined;
  private last = 0;
  private ended = false;

  constructor(private readonly durationMs: number) {}

  /** The latest fraction in [0, 1]. */
  get fraction(): number {
    return this.last;
  }

  get done(): boolean {
    return this.ended;
  }

  /** Feeds a chunk; returns the new fractions it completed (often none or one), each larger than the one before. */
  push(chunk: string | Uint8Array): number[] {
    this.pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    const out: number[] = [];
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl).trim();
      this.pending = this.pending.slice(nl + 1);
      const f = this.line(line);
      if (f !== undefined) out.push(f);
    }
    return out;
  }

  private line(line: string): number | undefined {
    const eq = line.indexOf('=');
    if (eq <= 0 || this.ended) return undefined;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    switch (key) {
      // out_time_ms is microseconds too (a long-standing ffmpeg naming slip); out_time_us wins when both come.
      case 'out_time_us':
      case 'out_time_ms': {
        const us = Number(value);
        if (Number.isFinite(us) && us >= 0 && (key === 'out_time_us' || this.blockTimeUs === undefined))
          this.blockTimeUs = us;
        return undefined;
      }
      case 'out_time': {
        const us = parseClock(value);
        if (us !== undefined && this.blockTimeUs === undefined) this.blockTimeUs = us;
        return undefined;
      }
      case 'progress': {
        const timeUs = this.blockTimeUs;
        this.blockTimeUs = undefined;
        if (value === 'end') {
          this.ended = true;
          this.last = 1;
          return 1;
        }
        if (timeUs === undefined || !(this.durationMs > 0)) return undefined;
        const f = Math.min(BEFORE_END_CAP, timeUs / 1000 / this.durationMs);
        if (f <= this.last) return undefined;
        this.last = f;
        return f;
      }
      default:
        return undefined;
    }
  }
}

/** `HH:MM:SS.micro` → microseconds; undefined for `N/A` or garbage. */
function parseClock(value: string): number | undefined {
  const m = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value);
  if (!m || m[1] === '-') return undefined;
  return Math.round((Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1e6);
}

/**
 * Splits one 0–1 progress callback into consecutive stages weighted by `weights`; stage i's callback maps
 * its own 0–1 onto its slice. The combined value never goes backwards.
 */
export function weightedProgress(
  weights: readonly number[],
  onProgress?: (fraction: number) => void,
): ((fraction: number) => void)[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let last = 0;
  let start = 0;
  return weights.map((w) => {
    const from = start / total;
    const span = w / total;
    start += w;
    return (fraction: number) => {
      const f = Math.min(1, from + span * Math.min(1, Math.max(0, fraction)));
      if (f > last) {
        last = f;
        onProgress?.(f);
      }
    };
  });
}
