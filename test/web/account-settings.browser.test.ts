import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/jobs/workers.js';
import type { JobRunner } from '../../src/jobs/worker.js';
import { waitForMail } from '../helpers/outbox.js';
import { ARTIFACTS, launchBrowser, signInPage } from '../helpers/browser.js';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';

/**
 * The account section of settings as people meet it: changing the address (the server's refusal in the form, then
 * the link mailed to the new address, opened in the page, and the address shown as confirmed), and changing the
 * password (a wrong current one refused; the right one signs every other session out).
 */
describe('account settings in Chromium', () => {
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

  /** The verification mail to this address in the user's home cell's outbox (the embedded default). */
  const mailTo = (region: string, userId: string, to: string) =>
    waitForMail(
      t.ctx,
      region,
      (e) => e.userId === userId && e.kind === 'email_verification',
      (m) => m.to.toLowerCase() === to.toLowerCase(),
    );

  async function signedIn(handle: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    await signInPage(page, base, handle);
    return { context, page };
  }

  it('changes the address: a wrong password is refused, the link mailed to the new one confirms it', async () => {
    const user = await signup(t.app, { handle: 'emma_email', country: 'DE' });
    const { context, page } = await signedIn('emma_email');
    try {
      await page.goto(`${base}/settings`);
      const section = page.locator('[aria-labelledby=s-account]');
      await expect
        .poll(() => section.locator('[data-testid=settings-email-address]').innerText())
        .toBe('emma_email@example.org');
      await section.locator('[data-testid=email-change-open]').click();
      const form = section.locator('[data-testid=change-email]');
      await form.locator('input[name=email]').fill('Emma.New@example.org');
      await form.locator('input[name=password]').fill('not my passphrase at all');
      await form.locator('button[type=submit]').click();
      await expect.poll(() => form.locator('[data-testid=form-error]').innerText()).toBe('The password is wrong.');

      await form.locator('input[name=password]').fill('a long enough passphrase');
      await form.locator('button[type=submit]').click();
      await section.locator('[data-testid=email-change-sent]', { hasText: 'Emma.New@example.org' }).waitFor();
      expect(await section.locator('[data-testid=settings-email-address]').innerText()).toBe('Emma.New@example.org');
      expect(await section.locator('[data-testid=settings-email-status]').getAttribute('data-verified')).toBe('false');
      await page.locator('[data-testid=email-unverified]').waitFor();

      // A link that is not one is refused on the page; the mailed one confirms the new address.
      await page.goto(`${base}/verify-email/not-a-real-token`);
      await page.locator('[data-testid=form-error]').waitFor();
      const mail = await mailTo(user.region, user.id, 'emma.new@example.org');
      const link = /https?:\/\/\S+\/verify-email\/\S+/.exec(mail.text)![0];
      await page.goto(base + new URL(link).pathname);
      await page.locator('[data-testid=email-verified]').waitFor();

      await page.goto(`${base}/settings`);
      const status = section.locator('[data-testid=settings-email-status]');
      await expect.poll(() => status.getAttribute('data-verified')).toBe('true');
      expect(await status.innerText()).toBe('(Confirmed)');
      expect(await page.locator('[data-testid=email-unverified]').count()).toBe(0);
      await page
        .locator('[aria-labelledby=s-account]')
        .screenshot({ path: join(ARTIFACTS, 'settings-email-confirmed.png') });
    } finally {
      await context.close();
    }
  }, 30_000);

  it('changes the password: a wrong current one is refused, the right one signs the other sessions out', async () => {
    const user = await signup(t.app, { handle: 'paul_password', country: 'US' });
    const { context, page } = await signedIn('paul_password');
    const other = await signedIn('paul_password');
    try {
      await page.goto(`${base}/settings`);
      const form = page.locator('[data-testid=change-password]');
      await form.locator('input[name=currentPassword]').fill('a wrong guess of a passphrase');
      await form.locator('input[name=newPassword]').fill('copper kettles sing at dawn');
      await form.locator('button[type=submit]').click();
      await expect.poll(() => form.locator('[data-testid=form-error]').innerText()).toMatch(/password is wrong/i);
      // Refused: every session still works.
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(user.token) })).statusCode).toBe(
        200,
      );

      await form.locator('input[name=currentPassword]').fill('a long enough passphrase');
      await form.locator('button[type=submit]').click();
      await page.locator('text=Your password is changed').waitFor();
      expect(await form.locator('[data-testid=form-error]').count()).toBe(0);

      // This browser stays signed in; the API client's session and the other browser's are over.
      expect(await page.evaluate(async () => (await fetch('/api/v1/me')).status)).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(user.token) })).statusCode).toBe(
        401,
      );
      expect(await other.page.evaluate(async () => (await fetch('/api/v1/me')).status)).toBe(401);
      // The new password signs in; the old one no longer does.
      const login = (password: string) =>
        t.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { handle: 'paul_password', password } });
      expect((await login('a long enough passphrase')).statusCode).toBe(401);
      expect((await login('copper kettles sing at dawn')).statusCode).toBe(201);
    } finally {
      await other.context.close();
      await context.close();
    }
  }, 30_000);
});
