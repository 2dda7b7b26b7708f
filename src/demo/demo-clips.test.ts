import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEMO_CLIPS, DEMO_USERS, demoClipArgs } from './demo-clips.js';

const run = promisify(execFile);

describe('demo clips', () => {
  it('are written by demo users, and every generator graph renders with the installed ffmpeg', async () => {
    const handles = new Set<string>(DEMO_USERS.map((u) => u.handle));
    const dir = mkdtempSync(join(tmpdir(), 'reelm-demo-test-'));
    try {
      for (const [i, clip] of DEMO_CLIPS.entries()) {
        expect(handles.has(clip.author)).toBe(true);
        const out = join(dir, `c${i}.mp4`);
        await run('ffmpeg', demoClipArgs(clip, 0.2, out));
        expect(statSync(out).size).toBeGreaterThan(1000);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
