import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHandlers, scheduleSessionPrune } from '../../src/jobs/handlers.js';
import { TEST_MODE, bearer, dumpStore, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

const PASSWORD = 'a long enough passphrase';
const START = Date.UTC(2031, 2, 3, 10, 0, 0);

function login(t: TestApp, payload: object, headers: Record<string, string> = {}, remoteAddress?: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    payload,
    headers,
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

describe('sessions: list, revoke, sign out everywhere else, prune', () => {
  let t: TestApp;
  let now = START;
  beforeAll(async () => {
    t = await startTestApp({ clock: { now: () => new Date(now) }, configure: (c) => (c.sessionTtlHours = 2) });
  });
  afterAll(async () => t.destroy());

  const sessions = (token: string) =>
    t.app.inject({ method: 'GET', url: '/api/v1/me/sessions', headers: bearer(token) });

  it('lists the owner’s sessions with their own user agents, current first, and keeps lastSeenAt to the minute', async () => {
    const first = await signup(t.app, { handle: 'sia_sessions' });
    const laptop = (
      await login(t, { handle: 'sia_sessions', password: PASSWORD }, { 'user-agent': 'Laptop/1.0' })
    ).json().token as string;
    now += 5_000;
    const phone = (await login(t, { handle: 'sia_sessions', password: PASSWORD }, { 'user-agent': 'Phone/2.0' })).json()
      .token as string;
    const res = await sessions(phone);
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { id: string; current: boolean; userAgent: string; lastSeenAt: string }[];
    expect(items).toHaveLength(3);
    expect(items[0]).toMatchObject({ current: true, userAgent: 'Phone/2.0' });
    expect(items.filter((i) => i.current)).toHaveLength(1);
    expect(items.map((i) => i.userAgent)).toContain('Laptop/1.0');
    // Sealed in the cell with the owner's key: the store never holds the user agent in clear.
    expect(await dumpStore(t.ctx.cells.get('us').db)).not.toContain('Laptop/1.0');

    const laptopItem = () =>
      sessions(phone).then((r) => r.json().items.find((i: { userAgent: string }) => i.userAgent === 'Laptop/1.0'));
    const seenAtLogin = (await laptopItem()).lastSeenAt;
    now += 20_000;
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(laptop) })).statusCode).toBe(200);
    expect((await laptopItem()).lastSeenAt).toBe(seenAtLogin);
    now += 60_000;
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(laptop) })).statusCode).toBe(200);
    expect((await laptopItem()).lastSeenAt).toBe(new Date(now).toISOString());

    // Another user's session cannot be ended, nor seen.
    const other = await signup(t.app, { handle: 'sia_other' });
    const otherId = (await sessions(other.token)).json().items[0].id;
    expect(items.map((i) => i.id)).not.toContain(otherId);
    const foreign = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/sessions/${otherId}`,
      headers: bearer(phone),
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('session.not_found');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(other.token) })).statusCode).toBe(
      200,
    );

    // One session ends; its token stops working at once.
    const laptopId = (await laptopItem()).id;
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/sessions/${laptopId}`,
      headers: bearer(phone),
    });
    expect(revoke.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(laptop) })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/me/sessions/${laptopId}`, headers: bearer(phone) }))
        .statusCode,
    ).toBe(404);

    // Everywhere else: only the asking session is left.
    const all = await t.app.inject({ method: 'DELETE', url: '/api/v1/me/sessions', headers: bearer(phone) });
    expect(all.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(first.token) })).statusCode).toBe(
      401,
    );
    expect((await sessions(phone)).json().items).toHaveLength(1);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me/sessions' })).statusCode).toBe(401);
  });

  it('prunes expired sessions on an hourly job, leaving live ones, and re-schedules itself', async () => {
    const old = await signup(t.app, { handle: 'sia_prune' });
    now += 90 * 60_000;
    const fresh = (await login(t, { handle: 'sia_prune', password: PASSWORD })).json().token as string;
    now += 40 * 60_000; // The first session is 2 h 10 min old (TTL 2 h); the second 40 min.
    const db = t.ctx.cells.get('us').db;
    const count = async () =>
      (await db.selectFrom('sessions').select('id').where('user_id', '=', old.id).execute()).length;
    expect(await count()).toBe(2);
    const queue = t.ctx.queues.get('us')!;
    const queued = async () => {
      const c = await queue.counts();
      return (c.queued ?? 0) + (c.waiting ?? 0) + (c.delayed ?? 0);
    };
    const before = await queued();
    const handlers = buildHandlers(t.ctx);
    await handlers['sessions.prune'](
      {},
      {
        region: 'us',
        jobId: 'test',
        attempt: 1,
        signal: new AbortController().signal,
        heartbeat: async () => {},
      },
    );
    expect(await count()).toBe(1);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(fresh) })).statusCode).toBe(200);
    expect(await queued()).toBe(before + 1);
    // Scheduling the same hour again finds the job already there.
    const a = await scheduleSessionPrune(t.ctx, 'us');
    expect(await scheduleSessionPrune(t.ctx, 'us')).toBe(a);
    expect(await queued()).toBe(before + 1);
  });
});

describe('two-step sign-in (TOTP)', () => {
  let t: TestApp;
  let now = START;
  beforeAll(async () => {
    t = await startTestApp({ clock: { now: () => new Date(now) } });
  });
  afterAll(async () => t.destroy());

  const codeAt = (secret: string, at: number) =>
    new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({
      timestamp: at,
    });

  it('enrols, confirms, then asks for a code at login; codes and recovery codes work once; off needs the password', async () => {
    const me = await signup(t.app, { handle: 'toto_two' });
    const post = (url: string, payload?: object) =>
      t.app.inject({ method: 'POST', url, headers: bearer(me.token), ...(payload ? { payload } : {}) });
    const enrol = await post('/api/v1/me/totp');
    expect(enrol.statusCode).toBe(201);
    const { secret, otpauthUrl } = enrol.json() as { secret: string; otpauthUrl: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/Reelm:toto_two');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      issuer: 'Reelm',
      secret,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    // Sealed with the user's data key.
    expect(await dumpStore(t.ctx.cells.get('us').db)).not.toContain(secret);
    // Not on until confirmed.
    expect((await login(t, { handle: 'toto_two', password: PASSWORD })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me/totp', headers: bearer(me.token) })).json()).toEqual({
      enabled: false,
    });

    const right = codeAt(secret, now);
    const wrong = right === '000000' ? '111111' : '000000';
    const bad = await post('/api/v1/me/totp/confirm', { code: wrong });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'totp.code_invalid', message: expect.any(String) });
    expect((await post('/api/v1/me/totp/confirm', { code: 'abc' })).json().error.code).toBe('totp.code_invalid');
    expect((await post('/api/v1/me/totp/confirm', {})).json().error.code).toBe('request.invalid');
    const confirmed = await post('/api/v1/me/totp/confirm', { code: right });
    expect(confirmed.statusCode).toBe(200);
    const recovery = confirmed.json().recoveryCodes as string[];
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    expect((await post('/api/v1/me/totp/confirm', { code: right })).json().error.code).toBe('totp.already_enabled');
    expect((await post('/api/v1/me/totp')).statusCode).toBe(409);
    const store = await dumpStore(t.ctx.cells.get('us').db);
    for (const c of recovery) expect(store).not.toContain(c);

    // A wrong password says nothing about the factor; the right one asks for it.
    const wrongPassword = await login(t, { handle: 'toto_two', password: 'not the passphrase' });
    expect(wrongPassword.json().error.code).toBe('auth.invalid_credentials');
    const withoutCode = await login(t, { handle: 'toto_two', password: PASSWORD });
    expect(withoutCode.statusCode).toBe(401);
    expect(withoutCode.json().error).toMatchObject({ code: 'auth.totp_required', message: expect.any(String) });
    expect(withoutCode.headers['set-cookie']).toBeUndefined();
    expect(
      (await login(t, { handle: 'toto_two', password: 'not the passphrase', otp: codeAt(secret, now) })).json().error
        .code,
    ).toBe('auth.invalid_credentials');

    // The code that confirmed is spent; so is a code of an earlier step.
    const reused = await login(t, { handle: 'toto_two', password: PASSWORD, otp: right });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.code).toBe('auth.totp_invalid');
    now += 30_000;
    const next = codeAt(secret, now);
    expect((await login(t, { handle: 'toto_two', password: PASSWORD, otp: next })).statusCode).toBe(201);
    expect((await login(t, { handle: 'toto_two', password: PASSWORD, otp: next })).json().error.code).toBe(
      'auth.totp_invalid',
    );
    // One step either side of now is accepted (a phone whose clock runs ahead), once.
    const ahead = codeAt(secret, now + 30_000);
    expect((await login(t, { handle: 'toto_two', password: PASSWORD, otp: ahead })).statusCode).toBe(201);
    now += 30_000;
    expect((await login(t, { handle: 'toto_two', password: PASSWORD, otp: ahead })).statusCode).toBe(401);
    // A code three steps old is refused.
    now += 90_000;
    expect(
      (await login(t, { handle: 'toto_two', password: PASSWORD, otp: codeAt(secret, now - 90_000) })).statusCode,
    ).toBe(401);

    // Recovery codes: each once, typed any way.
    const rc = await login(t, { handle: 'toto_two', password: PASSWORD, otp: recovery[0]! });
    expect(rc.statusCode).toBe(201);
    expect((await login(t, { handle: 'toto_two', password: PASSWORD, otp: recovery[0]! })).json().error.code).toBe(
      'auth.totp_invalid',
    );
    const typed = recovery[1]!.replace(/-/g, ' ').toUpperCase();
    expect((await login(t, { handle: 'toto_two', password: PASSWORD, otp: typed })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me/totp', headers: bearer(me.token) })).json()).toEqual({
      enabled: true,
    });

    // Off needs the password.
    const del = (payload: object) =>
      t.app.inject({ method: 'DELETE', url: '/api/v1/me/totp', headers: bearer(me.token), payload });
    const refused = await del({ password: 'not the passphrase' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('account.password_wrong');
    expect((await del({})).statusCode).toBe(400);
    expect((await login(t, { handle: 'toto_two', password: PASSWORD })).json().error.code).toBe('auth.totp_required');
    expect((await del({ password: PASSWORD })).statusCode).toBe(204);
    expect((await login(t, { handle: 'toto_two', password: PASSWORD })).statusCode).toBe(201);
    expect((await del({ password: PASSWORD })).json().error.code).toBe('totp.not_enabled');
    expect(
      await t.ctx.cells
        .get('us')
        .db.selectFrom('totp_recovery_codes')
        .select('code_hash')
        .where('user_id', '=', me.id)
        .execute(),
    ).toEqual([]);
  });
});

describe('behind a proxy: the client and scheme come from trusted proxies only', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const a of apps) await a.destroy();
  });
  const start = async (env: Record<string, string>) => {
    const t = await startTestApp({ env: { REELM_LOGIN_PER_MINUTE: '3', ...env } });
    apps.push(t);
    await signup(t.app, { handle: 'pia_proxy' });
    return t;
  };
  const wrong = (t: TestApp, headers: Record<string, string>, handle = 'pia_proxy') =>
    login(t, { handle, password: 'not the passphrase' }, headers);

  it('with REELM_TRUST_PROXY, X-Forwarded-For decides the limit’s client and X-Forwarded-Proto https a Secure cookie', async () => {
    const t = await start({ REELM_TRUST_PROXY: '127.0.0.1,10.0.0.0/8' });
    // The signup helper's own login used one of 127.0.0.1's attempts; the forwarded clients start fresh.
    const a = { 'x-forwarded-for': '203.0.113.5' };
    for (let i = 0; i < 3; i++) expect((await wrong(t, a, `nobody_${i}`)).statusCode).toBe(401);
    const limited = await wrong(t, a);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({ code: 'request.rate_limited', message: expect.any(String) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another client behind the same proxy is not held back by the first.
    expect((await wrong(t, { 'x-forwarded-for': '203.0.113.6' })).statusCode).toBe(401);

    const https = await login(
      t,
      { handle: 'pia_proxy', password: PASSWORD },
      { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
    );
    expect(https.statusCode).toBe(201);
    expect(String(https.headers['set-cookie'])).toMatch(/;\s*Secure/i);
    const plain = await login(t, { handle: 'pia_proxy', password: PASSWORD }, { 'x-forwarded-for': '203.0.113.8' });
    expect(String(plain.headers['set-cookie'])).not.toMatch(/;\s*Secure/i);
    // A proxy that is not trusted cannot speak for the client.
    const untrusted = await login(
      t,
      { handle: 'pia_proxy', password: PASSWORD },
      { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' },
      '192.0.2.50',
    );
    expect(String(untrusted.headers['set-cookie'])).not.toMatch(/;\s*Secure/i);
  });

  it('without it, the forwarded headers are ignored', async () => {
    const t = await start({});
    for (let i = 0; i < 2; i++)
      expect((await wrong(t, { 'x-forwarded-for': `203.0.113.${20 + i}` }, `nobody_${i}`)).statusCode).toBe(401);
    const limited = await wrong(t, { 'x-forwarded-for': '203.0.113.30' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    const res = await login(
      t,
      { handle: 'pia_proxy', password: PASSWORD },
      { 'x-forwarded-proto': 'https' },
      '192.0.2.60',
    );
    expect(res.statusCode).toBe(201);
    expect(String(res.headers['set-cookie'])).not.toMatch(/;\s*Secure/i);
  });

  it('gives the cookie Secure whenever the public URL is https', async () => {
    const t = await start({ REELM_PUBLIC_URL: 'https://reelm.example' });
    const res = await login(t, { handle: 'pia_proxy', password: PASSWORD }, {}, '192.0.2.70');
    expect(res.statusCode).toBe(201);
    expect(String(res.headers['set-cookie'])).toMatch(/;\s*Secure/i);
  });
});

describe('backoff per account and client on wrong passwords', () => {
  let t: TestApp;
  let now = START;
  beforeAll(async () => {
    t = await startTestApp({ clock: { now: () => new Date(now) } });
  });
  afterAll(async () => t.destroy());

  const GUESSER = '198.51.100.1';
  const OWNER = '198.51.100.2';

  it('throttles the guessing client, doubling its wait, while the owner signs in from elsewhere', async () => {
    await signup(t.app, { handle: 'olga_owner' });
    const guess = (password = 'guess guess guess') => login(t, { handle: 'olga_owner', password }, {}, GUESSER);
    for (let i = 0; i < 6; i++) expect((await guess()).statusCode).toBe(401);
    const held = await guess();
    expect(held.statusCode).toBe(429);
    expect(held.json().error).toMatchObject({ code: 'auth.too_many_attempts', message: expect.any(String) });
    expect(held.headers['retry-after']).toBe('1');
    // Even the right password waits, from the guessing client.
    expect((await guess(PASSWORD)).statusCode).toBe(429);
    // The owner, elsewhere, is not locked out.
    expect((await login(t, { handle: 'olga_owner', password: PASSWORD }, {}, OWNER)).statusCode).toBe(201);
    // The wait doubles with each further failure.
    now += 1_000;
    expect((await guess()).statusCode).toBe(401);
    expect((await guess()).headers['retry-after']).toBe('2');
    now += 2_000;
    expect((await guess()).statusCode).toBe(401);
    expect((await guess()).headers['retry-after']).toBe('4');
    // A success (once the wait is over) clears the pair.
    now += 4_000;
    expect((await guess(PASSWORD)).statusCode).toBe(201);
    for (let i = 0; i < 6; i++) expect((await guess()).statusCode).toBe(401);
    // Unknown handles behave alike (a lock says nothing about whether the handle exists).
    const ghost = () => login(t, { handle: 'nobody_at_all', password: 'guess guess guess' }, {}, GUESSER);
    for (let i = 0; i < 6; i++) expect((await ghost()).statusCode).toBe(401);
    expect((await ghost()).json().error.code).toBe('auth.too_many_attempts');
  });

  it('applies to the password check of DELETE /me', async () => {
    const me = await signup(t.app, { handle: 'olga_delete' });
    const del = (password: string, remoteAddress: string) =>
      t.app.inject({
        method: 'DELETE',
        url: '/api/v1/me',
        headers: bearer(me.token),
        payload: { password },
        remoteAddress,
      });
    for (let i = 0; i < 6; i++) expect((await del('guess guess guess', GUESSER)).statusCode).toBe(403);
    const held = await del(PASSWORD, GUESSER);
    expect(held.statusCode).toBe(429);
    expect(held.json().error.code).toBe('auth.too_many_attempts');
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    // The account was not deleted by the held attempt.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(me.token) })).statusCode).toBe(200);
  });

  it('applies to the current-password check of POST /me/password', async () => {
    const me = await signup(t.app, { handle: 'olga_change' });
    const change = (currentPassword: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/me/password',
        headers: bearer(me.token),
        payload: { currentPassword, newPassword: 'violet tundra lantern 4417' },
        remoteAddress: GUESSER,
      });
    for (let i = 0; i < 6; i++) expect((await change('guess guess guess')).statusCode).toBe(403);
    const held = await change(PASSWORD);
    expect(held.statusCode).toBe(429);
    expect(held.json().error.code).toBe('auth.too_many_attempts');
    // The password was not changed by the held attempt.
    expect((await login(t, { handle: 'olga_change', password: PASSWORD })).statusCode).toBe(201);
  });

  it('applies to the password check of PATCH /me/email', async () => {
    const me = await signup(t.app, { handle: 'olga_email', email: 'olga.email@example.org' });
    const change = (password: string, remoteAddress = GUESSER) =>
      t.app.inject({
        method: 'PATCH',
        url: '/api/v1/me/email',
        headers: bearer(me.token),
        payload: { email: 'olga.elsewhere@example.org', password },
        remoteAddress,
      });
    for (let i = 0; i < 6; i++) expect((await change('guess guess guess')).statusCode).toBe(403);
    const held = await change(PASSWORD);
    expect(held.statusCode).toBe(429);
    expect(held.json().error.code).toBe('auth.too_many_attempts');
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    // The address was not changed by the held attempt; the owner, elsewhere, still can.
    const mine = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(me.token) });
    expect(mine.json().email).toBe('olga.email@example.org');
    expect((await change(PASSWORD, OWNER)).statusCode).toBe(200);
  });

  it('limits expensive reads and writes per account', async () => {
    const a = await signup(t.app, { handle: 'olga_search' });
    const b = await signup(t.app, { handle: 'olga_search2' });
    const search = (token: string) =>
      t.app.inject({ method: 'GET', url: '/api/v1/search?q=cats', headers: bearer(token), remoteAddress: GUESSER });
    for (let i = 0; i < 60; i++) expect((await search(a.token)).statusCode).toBe(200);
    const limited = await search(a.token);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('request.rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another account from the same address has its own budget.
    expect((await search(b.token)).statusCode).toBe(200);
  });

  it('limits comments (30 a minute) and follows (60 a minute) per account', async () => {
    const a = await signup(t.app, { handle: 'olga_writes' });
    const b = await signup(t.app, { handle: 'olga_writes2' });
    const star = await signup(t.app, { handle: 'olga_star' });
    const clip = await publishTestVideo(t.ctx, star);
    const comment = (token: string, i: number) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/videos/${clip.id}/comments`,
        headers: bearer(token),
        payload: { text: `comment number ${i}` },
        remoteAddress: GUESSER,
      });
    for (let i = 0; i < 30; i++) expect((await comment(a.token, i)).statusCode).toBe(201);
    const commentsHeld = await comment(a.token, 30);
    expect(commentsHeld.statusCode).toBe(429);
    expect(commentsHeld.json().error.code).toBe('request.rate_limited');
    expect(Number(commentsHeld.headers['retry-after'])).toBeGreaterThan(0);
    expect((await comment(b.token, 0)).statusCode).toBe(201);

    // Repeating a follow (idempotent) still spends the budget: a follow/unfollow loop is what the limit stops.
    const follow = (token: string, method: 'PUT' | 'DELETE') =>
      t.app.inject({ method, url: '/api/v1/users/olga_star/follow', headers: bearer(token), remoteAddress: GUESSER });
    for (let i = 0; i < 60; i++) expect((await follow(a.token, 'PUT')).statusCode).toBeLessThan(300);
    const followHeld = await follow(a.token, 'PUT');
    expect(followHeld.statusCode).toBe(429);
    expect(followHeld.json().error.code).toBe('request.rate_limited');
    expect((await follow(b.token, 'PUT')).statusCode).toBeLessThan(300);
  });
});

