import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.js';
import { signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

/**
 * A self-hosted instance on its first day: one creator, three clips. A visitor swipes through all three in the
 * feed and keeps going past a quiet "seen everything new" marker; each tile of the creator's grid opens its own
 * clip, and swiping from there follows the grid's order with the address following the clip on screen.
 */
describe('a one-creator instance in Chromium', () => {
  let t: TestApp;
  let base = '';
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  const clips: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestApp({ overrides: { feeds: { pools: { ttlMs: 0 } } } });
    const solo = await signup(t.app, { handle: 'solo_maker', country: 'US' });
    // Oldest first: the profile grid lists them newest first.
    for (let i = 0; i < 3; i++)
      clips.push(
        (
          await publishTestVideo(t.ctx, solo, {
            caption: `solo clip ${i}`,
            media: true,
            publishedAt: new Date(Date.now() - (3 - i) * 60_000).toISOString(),
          })
        ).id,
      );
    // Fastify answers with the address it listens on.
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await t?.destroy();
  });

  /** The id of the clip whose video is playing (its clock moving), once exactly one is. */
  async function playingId(page: Page): Promise<string> {
    const handle = await page.waitForFunction(
      () => {
        const doc = (globalThis as any).document;
        const playing = [...doc.querySelectorAll('[data-testid=feed-item]')].filter((item: any) => {
          const v = item.querySelector('video');
          return v && !v.paused && v.currentTime > 0.2;
        });
        return playing.length === 1 ? playing[0].dataset.videoId : null;
      },
      undefined,
      { timeout: 30_000 },
    );
    return (await handle.jsonValue()) as string;
  }

  it('swipes through every clip of the one creator, then keeps going with what was seen', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    const seen = new Set<string>();
    seen.add(await playingId(page));
    for (let i = 0; i < 2; i++) {
      await page.keyboard.press('ArrowDown');
      await page.waitForFunction((n: number) => {
        const doc = (globalThis as any).document;
        return doc.querySelectorAll('[data-testid=feed-item]').length > n;
      }, i + 1);
      const id = await page.waitForFunction(
        (known: string[]) => {
          const doc = (globalThis as any).document;
          const v = [...doc.querySelectorAll('[data-testid=feed-item]')].find((item: any) => {
            const video = item.querySelector('video');
            return video && !video.paused && video.currentTime > 0.2 && !known.includes(item.dataset.videoId);
          });
          return v ? v.dataset.videoId : null;
        },
        [...seen],
        { timeout: 30_000 },
      );
      seen.add((await id.jsonValue()) as string);
    }
    expect([...seen].sort()).toEqual([...clips].sort());
    // Past the last new clip: the marker, then clips again rather than a dead end.
    await page.keyboard.press('ArrowDown');
    await page.locator('[data-testid=feed-rewatch]').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid=feed-item]').count()).toBeGreaterThan(3);
    expect(await page.locator('text=You’re all caught up').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'one-creator-feed.png') });
    await context.close();
  }, 90_000);

  it('opens the tapped tile of a grid, any of them, and swipes on in the grid’s order', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    const newestFirst = [...clips].reverse();
    for (const [tile, id] of newestFirst.entries()) {
      await page.goto(`${base}/@solo_maker`);
      await page.locator('.grid-item').nth(tile).click();
      await page.waitForURL(`**/v/${id}`);
      expect(await playingId(page), `tile ${tile}`).toBe(id);
    }
    // From the first tile, swiping follows the grid and the address follows the clip on screen.
    await page.goto(`${base}/@solo_maker`);
    await page.locator('.grid-item').first().click();
    expect(await playingId(page)).toBe(newestFirst[0]);
    await page.keyboard.press('ArrowDown');
    await page.waitForURL(`**/v/${newestFirst[1]}`);
    await page.waitForFunction(
      (id: string) => {
        const doc = (globalThis as any).document;
        const v = doc.querySelector(`[data-testid=feed-item][data-video-id="${id}"] video`);
        return v && !v.paused && v.currentTime > 0.2;
      },
      newestFirst[1]!,
      { timeout: 30_000 },
    );
    await context.close();
  }, 120_000);

  it('shows a grid of one clip full screen', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/v/${clips[0]}`);
    expect(await playingId(page)).toBe(clips[0]);
    const box = await page.locator('[data-testid=feed-item]').first().boundingBox();
    expect(box!.height).toBeGreaterThan(700);
    await context.close();
  }, 60_000);
});
