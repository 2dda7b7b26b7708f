import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, launchBrowser, signInPage } from '../helpers/browser.js';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';
import { makeOperator, runDueJobs, type TestUser } from '../sovereignty/helpers.js';

const REMOVAL = 'This clip sends viewers to a scam shop, which our spam policy does not allow.';
const APPEAL = 'The shop is my own bakery, not a scam: please look again.';
const REVERSAL = 'On a second look the link is to a real local bakery: the clip is restored.';

/**
 * Trust and safety as people meet it in the web app: a viewer in another region reports a clip from its "…" menu; a
 * moderator of the clip's region finds the case in the console, watches the clip and removes it with a statement;
 * the clip is gone for the viewer; its author reads why in the inbox and on the account status page and appeals; a
 * second moderator (the first may not decide an appeal of their own decision) reverses it, and the clip is back.
 */
describe('reports, decisions and appeals in Chromium', () => {
  let t: TestApp;
  let base = '';
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let author: TestUser;
  let reporter: TestUser;
  let first: TestUser;
  let second: TestUser;
  let global: TestUser;
  let clip = '';

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestApp({ overrides: { feeds: { pools: { ttlMs: 0 } } } });
    author = await signup(t.app, { handle: 'ts_author', country: 'US' });
    reporter = await signup(t.app, { handle: 'ts_reporter', country: 'DE' });
    first = await makeOperator(t, 'ts_mod_first', 'us', 'moderator');
    second = await makeOperator(t, 'ts_mod_second', 'us', 'moderator');
    global = await makeOperator(t, 'ts_mod_global', 'global', 'moderator');
    clip = (await publishTestVideo(t.ctx, author, { caption: 'fresh bread at the corner shop', media: true })).id;
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await t?.destroy();
  });

  async function signedIn(user: TestUser, locale = 'en-US'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale });
    const page = await context.newPage();
    await signInPage(page, base, user.handle);
    return { context, page };
  }

  /** The clip page plays the clip (its clock moves). */
  const playing = (page: Page) =>
    page.waitForFunction(
      () => {
        const v = (globalThis as any).document.querySelector('[data-testid=feed-item][data-active=true] video');
        return v && v.currentTime > 0.1;
      },
      undefined,
      { timeout: 30_000 },
    );

  /** Opens the case about the clip from the queue, filtered to a kind. */
  async function openCase(page: Page, kind: 'report' | 'appeal'): Promise<void> {
    await page.goto(`${base}/moderation?status=open&kind=${kind}`);
    const row = page.locator(`[data-testid=case-row][data-kind=${kind}][data-target-id="${clip}"]`);
    await row.waitFor();
    await row.click();
    await page.locator(`[data-testid=case-page][data-kind=${kind}]`).waitFor();
  }

  async function decide(page: Page, action: string, statement: string): Promise<void> {
    await page.locator(`[data-testid=decision-action-${action}]`).check();
    await page.locator('[data-testid=decision-statement]').fill(statement);
    await page.locator('[data-testid=decision-submit]').click();
  }

  async function report(page: Page, reason: string, title: string): Promise<void> {
    const sheet = page.locator('[data-testid=report-sheet]');
    await sheet.getByText(title).waitFor();
    await sheet.locator(`[data-testid=report-reason-${reason}]`).check();
    await sheet.locator('[data-testid=report-submit]').click();
    await page.getByText('Thanks, we will look at it').waitFor();
  }

  const regionChoices = (page: Page) =>
    page.locator('#bt-region option').evaluateAll((els) => els.map((e) => (e as any).value as string));

  const actions = (page: Page) =>
    page.locator('[data-testid^=decision-action-]').evaluateAll((els) => els.map((e) => (e as any).value as string));

  it('takes a report to a decision, the author appeals, and another moderator reverses it', async () => {
    // The viewer (home region eu) reports the clip (region us) from its "…" menu.
    const viewer = await signedIn(reporter);
    await viewer.page.goto(`${base}/v/${clip}`);
    await playing(viewer.page);
    await viewer.page.locator('[data-testid=feed-item][data-active=true] [data-testid=more-button]').click();
    await viewer.page.locator('[data-testid=menu-report]').click();
    const sheet = viewer.page.locator('[data-testid=report-sheet]');
    await sheet.getByText('Report this clip').waitFor();
    await sheet.locator('[data-testid=report-reason-spam]').check();
    await sheet.locator('[data-testid=report-details]').fill('Every clip links to a scam shop.');
    await sheet.getByText('32/1000').waitFor();
    await viewer.page.screenshot({ path: join(ARTIFACTS, 'report-sheet.png') });
    await sheet.locator('[data-testid=report-submit]').click();
    await viewer.page.getByText('Thanks, we will look at it').waitFor();
    await runDueJobs(t);

    // The first moderator finds the case in the queue, watches the clip and removes it.
    const mod = await signedIn(first);
    await mod.page.locator('[data-testid=nav-moderation]').waitFor();
    await openCase(mod.page, 'report');
    await mod.page.locator('[data-testid=case-report]', { hasText: 'Every clip links to a scam shop.' }).waitFor();
    await mod.page.waitForFunction(
      () => ((globalThis as any).document.querySelector('[data-testid=case-video]')?.currentTime ?? 0) > 0.1,
      undefined,
      { timeout: 30_000 },
    );
    expect(await actions(mod.page)).toEqual(['remove', 'restrict', 'withhold', 'dismiss']);
    await decide(mod.page, 'remove', REMOVAL);
    await mod.page.locator('[data-testid=case-decision]', { hasText: REMOVAL }).waitFor();
    await mod.page.screenshot({ path: join(ARTIFACTS, 'moderation-case.png'), fullPage: true });
    await runDueJobs(t);

    // Gone for the viewer, who hears that the report led to action.
    await viewer.page.goto(`${base}/v/${clip}`);
    await viewer.page.getByText("This clip isn't available.").waitFor();
    await viewer.page.goto(`${base}/inbox`);
    await viewer.page
      .locator('[data-testid=notification][data-type=report_outcome]', { hasText: 'we took action' })
      .waitFor();

    // The author reads the statement of reasons in the inbox, follows "Appeal" to the account status, and appeals.
    const owner = await signedIn(author);
    await owner.page.goto(`${base}/inbox`);
    const notice = owner.page.locator('[data-testid=notification][data-type=moderation]');
    await notice.locator('[data-testid=notice-statement]', { hasText: REMOVAL }).waitFor();
    expect(await notice.textContent()).toContain('Decision about your clip: Removed');
    expect(await notice.textContent()).toContain('Policy: Spam');
    await owner.page.screenshot({ path: join(ARTIFACTS, 'moderation-inbox.png') });
    await notice.locator('[data-testid=notice-appeal]').click();
    await owner.page.waitForURL((url) => url.pathname === '/account-status');
    expect(await owner.page.locator('[data-testid=strikes]').textContent()).toBe('Strikes: 1 of 3');
    const decision = owner.page.locator('[data-testid=decision]', { hasText: REMOVAL });
    expect(await decision.textContent()).toContain('Decided by our team');
    await decision.locator('[data-testid=appeal-text]').fill(APPEAL);
    await decision.locator('[data-testid=appeal-submit]').click();
    await decision.locator('[data-testid=appeal-state]', { hasText: 'Appeal under review' }).waitFor();
    await owner.page.screenshot({ path: join(ARTIFACTS, 'account-status.png'), fullPage: true });
    // Only the author still sees the clip, marked as removed, on the profile grid and on the clip page.
    await owner.page.goto(`${base}/@ts_author`);
    await owner.page.locator('[data-testid=grid-moderation]', { hasText: 'Removed' }).waitFor();
    await owner.page.goto(`${base}/v/${clip}`);
    await owner.page.locator('[data-testid=clip-moderation]', { hasText: 'Removed by moderation' }).waitFor();
    await runDueJobs(t);

    // The first moderator may not decide the appeal of their own decision: the server says why.
    await openCase(mod.page, 'appeal');
    expect(await actions(mod.page)).toEqual(['uphold', 'reverse']);
    await decide(mod.page, 'reverse', REVERSAL);
    await mod.page.locator('[data-testid=decision-error]', { hasText: 'another moderator must decide' }).waitFor();

    // The second moderator reads the appeal and the decision appealed, and reverses it.
    const other = await signedIn(second);
    await openCase(other.page, 'appeal');
    await other.page.locator('[data-testid=case-appeal-text]', { hasText: APPEAL }).waitFor();
    await other.page.locator('[data-testid=case-appeal] [data-testid=decision-view]', { hasText: REMOVAL }).waitFor();
    await decide(other.page, 'reverse', REVERSAL);
    await other.page.locator('[data-testid=case-decision]', { hasText: REVERSAL }).waitFor();
    await runDueJobs(t);

    // The clip plays for the viewer again; the author's strike is gone and the appeal granted.
    await viewer.page.goto(`${base}/v/${clip}`);
    await playing(viewer.page);
    await owner.page.goto(`${base}/account-status`);
    await owner.page.locator('[data-testid=appeal-state]', { hasText: 'Appeal granted' }).waitFor();
    expect(await owner.page.locator('[data-testid=strikes]').textContent()).toBe('Strikes: 0 of 3');
    for (const c of [viewer, mod, owner, other]) await c.context.close();
  }, 240_000);

  it('reports a comment and an account; a suspended account is told where it would post; blocked terms', async () => {
    const said = await t.app.inject({
      method: 'POST',
      url: `/api/v1/videos/${clip}/comments`,
      headers: bearer(second.token),
      payload: { text: 'you will never find a better bakery' },
    });
    expect(said.statusCode).toBe(201);
    const viewer = await signedIn(reporter);
    await viewer.page.goto(`${base}/v/${clip}`);
    await viewer.page.locator('[data-testid=feed-item][data-active=true] [data-testid=comment-button]').click();
    const comment = viewer.page.locator('[data-testid=comment]', { hasText: 'never find a better bakery' });
    await comment.locator('[data-testid=comment-report]').click();
    await report(viewer.page, 'harassment', 'Report this comment');
    await viewer.page.goto(`${base}/@ts_author`);
    await viewer.page.locator('[data-testid=report-user]').click();
    await report(viewer.page, 'impersonation', 'Report this account');
    // Not a moderator: no console in the navigation, and the console says whom it is for.
    await viewer.page.goto(`${base}/moderation`);
    await viewer.page.getByText('This page is for moderators only.').waitFor();
    expect(await viewer.page.locator('[data-testid=nav-moderation]').count()).toBe(0);
    await runDueJobs(t);

    const mod = await signedIn(first);
    await mod.page.goto(`${base}/moderation?status=open&kind=report`);
    await mod.page.locator(`[data-testid=case-row][data-target-id="${said.json().id}"]`).click();
    await mod.page.locator('[data-testid=case-comment]', { hasText: 'never find a better bakery' }).waitFor();
    expect(await actions(mod.page)).toEqual(['remove', 'dismiss']);
    await decide(mod.page, 'dismiss', 'Praise for a bakery is not harassment.');
    await mod.page.locator('[data-testid=case-decision]').waitFor();
    await mod.page.goto(`${base}/moderation?status=open&kind=report`);
    await mod.page.locator(`[data-testid=case-row][data-target-id="${author.id}"]`).click();
    await mod.page.locator('[data-testid=case-user]', { hasText: '@ts_author' }).waitFor();
    expect(await actions(mod.page)).toEqual(['suspend', 'ban', 'dismiss']);
    await mod.page.locator('[data-testid=decision-action-suspend]').check();
    await mod.page.fill('input[name=days]', '3');
    await decide(mod.page, 'suspend', 'The account poses as the city council to sell bread.');
    await mod.page.locator('[data-testid=case-decision]', { hasText: 'for 3 days' }).waitFor();
    // Both cases are now under "decided".
    await mod.page.goto(`${base}/moderation`);
    await mod.page.locator('[data-testid=filter-decided]').click();
    await mod.page.locator(`[data-testid=case-row][data-target-id="${author.id}"]`).waitFor();
    await mod.page.screenshot({ path: join(ARTIFACTS, 'moderation-queue.png') });
    await runDueJobs(t);

    // The reporter hears what became of both reports; each opens what it was about (a comment: the clip it is on).
    await viewer.page.goto(`${base}/inbox`);
    const outcome = (hasText: string) =>
      viewer.page
        .locator('[data-testid=notification][data-type=report_outcome]', { hasText })
        .locator('[data-testid=outcome-target]');
    expect(await outcome('comment was reviewed: we found no breach').getAttribute('href')).toBe(`/v/${clip}`);
    await outcome('account was reviewed and we took action').click();
    await viewer.page.waitForURL((url) => url.pathname === '/@ts_author');

    // The suspended author can watch, and is told so where they would post or comment.
    const owner = await signedIn(author);
    await owner.page.goto(`${base}/upload`);
    await owner.page
      .locator('[data-testid=suspended-banner]', { hasText: 'Your account is suspended until' })
      .waitFor();
    await owner.page.goto(`${base}/v/${clip}`);
    await playing(owner.page);
    await owner.page.locator('[data-testid=feed-item][data-active=true] [data-testid=comment-button]').click();
    await owner.page.locator('[data-testid=comments-drawer] [data-testid=suspended-banner]').waitFor();
    expect(await owner.page.locator('[data-testid=comment-input]').count()).toBe(0);

    // Blocked terms: saved for the moderator's region (the only one offered), and there when the editor opens again.
    await mod.page.goto(`${base}/moderation/blocked-terms`);
    const terms = mod.page.locator('[data-testid=blocked-terms-text]');
    await terms.fill('scamword\nfakeshop\nScamword');
    expect(await regionChoices(mod.page)).toEqual(['us']);
    await mod.page.locator('[data-testid=blocked-terms-save]').click();
    await mod.page.getByText('Saved').waitFor();
    // The list comes back as the server keeps it: once each, in order.
    expect(await terms.inputValue()).toBe('fakeshop\nscamword');
    await mod.page.reload();
    await mod.page.waitForFunction(
      () =>
        (globalThis as any).document.querySelector('[data-testid=blocked-terms-text]')?.value === 'fakeshop\nscamword',
    );
    for (const c of [viewer, mod, owner]) await c.context.close();

    // A global moderator keeps the terms of every region, their own first.
    const all = await signedIn(global);
    await all.page.locator('[data-testid=nav-moderation]').waitFor();
    await all.page.goto(`${base}/moderation/blocked-terms`);
    await all.page.waitForFunction(
      () =>
        (globalThis as any).document.querySelector('[data-testid=blocked-terms-text]')?.value === 'fakeshop\nscamword',
    );
    const ids = ((await t.app.inject({ url: '/api/v1/regions' })).json() as { regions: { id: string }[] }).regions.map(
      (r) => r.id,
    );
    expect(ids.length).toBeGreaterThan(1);
    expect(await regionChoices(all.page)).toEqual(['us', ...ids.filter((id) => id !== 'us')]);
    await all.context.close();
  }, 180_000);

  it('shows the report sheet and the console in German to German browsers, with no English left', async () => {
    const leser = await signup(t.app, { handle: 'ts_leser', country: 'DE' });
    const viewer = await signedIn(leser, 'de-DE');
    await viewer.page.goto(`${base}/v/${clip}`);
    await playing(viewer.page);
    await viewer.page.locator('[data-testid=feed-item][data-active=true] [data-testid=more-button]').click();
    await viewer.page.locator('[data-testid=menu-report]', { hasText: 'Melden' }).click();
    const sheet = viewer.page.locator('[data-testid=report-sheet]');
    await sheet.getByText('Diesen Clip melden').waitFor();
    const sheetText = await sheet.innerText();
    for (const de of ['Warum meldest du das?', 'Belästigung oder Mobbing', 'Gefährdet Minderjährige', 'Meldung senden'])
      expect(sheetText).toContain(de);
    for (const en of ['Report this clip', 'Why are you reporting it?', 'Harassment or bullying', 'Send report'])
      expect(sheetText).not.toContain(en);
    await sheet.locator('[data-testid=report-reason-harassment]').check();
    await sheet.locator('[data-testid=report-submit]').click();
    await viewer.page.getByText('Danke, wir sehen es uns an').waitFor();
    await viewer.context.close();
    await runDueJobs(t);

    const mod = await signedIn(first, 'de-DE');
    await mod.page.goto(`${base}/moderation?status=open&kind=report`);
    const row = mod.page.locator(`[data-testid=case-row][data-kind=report][data-target-id="${clip}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('Belästigung oder Mobbing 1');
    expect(await row.innerText()).toContain('1 Meldung');
    const queueText = await mod.page.locator('main').innerText();
    for (const de of ['Warteschlange', 'Offen', 'Entschieden', 'Meldungen', 'Einsprüche', 'Gesperrte Begriffe'])
      expect(queueText).toContain(de);
    for (const en of ['Queue', 'Decided', 'Appeals', 'Blocked terms', '1 report', 'Harassment'])
      expect(queueText).not.toContain(en);
    await row.click();
    const form = mod.page.locator('[data-testid=decision-form]');
    await form.waitFor();
    const formText = await form.innerText();
    for (const de of ['Maßnahme', 'Entfernen', 'Zurückweisen (keine Maßnahme)', 'Richtlinie', 'Entscheiden'])
      expect(formText).toContain(de);
    for (const en of ['Action', 'Remove', 'Dismiss (no action)', 'Policy', 'Decide'])
      expect(formText).not.toContain(en);
    await mod.page.screenshot({ path: join(ARTIFACTS, 'moderation-case-de.png') });
    await mod.context.close();
  }, 30_000);
});
