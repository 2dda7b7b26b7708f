import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.js';
import { bearer, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

type User = Awaited<ReturnType<typeof signup>>;

describe('notification stream (Server-Sent Events)', () => {
  let t: TestApp;
  let port: number;
  let ola: User;
  let pim: User;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
    ola = await signup(t.app, { handle: 'ola', country: 'NZ' });
    pim = await signup(t.app, { handle: 'pim', country: 'US' });
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  function open(user: User): Promise<{
    res: IncomingMessage;
    events: { id: string; data: { type: string; actor: { handle: string } } }[];
    close: () => void;
  }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/api/v1/notifications/stream', headers: bearer(user.token) },
        (res) => {
          const events: { id: string; data: { type: string; actor: { handle: string } } }[] = [];
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const id = /^id: (.*)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (id && data && /^event: notification$/m.test(block)) events.push({ id, data: JSON.parse(data) });
            }
          });
          res.on('error', () => undefined);
          resolve({ res, events, close: () => req.destroy() });
        },
      );
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
      req.end();
    });
  }

  async function until<T>(fn: () => T | undefined, ms: number): Promise<T> {
    const start = Date.now();
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (Date.now() - start > ms) throw new Error(`nothing after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('refuses an anonymous stream', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/notifications/stream' })).statusCode).toBe(401);
  });

  it('pushes a new follower at once, and picks up notifications written by another process', async () => {
    const stream = await open(ola);
    try {
      expect(stream.res.statusCode).toBe(200);
      expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
      const started = Date.now();
      await t.app.inject({ method: 'PUT', url: '/api/v1/users/ola/follow', headers: bearer(pim.token) });
      const first = await until(() => stream.events[0], 1000);
      expect(first.data).toMatchObject({ type: 'follow', actor: { handle: 'pim' } });
      expect(Date.now() - started).toBeLessThan(1000);

      // Another process writes straight into the cell: no in-process event, so the stream's poll finds it.
      const clip = await publishTestVideo(t.ctx, ola, { caption: 'ola clip' });
      const id = newId();
      await t.ctx.cells
        .get('nz')
        .db.insertInto('notifications')
        .values({
          id,
          user_id: ola.id,
          type: 'like',
          actor_id: pim.id,
          video_id: clip.id,
          video_region: 'nz',
          comment_id: null,
          text: null,
          created_at: new Date().toISOString(),
          read: 0,
        })
        .execute();
      const second = await until(() => stream.events.find((e) => e.id === id), 4000);
      expect(second.data).toMatchObject({ type: 'like', actor: { handle: 'pim' } });
      expect(stream.events.map((e) => e.id)).toEqual([first.id, id]);
    } finally {
      stream.close();
    }
  });

  it('applies teen defaults: a 14-year-old is private and takes comments from followers only', async () => {
    const year = new Date().getUTCFullYear() - 14;
    const teen = await signup(t.app, { handle: 'teen', country: 'US', birthdate: `${year}-01-01` });
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/teen/follow', headers: bearer(pim.token) });
    const followers = await t.ctx.directory
      .selectFrom('users')
      .select('follower_count')
      .where('id', '=', teen.id)
      .executeTakeFirstOrThrow();
    expect(followers.follower_count).toBe(0);
    const requests = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me/follow-requests',
      headers: bearer(teen.token),
    });
    expect(requests.json().items.map((u: { handle: string }) => u.handle)).toEqual(['pim']);
  });
});
