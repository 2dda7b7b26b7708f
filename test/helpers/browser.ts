import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The flags this machine's Chromium needs headless: no sandbox as root, no GPU, no calls home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Let clips start with sound in tests, as after a user's first tap.
  '--autoplay-policy=no-user-gesture-required',
];

export const CHROMIUM_PATH = process.env.REELM_CHROMIUM ?? '/usr/bin/chromium';

/** Launches Debian's Chromium; Playwright gives every launch a fresh, throwaway profile. */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  return { browser, close: () => browser.close() };
}

/** Where browser tests keep screenshots (not committed). */
export const ARTIFACTS = join(process.cwd(), '.tmp', 'artifacts');

/** The passphrase test users sign up with (`signup` in ./app.ts). */
const TEST_PASSWORD = 'a long enough passphrase';

/** Signs a user in through the web app's login page and waits until it has left it. */
export async function signInPage(page: Page, base: string, handle: string, password = TEST_PASSWORD): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=handle]', handle);
  await page.fill('input[name=password]', password);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}
