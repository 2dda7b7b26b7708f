import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** Launches Debian's Chromium with a fresh profile; `close` removes the profile too. */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'reelm-chromium-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`] });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where browser tests keep screenshots (not committed). */
export const ARTIFACTS = join(process.cwd(), '.tmp', 'artifacts');
