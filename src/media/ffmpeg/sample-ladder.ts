import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSpawnRunner } from './ffmpeg-runner.js';
import { probeMedia } from './probe.js';
import { makeSampleClip } from './sample-clips.js';
import { transcodeToHls } from './transcode.js';

const LADDER = join(tmpdir(), 'reelm-media-fixtures-v1', 'ladder-180x320-1s');

/**
 * A real HLS ladder of a 1 s clip, transcoded once per machine by the real transcoder and reused as the media of
 * fixture clips (tests, benches). Made in a temp folder and renamed into place, so concurrent callers never see half.
 */
export async function sampleLadder(): Promise<string> {
  if (existsSync(join(LADDER, 'master.m3u8'))) return LADDER;
  const runner = createSpawnRunner();
  const work = `${LADDER}.${process.pid}.tmp`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const input = join(work, 'in.mp4');
  await makeSampleClip(input, { width: 180, height: 320, seconds: 1, audio: true, preset: 'ultrafast' }, runner);
  const info = await probeMedia(input, runner);
  await transcodeToHls({ input, outDir: join(work, 'hls'), info, runner });
  rmSync(LADDER, { recursive: true, force: true });
  renameSync(join(work, 'hls'), LADDER);
  rmSync(work, { recursive: true, force: true });
  return LADDER;
}
