import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIALECTS,
  bearer,
  dumpStore,
  filesContaining,
  removeDir,
  signup,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';

const good = {
  handle: 'dana',
  password: 'a long enough passphrase',
  email: 'dana.canary.7731@example.org',
  birthdate: '1990-02-03',
  country: 'AU',
};

describe.each(DIALECTS)('accounts over HTTP (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(async () => {
    await t.destroy();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, headers });

  async function rowCounts() {
    const dir = await t.ctx.directory
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    let cells = 0;
    for (const cell of t.ctx.cells.all()) {
      const row = await cell.db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const keys = await cell.db
        .selectFrom('user_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      cells += Number(row.n) + Number(keys.n);
    }
    return { directory: Number(dir.n), cells };
  }

  it('signs up into the home region of the declared country', async () => {
    const res = await post('/api/v1/accounts', good);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({ id: expect.any(String), handle: 'dana', region: 'au' });
    const inAu = await t.ctx.cells
      .get('au')
      .db.selectFrom('accounts')
      .select('id')
      .where('id', '=', body.id)
      .executeTakeFirst();
    expect(inAu?.id).toBe(body.id);
    for (const region of ['us', 'eu', 'nz', 'row']) {
      const elsewhere = await t.ctx.cells
        .get(region)
        .db.selectFrom('accounts')
        .select('id')
        .where('id', '=', body.id)
        .executeTakeFirst();
      expect(elsewhere).toBeUndefined();
    }
  });

  it('logs in, answers /me from the home cell, edits the profile and logs out', async () => {
    const login = await post('/api/v1/sessions', { handle: 'dana', password: good.password });
    expect(login.statusCode).toBe(201);
    const { token, expiresAt } = login.json();
    expect(token).toMatch(/^au\./);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());
    const cookie = login.cookies.find((c) => c.name === 'reelm_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });

    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      handle: 'dana',
      region: 'au',
      email: good.email,
      birthdate: good.birthdate,
      country: 'AU',
    });

    const viaCookie = await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { reelm_session: token } });
    expect(viaCookie.json().handle).toBe('dana');

    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: bearer(token),
      payload: { displayName: 'Dana D.', bio: 'clips from Perth' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ displayName: 'Dana D.', bio: 'clips from Perth' });
    const profile = await t.app.inject({ method: 'GET', url: '/api/v1/users/dana' });
    expect(profile.statusCode).toBe(200);
    expect(profile.json()).toMatchObject({
      handle: 'dana',
      region: 'au',
      displayName: 'Dana D.',
      bio: 'clips from Perth',
      stats: { followers: 0 },
    });
    expect(profile.body).not.toContain(good.email);

    const logout = await t.app.inject({ method: 'DELETE', url: '/api/v1/sessions/current', headers: bearer(token) });
    expect(logout.statusCode).toBe(204);
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('auth.invalid_token');
  });

  it('keeps handles unique across all regions', async () => {
    const res = await post('/api/v1/accounts', { ...good, email: 'other@example.org', country: 'DE' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('account.handle_taken');
    const upper = await post('/api/v1/accounts', { ...good, handle: 'DANA', country: 'US' });
    expect(upper.statusCode).toBe(409);
    const eu = await t.ctx.cells
      .get('eu')
      .db.selectFrom('accounts')
      .select('id')
      .where('handle', '=', 'dana')
      .executeTakeFirst();
    expect(eu).toBeUndefined();
  });

  it('refuses concurrent signups of one handle in two regions: exactly one wins', async () => {
    const results = await Promise.all([
      post('/api/v1/accounts', { ...good, handle: 'twin', email: 'twin.us@example.org', country: 'US' }),
      post('/api/v1/accounts', { ...good, handle: 'twin', email: 'twin.nz@example.org', country: 'NZ' }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    let found = 0;
    for (const cell of t.ctx.cells.all())
      found += (await cell.db.selectFrom('accounts').select('id').where('handle', '=', 'twin').execute()).length;
    expect(found).toBe(1);
  });

  it.each([
    ['malformed JSON', '{"handle": "x",', 'request.malformed_json'],
    [
      'a missing field',
      { handle: 'erin', password: good.password, email: 'e@example.org', birthdate: '1990-01-01' },
      'request.invalid',
    ],
    ['an extra field', { ...good, handle: 'erin', admin: true }, 'request.invalid'],
    ['a wrong type', { ...good, handle: 12345 }, 'request.invalid'],
    ['an over-long string', { ...good, handle: 'x'.repeat(5000) }, 'request.invalid'],
    ['a bad handle', { ...good, handle: 'no spaces!' }, 'account.handle_invalid'],
    ['an unknown country', { ...good, handle: 'erin', country: 'XX' }, 'account.country_unknown'],
    ['a short password', { ...good, handle: 'erin', password: 'short' }, 'account.password_weak'],
    ['a common password', { ...good, handle: 'erin', password: '1234567890' }, 'account.password_weak'],
    [
      'an under-age birthdate',
      { ...good, handle: 'erin', birthdate: new Date(Date.now() - 12 * 365.25 * 86400_000).toISOString().slice(0, 10) },
      'account.under_age',
    ],
    ['an impossible birthdate', { ...good, handle: 'erin', birthdate: '1990-02-31' }, 'account.birthdate_invalid'],
    ['a bad email', { ...good, handle: 'erin', email: 'not-an-email' }, 'account.email_invalid'],
  ])('refuses %s with 400 and writes nothing', async (_name, payload, code) => {
    const before = await rowCounts();
    const res =
      typeof payload === 'string'
        ? await t.app.inject({
            method: 'POST',
            url: '/api/v1/accounts',
            payload,
            headers: { 'content-type': 'application/json' },
          })
        : await post('/api/v1/accounts', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message.length).toBeGreaterThan(10);
    expect(await rowCounts()).toEqual(before);
  });

  it('answers a wrong password and an unknown handle the same way', async () => {
    const wrong = await post('/api/v1/sessions', { handle: 'dana', password: 'not the password at all' });
    const unknown = await post('/api/v1/sessions', { handle: 'nobody_here', password: 'not the password at all' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it('refuses bad and malformed tokens with 401', async () => {
    for (const headers of [bearer('us.nope'), bearer('mars.abc'), { authorization: 'Basic abc' }, {}]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toMatch(/^auth\./);
    }
  });

  it('refuses an unknown profile and an unknown route with a JSON 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/users/ghost_user' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('user.not_found');
    const route = await t.app.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(route.statusCode).toBe(404);
    expect(route.json().error.code).toBe('not_found');
  });

  it('starts teens (13–15) private, with comments from followers only', async () => {
    const fourteen = new Date(Date.now() - 14.2 * 365.25 * 86400_000).toISOString().slice(0, 10);
    const teen = await signup(t.app, { handle: 'teen_tom', birthdate: fourteen, country: 'GB' });
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(teen.token) });
    expect(me.json().privacy).toEqual({ privateAccount: true, whoCanComment: 'followers' });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/teen_tom' })).json().private).toBe(true);
  });

  it('keeps the email out of every data file in clear, and out of the directory and other cells entirely', async () => {
    const fileHits = filesContaining(t.dataDir, good.email);
    expect(fileHits).toEqual([]);
    // Also the local part alone: a partial leak is still a leak.
    expect(filesContaining(t.dataDir, 'dana.canary.7731')).toEqual([]);
    expect(await dumpStore(t.ctx.directory)).not.toContain('canary');
    for (const cell of t.ctx.cells.all()) {
      const dump = await dumpStore(cell.db);
      expect(dump).not.toContain('canary');
      if (cell.region !== 'au') expect(dump).not.toContain('dana');
    }
    expect(t.logs()).not.toContain(good.email);
    expect(t.logs()).not.toContain('dana.canary');
  });

  it('serves the OpenAPI document, the docs page, health and security headers', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(doc.statusCode).toBe(200);
    expect(Object.keys(doc.json().paths)).toEqual(
      expect.arrayContaining(['/api/v1/accounts', '/api/v1/sessions', '/api/v1/me', '/api/v1/users/{handle}']),
    );
    const docs = await t.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(docs.statusCode);
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toMatchObject({ directory: 'ok', 'cell:us': 'ok', 'queue:row': 'ok' });
    const health = await t.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect(health.headers['content-security-policy']).toContain("default-src 'self'");
    expect(health.headers['x-request-id']).toBeTruthy();
  });
});

describe.each(DIALECTS)('sessions over time and restarts (%s)', (dialect) => {
  it('expires sessions, and keeps accounts, keys and sessions across a restart', async () => {
    let now = new Date('2026-06-01T00:00:00Z');
    const clock = { now: () => now };
    const first = await startTestApp({ clock, dialect });
    const user = await signup(first.app, { handle: 'restart_rita', email: 'rita@example.org', country: 'NZ' });
    await first.close();

    const second = await startTestApp({
      dataDir: first.dataDir,
      clock,
      dialect,
      pg: first.pg,
      s3: first.s3,
      queuePrefix: first.queuePrefix,
    });
    const me = await second.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(user.token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ handle: 'restart_rita', region: 'nz', email: 'rita@example.org' });

    now = new Date(now.getTime() + (second.config.sessionTtlHours + 1) * 3600_000);
    const expired = await second.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(user.token) });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('auth.session_expired');
    await second.close();
    await first.pg?.drop();
    await first.s3?.close();
    removeDir(first.dataDir);
  });

  it('rate-limits signup and login per address, with a clear 429', async () => {
    const t = await startTestApp({ env: { REELM_LOGIN_PER_MINUTE: '3' }, dialect });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { handle: 'x_user', password: 'whatever it is' },
      });
      codes.push(res.statusCode);
      if (res.statusCode === 429) expect(res.json().error.code).toBe('request.rate_limited');
    }
    expect(codes).toEqual([401, 401, 401, 429]);
    await t.destroy();
  });
});
