import type { Kysely } from 'kysely';
import type { OperatorRecord, OperatorService } from '../accounts/operator.service.js';
import type { Principal } from '../accounts/session.service.js';
import type { DirectoryDb } from '../db/schema.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import { PROTECTED_FIELDS, decideAccess, type ProtectedField } from './access-policy.js';
import type { AuditChains } from './audit-chain.js';
import { dataKeyOf, type CellRegistry } from './cells.js';
import { toPolicyGrant, type GrantService } from './grants.js';
import { openField } from './keys.js';
import type { TransparencyCounter } from './transparency.js';

export interface OperatorAccessDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  operators: OperatorService;
  grants: GrantService;
  audit: AuditChains;
  counter: TransparencyCounter;
  now: () => Date;
}

export function parseFields(raw: string | readonly string[]): ProtectedField[] {
  const list = (typeof raw === 'string' ? raw.split(',') : [...raw]).map((f) => f.trim()).filter(Boolean);
  if (list.length === 0)
    throw new InvalidInputError('operator.fields_required', `Name the fields to read: ${PROTECTED_FIELDS.join(', ')}.`);
  const unknown = list.filter((f) => !(PROTECTED_FIELDS as readonly string[]).includes(f));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      'operator.field_unknown',
      `Unknown field ${unknown.map((f) => `"${f.slice(0, 40)}"`).join(', ')}; known fields: ${PROTECTED_FIELDS.join(', ')}.`,
    );
  }
  return [...new Set(list)] as ProtectedField[];
}

export function checkReason(raw: string | undefined): string {
  const reason = (raw ?? '').trim();
  if (reason.length < 10)
    throw new InvalidInputError('operator.reason_required', 'Give a reason of at least 10 characters.');
  return reason.slice(0, 1000);
}

/**
 * Operator reads of protected data: the policy decides, every decision (allowed or denied) is appended
 * to the subject's region chain and counted for the transparency report, and an allowed read is
 * answered from the subject's home cell, decrypted there with the subject's data key.
 */
export class OperatorAccessService {
  constructor(private readonly deps: OperatorAccessDeps) {}

  async operatorOf(principal: Principal): Promise<OperatorRecord | undefined> {
    return this.deps.operators.find(principal.userId);
  }

  /**
   * The operator behind a principal, or 403 `operator.required`. A non-operator's call writes nothing: were it
   * audited, any signed-in user could append their own text to a region's permanent chain and inflate the
   * transparency counts. What operators are refused stays audited (by the callers that refuse them).
   */
  async requireOperator(principal: Principal): Promise<OperatorRecord> {
    const op = await this.operatorOf(principal);
    if (op) return op;
    throw new ForbiddenError('operator.required', 'This is for operators only.');
  }

  /** Where a subject lives; deactivated accounts are still found (their data is still held). */
  async locateSubject(subjectId: string): Promise<{ id: string; region: string } | undefined> {
    const row = await this.deps.directory
      .selectFrom('users')
      .select(['id', 'region'])
      .where('id', '=', subjectId)
      .where('status', '!=', 'pending')
      .executeTakeFirst();
    return row && this.deps.cells.has(row.region) ? row : undefined;
  }

  async readProtected(
    principal: Principal,
    subjectId: string,
    fieldsRaw: string,
    reasonRaw: string | undefined,
  ): Promise<{ id: string; fields: Record<string, unknown> }> {
    const operator = await this.requireOperator(principal);
    const fields = parseFields(fieldsRaw);
    const reason = checkReason(reasonRaw);
    const subject = await this.locateSubject(subjectId);
    const jurisdiction = operator.jurisdiction;
    if (!subject) {
      // Nobody to attribute to: the probe is recorded in the caller's own jurisdiction.
      const region = this.deps.cells.has(operator.jurisdiction) ? operator.jurisdiction : principal.region;
      await this.deps.audit.for(region).append({
        actor: principal.userId,
        action: 'access.denied',
        subject: subjectId.slice(0, 64),
        details: { fields, reason, jurisdiction, code: 'user.not_found' },
      });
      await this.deps.counter.add(region, 'access.denied', jurisdiction);
      throw new NotFoundError('user.not_found', 'There is no such user.');
    }
    const grants = (await this.deps.grants.held(operator.userId, subject)).map(toPolicyGrant);
    const decision = decideAccess({ operator, subject, fields, grants, now: this.deps.now() });
    const details = {
      fields,
      reason,
      jurisdiction,
      role: operator.role,
      code: decision.code,
      grantId: decision.allowed ? (decision.grantId ?? null) : null,
    };
    const chain = this.deps.audit.for(subject.region);
    await chain.append({
      actor: principal.userId,
      action: decision.allowed ? 'access.allowed' : 'access.denied',
      subject: subject.id,
      details,
    });
    await this.deps.counter.add(subject.region, decision.allowed ? 'access.allowed' : 'access.denied', jurisdiction);
    if (!decision.allowed) throw new ForbiddenError(decision.code, decision.message);
    return { id: subject.id, fields: await this.read(subject, fields) };
  }

  private async read(
    subject: { id: string; region: string },
    fields: ProtectedField[],
  ): Promise<Record<string, unknown>> {
    const cell = this.deps.cells.get(subject.region);
    const account = await cell.db.selectFrom('accounts').selectAll().where('id', '=', subject.id).executeTakeFirst();
    const dek = await dataKeyOf(cell, subject.id);
    if (!account || !dek) throw new NotFoundError('user.not_found', 'There is no such user.');
    const sessions =
      fields.includes('ips') || fields.includes('sessions')
        ? await cell.db.selectFrom('sessions').selectAll().where('user_id', '=', subject.id).orderBy('id').execute()
        : [];
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      if (field === 'email') out.email = openField(dek, subject.id, 'email', account.email_enc);
      else if (field === 'birthdate') out.birthdate = openField(dek, subject.id, 'birthdate', account.birthdate_enc);
      else if (field === 'country') out.country = account.country;
      // Reelm does not collect phone numbers: the truthful answer is that there is none.
      else if (field === 'phone') out.phone = null;
      else if (field === 'ips')
        out.ips = [
          ...new Set(sessions.filter((s) => s.ip_enc).map((s) => openField(dek, subject.id, 'ip', s.ip_enc!))),
        ];
      else if (field === 'sessions') {
        out.sessions = sessions.map((s) => ({
          id: s.id,
          createdAt: s.created_at,
          expiresAt: s.expires_at,
          ip: s.ip_enc ? openField(dek, subject.id, 'ip', s.ip_enc) : null,
          userAgent: s.user_agent_enc ? openField(dek, subject.id, 'user_agent', s.user_agent_enc) : null,
        }));
      }
    }
    return out;
  }

  /** Auditors of a region (or global auditors) may read that region's chain and notices. */
  async requireAuditor(principal: Principal, region: string): Promise<OperatorRecord> {
    const op = await this.requireOperator(principal);
    if (!this.deps.cells.has(region))
      throw new NotFoundError('region.unknown', `There is no region "${region}" in this deployment.`);
    if (op.role !== 'auditor' || (op.jurisdiction !== 'global' && op.jurisdiction !== region)) {
      await this.deps.audit.for(region).append({
        actor: op.userId,
        action: 'audit.read.denied',
        subject: '',
        details: { jurisdiction: op.jurisdiction, role: op.role, code: 'operator.not_auditor' },
      });
      throw new ForbiddenError(
        'operator.not_auditor',
        `Only auditors of ${region} (or global auditors) may read its audit chain.`,
      );
    }
    return op;
  }
}
