import { spawn } from 'node:child_process';
import { FfmpegError, FfmpegMissingError } from './media-errors.js';
import { ProgressParser } from './progress.js';

/** Per-run options of `FfmpegRunner.run`. */
export interface RunOptions {
  /** Called with a fraction 0–1 of `durationMs`, parsed from `-progress pipe:1` output on stdout. */
  onProgress?: (fraction: number) => void;
  /** Aborting kills the child; the run then rejects with `media.aborted` once the child has exited. */
  signal?: AbortSignal;
  /** Duration of the media being processed, for progress fractions. */
  durationMs?: number;
}

/** What a successful run returns. */
export interface RunResult {
  stdout: string;
  /** The last few KB of stderr, for logs and error messages. */
  stderrTail: string;
}

/** Runs ffmpeg/ffprobe. Tests and the job system may swap in their own. */
export interface FfmpegRunner {
  run(bin: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

const DEFAULT_TAIL_BYTES = 4096;
/** ffmpeg gets this long after SIGTERM to exit before SIGKILL. */
const KILL_GRACE_MS = 1500;

/** Keeps only the last `limit` bytes written to it. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
  }
  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

/** The install hint shown when ffmpeg or ffprobe cannot be started. */
export function missingMessage(bin: string, path: string): string {
  const env = bin === 'ffprobe' ? 'REELM_FFPROBE' : 'REELM_FFMPEG';
  return `${bin} was not found at '${path}'. Install it with: sudo apt-get install -y ffmpeg (or set ${env})`;
}

function toolName(path: string): string {
  return /ffprobe[^/\\]*$/.test(path) ? 'ffprobe' : 'ffmpeg';
}

/** A runner that spawns the binary directly (no shell), keeping the stderr tail and honouring AbortSignal. */
export function createSpawnRunner(options: { stderrTailBytes?: number } = {}): FfmpegRunner {
  const tailBytes = options.stderrTailBytes ?? DEFAULT_TAIL_BYTES;
  return {
    run(bin, args, runOptions = {}) {
      const { signal, onProgress, durationMs } = runOptions;
      return new Promise<RunResult>((resolve, reject) => {
        if (signal?.aborted) {
          reject(new FfmpegError('media.aborted', `${toolName(bin)} was cancelled before it started.`, { bin }));
          return;
        }
        const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        const stdout: Buffer[] = [];
        const stderr = new TailBuffer(tailBytes);
        const progress = onProgress ? new ProgressParser(durationMs ?? 0) : undefined;
        let aborted = false;
        let spawnError: NodeJS.ErrnoException | undefined;
        let killTimer: NodeJS.Timeout | undefined;

        const onAbort = () => {
          aborted = true;
          child.kill('SIGTERM');
          killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        };
        signal?.addEventListener('abort', onAbort, { once: true });

        child.stdout.on('data', (chunk: Buffer) => {
          stdout.push(chunk);
          if (progress) for (const f of progress.push(chunk)) onProgress?.(f);
        });
        child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        child.on('error', (err: NodeJS.ErrnoException) => {
          spawnError = err;
        });
        child.on('close', (code, sig) => {
          signal?.removeEventListener('abort', onAbort);
          if (killTimer) clearTimeout(killTimer);
          const stderrTail = stderr.toString();
          const name = toolName(bin);
          if (spawnError) {
            reject(
              spawnError.code === 'ENOENT' || spawnError.code === 'EACCES'
                ? new FfmpegMissingError(missingMessage(name, bin), { bin, cause: spawnError.code })
                : new FfmpegError('media.ffmpeg_failed', `${name} could not start: ${spawnError.message}`, { bin }),
            );
          } else if (aborted) {
            reject(new FfmpegError('media.aborted', `${name} was cancelled.`, { bin, stderrTail }));
          } else if (code !== 0) {
            const how = code === null ? `was killed by ${sig ?? 'a signal'}` : `exited with code ${code}`;
            reject(
              new FfmpegError('media.ffmpeg_failed', `${name} ${how}: ${stderrTail.trim() || '(no output)'}`, {
                bin,
                exitCode: code,
                signal: sig,
                stderrTail,
              }),
            );
          } else {
            resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderrTail });
          }
        });
      });
    },
  };
}

/** First `-version` line of each tool. */
export interface FfmpegVersions {
  ffmpeg: string;
  ffprobe: string;
}

/**
 * Checks that ffmpeg and ffprobe run and that ffmpeg has what the ladder needs (libx264, aac, the hls muxer).
 * Throws `FfmpegMissingError` with an install hint otherwise.
 */
export async function checkFfmpeg(
  ffmpegPath: string,
  ffprobePath: string,
  runner: FfmpegRunner = createSpawnRunner(),
): Promise<FfmpegVersions> {
  const version = async (bin: string, path: string) => {
    try {
      const { stdout } = await runner.run(path, ['-hide_banner', '-version']);
      return stdout.split('\n', 1)[0]?.trim() ?? '';
    } catch (err) {
      if (err instanceof FfmpegMissingError) throw new FfmpegMissingError(missingMessage(bin, path), { bin: path });
      throw new FfmpegMissingError(`${bin} at '${path}' does not run (${(err as Error).message.slice(0, 200)}).`, {
        bin: path,
      });
    }
  };
  const ffmpeg = await version('ffmpeg', ffmpegPath);
  const ffprobe = await version('ffprobe', ffprobePath);
  const { stdout: encoders } = await runner.run(ffmpegPath, ['-hide_banner', '-encoders']);
  const { stdout: muxers } = await runner.run(ffmpegPath, ['-hide_banner', '-muxers']);
  const lacking = [
    /\slibx264\s/.test(encoders) ? undefined : 'the libx264 encoder',
    /\saac\s/.test(encoders) ? undefined : 'the aac encoder',
    /\shls\s/.test(muxers) ? undefined : 'the hls muxer',
  ].filter((x): x is string => x !== undefined);
  if (lacking.length > 0) {
    throw new FfmpegMissingError(
      `ffmpeg at '${ffmpegPath}' lacks ${lacking.join(', ')}. Install Debian's build with: sudo apt-get install -y ffmpeg (or set REELM_FFMPEG)`,
      { bin: ffmpegPath, lacking },
    );
  }
  return { ffmpeg, ffprobe };
}
