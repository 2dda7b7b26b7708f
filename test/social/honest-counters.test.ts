import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { COUNT_WINDOW_MS } from '../../src/social/view-marks.js';
import { bearer, dumpStore, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

describe('honest counters: once per viewer or visitor client per window', () => {
  // Mid-window, so the steps below stay inside one window until the test moves on.
  let at = (Math.floor(Date.now() / COUNT_WINDOW_MS) + 0.25) * COUNT_WINDOW_MS;
  const clock = { now: () => new Date(at) };
  let t: TestApp;
  let ana: Awaited<ReturnType<typeof signup>>;
  let ben: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    ana = await signup(t.app, { handle: 'ana_counts' });
    ben = await signup(t.app, { handle: 'ben_counts' });
  });
  afterAll(async () => {
    await t.destroy();
    removeDir(t.dataDir);
  });

  const stats = (id: string) =>
    t.ctx.directory
      .selectFrom('videos')
      .select(['view_count', 'share_count', 'watch_ms_total', 'completion_count'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const view = (id: string, who: { token?: string; ip?: string; ua?: string }, watchedMs = 4000) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/videos/${id}/views`,
      headers: { ...(who.token ? bearer(who.token) : {}), 'user-agent': who.ua ?? 'test-browser/1' },
      remoteAddress: who.ip ?? '203.0.113.7',
      payload: { watchedMs, completed: false },
    });
  const share = (id: string, who: { token?: string; ip?: string; ua?: string }) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/videos/${id}/shares`,
      headers: { ...(who.token ? bearer(who.token) : {}), 'user-agent': who.ua ?? 'test-browser/1' },
      remoteAddress: who.ip ?? '203.0.113.7',
      payload: {},
    });

  it('counts a signed-in viewer’s views once per window, while history and the model see every watch', async () => {
    const clip = await publishTestVideo(t.ctx, ana, { caption: 'count me once', durationMs: 10_000 });
    const observe = vi.spyOn(t.ctx.feeds.models, 'observe');
    for (let i = 0; i < 3; i++) expect((await view(clip.id, { token: ben.token })).statusCode).toBe(204);
    expect(await stats(clip.id)).toMatchObject({ view_count: 1, watch_ms_total: 4000 });
    const events = await t.ctx.cells
      .get('us')
      .db.selectFrom('watch_events')
      .select('id')
      .where('video_id', '=', clip.id)
      .execute();
    expect(events).toHaveLength(3);
    expect(observe).toHaveBeenCalledTimes(3);
    at += COUNT_WINDOW_MS;
    expect((await view(clip.id, { token: ben.token })).statusCode).toBe(204);
    expect((await stats(clip.id)).view_count).toBe(2);
    observe.mockRestore();
  });

  it('counts a visitor client once per window, never feeds a model, and keeps no address', async () => {
    const clip = await publishTestVideo(t.ctx, ana, { caption: 'visitors', durationMs: 10_000 });
    const observe = vi.spyOn(t.ctx.feeds.models, 'observe');
    for (let i = 0; i < 5; i++) expect((await view(clip.id, {})).statusCode).toBe(204);
    expect((await stats(clip.id)).view_count).toBe(1);
    // Another browser on the same address, and another address, are other clients.
    await view(clip.id, { ua: 'other-browser/2' });
    await view(clip.id, { ip: '198.51.100.20' });
    await view(clip.id, { ip: '198.51.100.20' });
    expect((await stats(clip.id)).view_count).toBe(3);
    expect(observe).not.toHaveBeenCalled();
    observe.mockRestore();
    const cell = await dumpStore(t.ctx.cells.get('us').db);
    expect(cell).not.toContain('203.0.113.7');
    expect(cell).not.toContain('198.51.100.20');
    expect(cell).not.toContain('other-browser');
    at += COUNT_WINDOW_MS;
    await view(clip.id, {});
    expect((await stats(clip.id)).view_count).toBe(4);
  });

  it('counts a visitor’s (and a user’s) shares once per window', async () => {
    const clip = await publishTestVideo(t.ctx, ana, { caption: 'share me', durationMs: 10_000 });
    for (let i = 0; i < 4; i++) expect((await share(clip.id, {})).statusCode).toBe(201);
    for (let i = 0; i < 2; i++) expect((await share(clip.id, { token: ben.token })).statusCode).toBe(201);
    expect((await stats(clip.id)).share_count).toBe(2);
    at += COUNT_WINDOW_MS;
    await share(clip.id, {});
    expect((await stats(clip.id)).share_count).toBe(3);
  });

  it('the housekeeping sweep prunes marks of windows that are over', async () => {
    const marks = () => t.ctx.cells.get('us').db.selectFrom('view_marks').select('key').execute();
    const before = (await marks()).length;
    expect(before).toBeGreaterThan(1);
    expect(await t.ctx.social.marks.prune('us')).toBe(before - 1);
    expect(await marks()).toHaveLength(1);
  });

  it('groups a visitor by address block, as the rate limits do: an IPv6 /64, an IPv4-mapped address as IPv4', async () => {
    const clip = await publishTestVideo(t.ctx, ana, { caption: 'one network', durationMs: 10_000 });
    // Two addresses of one /64 (as a privacy-extension client rotates them), the same browser: one view.
    expect((await view(clip.id, { ip: '2001:db8:aa:bb:1111:2222:3333:4444' })).statusCode).toBe(204);
    expect((await view(clip.id, { ip: '2001:db8:aa:bb::99' })).statusCode).toBe(204);
    expect((await stats(clip.id)).view_count).toBe(1);
    // Another /64 is another client.
    await view(clip.id, { ip: '2001:db8:aa:cc::1' });
    expect((await stats(clip.id)).view_count).toBe(2);
    // An IPv4 client seen through a dual-stack socket is the same client as over IPv4.
    await view(clip.id, { ip: '192.0.2.44' });
    await view(clip.id, { ip: '::ffff:192.0.2.44' });
    expect((await stats(clip.id)).view_count).toBe(3);
    await share(clip.id, { ip: '2001:db8:aa:bb::1' });
    await share(clip.id, { ip: '2001:db8:aa:bb::2' });
    expect((await stats(clip.id)).share_count).toBe(1);
  });
});
