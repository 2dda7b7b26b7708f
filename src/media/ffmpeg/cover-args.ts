/** Input of `buildCoverArgs`. */
export interface CoverOptions {
  input: string;
  output: string;
  /** The moment the frame is taken at. */
  atMs: number;
  /** The source's size: the poster is as large as it, up to 720 px on the short edge. */
  width: number;
  height: number;
}

/**
 * ffmpeg arguments for one poster frame at a chosen moment: an input seek (fast, and exact since ffmpeg decodes
 * from the keyframe before it), one frame, scaled like the transcoder's poster, JPEG.
 */
export function buildCoverArgs(o: CoverOptions): string[] {
  const portrait = o.height >= o.width;
  const scale = portrait ? "scale='min(720,iw)':-2" : "scale=-2:'min(720,ih)'";
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-ss',
    (o.atMs / 1000).toFixed(3),
    '-i',
    o.input,
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    '-vf',
    `${scale},setsar=1`,
    '-q:v',
    '3',
    o.output,
  ];
}
