import type { Selectable } from 'kysely';
import { newId } from '../db/ids.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import type { OperatorRecord } from '../accounts/operator.service.js';
import { NEVER_READS, type PolicyGrant, type ProtectedField } from './access-policy.js';
import type { AuditChains } from './audit-chain.js';
import type { CellRegistry } from './cells.js';
import type { AccessGrantsTable } from './regions.tables.js';
import type { TransparencyCounter } from './transparency.js';

export interface GrantView {
  id: string;
  region: string;
  requesterId: string;
  subjectId: string;
  fields: string[];
  reason: string;
  durationMinutes: number;
  breakGlass: boolean;
  status: 'pending' | 'approved';
  approvals: string[];
  approvalsNeeded: number;
  createdAt: string;
  approvedAt: string | null;
  expiresAt: string | null;
}

export interface GrantRequest {
  subject: { id: string; region: string };
  fields: ProtectedField[];
  reason: string;
  durationMinutes: number;
  breakGlass: boolean;
}

export interface GrantServiceDeps {
  cells: CellRegistry;
  audit: AuditChains;
  counter: TransparencyCounter;
  now: () => Date;
  maxMinutes: number;
}

export function approvalsNeeded(breakGlass: boolean): number {
  // Break-glass skips the usual review, so it takes two people besides the requester.
  return breakGlass ? 2 : 1;
}

export function toGrantView(row: Selectable<AccessGrantsTable>, region: string): GrantView {
  return {
    id: row.id,
    region,
    requesterId: row.requester_id,
    subjectId: row.subject_id,
    fields: JSON.parse(row.fields) as string[],
    reason: row.reason,
    durationMinutes: row.duration_minutes,
    breakGlass: row.break_glass === 1,
    status: row.status as GrantView['status'],
    approvals: JSON.parse(row.approvals) as string[],
    approvalsNeeded: approvalsNeeded(row.break_glass === 1),
    createdAt: row.created_at,
    approvedAt: row.approved_at,
    expiresAt: row.expires_at,
  };
}

export function toPolicyGrant(view: GrantView): PolicyGrant {
  return {
    id: view.id,
    requesterId: view.requesterId,
    subjectId: view.subjectId,
    fields: view.fields,
    status: view.status,
    approvedAt: view.approvedAt,
    expiresAt: view.expiresAt,
  };
}

/**
 * Grants: time-boxed, subject-scoped permissions to read named protected fields, stored in the subject's
 * home cell and approved by a `security` operator of that region (two distinct ones for break-glass,
 * neither the requester; break-glass also leaves a notice for the region's auditors). Every step is audited.
 */
export class GrantService {
  constructor(private readonly deps: GrantServiceDeps) {}

  async request(operator: OperatorRecord, input: GrantRequest): Promise<GrantView> {
    const region = input.subject.region;
    const reason = input.reason.trim();
    if (reason.length < 10)
      throw new InvalidInputError('operator.reason_required', 'Give a reason of at least 10 characters.');
    if (
      !Number.isInteger(input.durationMinutes) ||
      input.durationMinutes < 1 ||
      input.durationMinutes > this.deps.maxMinutes
    ) {
      throw new InvalidInputError('grant.duration_invalid', `A grant lasts from 1 to ${this.deps.maxMinutes} minutes.`);
    }
    const base = {
      fields: input.fields,
      jurisdiction: operator.jurisdiction,
      role: operator.role,
      breakGlass: input.breakGlass,
    };
    if (NEVER_READS.includes(operator.role)) {
      await this.deny(region, operator, input.subject.id, 'grant.request', { ...base, code: 'operator.auditor_never' });
      throw new ForbiddenError(
        'operator.auditor_never',
        'Auditors read the audit chain, never protected data, so they cannot request grants.',
      );
    }
    const now = this.deps.now().toISOString();
    const id = newId(this.deps.now().getTime());
    const db = this.deps.cells.get(region).db;
    await db
      .insertInto('access_grants')
      .values({
        id,
        requester_id: operator.userId,
        requester_jurisdiction: operator.jurisdiction,
        requester_role: operator.role,
        subject_id: input.subject.id,
        fields: JSON.stringify(input.fields),
        reason: reason.slice(0, 1000),
        duration_minutes: input.durationMinutes,
        break_glass: input.breakGlass ? 1 : 0,
        status: 'pending',
        approvals: '[]',
        created_at: now,
        approved_at: null,
        expires_at: null,
      })
      .execute();
    if (input.breakGlass) await this.notify(region, 'break_glass.requested', id, operator.userId, input.subject.id);
    await this.deps.audit.for(region).append({
      actor: operator.userId,
      action: 'grant.requested',
      subject: input.subject.id,
      details: { ...base, grantId: id, reason: reason.slice(0, 1000), durationMinutes: input.durationMinutes },
    });
    await this.deps.counter.add(region, 'grant.requested', operator.jurisdiction);
    return this.get(region, id);
  }

