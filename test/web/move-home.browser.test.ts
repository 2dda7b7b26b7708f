import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/jobs/workers.js';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.js';
import { TEST_MODE, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

const PASSWORD = 'a long enough passphrase';

/**
 * "Move my data" in settings: a wrong password is refused in the form; the right one starts the move, whose
 * progress the page follows until the data lives in the new region, the browser's session still signed in.
 * The page is the same on every store; the move itself runs on cluster stores in test/sovereignty/home-move.test.ts,
 * so this file runs once (embedded), keeping the suite's time.
 */
describe.skipIf(TEST_MODE === 'cluster')('moving home region from the settings page in Chromium', () => {
  let t: TestApp;
  let base = '';
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let worker: ReturnType<typeof startWorkers>;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestApp();
    const user = await signup(t.app, { handle: 'mia_moves', country: 'US' });
    await publishTestVideo(t.ctx, user, { caption: 'packing up', media: true });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    worker = startWorkers(t.ctx, t.ctx.cells.regions(), { pollMs: 20 });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await worker?.stop();
    await t?.destroy();
  });

  it('refuses a wrong password, then moves the data and follows the progress', async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    try {
      await page.goto(`${base}/login?next=/settings`);
      await page.fill('#login-handle', 'mia_moves');
      await page.fill('#login-password', PASSWORD);
      await page.click('[data-testid=login-submit]');
      await page.waitForURL(`${base}/settings`);

      const section = page.locator('[data-testid=settings-move]');
      await expect.poll(() => section.locator('#s-move-country option[value=DE]').count()).toBe(1);
      await section.locator('#s-move-country').selectOption('DE');
      await section.locator('#s-move-pw').fill('not the password at all');
      await section.getByRole('button', { name: 'Move my data' }).click();
      await expect.poll(() => section.locator('[role=alert]').innerText()).toContain('not your password');

      await section.locator('#s-move-pw').fill(PASSWORD);
      await section.getByRole('button', { name: 'Move my data' }).click();
      const status = section.locator('[data-testid=move-status]');
      await expect.poll(() => section.locator('[data-testid=move-frozen]').count()).toBe(1);
      // While the data moves, a change is refused with a message the page can show as it is.
      await expect
        .poll(
          () =>
            page.evaluate(async () => {
              const res = await fetch('/api/v1/me/privacy', {
                method: 'PATCH',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ privateAccount: false }),
              });
              return res.status === 409
                ? ((await res.json()) as { error: { message: string } }).error.message
                : String(res.status);
            }),
          { timeout: 10_000 },
        )
        .toBe('Your data is moving to region eu; try again in a moment.');
      await expect.poll(() => status.getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
      const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
      expect(me).toMatchObject({ handle: 'mia_moves', region: 'eu', email: 'mia_moves@example.org' });
      await expect(page.locator('[data-testid=settings-region]').innerText()).resolves.not.toContain('United States');
    } finally {
      await context.close();
    }
  });
});
