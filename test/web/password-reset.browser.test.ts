import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/jobs/workers.js';
import type { JobRunner } from '../../src/jobs/worker.js';
import { waitForMail } from '../helpers/outbox.js';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.js';
import { signup, startTestApp, type TestApp } from '../helpers/app.js';

/**
 * Forgot password as people meet it: "Forgot password?" on the login page, the mail (from the outbox, the
 * embedded default), the reset page refusing a weak password with the estimator's reason, then signing in.
 */
describe('password reset in Chromium', () => {
  let t: TestApp;
  let base = '';
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let workers: JobRunner;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestApp();
    workers = startWorkers(t.ctx, undefined, { pollMs: 10 });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await workers?.stop();
    await t?.destroy();
  });

  const resetMail = (region: string, userId: string) =>
    waitForMail(t.ctx, region, (e) => e.userId === userId && e.kind === 'password_reset');

  it('asks for a link, resets the password on the linked page and signs in with it', async () => {
    const user = await signup(t.app, { handle: 'rosa_reset', email: 'rosa.reset@example.org', country: 'DE' });
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    try {
      await page.goto(`${base}/login`);
      await page.click('[data-testid=forgot-link]');
      await page.waitForURL('**/forgot-password');
      await page.fill('input[name=who]', 'Rosa.Reset@example.org');
      await page.click('[data-testid=forgot-form] button[type=submit]');
      await page.locator('[data-testid=reset-requested]').waitFor();

      const mail = await resetMail(user.region, user.id);
      expect(mail.to).toBe('rosa.reset@example.org');
      const link = /https?:\/\/\S+\/reset\/\S+/.exec(mail.text)![0];
      await page.goto(base + new URL(link).pathname);

      await page.fill('input[name=password]', 'password12');
      await page.click('[data-testid=reset-form] button[type=submit]');
      await expect.poll(() => page.locator('[data-testid=form-error]').textContent()).toMatch(/commonly used password/);

      await page.fill('input[name=password]', 'lanterns over the silent river');
      await page.click('[data-testid=reset-form] button[type=submit]');
      await page.waitForURL('**/login');

      await page.fill('input[name=handle]', 'rosa_reset');
      await page.fill('input[name=password]', 'lanterns over the silent river');
      await page.click('[data-testid=login-submit]');
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
      // The address was never confirmed: settings say so and offer the link again.
      await page.goto(`${base}/settings`);
      await page.locator('[data-testid=email-unverified]').waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'password-reset-settings.png') });
    } finally {
      await context.close();
    }
  });
});
