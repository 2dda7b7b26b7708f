import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/jobs/workers.js';
import type { JobRunner } from '../../src/jobs/worker.js';
import { bearer, dumpStore, signup, startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { storedJobPayloads } from '../helpers/queues.js';
import { readZip } from '../helpers/zip.js';
import { linkToken, startSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.js';
import { listOutbox } from '../../src/mail/mailer.js';
import { openMail } from '../helpers/outbox.js';

const PASSWORD = 'a long enough passphrase';
const PUBLIC_URL = 'https://reelm.example';

/**
 * Mail through a real SMTP server on loopback: verification at signup and on a change of address, password
 * change and reset, one address per account across regions. The clock is the test's, to expire links.
 */
describe('account security over SMTP', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let workers: JobRunner;
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await startTestApp({ clock, env: { REELM_SMTP_URL: smtp.url, REELM_PUBLIC_URL: PUBLIC_URL } });
    workers = startWorkers(t.ctx, undefined, { pollMs: 10 });
  });
  afterAll(async () => {
    await workers.stop();
    await t.destroy();
    await smtp.close();
  });

  const post = (url: string, payload?: object, token?: string) =>
    t.app.inject({ method: 'POST', url, ...(payload ? { payload } : {}), headers: token ? bearer(token) : {} });
  const me = async (token: string) =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) })).json();
  const mailTo = (address: string, subject: RegExp) =>
    smtp.waitFor((m) => m.to.includes(address) && subject.test(m.subject));
  const login = (handle: string, password: string) => post('/api/v1/sessions', { handle, password });

  it('mails a verification link at signup; the link verifies once', async () => {
    const ann = await signup(t.app, { handle: 'ann_sec', email: 'Ann.Sec@example.org' });
    expect((await me(ann.token)).emailVerified).toBe(false);
    const mail = await mailTo('Ann.Sec@example.org', /Confirm your email address/);
    expect(mail.text).toContain(`${PUBLIC_URL}/verify-email/`);
    expect(mail.html).toContain(`href="${PUBLIC_URL}/verify-email/`);
    expect(mail.text).toContain('@ann_sec');
    const token = linkToken(mail.text, 'verify-email');
    expect(token.startsWith('us.')).toBe(true);
    expect((await post(`/api/v1/email-verifications/${token}`)).statusCode).toBe(204);
    expect((await me(ann.token)).emailVerified).toBe(true);
    const again = await post(`/api/v1/email-verifications/${token}`);
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('email_verification.invalid');
    const resend = await post('/api/v1/me/email-verification', undefined, ann.token);
    expect(resend.statusCode).toBe(409);
    expect(resend.json().error.code).toBe('account.email_verified');
    const bogus = await post('/api/v1/email-verifications/us.not-a-token');
    expect(bogus.json().error.code).toBe('email_verification.invalid');
  });

  it('writes mail in the user’s language (German) and resends on request', async () => {
    const bea = await signup(t.app, { handle: 'bea_sec', email: 'bea.sec@example.org', country: 'DE' });
    await mailTo('bea.sec@example.org', /Confirm your email address/);
    await t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(bea.token), payload: { language: 'de' } });
    expect((await post('/api/v1/me/email-verification', undefined, bea.token)).statusCode).toBe(202);
    const mail = await mailTo('bea.sec@example.org', /Bestätige deine E-Mail-Adresse/);
    expect(mail.text).toContain('Hallo @bea_sec');
    const token = linkToken(mail.text, 'verify-email');
    expect(token.startsWith('eu.')).toBe(true);
    expect((await post(`/api/v1/email-verifications/${token}`)).statusCode).toBe(204);
  });

  it('writes the signup’s first mail in the language it asked for, or its browser’s, and keeps that language', async () => {
    const signupWith = (handle: string, extra: object, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        headers,
        payload: {
          handle,
          password: PASSWORD,
          email: `${handle}@example.org`,
          birthdate: '1990-02-03',
          country: 'DE',
          ...extra,
        },
      });
    const languageOf = async (handle: string) =>
      me((await login(handle, PASSWORD)).json().token as string).then((m) => m.language);

    // Asked for in the body, whatever the browser says.
    expect((await signupWith('uwe_sprache', { language: 'de' }, { 'accept-language': 'en-US' })).statusCode).toBe(201);
    const uwe = await mailTo('uwe_sprache@example.org', /Bestätige deine E-Mail-Adresse/);
    expect(uwe.text).toContain('Hallo @uwe_sprache');
    expect(linkToken(uwe.text, 'verify-email').startsWith('eu.')).toBe(true);
    expect(await languageOf('uwe_sprache')).toBe('de');

    // From the browser's Accept-Language, when it names a language the app speaks.
    const vera = await signupWith('vera_sprache', {}, { 'accept-language': 'fr-FR, de-AT;q=0.8, en;q=0.5' });
    expect(vera.statusCode).toBe(201);
    expect((await mailTo('vera_sprache@example.org', /Bestätige deine E-Mail-Adresse/)).text).toContain('Hallo');
    expect(await languageOf('vera_sprache')).toBe('de');

    // Neither: English, and the account keeps following the browser.
    expect((await signupWith('walt_sprache', {}, { 'accept-language': 'fr-FR, ja;q=0.5' })).statusCode).toBe(201);
    await mailTo('walt_sprache@example.org', /Confirm your email address/);
    expect(await languageOf('walt_sprache')).toBeNull();
    const bad = await signupWith('xena_sprache', { language: 'fr' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('request.invalid');
  });

  it('lets a verification link expire after 48 hours', async () => {
    await signup(t.app, { handle: 'cal_sec', email: 'cal.sec@example.org' });
    const token = linkToken((await mailTo('cal.sec@example.org', /Confirm/)).text, 'verify-email');
    offsetMs = 49 * 3600_000;
    try {
      const res = await post(`/api/v1/email-verifications/${token}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('email_verification.expired');
    } finally {
      offsetMs = 0;
    }
  });

  it('keeps an address to one account across regions, whatever its case', async () => {
    await signup(t.app, { handle: 'dee_sec', email: 'dee.sec@example.org', country: 'US' });
    const res = await post('/api/v1/accounts', {
      handle: 'dee_sec_au',
      password: PASSWORD,
      email: ' DEE.SEC@example.org ',
      birthdate: '1990-02-03',
      country: 'AU',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('account.email_taken');
    // Refused before the handle was reserved: nothing of it anywhere.
    expect(await t.ctx.directory.selectFrom('users').where('handle', '=', 'dee_sec_au').select('id').execute()).toEqual(
      [],
    );
    // The lookup crossed the border as the declared flow, counted in the asking cell's ledger.
    const ledger = await t.ctx.border.ledger('au');
    expect(ledger.some((l) => l.flow === 'account.email-taken' && l.target === 'us')).toBe(true);
    // The address itself is in no other cell and not in the directory.
    for (const region of ['eu', 'au', 'nz', 'row'])
      expect((await dumpStore(t.ctx.cells.get(region).db)).toLowerCase()).not.toContain('dee.sec@example.org');
    expect((await dumpStore(t.ctx.directory)).toLowerCase()).not.toContain('dee.sec@example.org');
  });

  it('changes the password with the current one and ends every other session', async () => {
    const eve = await signup(t.app, { handle: 'eve_sec', email: 'eve.sec@example.org' });
    const other = (await login('eve_sec', PASSWORD)).json().token as string;
    const wrong = await post('/api/v1/me/password', { currentPassword: 'not it at all', newPassword: 'x' }, eve.token);
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('account.password_wrong');
    const weak = await post(
      '/api/v1/me/password',
      { currentPassword: PASSWORD, newPassword: 'qwerty123456' },
      eve.token,
    );
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.code).toBe('account.password_weak');
    expect(weak.json().error.message).toMatch(/commonly used password/);
    const next = 'another quiet harbour at dusk';
    const ok = await post('/api/v1/me/password', { currentPassword: PASSWORD, newPassword: next }, eve.token);
    expect(ok.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(other) })).statusCode).toBe(401);
    expect((await me(eve.token)).handle).toBe('eve_sec');
    expect((await login('eve_sec', PASSWORD)).statusCode).toBe(401);
    expect((await login('eve_sec', next)).statusCode).toBe(201);
  });

  it('resets a password by email: 202, a link that works once, every session ended', async () => {
    const fay = await signup(t.app, { handle: 'fay_sec', email: 'fay.sec@example.org', country: 'NZ' });
    const res = await post('/api/v1/password-resets', { email: 'FAY.sec@example.org' });
    expect(res.statusCode).toBe(202);
    const mail = await mailTo('fay.sec@example.org', /Reset your Reelm password/);
    expect(mail.text).toContain(`${PUBLIC_URL}/reset/nz.`);
    const token = linkToken(mail.text, 'reset');
    const weak = await post(`/api/v1/password-resets/${token}`, { password: 'password12' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.code).toBe('account.password_weak');
    const next = 'lanterns over the silent river';
    expect((await post(`/api/v1/password-resets/${token}`, { password: next })).statusCode).toBe(204);
    const reused = await post(`/api/v1/password-resets/${token}`, { password: 'yet another calm evening walk' });
    expect(reused.statusCode).toBe(404);
    expect(reused.json().error.code).toBe('password_reset.invalid');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(fay.token) })).statusCode).toBe(401);
    expect((await login('fay_sec', PASSWORD)).statusCode).toBe(401);
    expect((await login('fay_sec', next)).statusCode).toBe(201);
  });

  it('resets by handle too, and a link expires after an hour', async () => {
    await signup(t.app, { handle: 'gus_sec', email: 'gus.sec@example.org', country: 'AU' });
    expect((await post('/api/v1/password-resets', { handle: '@gus_sec' })).statusCode).toBe(202);
    const token = linkToken((await mailTo('gus.sec@example.org', /Reset/)).text, 'reset');
    offsetMs = 61 * 60_000;
    try {
      const res = await post(`/api/v1/password-resets/${token}`, { password: 'lanterns over the silent river' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('password_reset.expired');
    } finally {
      offsetMs = 0;
    }
    expect((await login('gus_sec', PASSWORD)).statusCode).toBe(201);
  });

  it('answers a reset for an unknown address exactly as for a known one, and sends nothing', async () => {
    await signup(t.app, { handle: 'hal_sec', email: 'hal.sec@example.org' });
    await mailTo('hal.sec@example.org', /Confirm/);
    await t.ctx.passwords.settled();
    const jobsBefore = await jobCount(t);
    const unknown = await post('/api/v1/password-resets', { email: 'nobody.at.all@example.org' });
    const unknownHandle = await post('/api/v1/password-resets', { handle: 'nobody_at_all' });
    await t.ctx.passwords.settled();
    expect(await jobCount(t)).toBe(jobsBefore);
    const known = await post('/api/v1/password-resets', { email: 'hal.sec@example.org' });
    for (const r of [unknown, unknownHandle]) {
      expect(r.statusCode).toBe(known.statusCode);
      expect(r.body).toBe(known.body);
      expect(r.headers['content-length']).toBe(known.headers['content-length']);
    }
    await mailTo('hal.sec@example.org', /Reset/);
    expect(smtp.received.some((m: ReceivedMail) => m.to.includes('nobody.at.all@example.org'))).toBe(false);
    const both = await post('/api/v1/password-resets', { email: 'hal.sec@example.org', handle: 'hal_sec' });
    expect(both.statusCode).toBe(400);
    expect(both.json().error.code).toBe('password_reset.target_invalid');
  });

  it('changes the address with the password; the new one must be verified and unused', async () => {
    const ivy = await signup(t.app, { handle: 'ivy_sec', email: 'ivy.sec@example.org' });
    const first = linkToken((await mailTo('ivy.sec@example.org', /Confirm/)).text, 'verify-email');
    const patch = (payload: object) =>
      t.app.inject({ method: 'PATCH', url: '/api/v1/me/email', headers: bearer(ivy.token), payload });
    expect((await patch({ email: 'ivy.new@example.org', password: 'wrong password here' })).statusCode).toBe(403);
    const taken = await patch({ email: 'ann.sec@example.org', password: PASSWORD });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('account.email_taken');
    const changed = await patch({ email: 'ivy.new@example.org', password: PASSWORD });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ email: 'ivy.new@example.org', emailVerified: false });
    // The link sent to the old address no longer verifies anything.
    expect((await post(`/api/v1/email-verifications/${first}`)).statusCode).toBe(404);
    const token = linkToken((await mailTo('ivy.new@example.org', /Confirm/)).text, 'verify-email');
    expect((await post(`/api/v1/email-verifications/${token}`)).statusCode).toBe(204);
    expect((await me(ivy.token)).emailVerified).toBe(true);
    // The old address is free again.
    await signup(t.app, { handle: 'ivy_old', email: 'ivy.sec@example.org', country: 'AU' });
  });

  it('indexes accounts made before the blind index at start', async () => {
    const jon = await signup(t.app, { handle: 'jon_sec', email: 'jon.sec@example.org' });
    await t.ctx.cells.get('us').db.deleteFrom('account_emails').where('user_id', '=', jon.id).execute();
    expect((await t.ctx.accountEmails.backfill()).indexed).toBe(1);
    const res = await post('/api/v1/accounts', {
      handle: 'jon_again',
      password: PASSWORD,
      email: 'jon.sec@example.org',
      birthdate: '1990-02-03',
      country: 'JP',
    });
    expect(res.json().error?.code).toBe('account.email_taken');
    // A row indexed under another key (a carved-out region's new deployment) is re-indexed, its verification kept.
    const us = t.ctx.cells.get('us').db;
    await us
      .updateTable('account_emails')
      .set({ blind_index: 'oldkey00.stale', verified_at: '2026-01-01T00:00:00.000Z' })
      .where('user_id', '=', jon.id)
      .execute();
    expect((await t.ctx.accountEmails.backfill()).indexed).toBe(1);
    const row = await us
      .selectFrom('account_emails')
      .selectAll()
      .where('user_id', '=', jon.id)
      .executeTakeFirstOrThrow();
    expect(row.blind_index).toBe(t.ctx.accountEmails.blindIndex('jon.sec@example.org'));
    expect(row.verified_at).toBe('2026-01-01T00:00:00.000Z');
    expect((await t.ctx.accountEmails.backfill()).indexed).toBe(0);
  });

  it('never writes an address or a link token into a log line or a job payload', async () => {
    await t.ctx.passwords.settled();
    const logs = t.logs();
    for (const address of ['ann.sec@example.org', 'fay.sec@example.org', 'bea.sec@example.org'])
      expect(logs.toLowerCase()).not.toContain(address);
    for (const m of smtp.received) {
      const token = /\/(?:reset|verify-email)\/([A-Za-z0-9_.-]+)/.exec(m.text)?.[1];
      expect(token).toBeDefined();
      expect(logs).not.toContain(token!.slice(3));
    }
    // The jobs table (embedded) or BullMQ's job hashes in Redis (cluster): the mail jobs above are in one of them.
    const payloads = await storedJobPayloads(t);
    const mailJobs = payloads.filter((p) => p.includes('"kind":"email_verification"'));
    expect(mailJobs.length).toBeGreaterThanOrEqual(3);
    for (const p of payloads) expect(p).not.toMatch(/@|\.[A-Za-z0-9_-]{40}/);
  });
});

describe('a region that wants a verified address before uploads', () => {
  it('answers 403 account.email_unverified until the address is verified', async () => {
    const t = await startTestApp({
      configure: (c) => {
        c.policies.us!.requireVerifiedEmail = true;
      },
    });
    try {
      const kim = await signup(t.app, { handle: 'kim_sec' });
      const upload = () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/uploads',
          headers: { ...bearer(kim.token), 'tus-resumable': '1.0.0', 'upload-length': '100' },
        });
      const refused = await upload();
      // Without ffmpeg the upload answers 503 before the policy is asked; with it, 403.
      if (refused.statusCode !== 503) {
        expect(refused.statusCode).toBe(403);
        expect(refused.json().error.code).toBe('account.email_unverified');
      }
      const multipart = await t.app.inject({ method: 'POST', url: '/api/v1/videos', headers: bearer(kim.token) });
      expect(multipart.statusCode).toBe(403);
      expect(multipart.json().error.code).toBe('account.email_unverified');
      // Verified (the link from the outbox), the same upload gets past the policy.
      const workers = startWorkers(t.ctx, undefined, { pollMs: 10 });
      let entry: Awaited<ReturnType<typeof listOutbox>>[number] | undefined;
      try {
        for (let i = 0; i < 500 && !entry; i++) {
          [entry] = await listOutbox(t.ctx.cells.get('us').db);
          if (!entry) await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await workers.stop();
      }
      const opened = await openMail(t.ctx, 'us', entry!.id);
      const verified = await t.app.inject({
        method: 'POST',
        url: `/api/v1/email-verifications/${linkToken(opened!.text, 'verify-email')}`,
      });
      expect(verified.statusCode).toBe(204);
      const allowed = await t.app.inject({ method: 'POST', url: '/api/v1/videos', headers: bearer(kim.token) });
      expect(allowed.json().error?.code).not.toBe('account.email_unverified');
      // Another region's users are not held to it.
      const lea = await signup(t.app, { handle: 'lea_sec', country: 'AU' });
      const other = await t.app.inject({ method: 'POST', url: '/api/v1/videos', headers: bearer(lea.token) });
      expect(other.json().error?.code).not.toBe('account.email_unverified');
    } finally {
      await t.destroy();
    }
  });
});

describe('the export of an account with mail, reset links and two-step sign-in', () => {
  let t: TestApp;
  let workers: JobRunner;
  beforeAll(async () => {
    // No SMTP: mail goes to the cell's outbox, sealed, which the export reads like every other table.
    t = await startTestApp({ env: { REELM_PUBLIC_URL: PUBLIC_URL } });
    workers = startWorkers(t.ctx, undefined, { pollMs: 10 });
  });
  afterAll(async () => {
    await workers.stop();
    await t.destroy();
  });

  it('lists the mail, tokens and factors it keeps, without a link, token, secret or hash that guards the account', async () => {
    const ola = await signup(t.app, { handle: 'ola_export', email: 'ola.export@example.org' });
    const post = (url: string, payload?: object) =>
      t.app.inject({ method: 'POST', url, headers: bearer(ola.token), ...(payload ? { payload } : {}) });
    expect((await post('/api/v1/password-resets', { email: 'ola.export@example.org' })).statusCode).toBe(202);
    const { secret } = (await post('/api/v1/me/totp')).json() as { secret: string };
    const code = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
    const confirmed = await post('/api/v1/me/totp/confirm', { code });
    expect(confirmed.statusCode).toBe(200);
    const recoveryCodes = confirmed.json().recoveryCodes as string[];

    // The verification and the reset mail, opened as `reelm mail show` would: their links are live.
    const cell = t.ctx.cells.get('us');
    let entries: Awaited<ReturnType<typeof listOutbox>> = [];
    for (let i = 0; i < 500 && entries.length < 2; i++) {
      await t.ctx.passwords.settled();
      entries = (await listOutbox(cell.db)).filter((e) => e.userId === ola.id);
      if (entries.length < 2) await new Promise((r) => setTimeout(r, 20));
    }
    expect(entries.map((e) => e.kind).sort()).toEqual(['email_verification', 'password_reset']);
    const links: string[] = [];
    for (const e of entries) {
      const mail = (await openMail(t.ctx, 'us', e.id))!;
      links.push(linkToken(mail.text, e.kind === 'password_reset' ? 'reset' : 'verify-email'));
    }
    const hashes = [
      ...(await cell.db.selectFrom('account_tokens').select('token_hash').where('user_id', '=', ola.id).execute()).map(
        (r) => r.token_hash,
      ),
      ...(
        await cell.db.selectFrom('totp_recovery_codes').select('code_hash').where('user_id', '=', ola.id).execute()
      ).map((r) => r.code_hash),
      ...(await cell.db.selectFrom('sessions').select('token_hash').where('user_id', '=', ola.id).execute()).map(
        (r) => r.token_hash,
      ),
    ];
    expect(hashes.length).toBeGreaterThanOrEqual(2 + 10 + 1);
    const sealedSecret = (
      await cell.db
        .selectFrom('totp_factors')
        .select('totp_secret_enc')
        .where('user_id', '=', ola.id)
        .executeTakeFirstOrThrow()
    ).totp_secret_enc;

    const requested = await post('/api/v1/me/export');
    expect(requested.statusCode).toBe(202);
    let status: { status: string; url?: string } = { status: 'queued' };
    for (let i = 0; i < 500 && status.status !== 'ready'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/me/exports/${requested.json().id}`,
          headers: bearer(ola.token),
        })
      ).json();
    }
    expect(status.status).toBe('ready');
    const download = await t.app.inject({ method: 'GET', url: status.url!, headers: bearer(ola.token) });
    expect(download.statusCode).toBe(200);
    const file = join(tempDir(), 'export.zip');
    writeFileSync(file, download.rawPayload);
    const zip = await readZip(file);

    // Every table the account's security lives in is listed…
    for (const table of ['mail_outbox', 'account_emails', 'account_tokens', 'totp_factors', 'totp_recovery_codes'])
      expect([...zip.keys()], table).toContain(`tables/${table}.json`);
    const table = (name: string) =>
      JSON.parse(zip.get(`tables/${name}.json`)!.toString('utf8')) as Record<string, unknown>[];
    const outbox = table('mail_outbox');
    expect(outbox.map((m) => m.kind).sort()).toEqual(['email_verification', 'password_reset']);
    for (const m of outbox) {
      expect(m).toMatchObject({ kind: expect.any(String), language: 'en', created_at: expect.any(String) });
      expect(Object.keys(m)).not.toContain('text');
      expect(Object.keys(m)).not.toContain('html');
    }
    expect(
      table('account_tokens')
        .map((r) => r.purpose)
        .sort(),
    ).toEqual(['email_verification', 'password_reset']);
    expect(table('totp_factors')).toHaveLength(1);
    expect(table('totp_recovery_codes')).toHaveLength(10);
    // …and nothing in the whole archive would let its holder verify, reset, sign in or pass the second step.
    const everything = [...zip.values()].map((b) => b.toString('latin1')).join('\n');
    expect(everything).not.toContain('/verify-email/');
    expect(everything).not.toContain('/reset/');
    for (const link of links) expect(everything).not.toContain(link.slice(3));
    for (const hash of hashes) expect(everything).not.toContain(hash);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(sealedSecret);
    for (const rc of recoveryCodes) expect(everything).not.toContain(rc);
  });
});

async function jobCount(t: TestApp): Promise<number> {
  let n = 0;
  for (const q of t.ctx.queues.values()) n += Object.values(await q.counts()).reduce((a, b) => a + b, 0);
  return n;
}