describe.runIf(TEST_MODE === 'cluster')('shared counters: two API processes on one Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ env: { REELM_LOGIN_PER_MINUTE: '8' } });
    // The same stores, keys and Redis prefix: a second API process of the same deployment.
    b = await startTestApp({
      dataDir: a.dataDir,
      pg: a.pg!,
      s3: a.s3!,
      queuePrefix: a.queuePrefix,
      env: { REELM_LOGIN_PER_MINUTE: '8' },
    });
    await signup(a.app, { handle: 'cleo_cluster' });
  });
  afterAll(async () => {
    await b.close();
    await a.destroy();
  });

  it('counts a client’s logins across processes, not per process', async () => {
    const ip = '198.51.100.40';
    for (let i = 0; i < 8; i++) {
      const res = await login(i % 2 ? a : b, { handle: `nobody_${i}`, password: 'x' }, {}, ip);
      expect(res.statusCode).toBe(401);
    }
    expect((await login(a, { handle: 'nobody_9', password: 'x' }, {}, ip)).statusCode).toBe(429);
    expect((await login(b, { handle: 'nobody_9', password: 'x' }, {}, ip)).statusCode).toBe(429);
  });

  it('shares the per account backoff across processes', async () => {
    const ip = '198.51.100.41';
    for (let i = 0; i < 6; i++)
      expect((await login(i % 2 ? a : b, { handle: 'cleo_cluster', password: 'guess' }, {}, ip)).statusCode).toBe(401);
    for (const t of [a, b]) {
      const res = await login(t, { handle: 'cleo_cluster', password: PASSWORD }, {}, ip);
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('auth.too_many_attempts');
    }
  });
});
