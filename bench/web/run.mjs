// Web app benchmark: what a visitor feels on the home feed, in headless Chromium against a real server.
//
//   npm run bench:web                          builds what is stale, starts `reelm start --demo` on a free port
//   node bench/web/run.mjs --url http://127.0.0.1:3100 [--runs 7] [--mobile|--desktop]
//
// Every run is a fresh browser (fresh profile, empty cache) opening `/` as a visitor. It prints, per run and as
// median / worst:
//   first frame   navigation start → the app's `performance.mark('reelm:first-frame')` (the first clip's
//                 `playing` event), and → the first frame presented (requestVideoFrameCallback) as a cross-check
//   next (key)    ArrowDown keydown → the next clip's currentTime advancing
//   next (wheel)  one mouse-wheel notch (120 px) → the clip after that advancing
//   JS before ff  script bytes on the wire (encoded body sizes from Resource Timing) finished before the first
//                 frame, and the same scripts gzipped (-9) here, to show what compression would save
// Targets: first frame ≤ 1000 ms, next clip ≤ 200 ms, ≤ 200 KB gzip of script before the first frame.
// BENCH_DEBUG=1 logs each step's wall time; bench/web/timeline.mjs shows one load as a request waterfall.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    runs: { type: 'string', default: '7' },
    desktop: { type: 'boolean', default: false },
    chromium: { type: 'string', default: process.env.REELM_CHROMIUM ?? '/usr/bin/chromium' },
    json: { type: 'boolean', default: false },
  },
});
const runs = Math.max(1, Number(values.runs));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const viewport = values.desktop ? { width: 1366, height: 768 } : { width: 390, height: 844 };

