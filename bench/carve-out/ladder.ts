import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSpawnRunner } from '../../src/media/ffmpeg/ffmpeg-runner.js';
import { probeMedia } from '../../src/media/ffmpeg/probe.js';
import { makeSampleClip } from '../../src/media/ffmpeg/sample-clips.js';
import { transcodeToHls } from '../../src/media/ffmpeg/transcode.js';

const LADDER = join(tmpdir(), 'reelm-media-fixtures-v1', 'ladder-180x320-1s');

/** A real HLS ladder of a 1 s clip (the tests' fixture, made once per machine with the real transcoder). */
export async function sampleLadderFor(): Promise<string> {
  if (existsSync(join(LADDER, 'master.m3u8'))) return LADDER;
  const runner = createSpawnRunner();
  const work = `${LADDER}.${process.pid}.tmp`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const input = join(work, 'in.mp4');
  await makeSampleClip(input, { width: 180, height: 320, seconds: 1, audio: true, preset: 'ultrafast' }, runner);
  await transcodeToHls({ input, outDir: join(work, 'hls'), info: await probeMedia(input, runner), runner });
  rmSync(LADDER, { recursive: true, force: true });
  renameSync(join(work, 'hls'), LADDER);
  rmSync(work, { recursive: true, force: true });
  return LADDER;
}
