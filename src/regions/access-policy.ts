import type { OperatorRole } from '../accounts/operator.service.js';

/** The protected personal fields an operator may ask for, by name. */
export const PROTECTED_FIELDS = ['email', 'phone', 'birthdate', 'country', 'ips', 'sessions'] as const;
export type ProtectedField = (typeof PROTECTED_FIELDS)[number];

/**
 * What each role may read about users of its own jurisdiction without a grant. Moderators work from
 * public content and auditors from the audit chain, so neither reads personal fields by role.
 */
export const ROLE_FIELDS: Record<OperatorRole, readonly ProtectedField[]> = {
  support: ['email', 'phone', 'birthdate', 'country'],
  security: ['email', 'phone', 'birthdate', 'country', 'ips', 'sessions'],
  moderator: [],
  auditor: [],
};

/** Roles that may never read protected data, not even with a grant. */
export const NEVER_READS: readonly OperatorRole[] = ['auditor'];

export interface PolicyOperator {
  userId: string;
  jurisdiction: string;
  role: OperatorRole;
}

export interface PolicyGrant {
  id: string;
  requesterId: string;
  subjectId: string;
  fields: readonly string[];
  status: 'pending' | 'approved';
  approvedAt: string | null;
  expiresAt: string | null;
}

export interface AccessRequest {
  /** undefined = the caller is not an operator. */
  operator: PolicyOperator | undefined;
  subject: { id: string; region: string };
  fields: readonly ProtectedField[];
  grants: readonly PolicyGrant[];
  now: Date;
}

export type AccessDecision =
  | { allowed: true; basis: 'role'; grantId?: undefined; code: 'access.role' }
  | { allowed: true; basis: 'grant'; grantId: string; code: 'access.grant' }
  | {
      allowed: false;
      code: 'operator.required' | 'operator.auditor_never' | 'operator.not_permitted';
      message: string;
    };

/** True while a grant lets its holder read `fields` of `subjectId` at `now`. */
export function grantCovers(
  grant: PolicyGrant,
  operatorId: string,
  subjectId: string,
  fields: readonly string[],
  now: Date,
): boolean {
  if (grant.status !== 'approved' || !grant.approvedAt || !grant.expiresAt) return false;
  if (grant.requesterId !== operatorId || grant.subjectId !== subjectId) return false;
  const t = now.toISOString();
  if (t < grant.approvedAt || t >= grant.expiresAt) return false;
  return fields.every((f) => grant.fields.includes(f));
}

/**
 * The access rule, as a pure function: an operator reads a subject's protected fields if the operator's
 * jurisdiction is the subject's home region and the role lists every field, or if the operator holds an
 * approved, unexpired grant for that subject covering every field. Auditors never read; `global` is no region.
 */
export function decideAccess(req: AccessRequest): AccessDecision {
  const op = req.operator;
  if (!op) return { allowed: false, code: 'operator.required', message: 'Only operators may read protected data.' };
  if (NEVER_READS.includes(op.role)) {
    return {
      allowed: false,
      code: 'operator.auditor_never',
      message: 'Auditors read the audit chain, never protected data.',
    };
  }
  if (op.jurisdiction === req.subject.region && req.fields.every((f) => ROLE_FIELDS[op.role].includes(f))) {
    return { allowed: true, basis: 'role', code: 'access.role' };
  }
  const grant = [...req.grants]
    .filter((g) => grantCovers(g, op.userId, req.subject.id, req.fields, req.now))
    .sort((a, b) => (a.id < b.id ? -1 : 1))[0];
  if (grant) return { allowed: true, basis: 'grant', grantId: grant.id, code: 'access.grant' };
  return {
    allowed: false,
    code: 'operator.not_permitted',
    message: `Your role and jurisdiction do not cover these fields of a user in ${req.subject.region}, and you hold no approved grant for them.`,
  };
}
