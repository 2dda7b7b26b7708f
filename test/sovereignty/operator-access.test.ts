import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { auditActions, makeOperator, type TestUser } from './helpers.js';

describe('operator access, grants, audit reads and the transparency report', () => {
  let t: TestApp;
  let now = Date.UTC(2031, 5, 1, 12);
  let subject: TestUser;
  let usSupport: TestUser;
  let usSecurity: TestUser;
  let usSecurity2: TestUser;
  let usModerator: TestUser;
  let usAuditor: TestUser;
  let globalSecurity: TestUser;
  let euSupport: TestUser;
  let plain: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ clock: { now: () => new Date(now) } });
    subject = await signup(t.app, {
      handle: 'sam_subject',
      country: 'US',
      email: 'sam.subject.4411@example.org',
      birthdate: '1988-08-08',
    });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      payload: { handle: 'sam_subject', password: 'a long enough passphrase' },
      remoteAddress: '198.51.100.77',
    });
    usSupport = await makeOperator(t, 'us_support', 'us', 'support');
    usSecurity = await makeOperator(t, 'us_security', 'us', 'security');
    usSecurity2 = await makeOperator(t, 'us_security2', 'us', 'security');
    usModerator = await makeOperator(t, 'us_moderator', 'us', 'moderator');
    usAuditor = await makeOperator(t, 'us_auditor', 'us', 'auditor');
    globalSecurity = await makeOperator(t, 'global_security', 'global', 'security', 'DE');
    euSupport = await makeOperator(t, 'eu_support', 'eu', 'support', 'DE');
    plain = await signup(t.app, { handle: 'plain_user' });
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  const read = (who: TestUser, fields: string, reason = 'support ticket 1234 about login') =>
    t.app.inject({
      method: 'GET',
      url: `/api/v1/operator/users/${subject.id}/protected?fields=${fields}&reason=${encodeURIComponent(reason)}`,
      headers: bearer(who.token),
    });
  const post = (who: TestUser, url: string, payload?: object) =>
    t.app.inject({ method: 'POST', url, headers: bearer(who.token), ...(payload ? { payload } : {}) });

  it('lets an in-jurisdiction operator read what the role permits, decrypted from the home cell', async () => {
    const res = await read(usSupport, 'email,birthdate,country,phone');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: subject.id,
      fields: { email: 'sam.subject.4411@example.org', birthdate: '1988-08-08', country: 'US', phone: null },
    });
    const sec = await read(usSecurity, 'ips,sessions');
    expect(sec.statusCode).toBe(200);
    expect(sec.json().fields.ips).toContain('198.51.100.77');
    expect(sec.json().fields.sessions.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses beyond the role, moderators, auditors, other jurisdictions, global operators and non-operators with 403', async () => {
    for (const [who, fields, code] of [
      [usSupport, 'ips', 'operator.not_permitted'],
      [usModerator, 'email', 'operator.not_permitted'],
      [usAuditor, 'email', 'operator.auditor_never'],
      [euSupport, 'email', 'operator.not_permitted'],
      [globalSecurity, 'email', 'operator.not_permitted'],
    ] as const) {
      const res = await read(who, fields);
      expect(res.statusCode, who.handle).toBe(403);
      expect(res.json().error.code).toBe(code);
      expect(res.body).not.toContain('sam.subject');
    }
  });

  it('answers a non-operator 403 operator.required on every operator route without touching a chain or a count', async () => {
    const heads = async () =>
      Promise.all(t.ctx.cells.regions().map(async (r) => (await t.ctx.audit.for(r).head())?.seq ?? 0));
    const report = async () => (await t.app.inject({ method: 'GET', url: '/api/v1/transparency' })).body;
    const chainsBefore = await heads();
    const reportBefore = await report();
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: bearer(plain.token) });
    const calls = [
      await read(plain, 'email'),
      await read(plain, 'email', 'my own text, written into your permanent chain'),
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/operator/users/01jzzzzzzzzzzzzzzzzzzzzzzz/protected?fields=email&reason=looking+for+someone`,
        headers: bearer(plain.token),
      }),
      await post(plain, '/api/v1/operator/grants', {
        subjectId: subject.id,
        fields: ['email'],
        reason: 'a reason that would go into the chain',
        durationMinutes: 5,
      }),
      await post(plain, '/api/v1/operator/grants/01jzzzzzzzzzzzzzzzzzzzzzzz/approve'),
      await get('/api/v1/operator/grants/01jzzzzzzzzzzzzzzzzzzzzzzz'),
      await get('/api/v1/operator/grants?region=us'),
      await get('/api/v1/operator/audit?region=us'),
      await get('/api/v1/operator/notices?region=us'),
      await get('/api/v1/operator/config'),
    ];
    for (const res of calls) {
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'operator.required', message: expect.any(String) });
    }
    expect(await heads()).toEqual(chainsBefore);
    expect(await report()).toBe(reportBefore);
    // A real operator's denial is still audited and counted.
    expect((await read(usModerator, 'email')).statusCode).toBe(403);
    expect((await heads())[t.ctx.cells.regions().indexOf('us')]).toBe(
      chainsBefore[t.ctx.cells.regions().indexOf('us')]! + 1,
    );
    expect(await report()).not.toBe(reportBefore);
  });

  it('refuses bad input with 400 and an unknown user with 404', async () => {
    expect((await read(usSupport, 'email', 'short')).json().error.code).toBe('operator.reason_required');
    expect((await read(usSupport, 'email,password_hash')).json().error.code).toBe('operator.field_unknown');
    const unknown = await t.app.inject({
      method: 'GET',
      url: `/api/v1/operator/users/01jzzzzzzzzzzzzzzzzzzzzzzz/protected?fields=email&reason=looking+for+someone`,
      headers: bearer(usSupport.token),
    });
    expect(unknown.statusCode).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/operator/users/${subject.id}/protected?fields=email&reason=0123456789`,
        })
      ).statusCode,
    ).toBe(401);
  });

  it('audits every decision with who, whose, which fields, why and which grant — never a value', async () => {
    const entries = await auditActions(t, 'us');
    const reads = entries.filter((e) => e.action.startsWith('access.'));
    expect(reads.filter((e) => e.action === 'access.allowed')).toHaveLength(2);
    expect(reads.filter((e) => e.action === 'access.denied').length).toBeGreaterThanOrEqual(6);
    expect(reads[0]).toMatchObject({
      actor: usSupport.id,
      subject: subject.id,
      details: {
        fields: ['email', 'birthdate', 'country', 'phone'],
        reason: 'support ticket 1234 about login',
        grantId: null,
        code: 'access.role',
      },
    });
    const text = JSON.stringify(entries);
    expect(text).not.toContain('sam.subject.4411');
    expect(text).not.toContain('1988-08-08');
    expect(text).not.toContain('198.51.100.77');
  });

  it('grants: requested, approved by a security operator of the region, time-boxed, scoped to subject and fields', async () => {
    const req = await post(globalSecurity, '/api/v1/operator/grants', {
      subjectId: subject.id,
      fields: ['email', 'ips'],
      reason: 'fraud investigation #77',
      durationMinutes: 30,
    });
    expect(req.statusCode).toBe(201);
    const grant = req.json();
    expect(grant).toMatchObject({ region: 'us', status: 'pending', approvalsNeeded: 1, breakGlass: false });
    expect((await read(globalSecurity, 'email')).statusCode).toBe(403);
    expect((await post(globalSecurity, `/api/v1/operator/grants/${grant.id}/approve`)).json().error.code).toBe(
      'grant.approver_not_permitted',
    );
    expect((await post(usSupport, `/api/v1/operator/grants/${grant.id}/approve`)).statusCode).toBe(403);
    const ok = await post(usSecurity, `/api/v1/operator/grants/${grant.id}/approve`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', approvals: [usSecurity.id] });
    expect((await post(usSecurity2, `/api/v1/operator/grants/${grant.id}/approve`)).statusCode).toBe(409);
    const allowed = await read(globalSecurity, 'email,ips');
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json().fields.email).toBe('sam.subject.4411@example.org');
    expect((await read(globalSecurity, 'birthdate')).statusCode).toBe(403);
    const last = (await auditActions(t, 'us')).filter((e) => e.action === 'access.allowed').at(-1)!;
    expect(last.details).toMatchObject({ grantId: grant.id, code: 'access.grant' });
    now += 31 * 60_000;
    expect((await read(globalSecurity, 'email')).statusCode).toBe(403);
  });

  it('break-glass needs two distinct approvers besides the requester and notifies the region auditors', async () => {
    const req = await post(usSecurity, '/api/v1/operator/grants', {
      subjectId: subject.id,
      fields: ['sessions'],
      reason: 'account takeover in progress',
      durationMinutes: 15,
      breakGlass: true,
    });
    expect(req.statusCode).toBe(201);
    const id = req.json().id;
    expect((await post(usSecurity, `/api/v1/operator/grants/${id}/approve`)).json().error.code).toBe(
      'grant.self_approval',
    );
    expect((await post(usSecurity2, `/api/v1/operator/grants/${id}/approve`)).json()).toMatchObject({
      status: 'pending',
      approvals: [usSecurity2.id],
    });
    expect((await post(usSecurity2, `/api/v1/operator/grants/${id}/approve`)).statusCode).toBe(409);
    const third = await makeOperator(t, 'us_security3', 'us', 'security');
    expect((await post(third, `/api/v1/operator/grants/${id}/approve`)).json()).toMatchObject({ status: 'approved' });
    const notices = await t.app.inject({
      method: 'GET',
      url: '/api/v1/operator/notices?region=us',
      headers: bearer(usAuditor.token),
    });
    expect(notices.statusCode).toBe(200);
    expect(
      notices
        .json()
        .items.map((n: { kind: string }) => n.kind)
        .sort(),
    ).toEqual(['break_glass.approved', 'break_glass.requested']);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/api/v1/operator/notices?region=us',
          headers: bearer(usSecurity.token),
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await post(usAuditor, '/api/v1/operator/grants', {
          subjectId: subject.id,
          fields: ['email'],
          reason: 'auditors never read data',
          durationMinutes: 5,
        })
      ).statusCode,
    ).toBe(403);
    const bad = await post(usSecurity, '/api/v1/operator/grants', {
      subjectId: subject.id,
      fields: ['email'],
      reason: 'a good reason here',
      durationMinutes: 0,
    });
    expect(bad.json().error.code).toBe('grant.duration_invalid');
  });

  it('lets auditors read the audit chain (paginated) and config, but nobody else, and never protected data', async () => {
    const page = await t.app.inject({
      method: 'GET',
      url: '/api/v1/operator/audit?region=us&limit=5',
      headers: bearer(usAuditor.token),
    });
    expect(page.statusCode).toBe(200);
    const body = page.json();
    expect(body.items).toHaveLength(5);
    expect(body.items[0].seq).toBeGreaterThan(body.items[4].seq);
    const next = await t.app.inject({
      method: 'GET',
      url: `/api/v1/operator/audit?region=us&limit=5&cursor=${body.cursor}`,
      headers: bearer(usAuditor.token),
    });
    expect(next.json().items[0].seq).toBe(body.items[4].seq - 1);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/operator/audit?region=eu', headers: bearer(usAuditor.token) }))
        .statusCode,
    ).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/api/v1/operator/audit?region=us',
          headers: bearer(usSecurity.token),
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/api/v1/operator/audit?region=mars',
          headers: bearer(usAuditor.token),
        })
      ).statusCode,
    ).toBe(404);
    const config = await t.app.inject({
      method: 'GET',
      url: '/api/v1/operator/config',
      headers: bearer(usAuditor.token),
    });
    expect(config.statusCode).toBe(200);
    expect(config.json()).toMatchObject({
      regions: ['us', 'eu', 'au', 'nz', 'row'],
      countryRegion: { DE: 'eu' },
      roleFields: { auditor: [] },
      policies: { us: { minAge: 13 } },
    });
    expect(config.body).not.toMatch(/kek|BEGIN|postgres:\/\//i);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/operator/config', headers: bearer(plain.token) })).statusCode,
    ).toBe(403);
    expect((await t.ctx.audit.for('us').verify()).ok).toBe(true);
  });

  it('publishes aggregates only in the transparency report', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/transparency' });
    expect(res.statusCode).toBe(200);
    const us = res.json().regions.find((r: { region: string }) => r.region === 'us');
    expect(us.accesses).toContainEqual({ jurisdiction: 'us', allowed: 2, denied: expect.any(Number) });
    expect(us.accesses).toContainEqual({ jurisdiction: 'global', allowed: 1, denied: 4 });
    // Non-operators' calls are not counted (nor audited): no row for jurisdiction "none".
    expect(us.accesses.map((a: { jurisdiction: string }) => a.jurisdiction)).not.toContain('none');
    expect(us.grants).toMatchObject({ requested: 2, approved: 2 });
    expect(us.denials).toBeGreaterThan(5);
    expect(us.flows).toContainEqual({ flow: 'profile.publish', target: 'directory', count: expect.any(Number) });
    for (const u of [subject, usSupport, globalSecurity]) expect(res.body).not.toContain(u.id);
  });
});
