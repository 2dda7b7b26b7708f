import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';

describe('the language a user picks for the app', () => {
  let t: TestApp;
  let user: Awaited<ReturnType<typeof signup>>;
  const patch = (payload: object) =>
    t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(user.token), payload });
  const me = async () => (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(user.token) })).json();

  beforeAll(async () => {
    t = await startTestApp();
    user = await signup(t.app, { handle: 'sprachwahl', country: 'DE' });
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  it('follows the browser until picked, is stored with the account, and takes only languages the app speaks', async () => {
    expect((await me()).language).toBeNull();
    const picked = await patch({ language: 'de' });
    expect(picked.statusCode, picked.body).toBe(200);
    expect(picked.json().language).toBe('de');
    expect((await me()).language).toBe('de');
    // Changing the profile leaves it alone; null goes back to the browser's.
    expect((await patch({ bio: 'hallo' })).json().language).toBe('de');
    expect((await patch({ language: null })).json().language).toBeNull();
    const bad = await patch({ language: 'fr' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBeTruthy();
    // Kept in the home cell only: the directory's copy of the profile has no such column.
    const row = await t.ctx.directory.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirst();
    expect(Object.keys(row!)).not.toContain('language');
  });
});
