import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, signInPage } from '../helpers/browser.js';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

type User = Awaited<ReturnType<typeof signup>>;

const VTT = 'WEBVTT\n\n00:00:00.000 --> 00:01:00.000\nHello from the edit sheet\n';

/** What an author does from the web app: captions through the edit sheet (and the CC button), drafts, a picture. */
describe('creator tools in Chromium', () => {
  let t: TestApp;
  let base = '';
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let maker: User;
  let clipId: string;
  let draftId: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestApp();
    maker = await signup(t.app, { handle: 'tools_maker', country: 'US' });
    clipId = (await publishTestVideo(t.ctx, maker, { caption: 'captioned clip', media: true })).id;
    draftId = (await publishTestVideo(t.ctx, maker, { caption: 'still a draft', media: true })).id;
    const draft = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/videos/${draftId}`,
      headers: bearer(maker.token),
      payload: { draft: true },
    });
    expect(draft.statusCode).toBe(200);
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

  it('uploads captions in the edit sheet; the CC button shows their cues', async () => {
    const { context, page } = await signedIn(maker);
    await page.goto(`${base}/v/${clipId}`);
    const item = page.locator('[data-testid=feed-item][data-active=true]');
    await item.locator('video').waitFor();
    expect(await item.locator('[data-testid=cc-button]').count()).toBe(0);
    await item.locator('[data-testid=more-button]').click();
    await page.locator('[data-testid=menu-edit]').click();
    const sheet = page.locator('[data-testid=edit-sheet]');
    await sheet.locator('[data-testid=edit-captions-lang]').fill('en');
    await sheet
      .locator('[data-testid=edit-captions-file]')
      .setInputFiles({ name: 'captions.vtt', mimeType: 'text/vtt', buffer: Buffer.from(VTT) });
    await sheet.locator('[data-testid=edit-caption-en]').waitFor();
    await page.keyboard.press('Escape');

    await item.locator('[data-testid=cc-button]').click();
    const cue = await page.waitForFunction(
      () => {
        const v = (globalThis as any).document.querySelector('[data-testid=feed-item][data-active=true] video');
        const track = v?.textTracks?.[0];
        return track?.mode === 'showing' && track.activeCues?.length > 0 ? track.activeCues[0].text : null;
      },
      undefined,
      { timeout: 15_000 },
    );
    expect(await cue.jsonValue()).toBe('Hello from the edit sheet');
    await page.screenshot({ path: join(ARTIFACTS, 'captions-cc.png') });
    // The server has them too, in the master playlist.
    const video = (await t.app.inject({ method: 'GET', url: `/api/v1/videos/${clipId}` })).json();
    expect(video.captions).toHaveLength(1);
    await context.close();
  });

  it('shows drafts in their own tab and publishes one from the edit sheet', async () => {
    const { context, page } = await signedIn(maker);
    await page.goto(`${base}/@tools_maker`);
    await page.locator('[data-testid=profile-tab-drafts]').click();
    // The Clips tab shows the draft too (marked so): the Drafts tab shows it alone.
    await page.waitForFunction(() => {
      const d = (globalThis as any).document;
      const panel = d.querySelector('[role=tabpanel][aria-label=Drafts]');
      return (
        panel?.querySelectorAll('.video-grid li').length === 1 && !!panel.querySelector('[data-testid=grid-draft]')
      );
    });
    await page.locator('.video-grid li a').first().click();
    const item = page.locator('[data-testid=feed-item][data-active=true]');
    await item.locator('[data-testid=more-button]').click();
    await page.locator('[data-testid=menu-edit]').click();
    await page.locator('[data-testid=edit-unpublished]').waitFor();
    await page.waitForTimeout(400); // the sheet's slide-in, for the picture
    await page.screenshot({ path: join(ARTIFACTS, 'edit-sheet.png') });
    // Scheduled an hour ahead (a local time, as the picker gives it), then published now after all.
    const local = await page.evaluate(() => {
      const d = new Date(Date.now() + 3600_000);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    });
    await page.locator('[data-testid=edit-schedule]').fill(local);
    await page.locator('[data-testid=edit-schedule-save]').click();
    await page.locator('[data-testid=edit-unpublished]', { hasText: 'Scheduled for' }).waitFor();
    const scheduled = await t.app.inject({
      method: 'GET',
      url: `/api/v1/videos/${draftId}`,
      headers: bearer(maker.token),
    });
    expect(Math.abs(Date.parse(scheduled.json().scheduledFor) - Date.now() - 3600_000)).toBeLessThan(120_000);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/videos/${draftId}` })).statusCode).toBe(404);
    await page.locator('[data-testid=edit-publish]').click();
    await page.locator('[data-testid=edit-unpublished]').waitFor({ state: 'detached' });
    const visitor = await t.app.inject({ method: 'GET', url: `/api/v1/videos/${draftId}` });
    expect(visitor.statusCode).toBe(200);
    await context.close();
  });

  it('sets and removes a profile picture in settings', async () => {
    const { context, page } = await signedIn(maker);
    await page.goto(`${base}/settings`);
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3366ff' } })
      .png()
      .toBuffer();
    await page
      .locator('[data-testid=avatar-file]')
      .setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png });
    const img = page.locator('section[aria-labelledby=s-avatar] img.avatar');
    await img.waitFor();
    expect(await img.getAttribute('src')).toMatch(/^\/avatars\/us\/.+\/400\.webp$/);
    const me = (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(maker.token) })).json();
    expect(me.avatarUrl).toMatch(/\/100\.webp$/);
    await page.locator('[data-testid=avatar-remove]').click();
    await img.waitFor({ state: 'detached' });
    await context.close();
  });
});
