import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkFfmpeg, createSpawnRunner } from './ffmpeg-runner.js';
import { FfmpegError, FfmpegMissingError } from './media-errors.js';

const runner = createSpawnRunner();

/** Whether any live process has `marker` in its command line. */
function processWith(marker: string): boolean {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(marker)) return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}

describe('createSpawnRunner', () => {
  it('returns stdout of a successful run', async () => {
    const { stdout } = await runner.run('ffprobe', ['-hide_banner', '-version']);
    expect(stdout).toMatch(/^ffprobe version/);
  });

  it('rejects a failing run with the end of stderr in the message', async () => {
    const err = await runner
      .run('ffmpeg', ['-hide_banner', '-nostdin', '-i', 'file:/nonexistent/clip.mp4'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegError);
    expect((err as FfmpegError).code).toBe('media.ffmpeg_failed');
    expect((err as FfmpegError).message).toMatch(/ffmpeg exited with code 1: .*No such file or directory/s);
  });

  it('keeps only the last bytes of a long stderr', async () => {
    const small = createSpawnRunner({ stderrTailBytes: 200 });
    const err = (await small
      .run('ffmpeg', [
        '-hide_banner',
        '-nostdin',
        '-v',
        'debug',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=d=0.2',
        '-f',
        'no_such_format',
        '-',
      ])
      .catch((e: unknown) => e)) as FfmpegError;
    const tail = String(err.details?.stderrTail);
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(200);
    expect(tail).toContain('no_such_format');
  });

  it('reports progress fractions up to exactly 1', async () => {
    const seen: number[] = [];
    await runner.run(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostdin',
        '-progress',
        'pipe:1',
        '-nostats',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=s=64x64:r=30:d=2',
        '-f',
        'null',
        '-',
      ],
      { durationMs: 2000, onProgress: (f) => seen.push(f) },
    );
    expect(seen.at(-1)).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
  });

  it('kills the child when the signal aborts and rejects with media.aborted', async () => {
    const marker = `reelm-abort-${randomUUID()}`;
    const ac = new AbortController();
    const started = Date.now();
    const run = runner.run(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostdin',
        '-progress',
        'pipe:1',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=s=64x64:r=10:d=30',
        '-metadata',
        `title=${marker}`,
        '-f',
        'null',
        '-',
      ],
      { durationMs: 60_000, onProgress: () => ac.abort(), signal: ac.signal },
    );
    const err = await run.catch((e: unknown) => e);
    expect((err as FfmpegError).code).toBe('media.aborted');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(processWith(marker)).toBe(false);
  });

  it('does not start at all when the signal is already aborted', async () => {
    const err = await runner.run('ffmpeg', ['-version'], { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((err as FfmpegError).code).toBe('media.aborted');
  });

  it('says how to install a missing binary', async () => {
    const err = await runner.run('/nonexistent/ffmpeg', ['-version']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegMissingError);
    expect((err as FfmpegMissingError).code).toBe('media.ffmpeg_missing');
    expect((err as Error).message).toBe(
      "ffmpeg was not found at '/nonexistent/ffmpeg'. Install it with: sudo apt-get install -y ffmpeg (or set REELM_FFMPEG)",
    );
  });
});

describe('checkFfmpeg', () => {
  it('returns both version lines when the tools are installed', async () => {
    const v = await checkFfmpeg('ffmpeg', 'ffprobe');
    expect(v.ffmpeg).toMatch(/^ffmpeg version/);
    expect(v.ffprobe).toMatch(/^ffprobe version/);
  });

  it('names the missing tool and the setting', async () => {
    await expect(checkFfmpeg('ffmpeg-not-installed', 'ffprobe')).rejects.toThrow(
      "ffmpeg was not found at 'ffmpeg-not-installed'. Install it with: sudo apt-get install -y ffmpeg (or set REELM_FFMPEG)",
    );
    await expect(checkFfmpeg('ffmpeg', '/opt/none/ffprobe')).rejects.toThrow(
      "ffprobe was not found at '/opt/none/ffprobe'. Install it with: sudo apt-get install -y ffmpeg (or set REELM_FFPROBE)",
    );
  });

  it('refuses an ffmpeg without libx264', async () => {
    const fake = {
      run: async (_bin: string, args: readonly string[]) => ({
        stdout: args.includes('-version')
          ? 'ffmpeg version fake\n'
          : args.includes('-encoders')
            ? ' A..... aac  AAC\n'
            : ' E hls  Apple HTTP Live Streaming\n',
        stderrTail: '',
      }),
    };
    await expect(checkFfmpeg('ffmpeg', 'ffprobe', fake)).rejects.toThrow(/lacks the libx264 encoder/);
  });
});
