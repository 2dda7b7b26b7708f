/**
 * The demo's clips, made with ffmpeg's own generators so a first run needs nothing from outside:
 * each is a portrait video source with a tone from `aevalsrc`, a caption with hashtags, and an author.
 */
export interface DemoClip {
  author: string;
  caption: string;
  /** lavfi video source graph (portrait 720×1280). */
  video: string;
  /** lavfi audio source expression. */
  audio: string;
}

const S = '720x1280';

export const DEMO_USERS = [
  { handle: 'mira.waves', country: 'US', displayName: 'Mira', bio: 'fractals and synth tones 🌀' },
  { handle: 'jonas_pixel', country: 'DE', displayName: 'Jonas', bio: 'cellular automata every day' },
  { handle: 'kiri.codes', country: 'NZ', displayName: 'Kiri', bio: 'generative art from Aotearoa' },
  { handle: 'ellie_gradient', country: 'AU', displayName: 'Ellie', bio: 'colour fields, slow loops' },
  { handle: 'ravi.loops', country: 'IN', displayName: 'Ravi', bio: 'test patterns are art too' },
] as const;

export const DEMO_CLIPS: DemoClip[] = [
  {
    author: 'mira.waves',
    caption: 'Falling into the mandelbrot set #fractal #math #satisfying',
    video: `mandelbrot=s=${S}:rate=30`,
    audio: 'sin(2*PI*220*t)*0.2+sin(2*PI*330*t)*0.1',
  },
  {
    author: 'jonas_pixel',
    caption: 'Conway would be proud #gameoflife #generative @kiri.codes',
    video: `life=s=360x640:mold=10:r=30:ratio=0.1:death_color=#1d1d3b:life_color=#25f4ee,scale=${S}:flags=neighbor`,
    audio: 'sin(2*PI*(300+50*sin(2*PI*t))*t)*0.2',
  },
  {
    author: 'kiri.codes',
    caption: 'Rule 110, the universal one #cellularautomata #generative',
    video: `cellauto=s=360x640:rule=110:r=30,scale=${S}:flags=neighbor,format=yuv420p`,
    audio: 'sin(2*PI*440*t)*0.15*(1+sin(2*PI*2*t))',
  },
  {
    author: 'ellie_gradient',
    caption: 'Sunset in a gradient #colors #relax #satisfying',
    video: `gradients=s=${S}:c0=#fe2c55:c1=#25f4ee:c2=#ffd166:speed=0.02:r=30`,
    audio: 'sin(2*PI*174*t)*0.25',
  },
  {
    author: 'ravi.loops',
    caption: 'The test card that raised us #testpattern #retro',
    video: `testsrc2=s=${S}:r=30`,
    audio: 'sin(2*PI*1000*t)*0.1',
  },
  {
    author: 'mira.waves',
    caption: 'Deeper zoom, different palette #fractal #zoom',
    video: `mandelbrot=s=${S}:rate=30:start_scale=1.5:end_scale=0.02:outer=normalized_iteration_count`,
    audio: 'sin(2*PI*261.6*t)*0.15+sin(2*PI*329.6*t)*0.1+sin(2*PI*392*t)*0.1',
  },
  {
    author: 'jonas_pixel',
    caption: 'Gliders everywhere #gameoflife #pixels',
    video: `life=s=180x320:mold=5:r=30:ratio=0.3:life_color=#fe2c55,scale=${S}:flags=neighbor`,
    audio: 'sin(2*PI*(200+100*floor(mod(t*4\\,4)))*t)*0.2',
  },
  {
    author: 'kiri.codes',
    caption: 'Rule 30 makes randomness from nothing #cellularautomata #math',
    video: `cellauto=s=360x640:rule=30:r=30,scale=${S}:flags=neighbor,format=yuv420p`,
    audio: 'sin(2*PI*523*t)*0.1*(t-floor(t))',
  },
  {
    author: 'ellie_gradient',
    caption: 'Ocean colour field #colors #relax',
    video: `gradients=s=${S}:c0=#003049:c1=#669bbc:c2=#fdf0d5:speed=0.03:r=30`,
    audio: 'sin(2*PI*110*t)*0.3*(0.6+0.4*sin(2*PI*0.25*t))',
  },
  {
    author: 'ravi.loops',
    caption: 'Colour bars and a beep, for old times #retro #testpattern @mira.waves',
    video: `smptehdbars=s=${S}:r=30`,
    audio: 'sin(2*PI*1000*t)*0.1*lt(mod(t\\,1)\\,0.2)',
  },
  {
    author: 'mira.waves',
    caption: 'Mandelbrot, mellow edition #fractal #relax',
    video: `mandelbrot=s=${S}:rate=30:inner=mincol:end_scale=0.1`,
    audio: 'sin(2*PI*196*t)*0.2',
  },
  {
    author: 'ellie_gradient',
    caption: 'Neon gradient loop #colors #neon #satisfying',
    video: `gradients=s=${S}:c0=#ff00ff:c1=#00ffff:n=2:speed=0.05:r=30`,
    audio: 'sin(2*PI*(330+30*sin(2*PI*0.5*t))*t)*0.2',
  },
];

/** ffmpeg arguments that render one demo clip of `seconds` to `out` (H.264 + AAC MP4). */
export function demoClipArgs(clip: DemoClip, seconds: number, out: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `${clip.video},format=yuv420p`,
    '-f',
    'lavfi',
    '-i',
    `aevalsrc=${clip.audio}:s=44100:d=${seconds}`,
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '20',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-shortest',
    '-movflags',
    '+faststart',
    out,
  ];
}
