import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

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
