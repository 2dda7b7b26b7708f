import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.js';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';

const PASSWORD = 'a long enough passphrase';

/**
 * Two-step sign-in from the settings page: the QR code and key appear, a code from an authenticator (computed here
 * as an app would) turns it on and shows ten recovery codes once; "sign out everywhere else" ends the other
 * session; signing in again asks for a code, refuses a wrong one and lets the right one in.
 */
describe('two-step sign-in in Chromium', () => {
  let t: TestApp;
  let base = '';
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let elsewhere = '';

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestApp();
    elsewhere = (await signup(t.app, { handle: 'tess_totp', country: 'US' })).token;
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await t?.destroy();
  });

  it('enrols in settings, signs out elsewhere, and signs in with a code', async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(`${base}/login?next=/settings`);
      await page.fill('#login-handle', 'tess_totp');
      await page.fill('#login-password', PASSWORD);
      await page.click('[data-testid=login-submit]');
      await page.waitForURL(`${base}/settings`);

      // Sessions: this browser first, and the API client's session, which "everywhere else" ends.
      const sessions = page.locator('[data-testid=settings-sessions]');
      await expect.poll(() => sessions.locator('[data-testid=session-item]').count()).toBe(2);
      await expect(sessions.locator('[data-testid=session-item][data-current]').innerText()).resolves.toContain(
        'Chrome',
      );
      await sessions.locator('[data-testid=sessions-end-others]').click();
      await expect.poll(() => sessions.locator('[data-testid=session-item]').count()).toBe(1);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(elsewhere) })).statusCode).toBe(
        401,
      );

      // Enrol: QR code (loaded on demand) and the key as text.
      const section = page.locator('[data-testid=settings-totp]');
      await section.getByRole('button', { name: 'Set up two-step sign-in' }).click();
      const qr = section.locator('[data-testid=totp-qr]');
      await qr.waitFor();
      expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      const secret = (await section.locator('[data-testid=totp-secret]').innerText()).trim();
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
      await page.fill('#s-totp-code', totp.generate());
      await section.getByRole('button', { name: 'Turn on' }).click();
      const codes = section.locator('[data-testid=totp-recovery] code');
      await expect.poll(() => codes.count()).toBe(10);
      await page.screenshot({ path: join(ARTIFACTS, 'totp-recovery.png') });
      await section.getByRole('button', { name: 'I’ve saved them' }).click();
      await section.getByText('On: signing in asks for a code').waitFor();

      // Sign out, then in again: the code is asked for only once the password is right.
      await page.click('[data-testid=logout]');
      await page.waitForURL(`${base}/`);
      await page.goto(`${base}/login?next=/settings`);
      await page.fill('#login-handle', 'tess_totp');
      await page.fill('#login-password', PASSWORD);
      await page.click('[data-testid=login-submit]');
      const otp = page.locator('[data-testid=login-otp]');
      await otp.waitFor();
      const right = totp.generate({ timestamp: Date.now() + 30_000 });
      await otp.fill(right === '123456' ? '654321' : '123456');
      await page.click('[data-testid=login-submit]');
      await expect.poll(() => page.locator('[data-testid=form-error]').innerText()).toContain('not right');
      // A code one step ahead (never the step that confirmed) is good.
      await otp.fill(right);
      await page.click('[data-testid=login-submit]');
      await page.waitForURL(`${base}/settings`);
      const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
      expect(me).toBe(200);
    } finally {
      await context.close();
    }
  });
});