  async approve(approver: OperatorRecord, grantId: string): Promise<GrantView> {
    const found = await this.find(grantId);
    if (!found) throw new NotFoundError('grant.not_found', 'There is no such grant.');
    const { region } = found;
    const details = { grantId, jurisdiction: approver.jurisdiction, role: approver.role };
    if (approver.role !== 'security' || approver.jurisdiction !== region) {
      await this.deny(region, approver, found.subjectId, 'grant.approve', {
        ...details,
        code: 'grant.approver_not_permitted',
      });
      throw new ForbiddenError(
        'grant.approver_not_permitted',
        `Only a security operator of ${region} may approve this grant.`,
      );
    }
    if (approver.userId === found.requesterId) {
      await this.deny(region, approver, found.subjectId, 'grant.approve', { ...details, code: 'grant.self_approval' });
      throw new ForbiddenError('grant.self_approval', 'The requester of a grant cannot approve it.');
    }
    const db = this.deps.cells.get(region).db;
    const now = this.deps.now();
    const result = await db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('access_grants').selectAll().where('id', '=', grantId).executeTakeFirstOrThrow();
      const approvals = JSON.parse(row.approvals) as string[];
      if (row.status === 'approved') return { conflict: 'This grant is already approved.' };
      if (approvals.includes(approver.userId))
        return {
          conflict: 'You have already approved this grant; a second, different security operator must approve it too.',
        };
      approvals.push(approver.userId);
      const complete = approvals.length >= approvalsNeeded(row.break_glass === 1);
      await tx
        .updateTable('access_grants')
        .set({
          approvals: JSON.stringify(approvals),
          ...(complete
            ? {
                status: 'approved',
                approved_at: now.toISOString(),
                expires_at: new Date(now.getTime() + row.duration_minutes * 60_000).toISOString(),
              }
            : {}),
        })
        .where('id', '=', grantId)
        .execute();
      return { conflict: undefined, complete, breakGlass: row.break_glass === 1, approvals: approvals.length };
    });
    if (result.conflict !== undefined) {
      await this.deny(region, approver, found.subjectId, 'grant.approve', {
        ...details,
        code: 'grant.already_approved',
      });
      throw new ConflictError('grant.already_approved', result.conflict);
    }
    await this.deps.audit.for(region).append({
      actor: approver.userId,
      action: result.complete ? 'grant.approved' : 'grant.approval_recorded',
      subject: found.subjectId,
      details: { ...details, approvals: result.approvals, breakGlass: result.breakGlass },
    });
    if (result.complete) {
      await this.deps.counter.add(region, 'grant.approved', found.requesterJurisdiction);
      if (result.breakGlass)
        await this.notify(region, 'break_glass.approved', grantId, found.requesterId, found.subjectId);
    }
    return this.get(region, grantId);
  }

  async get(region: string, id: string): Promise<GrantView> {
    const row = await this.deps.cells
      .get(region)
      .db.selectFrom('access_grants')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('grant.not_found', 'There is no such grant.');
    return toGrantView(row, region);
  }

  /** Grants one operator holds for one subject (in the subject's cell). */
  async held(operatorId: string, subject: { id: string; region: string }): Promise<GrantView[]> {
    const rows = await this.deps.cells
      .get(subject.region)
      .db.selectFrom('access_grants')
      .selectAll()
      .where('requester_id', '=', operatorId)
      .where('subject_id', '=', subject.id)
      .where('status', '=', 'approved')
      .execute();
    return rows.map((r) => toGrantView(r, subject.region));
  }

  /** A region's grants, newest first, keyset-paginated by id. */
  async list(region: string, options: { status?: string; before?: string; limit: number }): Promise<GrantView[]> {
    let q = this.deps.cells
      .get(region)
      .db.selectFrom('access_grants')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(options.limit);
    if (options.status) q = q.where('status', '=', options.status);
    if (options.before) q = q.where('id', '<', options.before);
    return (await q.execute()).map((r) => toGrantView(r, region));
  }

  async notices(region: string, options: { before?: string; limit: number }) {
    let q = this.deps.cells
      .get(region)
      .db.selectFrom('auditor_notices')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(options.limit);
    if (options.before) q = q.where('id', '<', options.before);
    return (await q.execute()).map((n) => ({
      id: n.id,
      kind: n.kind,
      grantId: n.grant_id,
      requesterId: n.requester_id,
      subjectId: n.subject_id,
      createdAt: n.created_at,
    }));
  }

  /** Finds a grant by id in whichever cell holds it (the subject's home cell). */
  async find(
    id: string,
  ): Promise<{ region: string; subjectId: string; requesterId: string; requesterJurisdiction: string } | undefined> {
    return this.deps.cells.first(async (cell) => {
      const row = await cell.db
        .selectFrom('access_grants')
        .select(['subject_id', 'requester_id', 'requester_jurisdiction'])
        .where('id', '=', id)
        .executeTakeFirst();
      return (
        row && {
          region: cell.region,
          subjectId: row.subject_id,
          requesterId: row.requester_id,
          requesterJurisdiction: row.requester_jurisdiction,
        }
      );
    });
  }

  private async notify(
    region: string,
    kind: string,
    grantId: string,
    requesterId: string,
    subjectId: string,
  ): Promise<void> {
    const at = this.deps.now();
    await this.deps.cells
      .get(region)
      .db.insertInto('auditor_notices')
      .values({
        id: newId(at.getTime()),
        kind,
        grant_id: grantId,
        requester_id: requesterId,
        subject_id: subjectId,
        created_at: at.toISOString(),
      })
      .execute();
  }

  private async deny(
    region: string,
    operator: OperatorRecord,
    subjectId: string,
    what: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.audit
      .for(region)
      .append({ actor: operator.userId, action: `${what}.denied`, subject: subjectId, details });
    await this.deps.counter.add(region, 'grant.denied', operator.jurisdiction);
  }
}
