import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

/** Text with every kind of character the rule removes: controls, bidi overrides and isolates, zero-width, a lone surrogate. */
const DIRTY = 'a\u0000b\u202Ec\u202C\u2066d\u2069e\u200Bf\u2060g\uFEFFh\uD800i\u0007';
const CLEAN = 'abcdefghi';
const FAMILY = '👨‍👩‍👧';

describe('clean text: captions, comments, bios and display names', () => {
  let t: TestApp;
  let ida: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    t = await startTestApp();
    ida = await signup(t.app, { handle: 'ida_text' });
  });
  afterAll(async () => {
    await t.destroy();
  });

  const json = (method: 'PATCH' | 'POST', url: string, body: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { ...bearer(ida.token), 'content-type': 'application/json' },
      // Written by hand so that the lone surrogate reaches the server as JSON escapes it (`\ud800`).
      payload: JSON.stringify(body),
    });

  it('display names and bios lose invisible and direction-changing characters; emoji sequences stay', async () => {
    const res = await json('PATCH', '/api/v1/me', { displayName: `${DIRTY} ${FAMILY}`, bio: `${DIRTY}\nsecond line` });
    expect(res.statusCode, res.body).toBe(200);
    const profile = (await t.app.inject({ method: 'GET', url: '/api/v1/users/ida_text' })).json();
    expect(profile.displayName).toBe(`${CLEAN} ${FAMILY}`);
    expect(profile.bio).toBe(`${CLEAN}\nsecond line`);
  });

  it('captions are cleaned before hashtags are read, so hidden characters cannot split or fake a tag', async () => {
    const clip = await publishTestVideo(t.ctx, ida, { caption: 'first' });
    const res = await json('PATCH', `/api/v1/videos/${clip.id}`, { caption: `${DIRTY} #ca\u200Bts \u202E${FAMILY}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().caption).toBe(`${CLEAN} #cats ${FAMILY}`);
    expect(res.json().hashtags).toEqual(['cats']);
  });

  it('comments are cleaned; one made only of invisible characters is refused as empty', async () => {
    const clip = await publishTestVideo(t.ctx, ida, { caption: 'comment here' });
    const res = await json('POST', `/api/v1/videos/${clip.id}/comments`, { text: `${DIRTY} ${FAMILY}` });
    expect(res.statusCode, res.body).toBe(201);
    const list = (await t.app.inject({ method: 'GET', url: `/api/v1/videos/${clip.id}/comments` })).json();
    expect(list.items.map((c: { text: string }) => c.text)).toEqual([`${CLEAN} ${FAMILY}`]);
    const empty = await json('POST', `/api/v1/videos/${clip.id}/comments`, { text: '\u200B\u202E\u2066\uFEFF' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toMatchObject({ code: 'comment.empty', message: expect.any(String) });
  });

  it('a handle needs a letter or digit', async () => {
    for (const handle of ['...', '___', '._.']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        payload: {
          handle,
          password: 'a long enough passphrase',
          email: `x${handle.length}@example.org`,
          birthdate: '1990-01-01',
          country: 'US',
        },
      });
      expect(res.statusCode, handle).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'account.handle_invalid',
        message: expect.stringContaining('letter or digit'),
      });
    }
    await expect(signup(t.app, { handle: 'a.b' })).resolves.toMatchObject({ handle: 'a.b' });
  });
});
