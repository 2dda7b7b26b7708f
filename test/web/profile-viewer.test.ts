import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';

type User = Awaited<ReturnType<typeof signup>>;

// The web app's follow button reads `viewer` from GET /users/:handle; it must reflect the caller's own cell.
describe('GET /users/:handle tells a signed-in viewer how they relate to the account', () => {
  let t: TestApp;
  let ana: User; // AU, private
  let ben: User; // US
  const req = (method: 'GET' | 'PUT' | 'DELETE' | 'POST' | 'PATCH', url: string, user?: User, payload?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: user ? bearer(user.token) : {},
      ...(payload ? { payload } : {}),
    });
  const viewer = async (handle: string, user?: User) => (await req('GET', `/users/${handle}`, user)).json().viewer;

  beforeAll(async () => {
    t = await startTestApp();
    ana = await signup(t.app, { handle: 'ana_viewer', country: 'AU' });
    ben = await signup(t.app, { handle: 'ben_viewer', country: 'US' });
    await req('PATCH', '/me/privacy', ana, { privateAccount: true });
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  it('follow requests, approval, block and mute, and self', async () => {
    expect(await viewer('ana_viewer')).toBeUndefined();
    const none = { following: false, requested: false, blocked: false, muted: false, self: false };
    expect(await viewer('ana_viewer', ben)).toEqual(none);
    expect(await viewer('ana_viewer', ana)).toEqual({ ...none, self: true });

    await req('PUT', '/users/ana_viewer/follow', ben);
    expect(await viewer('ana_viewer', ben)).toEqual({ ...none, requested: true });
    expect((await req('POST', '/me/follow-requests/ben_viewer/approve', ana)).statusCode).toBe(204);
    expect(await viewer('ana_viewer', ben)).toEqual({ ...none, following: true });

    await req('PUT', '/users/ana_viewer/mute', ben);
    expect(await viewer('ana_viewer', ben)).toEqual({ ...none, following: true, muted: true });
    await req('PUT', '/users/ana_viewer/block', ben);
    // A block ends the follow both ways.
    expect(await viewer('ana_viewer', ben)).toEqual({ ...none, blocked: true, muted: true });
    // Being blocked is not shown to the blocked account.
    expect((await viewer('ben_viewer', ana)).blocked).toBe(false);
  });
});