const log = (...a) => console.error(...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * Starts `reelm start --demo` on a fresh data folder and waits until every demo clip's whole ladder is
 * transcoded (ffmpeg on the same cores would skew every number).
 */
async function startDemo() {
  const prep = spawnSync('node', [join(root, 'scripts/prepare.mjs'), 'start'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (prep.status !== 0) throw new Error('scripts/prepare.mjs start failed');
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'reelm-bench-web-'));
  const child = spawn('node', [join(root, 'bin/reelm.js'), 'start', '--demo', '--port', String(port), '--data', data], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A clip's "transcode done" comes after its whole ladder.
  let output = '';
  let clips = Infinity;
  let transcoded = 0;
  let partial = '';
  const keep = (d) => {
    output = (output + d).slice(-8000);
    const lines = (partial + d).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      if (line.includes('"transcode done"')) transcoded++;
      // The demo's own progress lines ("demo: uploaded clip 3/12 …"), so a slow or failed seed is visible.
      const demo = /"msg":"(demo: [^"]*)"/.exec(line);
      if (demo) log(`  ${demo[1]}`);
      // "demo: uploaded clip 3/12 …": the number of clips to wait for. (Likes and comments are seeded after the
      // transcodes; the numbers here don't depend on them, so a failed seed is only reported.)
      const uploaded = /demo: uploaded clip (\d+)\/(\d+)/.exec(line);
      if (uploaded && uploaded[1] === uploaded[2]) clips = Number(uploaded[2]);
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const stop = () => {
    child.kill('SIGTERM');
    rmSync(data, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  log(`demo server on ${url} (data ${data}); waiting for the demo to be seeded and transcoded…`);
  const deadline = Date.now() + 8 * 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the demo server exited (${child.exitCode}):\n${output.slice(-2000)}`);
    if (transcoded >= clips) {
      const page = await (await fetch(`${url}/api/v1/feed/for-you?limit=12`)).json();
      if ((page.items ?? []).filter((v) => v.status === 'ready' && v.playback?.hls).length >= 3) return { url, stop };
    }
    await sleep(1000);
  }
  stop();
  throw new Error('the demo was not ready within 8 minutes');
}

// Runs in the page before the app: notes when the first feed clip presents its first frame, and timestamps
// the swipes, so the numbers come from the page's own clock (performance.now, navigation start = 0).
function instrument() {
  const w = globalThis;
  w.__bench = { rvfc: null };
  const watch = (v) => {
    if (w.__bench.rvfc !== null || v.__benchWatched || !v.requestVideoFrameCallback) return;
    v.__benchWatched = true;
    const onFrame = (now, meta) => {
      // A paused, preloaded clip may present its first picture; count only frames of a playing clip.
      if (v.paused) return v.requestVideoFrameCallback(onFrame);
      if (w.__bench.rvfc === null) w.__bench.rvfc = meta.presentationTime ?? now;
    };
    v.requestVideoFrameCallback(onFrame);
  };
  /** In the page: resolves with ms from `since` until the clip at `index` is playing with its clock moving. */
  w.__bench.wait = (index, since, timeoutMs) => {
    return new Promise((res) => {
      const sel = `[data-testid=feed-item][data-index="${index}"] video`;
      let base = null;
      const tick = () => {
        const now = performance.now();
        if (now - since > timeoutMs) return res(null);
        const v = document.querySelector(sel);
        if (v && !v.paused && v.readyState >= 2) {
          if (base === null) base = v.currentTime;
          else if (v.currentTime > base) return res(now - since);
        }
        requestAnimationFrame(tick);
      };
      tick();
    });
  };
  /** The next `type` event starts the clock for the clip at `index`; `pending` settles with the time. */
  w.__bench.arm = (type, index) => {
    w.__bench.pending = new Promise((res) =>
      addEventListener(type, (e) => res(w.__bench.wait(index, e.timeStamp, 5000)), {
        once: true,
        capture: true,
        passive: true,
      }),
    );
  };
  new MutationObserver(() => {
    const v = document.querySelector('[data-testid=feed-item][data-index="0"] video, [data-testid=feed-item] video');
    if (v) watch(v);
  }).observe(document, { childList: true, subtree: true });
}

async function runOnce(url, index) {
  const step = (s) => process.env.BENCH_DEBUG && log(new Date().toISOString(), s);
  const browser = await chromium.launch({ executablePath: values.chromium, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({
      viewport,
      isMobile: !values.desktop,
      hasTouch: !values.desktop,
      deviceScaleFactor: values.desktop ? 1 : 3,
    });
    const page = await context.newPage();
    await page.addInitScript(instrument);
    step('goto');
    await page.goto(url + '/', { waitUntil: 'commit' });
    step('committed');
    await page.waitForFunction(() => performance.getEntriesByName('reelm:first-frame').length > 0, undefined, {
      timeout: 30_000,
      polling: 20,
    });
    await page
      .waitForFunction(() => globalThis.__bench.rvfc !== null, undefined, { timeout: 10_000, polling: 20 })
      .catch(() => {});
    step('first frame');
    const first = await page.evaluate(() => {
      const mark = performance.getEntriesByName('reelm:first-frame')[0].startTime;
      const scripts = performance
        .getEntriesByType('resource')
        .filter((e) => /\.m?js(\?|$)/.test(new URL(e.name).pathname) && e.responseEnd <= mark)
        .map((e) => ({ url: e.name, encoded: e.encodedBodySize, decoded: e.decodedBodySize }));
      return { mark, rvfc: globalThis.__bench.rvfc, scripts };
    });

    // Let the first clip play a moment, as a person would before swiping.
    await page.waitForTimeout(800);
    await page.focus('body').catch(() => {});
    // Arm first (awaited), then act: an evaluate that is still pending may run after the input arrives.
    await page.evaluate(() => globalThis.__bench.arm('keydown', 1));
    step('key');
    await page.keyboard.press('ArrowDown');
    const nextKey = await page.evaluate(() => globalThis.__bench.pending);

    await page.waitForTimeout(800);
    await page.mouse.move(viewport.width / 2, viewport.height / 2);
    await page.evaluate(() => globalThis.__bench.arm('wheel', 2));
    step('wheel');
    await page.mouse.wheel(0, 120);
    const nextWheel = await page.evaluate(() => globalThis.__bench.pending);
    return { run: index, firstFrame: first.mark, rvfc: first.rvfc, nextKey, nextWheel, scripts: first.scripts };
  } finally {
    await browser.close();
  }
}

const gzipCache = new Map();
async function gzipSize(url) {
  if (!gzipCache.has(url)) {
    const body = Buffer.from(await (await fetch(url, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
    gzipCache.set(url, gzipSync(body, { level: 9 }).length);
  }
  return gzipCache.get(url);
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const worst = (xs) => (xs.some((x) => x === null) ? null : Math.max(...xs));
const ms = (x) => (x === null ? 'timeout' : `${Math.round(x)} ms`);
const kb = (x) => `${(x / 1024).toFixed(1)} KB`;

const server = values.url ? { url: values.url.replace(/\/$/, ''), stop: () => {} } : await startDemo();
try {
  log(`warm-up run (not counted), then ${runs} runs at ${viewport.width}×${viewport.height}`);
  await runOnce(server.url, 0);
  const results = [];
  for (let i = 1; i <= runs; i++) {
    const r = await runOnce(server.url, i);
    r.wire = r.scripts.reduce((a, s) => a + s.encoded, 0);
    r.raw = r.scripts.reduce((a, s) => a + s.decoded, 0);
    r.gzip = (await Promise.all(r.scripts.map((s) => gzipSize(s.url)))).reduce((a, b) => a + b, 0);
    results.push(r);
    log(
      `run ${i}: first frame ${ms(r.firstFrame)} (rVFC ${ms(r.rvfc)}), next by key ${ms(r.nextKey)}, by wheel ${ms(r.nextWheel)}, ` +
        `JS ${kb(r.wire)} wire / ${kb(r.raw)} raw / ${kb(r.gzip)} gzip in ${r.scripts.length} files`,
    );
  }
  const col = (k) => results.map((r) => r[k]);
  const rows = [
    ['first frame (mark)', col('firstFrame'), 1000, ms],
    ['first frame (rVFC)', col('rvfc'), 1000, ms],
    ['next clip, ArrowDown', col('nextKey'), 200, ms],
    ['next clip, wheel', col('nextWheel'), 200, ms],
    ['JS before first frame, wire', col('wire'), 200 * 1024, kb],
    ['JS before first frame, gzip -9', col('gzip'), 200 * 1024, kb],
  ];
  if (values.json) {
    console.log(
      JSON.stringify(
        { viewport, runs: results.map(({ scripts: _scripts, ...r }) => r), files: results.at(-1)?.scripts },
        null,
        2,
      ),
    );
  } else {
    console.log(`\nReelm web, ${viewport.width}×${viewport.height}, ${runs} runs, fresh Chromium profile each`);
    console.log('metric'.padEnd(32) + 'median'.padStart(12) + 'worst'.padStart(12) + 'target'.padStart(12));
    for (const [name, xs, target, f] of rows) {
      const w = worst(xs);
      const ok = w !== null && w <= target ? '' : '  ✗';
      console.log(
        name.padEnd(32) + f(median(xs)).padStart(12) + f(w).padStart(12) + ('≤ ' + f(target)).padStart(12) + ok,
      );
    }
    console.log('\nscripts before the first frame (last run):');
    for (const s of results.at(-1).scripts)
      console.log(
        `  ${new URL(s.url).pathname.padEnd(44)} ${kb(s.encoded).padStart(10)} wire ${kb(s.decoded).padStart(10)} raw`,
      );
  }
} finally {
  server.stop();
}
