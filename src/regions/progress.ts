import type { Writable } from 'node:stream';

/** Progress of a long operation: a redrawn line on a terminal, one line per step otherwise. */
export interface Progress {
  step(label: string, total?: number): void;
  tick(n?: number): void;
  done(note?: string): void;
}

export const silentProgress: Progress = { step() {}, tick() {}, done() {} };

/** A dependency-free progress line on stderr (TTY-aware: a bar when interactive, plain lines when piped). */
export function progressLine(stream: Writable & { isTTY?: boolean } = process.stderr): Progress {
  let label = '';
  let total = 0;
  let count = 0;
  let last = 0;
  const draw = () => {
    if (!stream.isTTY) return;
    const now = Date.now();
    if (now - last < 80 && count < total) return;
    last = now;
    const width = 24;
    const filled = total > 0 ? Math.round((Math.min(count, total) / total) * width) : 0;
    const bar = total > 0 ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${count}/${total}` : `${count}`;
    stream.write(`\r\x1b[2K${label} ${bar}`);
  };
  return {
    step(l, t = 0) {
      label = l;
      total = t;
      count = 0;
      if (stream.isTTY) draw();
      else stream.write(`${label}…\n`);
    },
    tick(n = 1) {
      count += n;
      draw();
    },
    done(note) {
      if (stream.isTTY) stream.write(`\r\x1b[2K${label} done${note ? ` (${note})` : ''}\n`);
      else stream.write(`${label}: done${note ? ` (${note})` : ''}\n`);
    },
  };
}
