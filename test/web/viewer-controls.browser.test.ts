import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, signInPage } from '../helpers/browser.js';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

type User = Awaited<ReturnType<typeof signup>>;

/**
 * What a signed-in viewer can do from the web app with what the server offers: the "…" menu (speed, not interested,
 * copy link), seeking, block and mute and the people lists on a profile, muted words and the language in settings,
 * and a comment sheet that says at once when comments are off.
 */
describe('viewer controls in Chromium', () => {
  let t: TestApp;
  let base = '';
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let maker: User;
  let viewer: User;
  const clips: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestApp({ overrides: { feeds: { pools: { ttlMs: 0 } } } });
    maker = await signup(t.app, { handle: 'controls_maker', country: 'US' });
    viewer = await signup(t.app, { handle: 'controls_viewer', country: 'US' });
    const fan = await signup(t.app, { handle: 'controls_fan', country: 'AU' });
    for (const caption of ['spoilers ahead #movies', 'a quiet walk #nature'])
      clips.push((await publishTestVideo(t.ctx, maker, { caption, media: true })).id);
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/controls_maker/follow', headers: bearer(fan.token) });
    // Fastify answers with the address it listens on.
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await t?.destroy();
  });

  async function signedIn(user: User): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'en-US' });
    const page = await context.newPage();
    await signInPage(page, base, user.handle);
    return { context, page };
  }

  it('changes speed, seeks, and says "not interested" from a clip', async () => {
    const { context, page } = await signedIn(viewer);
    await page.goto(`${base}/v/${clips[0]}`);
    await page.waitForFunction(() => {
      const v = (globalThis as any).document.querySelector('[data-testid=feed-item][data-active=true] video');
      return v && v.currentTime > 0.1;
    });
    const item = page.locator('[data-testid=feed-item][data-active=true]');
    await item.locator('[data-testid=more-button]').click();
    await page.locator('[data-testid="menu-rate-1.5"]').click();
    await page.waitForFunction(() => {
      const v = (globalThis as any).document.querySelector('[data-testid=feed-item][data-active=true] video');
      return v?.playbackRate === 1.5;
    });
    await page.keyboard.press('Escape');
    // Seeking: a click at 80% of the bar moves the clip there (read when it seeks: a 1 s clip loops at once).
    await page.evaluate(() => {
      const g = globalThis as any;
      const v = g.document.querySelector('[data-testid=feed-item][data-active=true] video');
      // The clip's own loop seeks to 0 too: only a seek into the clip counts.
      v.addEventListener('seeking', () => {
        if (v.currentTime > 0.05 * v.duration) g.seekedTo ??= v.currentTime / v.duration;
      });
    });
    const bar = item.locator('[data-testid=seekbar]');
    const box = (await bar.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.8, box.y + box.height / 2);
    const seekedTo = (await page.waitForFunction(() => (globalThis as any).seekedTo)).jsonValue();
    expect(await seekedTo).toBeGreaterThan(0.7);
    expect(await seekedTo).toBeLessThan(0.9);
    await item.locator('[data-testid=more-button]').click();
    await page.locator('[data-testid=menu-not-interested]').click();
    await page.locator('text=you will see fewer clips like this').waitFor();
    const rows = await t.ctx.cells.get('us').db.selectFrom('not_interested').selectAll().execute();
    expect(rows.map((r) => [r.user_id, r.video_id])).toEqual([[viewer.id, clips[0]]]);
    await context.close();
  }, 90_000);

  it('leaves Duet out of a feed card’s menu when its author turned duets off', async () => {
    const off = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/videos/${clips[1]}`,
      headers: bearer(maker.token),
      payload: { allowDuets: false },
    });
    expect(off.statusCode).toBe(200);
    // A visitor's For You: both clips are cards read from the public index.
    const context = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    const menuOf = async (id: string) => {
      await page.locator(`[data-testid=feed-item][data-video-id="${id}"] [data-testid=more-button]`).first().click();
      const menu = page.locator('dialog[open][data-testid=clip-menu]');
      await menu.locator('[data-testid=menu-stitch]').waitFor();
      const entries = {
        duet: await menu.locator('[data-testid=menu-duet]').count(),
        stitch: await menu.locator('[data-testid=menu-stitch]').count(),
      };
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'hidden' });
      return entries;
    };
    await page.locator('[data-testid=feed-item]').first().waitFor();
    const seen = new Map<string, { duet: number; stitch: number }>();
    for (const id of clips) seen.set(id, await menuOf(id));
    expect(seen.get(clips[1]!)).toEqual({ duet: 0, stitch: 1 });
    expect(seen.get(clips[0]!)).toEqual({ duet: 1, stitch: 1 });
    await context.close();
  }, 60_000);

  it('lists followers behind the count, and blocks and mutes from the profile', async () => {
    const { context, page } = await signedIn(viewer);
    await page.goto(`${base}/@controls_maker`);
    await page.waitForFunction(() => (globalThis as any).document.title === '@controls_maker · Reelm');
    await page.locator('[data-testid=profile-followers]').click();
    await page.locator('[data-testid=people-sheet] >> text=@controls_fan').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=mute-button]').click();
    await page.locator('[data-testid=mute-button]', { hasText: 'Unmute' }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.locator('[data-testid=block-button]').click();
    await page.locator('[data-testid=block-button]', { hasText: 'Unblock' }).waitFor();
    const us = t.ctx.cells.get('us').db;
    expect((await us.selectFrom('mutes').selectAll().where('user_id', '=', viewer.id).execute()).length).toBe(1);
    expect((await us.selectFrom('blocks').selectAll().where('blocker_id', '=', viewer.id).execute()).length).toBe(1);
    await page.locator('[data-testid=block-button]').click();
    await page.locator('[data-testid=block-button]', { hasText: /^Block$/ }).waitFor();
    await context.close();
  }, 60_000);

  it('keeps muted words and the language in settings, and the comment sheet says when comments are off', async () => {
    const { context, page } = await signedIn(viewer);
    await page.goto(`${base}/settings`);
    const words = page.locator('[data-testid=settings-muted-words] textarea');
    await words.fill('spoilers\n#movies');
    await page.locator('[data-testid=settings-muted-words] button[type=submit]').click();
    await page.locator('text=Saved').first().waitFor();
    const saved = await t.app.inject({ method: 'GET', url: '/api/v1/me/muted-words', headers: bearer(viewer.token) });
    expect(saved.json()).toEqual({ words: ['spoilers', '#movies'] });
    // German, stored with the account: the app reloads in it, and the choice follows the account to a new browser.
    await Promise.all([page.waitForEvent('load'), page.selectOption('[data-testid=settings-language]', 'de')]);
    await page.locator('h1', { hasText: 'Einstellungen' }).waitFor();
    const other = await signedIn(viewer);
    await other.page.goto(`${base}/settings`);
    await other.page.locator('h1', { hasText: 'Einstellungen' }).waitFor({ timeout: 15_000 });
    await other.context.close();
    await Promise.all([page.waitForEvent('load'), page.selectOption('[data-testid=settings-language]', '')]);
    await page.locator('h1', { hasText: 'Settings' }).waitFor();

    await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me/privacy',
      headers: bearer(maker.token),
      payload: { whoCanComment: 'no_one' },
    });
    await page.goto(`${base}/v/${clips[1]}`);
    await page.locator('[data-testid=feed-item][data-active=true] [data-testid=comment-button]').click();
    await page.locator('[data-testid=comments-closed]', { hasText: 'turned comments off' }).waitFor();
    expect(await page.locator('[data-testid=comment-input]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'comments-off.png') });
    await context.close();
  }, 90_000);
});
