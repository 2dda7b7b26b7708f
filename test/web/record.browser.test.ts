import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM_ARGS, CHROMIUM_PATH, signInPage } from '../helpers/browser.js';
import { bearer, signup } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';
import { startMediaApp, waitForVideo, isSettled, type MediaTestApp } from '../media/helpers.js';

type User = Awaited<ReturnType<typeof signup>>;

/**
 * Recording in the web app with Chromium's fake camera and microphone (a moving test pattern and a beep): hold to
 * record in two segments, upload through tus, and the clip becomes ready and plays; then a duet from a clip's
 * menu, recorded beside the playing original, published at twice the recording's width.
 */
describe('recording in Chromium', () => {
  let t: MediaTestApp;
  let browser: Browser;
  let creator: User;
  let original: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startMediaApp();
    creator = await signup(t.app, { handle: 'rec_creator', country: 'US' });
    const maker = await signup(t.app, { handle: 'rec_original', country: 'US' });
    original = (await publishTestVideo(t.ctx, maker, { caption: 'duet me', media: true, durationMs: 1000 })).id;
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.destroy();
  });

  async function signedIn(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 }, locale: 'en-US' });
    await context.grantPermissions(['camera', 'microphone'], { origin: t.base });
    const page = await context.newPage();
    await signInPage(page, t.base, creator.handle);
    return page;
  }

  /** Holds the record button for each duration in turn (one segment per hold), then goes on to the preview. */
  async function record(page: Page, holdsMs: number[]): Promise<void> {
    await page.click('[data-testid=upload-tab-record]');
    const button = page.locator('[data-testid=record-hold]');
    await button.waitFor();
    await page.waitForFunction(() => {
      const b = (globalThis as any).document.querySelector('[data-testid=record-hold]');
      return b && !b.disabled;
    });
    const box = (await button.boundingBox())!;
    for (const ms of holdsMs) {
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.waitForTimeout(ms);
      await page.mouse.up();
      await page.waitForTimeout(200);
    }
    const recorder = page.locator('[data-testid=recorder]');
    expect(await recorder.getAttribute('data-segments')).toBe(String(holdsMs.length));
    expect(Number(await recorder.getAttribute('data-recorded-ms'))).toBeGreaterThan(
      holdsMs.reduce((a, b) => a + b) * 0.8,
    );
    await page.click('[data-testid=record-done]');
    await page.locator('[data-testid=upload-preview]').waitFor();
  }

  /** Posts the previewed recording and waits for the clip to be ready; returns its id. */
  async function post(page: Page): Promise<string> {
    await page.click('[data-testid=upload-submit]');
    await page.locator('[data-testid=processing-status][data-status=ready]').waitFor({ timeout: 60_000 });
    await page.click('[data-testid=processing-view]');
    await page.waitForURL((url) => url.pathname.startsWith('/v/'));
    return new URL(page.url()).pathname.split('/').pop()!;
  }

  it('records two segments with the camera, uploads them, and the clip plays', async () => {
    const page = await signedIn();
    await page.goto(`${t.base}/upload`);
    await record(page, [800, 600]);
    const id = await post(page);
    await page.waitForFunction(
      () => {
        const v = (globalThis as any).document.querySelector('[data-testid=feed-item][data-active=true] video');
        return v && v.currentTime > 0.2;
      },
      undefined,
      { timeout: 20_000 },
    );
    const video = await waitForVideo(t, id, bearer(creator.token), isSettled);
    expect(video).toMatchObject({ status: 'ready', width: 540, height: 960, duetOf: null });
    expect(video.durationMs).toBeGreaterThan(1000);
    expect(video.durationMs).toBeLessThan(2800);
    expect(video.sound).not.toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'recorded.png') });
    await page.context().close();
  }, 90_000);

  it('records a duet from a clip’s menu beside the playing original', async () => {
    const page = await signedIn();
    await page.goto(`${t.base}/v/${original}`);
    const item = page.locator('[data-testid=feed-item][data-active=true]');
    await item.locator('[data-testid=more-button]').click();
    await page.click('[data-testid=menu-duet]');
    await page.waitForURL((url) => url.pathname === '/upload' && url.searchParams.get('duet') === original);
    await page.locator('[data-testid=upload-made-with]').waitFor();
    expect(await page.locator('[data-testid=upload-made-with]').textContent()).toContain('@rec_original');
    await page.click('[data-testid=upload-tab-record]');
    await page.locator('[data-testid=recorder-original]').waitFor();
    await record(page, [800]);
    const id = await post(page);
    const video = await waitForVideo(t, id, bearer(creator.token), isSettled);
    expect(video).toMatchObject({ status: 'ready', width: 1080, height: 960 });
    expect(video.duetOf).toEqual({ id: original, author: { id: expect.any(String), handle: 'rec_original' } });
    await page.context().close();
  }, 90_000);
});
