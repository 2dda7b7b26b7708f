import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROTECTED_FIELDS,
  decideAccess,
  type PolicyGrant,
  type PolicyOperator,
  type ProtectedField,
} from '../../src/regions/access-policy.js';
import type { OperatorRole } from '../../src/accounts/operator.service.js';
import { bearer, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { makeOperator, type TestUser } from './helpers.js';

/** The rules as written in the brief, implemented separately and plainly. */
const WRITTEN: Record<OperatorRole, string[]> = {
  support: ['email', 'phone', 'birthdate', 'country'],
  security: ['email', 'phone', 'birthdate', 'country', 'ips', 'sessions'],
  moderator: [],
  auditor: [],
};
function reference(
  op: PolicyOperator | undefined,
  subject: { id: string; region: string },
  fields: string[],
  grants: PolicyGrant[],
  now: Date,
) {
  if (!op || op.role === 'auditor') return { allowed: false, grantIds: [] as string[] };
  const inJurisdiction = op.jurisdiction !== 'global' && op.jurisdiction === subject.region;
  if (inJurisdiction && fields.every((f) => WRITTEN[op.role].includes(f)))
    return { allowed: true, basis: 'role', grantIds: [] };
  const t = now.getTime();
  const ok = grants.filter(
    (g) =>
      g.status === 'approved' &&
      g.requesterId === op.userId &&
      g.subjectId === subject.id &&
      g.approvedAt !== null &&
      g.expiresAt !== null &&
      new Date(g.approvedAt).getTime() <= t &&
      t < new Date(g.expiresAt).getTime() &&
      fields.every((f) => g.fields.includes(f)),
  );
  return ok.length
    ? { allowed: true, basis: 'grant', grantIds: ok.map((g) => g.id) }
    : { allowed: false, grantIds: [] };
}

const REGIONS = ['us', 'eu', 'au'];
const BASE = Date.UTC(2030, 0, 1);
const arbRole = fc.constantFrom<OperatorRole>('support', 'security', 'moderator', 'auditor');
const arbFields = fc.subarray([...PROTECTED_FIELDS], { minLength: 1 });
const arbOperator = fc.option(
  fc.record({
    userId: fc.constantFrom('op1', 'op2'),
    jurisdiction: fc.constantFrom(...REGIONS, 'global'),
    role: arbRole,
  }),
  { nil: undefined },
);
const arbSubject = fc.record({ id: fc.constantFrom('s1', 's2'), region: fc.constantFrom(...REGIONS) });
const arbGrant = fc
  .record({
    id: fc.uuid(),
    requesterId: fc.constantFrom('op1', 'op2'),
    subjectId: fc.constantFrom('s1', 's2'),
    fields: arbFields,
    status: fc.constantFrom<'pending' | 'approved'>('pending', 'approved'),
    start: fc.integer({ min: -120, max: 120 }),
    minutes: fc.integer({ min: 1, max: 120 }),
  })
  .map(({ start, minutes, ...g }): PolicyGrant => ({
    ...g,
    approvedAt: g.status === 'approved' ? new Date(BASE + start * 60_000).toISOString() : null,
    expiresAt: g.status === 'approved' ? new Date(BASE + (start + minutes) * 60_000).toISOString() : null,
  }));

describe('access policy (property-based)', () => {
  it('decides exactly as the written rules, for random principals, subjects, fields, grants and times', () => {
    fc.assert(
      fc.property(
        arbOperator,
        arbSubject,
        arbFields,
        fc.array(arbGrant, { maxLength: 4 }),
        fc.integer({ min: -180, max: 180 }),
        (operator, subject, fields, grants, offset) => {
          const now = new Date(BASE + offset * 60_000);
          const got = decideAccess({ operator, subject, fields: fields as ProtectedField[], grants, now });
          const want = reference(operator, subject, fields, grants, now);
          expect(got.allowed).toBe(want.allowed);
          if (got.allowed) {
            expect(got.basis).toBe(want.basis);
            if (got.basis === 'grant') expect(want.grantIds).toContain(got.grantId);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never lets an auditor or a non-operator read, whatever grants exist', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REGIONS, 'global'),
        arbSubject,
        arbFields,
        fc.array(arbGrant, { maxLength: 4 }),
        (jurisdiction, subject, fields, grants) => {
          const now = new Date(BASE);
          expect(
            decideAccess({
              operator: { userId: 'op1', jurisdiction, role: 'auditor' },
              subject,
              fields: fields as ProtectedField[],
              grants,
              now,
            }).allowed,
          ).toBe(false);
          expect(
            decideAccess({ operator: undefined, subject, fields: fields as ProtectedField[], grants, now }).allowed,
          ).toBe(false);
        },
      ),
    );
  });
});

describe('access policy through HTTP: every decision lands in the subject region chain', () => {
  let t: TestApp;
  let clock = BASE;
  const ops: (TestUser & { jurisdiction: string; role: OperatorRole })[] = [];
  const subjects: TestUser[] = [];
  const grants: PolicyGrant[] = [];

  beforeAll(async () => {
    t = await startTestApp({ clock: { now: () => new Date(clock) } });
    const combos: [string, OperatorRole][] = [
      ['us', 'support'],
      ['eu', 'security'],
      ['global', 'security'],
      ['au', 'moderator'],
      ['us', 'auditor'],
      ['au', 'support'],
    ];
    for (const [i, [jurisdiction, role]] of combos.entries())
      ops.push({ ...(await makeOperator(t, `prop_op_${i}`, jurisdiction, role)), jurisdiction, role });
    ops.push({ ...(await signup(t.app, { handle: 'prop_plain' })), jurisdiction: 'none', role: 'moderator' });
    for (const [i, country] of ['US', 'DE', 'AU'].entries())
      subjects.push(await signup(t.app, { handle: `prop_subject_${i}`, country }));
    const approvers: Record<string, TestUser> = {};
    for (const r of REGIONS) approvers[r] = await makeOperator(t, `prop_sec_${r}`, r, 'security');
    // A few approved grants, held by global and out-of-region operators.
    for (const [opIdx, subIdx, fields, minutes] of [
      [2, 0, ['email', 'ips'], 30],
      [0, 1, ['email'], 10],
      [3, 2, ['birthdate'], 60],
    ] as const) {
      const op = ops[opIdx]!;
      const subject = subjects[subIdx]!;
      const req = await t.app.inject({
        method: 'POST',
        url: '/api/v1/operator/grants',
        headers: bearer(op.token),
        payload: { subjectId: subject.id, fields, reason: 'property test: investigating', durationMinutes: minutes },
      });
      expect(req.statusCode).toBe(201);
      const ok = await t.app.inject({
        method: 'POST',
        url: `/api/v1/operator/grants/${req.json().id}/approve`,
        headers: bearer(approvers[subject.region]!.token),
      });
      expect(ok.statusCode).toBe(200);
      const g = ok.json();
      grants.push({
        id: g.id,
        requesterId: g.requesterId,
        subjectId: g.subjectId,
        fields: g.fields,
        status: g.status,
        approvedAt: g.approvedAt,
        expiresAt: g.expiresAt,
      });
    }
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  it('answers 200 or 403 as the rules say and appends one matching entry per decision', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(ops.length - 1),
        fc.nat(subjects.length - 1),
        arbFields,
        fc.integer({ min: 0, max: 90 }),
        async (o, s, fields, minutes) => {
          clock = BASE + minutes * 60_000;
          const op = ops[o]!;
          const subject = subjects[s]!;
          const policyOp =
            op.jurisdiction === 'none' ? undefined : { userId: op.id, jurisdiction: op.jurisdiction, role: op.role };
          const want = reference(policyOp, subject, fields, grants, new Date(clock));
          const before = await t.ctx.audit.for(subject.region).head();
          const res = await t.app.inject({
            method: 'GET',
            url: `/api/v1/operator/users/${subject.id}/protected?fields=${fields.join(',')}&reason=${encodeURIComponent('property check of the rules')}`,
            headers: bearer(op.token),
          });
          expect(res.statusCode).toBe(want.allowed ? 200 : 403);
          if (want.allowed) expect(Object.keys(res.json().fields).sort()).toEqual([...fields].sort());
          else expect(res.json().error.code).toMatch(/^operator\./);
          if (!policyOp) {
            // A non-operator's call writes nothing anywhere (it could otherwise fill the chain with its own text).
            expect(res.json().error.code).toBe('operator.required');
            expect(await t.ctx.audit.for(subject.region).head()).toEqual(before);
            return;
          }
          const entries = await t.ctx.audit.for(subject.region).list({ limit: 5 });
          const newest = entries[0]!;
          expect(newest.seq).toBe((before?.seq ?? 0) + 1);
          expect(newest).toMatchObject({
            actor: op.id,
            subject: subject.id,
            action: want.allowed ? 'access.allowed' : 'access.denied',
          });
          expect(newest.details.fields).toEqual(fields);
          expect(newest.details.reason).toBe('property check of the rules');
          if (want.allowed && want.basis === 'grant') expect(want.grantIds).toContain(newest.details.grantId);
        },
      ),
      { numRuns: 60 },
    );
    for (const r of REGIONS) expect((await t.ctx.audit.for(r).verify()).ok).toBe(true);
  });
});
