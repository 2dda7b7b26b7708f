import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/jobs/workers.js';
import type { JobRunner } from '../../src/jobs/worker.js';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.js';
import { startTestApp, tempDir, type TestApp } from '../helpers/app.js';

/**
 * The path a new person takes, in a real browser against a real server: sign up, upload a clip, watch it
 * process, see it play in the feed, like and comment; then a second person follows the author and finds
 * the clip in Following.
 */
describe('the web app in Chromium', () => {
  let t: TestApp;
  let worker: JobRunner;
  let base = '';
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  const clip = join(tempDir('reelm-web-clip-'), 'my-first-clip.mp4');

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=360x640:r=30:d=3',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:duration=3',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      clip,
    ]);
    t = await startTestApp();
    worker = startWorkers(t.ctx, undefined, { pollMs: 50 });
    // Fastify answers with the address it listens on.
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });

  afterAll(async () => {
    await closeBrowser?.();
    await worker?.stop();
    await t?.destroy();
  });

  async function signupIn(page: Page, handle: string, country: string) {
    await page.goto(`${base}/signup`);
    await page.fill('input[name=handle]', handle);
    await page.fill('input[name=password]', 'a long enough passphrase');
    await page.fill('input[name=email]', `${handle}@example.org`);
    await page.fill('input[name=birthdate]', '1996-03-04');
    await page.selectOption('select[name=country]', country);
    await page.click('[data-testid=signup-submit]');
    await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
  }

  async function loginIn(page: Page, handle: string) {
    await page.goto(`${base}/login`);
    await page.fill('input[name=handle]', handle);
    await page.fill('input[name=password]', 'a long enough passphrase');
    await page.click('[data-testid=login-submit]');
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  }

  async function playing(page: Page, videoId: string) {
    // .first(): on an instance this small For You goes on by showing the clip again (rewatching).
    const item = page.locator(`[data-testid=feed-item][data-video-id="${videoId}"]`).first();
    await item.waitFor();
    // Runs in the page: the clip's <video> has decoded frames and its clock is moving.
    await page.waitForFunction(
      (id: string) => {
        const v = (globalThis as any).document.querySelector(`[data-testid=feed-item][data-video-id="${id}"] video`);
        return !!v && v.currentTime > 0.3 && v.videoWidth > 0;
      },
      videoId,
      { timeout: 30_000 },
    );
    return item;
  }

  it('signs up, uploads, processes, plays, likes, comments; a follower sees it in Following', async () => {
    const author = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await author.newPage();
    await signupIn(page, 'web_author', 'US');

    await page.goto(`${base}/upload`);
    await page.setInputFiles('[data-testid=upload-input]', clip);
    await page.fill('[data-testid=upload-caption]', 'My first clip #firstclip');
    await page.screenshot({ path: join(ARTIFACTS, 'upload.png') });
    await page.click('[data-testid=upload-submit]');
    await page.locator('[data-testid=processing-status][data-status=ready]').waitFor({ timeout: 90_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'processed.png') });
    const videoId = (await page.locator('[data-testid=processing-view]').getAttribute('href'))!.split('/').pop()!;
    expect(videoId).toBeTruthy();

    // Your own clip opens in the same player from the processing screen (For You shows other people's).
    await page.click('[data-testid=processing-view]');
    const item = await playing(page, videoId);
    await page.screenshot({ path: join(ARTIFACTS, 'watch.png') });

    await item.locator('[data-testid=like-button]').click();
    await expect
      .poll(async () => (await t.app.inject({ method: 'GET', url: `/api/v1/videos/${videoId}` })).json().stats.likes)
      .toBe(1);

    await item.locator('[data-testid=comment-button]').click();
    await page.fill('[data-testid=comment-input]', 'First!');
    await page.click('[data-testid=comment-submit]');
    await page.locator('[data-testid=comment]', { hasText: 'First!' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'comments.png') });
    const comments = await t.app.inject({ method: 'GET', url: `/api/v1/videos/${videoId}/comments` });
    expect(comments.json().items.map((c: { text: string }) => c.text)).toContain('First!');

    const fan = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const fanPage = await fan.newPage();
    await signupIn(fanPage, 'web_fan', 'AU');
    // A new clip reaches a first audience through For You, across regions.
    await fanPage.goto(`${base}/`);
    await playing(fanPage, videoId);
    await fanPage.screenshot({ path: join(ARTIFACTS, 'feed-desktop.png') });
    await fanPage.goto(`${base}/@web_author`);
    await fanPage.locator('[data-testid=follow-button]').first().click();
    await expect
      .poll(async () => (await t.app.inject({ method: 'GET', url: '/api/v1/users/web_author' })).json().stats.followers)
      .toBe(1);
    await fanPage.screenshot({ path: join(ARTIFACTS, 'profile.png') });

    await fanPage.goto(`${base}/`);
    await fanPage.click('[data-testid=tab-following]');
    await playing(fanPage, videoId);
    await fanPage.screenshot({ path: join(ARTIFACTS, 'following.png') });
    await author.close();
    await fan.close();
  }, 180_000);

  it('a private account approves a follow request; the follower then plays the followers-only clip', async () => {
    // Set up through the API: a private EU account with a followers-only clip, and a US account that wants in.
    const api = (path: string, init: RequestInit & { token?: string } = {}) =>
      fetch(`${base}/api/v1${path}`, {
        ...init,
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.body && !(init.body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
        },
      });
    const account = async (handle: string, country: string) => {
      const body = JSON.stringify({
        handle,
        password: 'a long enough passphrase',
        email: `${handle}@example.org`,
        birthdate: '1990-01-02',
        country,
      });
      expect((await api('/accounts', { method: 'POST', body })).status).toBe(201);
      return (
        (await (
          await api('/sessions', {
            method: 'POST',
            body: JSON.stringify({ handle, password: 'a long enough passphrase' }),
          })
        ).json()) as { token: string }
      ).token;
    };
    const owner = await account('quiet_owner', 'DE');
    await account('keen_fan', 'US');
    expect(
      (await api('/me/privacy', { method: 'PATCH', token: owner, body: JSON.stringify({ privateAccount: true }) }))
        .status,
    ).toBe(200);
    const form = new FormData();
    form.set('caption', 'for my people only #inner');
    form.set('visibility', 'followers');
    form.set('file', new Blob([readFileSync(clip)], { type: 'video/mp4' }), 'inner.mp4');
    const upload = await api('/videos', { method: 'POST', token: owner, body: form });
    expect(upload.status).toBe(202);
    const { id: videoId } = (await upload.json()) as { id: string };
    await expect
      .poll(
        async () => ((await (await api(`/videos/${videoId}`, { token: owner })).json()) as { status: string }).status,
        { timeout: 60_000, interval: 250 },
      )
      .toBe('ready');

    const fanContext = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const fan = await fanContext.newPage();
    await loginIn(fan, 'keen_fan');
    // Before: the clip's link leads nowhere, and the profile is locked.
    await fan.goto(`${base}/v/${videoId}`);
    await fan.getByText("This clip isn't available.").waitFor();
    expect(await fan.locator('[data-testid=feed-item]').count()).toBe(0);
    await fan.goto(`${base}/@quiet_owner`);
    const follow = fan.locator('[data-testid=follow-button]');
    await expect.poll(() => follow.textContent()).toBe('Follow');
    await follow.click();
    await expect.poll(() => follow.textContent()).toBe('Requested');
    // The button reads the server's state: still requested after a reload.
    await fan.reload();
    await expect.poll(() => fan.locator('[data-testid=follow-button]').textContent()).toBe('Requested');
    await fan.screenshot({ path: join(ARTIFACTS, 'follow-requested.png') });

    const ownerContext = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const ownerPage = await ownerContext.newPage();
    await loginIn(ownerPage, 'quiet_owner');
    await ownerPage.goto(`${base}/inbox`);
    const request = ownerPage.locator('[data-testid=follow-request][data-handle=keen_fan]');
    await request.waitFor();
    await ownerPage.screenshot({ path: join(ARTIFACTS, 'follow-request.png') });
    await request.locator('[data-testid=follow-approve]').click();
    await request.waitFor({ state: 'detached' });

    await fan.reload();
    await expect.poll(() => fan.locator('[data-testid=follow-button]').textContent()).toBe('Following');
    await fan.goto(`${base}/v/${videoId}`);
    await playing(fan, videoId);
    await fan.screenshot({ path: join(ARTIFACTS, 'followers-only.png') });
    await fanContext.close();
    await ownerContext.close();
  }, 120_000);

  it('lets a visitor watch For You without an account and asks to sign up to like', async () => {
    const visitor = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await visitor.newPage();
    await page.goto(`${base}/`);
    const first = page.locator('[data-testid=feed-item]').first();
    await first.waitFor();
    await first.locator('[data-testid=like-button]').click();
    await page.locator('[data-testid=auth-prompt]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'visitor.png') });
    await visitor.close();
  }, 60_000);
});
