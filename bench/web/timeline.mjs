// One cold load of the home feed, as a waterfall up to the first frame: every request (start → end, ms since
// navigation) and the first clip's media events. For finding where bench/web/run.mjs's first-frame time goes.
//   node bench/web/timeline.mjs [http://127.0.0.1:3000]
import { chromium } from 'playwright-core';
const url = process.argv[2] ?? 'http://127.0.0.1:3117';
const browser = await chromium.launch({
  executablePath: process.env.REELM_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const ctx = await browser.newContext({
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 3,
});
const page = await ctx.newPage();
await page.addInitScript(() => {
  globalThis.__ev = [];
  for (const type of ['loadstart', 'loadedmetadata', 'loadeddata', 'canplay', 'play', 'playing', 'waiting'])
    addEventListener(
      type,
      (e) => {
        if (e.target.closest?.('[data-index="0"]'))
          globalThis.__ev.push(`${performance.now().toFixed(0).padStart(5)}   video0 ${type}`);
      },
      true,
    );
});
await page.goto(url + '/', { waitUntil: 'commit' });
await page.waitForFunction(() => performance.getEntriesByName('reelm:first-frame').length > 0);
const out = await page.evaluate(() => {
  const ff = performance.getEntriesByName('reelm:first-frame')[0].startTime;
  const nav = performance.getEntriesByType('navigation')[0];
  const rows = performance
    .getEntriesByType('resource')
    .filter((e) => e.startTime < ff + 50)
    .map(
      (e) =>
        `${e.startTime.toFixed(0).padStart(5)} → ${e.responseEnd.toFixed(0).padStart(5)}  ${e.initiatorType.padEnd(14)} ${new URL(e.name).pathname.slice(0, 70)}`,
    );
  return [
    ...globalThis.__ev,
    `nav responseEnd ${nav.responseEnd.toFixed(0)} domInteractive ${nav.domInteractive.toFixed(0)} DCL ${nav.domContentLoadedEventEnd.toFixed(0)}`,
    ...rows,
    `first frame ${ff.toFixed(0)}`,
  ].join('\n');
});
console.log(out);
await browser.close();
