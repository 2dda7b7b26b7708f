import type { Kysely, Selectable } from 'kysely';
import type { OperatorRecord, OperatorService } from '../accounts/operator.service.js';
import { toUserRef } from '../accounts/user-refs.js';
import type { Config } from '../config.js';
import { isUniqueViolation } from '../db/errors.js';
import { newId } from '../db/ids.js';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import type { CellDb, DirectoryDb } from '../db/schema.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import type { ClipAccess } from '../media/clip-access.js';
import type { VideoPresenter } from '../media/video-presenter.js';
import type { AuditChains } from '../regions/audit-chain.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import { regionPolicy } from '../regions/policy.js';
import type { TransparencyCounter } from '../regions/transparency.js';
import type { MoveFreeze } from '../regions/move-freeze.js';
import {
  APPEAL_ACTIONS,
  POLICIES,
  REPORT_REASONS,
  type Case,
  type CaseSummary,
  type Decision,
  type Target,
  type TargetType,
} from './moderation.schema.js';
import type { CaseReportsTable, ModerationCasesTable, ModerationDecisionsTable } from './moderation.tables.js';
import { ACTIONS_FOR, isStrike, type Targets } from './targets.js';

export const STATEMENT_MIN = 10;
export const STATEMENT_MAX = 2000;
export const SUSPEND_DAYS_MAX = 365;

type CaseRow = Selectable<ModerationCasesTable>;
type DecisionRow = Selectable<ModerationDecisionsTable>;

/** How urgent each reason is: harm to children and to oneself first (`priority` = severity · 1000 + reports). */
const SEVERITY: Record<string, number> = {
  minor_safety: 4,
  self_harm: 4,
  violence: 3,
  dangerous_acts: 3,
  illegal: 3,
  hate: 2,
  harassment: 2,
  sexual: 2,
  impersonation: 1,
  intellectual_property: 1,
  misinformation: 1,
  spam: 0,
  other: 0,
};
/** An appeal waits behind the gravest reports, ahead of the rest: complaints are to be handled in good time. */
const APPEAL_PRIORITY = 2500;

export function casePriority(reasons: Record<string, number>, reportCount: number): number {
  const severity = Math.max(0, ...Object.keys(reasons).map((r) => SEVERITY[r] ?? 0));
  return severity * 1000 + Math.min(reportCount, 999);
}

export interface CaseServiceDeps {
  config: Pick<Config, 'policies'>;
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  operators: OperatorService;
  access: ClipAccess;
  presenter: VideoPresenter;
  targets: Targets;
  audit: AuditChains;
  counter: TransparencyCounter;
  now: () => Date;
  /** Accounts whose data is moving home region: a decision on them waits (it would land in the old copy). */
  freeze?: MoveFreeze;
}

export interface DecisionInput {
  action: string;
  policy?: string | undefined;
  statement: string;
  regions?: string[] | undefined;
  days?: number | undefined;
}

function caseNotFound(): NotFoundError {
  return new NotFoundError('moderation.case_not_found', 'There is no such case in your jurisdiction.');
}

/**
 * Cases, the queue and decisions, in the region whose moderators decide (the target's). Reports arrive through
 * the flow `report.file` without their reporters; appeals through `moderation.appeal`. A decision is carried out on
 * its target, appended to the region's audit chain, counted for the transparency report, sent to the affected user
 * (`moderation.notice`, to their home cell, which counts strikes) and answered to each report (`report.outcome`).
 */
export class CaseService {
  constructor(private readonly deps: CaseServiceDeps) {
    deps.border.declareFlow(
      {
        type: 'report.file',
        fields: {
          ref: 'interop',
          reply_region: 'interop',
          target_type: 'public',
          target_id: 'public',
          subject_id: 'interop',
          subject_region: 'interop',
          reason: 'interop',
          details: 'interop',
        },
      },
      (payload, to) => this.receiveReport(payload, to),
    );
    deps.border.declareFlow(
      {
        type: 'moderation.appeal',
        fields: { case_id: 'interop', decision_id: 'interop', user_id: 'interop', text: 'interop' },
      },
      (payload, to) => this.receiveAppeal(payload, to),
    );
  }

  private db(region: string): Kysely<CellDb> {
    return this.deps.cells.get(region).db;
  }

  // --- Reports and appeals arriving -------------------------------------------------------------------------

  /** A report arriving in the target's region: it joins the target's open case, or opens one. */
  private async receiveReport(p: Record<string, unknown>, region: string): Promise<void> {
    const now = this.deps.now().toISOString();
    const reason = String(p.reason);
    const target = { type: String(p.target_type), id: String(p.target_id) };
    const subjectId = String(p.subject_id);
    const write = () =>
      this.db(region)
        .transaction()
        .execute(async (tx) => {
          let open = await tx
            .selectFrom('moderation_cases')
            .selectAll()
            .where('kind', '=', 'report')
            .where('status', '=', 'open')
            .where('target_type', '=', target.type)
            .where('target_id', '=', target.id)
            .executeTakeFirst();
          if (!open) {
            open = newCase(now, {
              kind: 'report',
              target_type: target.type,
              target_id: target.id,
              subject_id: subjectId,
              subject_region: String(p.subject_region),
            });
            await tx.insertInto('moderation_cases').values(open).execute();
          }
          const row: CaseReportsTable = {
            case_id: open.id,
            subject_id: open.subject_id,
            ref: String(p.ref),
            reply_region: String(p.reply_region),
            reason,
            details: String(p.details ?? ''),
            created_at: now,
          };
          await tx.insertInto('case_reports').values(row).execute();
          const reasons = JSON.parse(open.reasons) as Record<string, number>;
          reasons[reason] = (reasons[reason] ?? 0) + 1;
          const count = open.report_count + 1;
          await tx
            .updateTable('moderation_cases')
            .set({
              reasons: JSON.stringify(reasons),
              report_count: count,
              priority: casePriority(reasons, count),
              updated_at: now,
            })
            .where('id', '=', open.id)
            .execute();
        });
    try {
      await write();
    } catch (err) {
      // Two first reports at once: the other opened the case; join it.
      if (!isUniqueViolation(err)) throw err;
      await write();
    }
    await this.deps.counter.add(region, `moderation.report.${reason}`, region);
  }

  /** An appeal arriving from the affected user's cell: a case of its own, for another moderator. */
  private async receiveAppeal(p: Record<string, unknown>, region: string): Promise<void> {
    const decision = await this.decisionRow(region, String(p.decision_id));
    if (!decision || decision.subject_id !== String(p.user_id)) return;
    const now = this.deps.now().toISOString();
    await this.db(region)
      .insertInto('moderation_cases')
      .values(
        newCase(now, {
          id: String(p.case_id),
          kind: 'appeal',
          target_type: decision.target_type,
          target_id: decision.target_id,
          subject_id: decision.subject_id,
          subject_region: decision.subject_region,
          priority: APPEAL_PRIORITY,
          appealed_decision_id: decision.id,
          appeal_text: String(p.text),
        }),
      )
      .execute();
    await this.deps.audit.for(region).append({
      // The appellant is the decision's subject; the chain names the target (see chainSubject), and the decision
      // appealed as it was made: who made it (so who may not decide the appeal), its action and its policy.
      actor: 'appellant',
      action: 'moderation.appeal',
      subject: chainSubject(decision),
      details: {
        caseId: String(p.case_id),
        decisionId: decision.id,
        moderatorId: decision.moderator_id,
        action: decision.action,
        policy: decision.policy,
      },
    });
    await this.deps.counter.add(region, 'moderation.appeal.received', region);
  }

  // --- Moderators ---------------------------------------------------------------------------------------------

  /** The moderator behind a user, or 403. Nothing is written for a refusal: a plain user cannot fill a chain. */
  async requireModerator(userId: string, region?: string): Promise<OperatorRecord> {
    const op = await this.deps.operators.find(userId);
    if (!op || op.role !== 'moderator')
      throw new ForbiddenError('moderation.not_moderator', 'This is for moderators only.');
    if (region !== undefined && !this.deps.cells.has(region))
      throw new NotFoundError('region.unknown', `There is no region "${region}" in this deployment.`);
    if (region !== undefined && !covers(op, region))
      throw new ForbiddenError('moderation.not_moderator', `Only moderators of ${region} can do this.`);
    return op;
  }

  private regionsOf(op: OperatorRecord, region?: string): string[] {
    if (region !== undefined) {
      if (!this.deps.cells.has(region))
        throw new NotFoundError('region.unknown', `There is no region "${region}" in this deployment.`);
      if (!covers(op, region))
        throw new ForbiddenError('moderation.not_moderator', `Only moderators of ${region} see its queue.`);
      return [region];
    }
    return op.jurisdiction === 'global' ? this.deps.cells.regions() : [op.jurisdiction];
  }

  /** The queue: highest priority first, oldest first within one priority, across the moderator's regions. */
  async queue(
    op: OperatorRecord,
    query: { status?: string; kind?: string; region?: string; cursor?: string; limit?: number },
  ): Promise<{ items: CaseSummary[]; cursor: string | null }> {
    const limit = clampLimit(query.limit);
    const after = decodeCursor<{ p: number; id: string }>(query.cursor, ['p', 'id']);
    const rows: (CaseRow & { region: string })[] = [];
    for (const region of this.regionsOf(op, query.region)) {
      let q = this.db(region)
        .selectFrom('moderation_cases')
        .selectAll()
        .where('status', '=', query.status ?? 'open');
      if (query.kind) q = q.where('kind', '=', query.kind);
      if (after) {
        const p = Number(after.p);
        q = q.where((eb) =>
          eb.or([eb('priority', '<', p), eb.and([eb('priority', '=', p), eb('id', '>', String(after.id))])]),
        );
      }
      const found = await q
        .orderBy('priority', 'desc')
        .orderBy('id', 'asc')
        .limit(limit + 1)
        .execute();
      rows.push(...found.map((r) => ({ ...r, region })));
    }
    rows.sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => summary(r, r.region)),
      cursor: rows.length > limit && last ? encodeCursor({ p: last.priority, id: last.id }) : null,
    };
  }

  private async findCase(op: OperatorRecord, caseId: string): Promise<{ region: string; row: CaseRow }> {
    for (const region of this.regionsOf(op)) {
      const row = await this.db(region)
        .selectFrom('moderation_cases')
        .selectAll()
        .where('id', '=', caseId)
        .executeTakeFirst();
      if (row) return { region, row };
    }
    throw caseNotFound();
  }

  private decisionRow(region: string, id: string | null): Promise<DecisionRow | undefined> {
    if (!id) return Promise.resolve(undefined);
    return this.db(region).selectFrom('moderation_decisions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A case as a moderator works on it; the read is appended to the region's chain. */
  async get(op: OperatorRecord, caseId: string): Promise<Case> {
    const found = await this.findCase(op, caseId);
    await this.deps.audit.for(found.region).append({
      actor: op.userId,
      action: 'moderation.case.read',
      subject: chainSubject(found.row),
      details: { caseId, jurisdiction: op.jurisdiction },
    });
    return this.present(found.region, found.row);
  }

  private async present(region: string, row: CaseRow): Promise<Case> {
    const db = this.db(region);
    const target: Target = { type: row.target_type as TargetType, id: row.target_id };
    const [reports, subject, history, decision, appealed] = await Promise.all([
      db
        .selectFrom('case_reports')
        .select(['reason', 'details', 'created_at'])
        .where('case_id', '=', row.id)
        .orderBy('created_at', 'asc')
        .limit(200)
        .execute(),
      this.deps.directory.selectFrom('users').selectAll().where('id', '=', row.subject_id).executeTakeFirst(),
      db
        .selectFrom('moderation_decisions')
        .selectAll()
        .where('target_type', '=', row.target_type)
        .where('target_id', '=', row.target_id)
        .orderBy('id', 'desc')
        .limit(50)
        .execute(),
      this.decisionRow(region, row.decision_id),
      this.decisionRow(region, row.appealed_decision_id),
    ]);
    const out: Case = {
      ...summary(row, region),
      reports: reports.map((r) => ({ reason: r.reason, details: r.details, createdAt: r.created_at })),
      subject: subject ? toUserRef(subject) : null,
      decision: decision ? decisionOut(decision) : null,
      history: history.map(decisionOut),
    };
    const clipId = await this.deps.targets.clipOf(region, target);
    if (clipId) {
      const clip = await this.deps.access.inCell(region, clipId);
      if (clip) [out.video] = await this.deps.presenter.presentForModeration([clip]);
    }
    if (target.type === 'comment') {
      const comment = await db
        .selectFrom('comments')
        .select(['id', 'text', 'video_id', 'moderation'])
        .where('id', '=', target.id)
        .executeTakeFirst();
      if (comment)
        out.comment = { id: comment.id, text: comment.text, videoId: comment.video_id, moderation: comment.moderation };
    }
    if (target.type === 'sound') {
      const sound = await db
        .selectFrom('sounds')
        .select(['id', 'title', 'video_id'])
        .where('id', '=', target.id)
        .executeTakeFirst();
      if (sound) out.sound = { id: sound.id, title: sound.title, videoId: sound.video_id };
    }
    if (row.kind === 'appeal' && appealed)
      out.appeal = { text: row.appeal_text ?? '', decision: decisionOut(appealed) };
    return out;
  }

  // --- Deciding -----------------------------------------------------------------------------------------------

  /** Decides a case (report or appeal) and carries the decision out everywhere. */
  async decide(op: OperatorRecord, caseId: string, input: DecisionInput): Promise<Case> {
    const { region, row } = await this.findCase(op, caseId);
    const appealed = row.kind === 'appeal' ? await this.decisionRow(region, row.appealed_decision_id) : undefined;
    const allowed = row.kind === 'appeal' ? APPEAL_ACTIONS : ACTIONS_FOR[row.target_type as TargetType];
    if (!allowed.includes(input.action))
      throw new InvalidInputError(
        'moderation.action_invalid',
        `This case can end in ${allowed.join(', ')}; "${input.action.slice(0, 32)}" is not one of them.`,
      );
    if (appealed && appealed.moderator_id === op.userId)
      throw new ForbiddenError(
        'moderation.same_moderator',
        'You made the decision appealed; another moderator must decide the appeal.',
      );
    const movingTo = await this.deps.freeze?.movingTo(row.subject_id, row.subject_region);
    if (movingTo)
      throw new ConflictError(
        'user.moving',
        `The account's data is moving to region ${movingTo}; decide this case in a moment.`,
      );
    const statement = input.statement.trim();
    const chars = [...statement].length;
    if (chars < STATEMENT_MIN || chars > STATEMENT_MAX)
      throw new InvalidInputError(
        'moderation.statement_required',
        `Explain the decision to the person affected in ${STATEMENT_MIN} to ${STATEMENT_MAX} characters.`,
      );
    if (input.policy !== undefined && !(POLICIES as readonly string[]).includes(input.policy))
      throw new InvalidInputError('moderation.policy_invalid', `The policy is one of ${POLICIES.join(', ')}.`);
    const regions = [...new Set(input.regions ?? [])];
    if (input.action === 'withhold') {
      if (regions.length === 0)
        throw new InvalidInputError('moderation.regions_required', 'Name the regions the clip is withheld in.');
      const unknown = regions.filter((r) => !this.deps.cells.has(r));
      if (unknown.length > 0)
        throw new InvalidInputError(
          'moderation.regions_required',
          `Unknown region ${unknown.map((r) => `"${r.slice(0, 16)}"`).join(', ')}; regions are ${this.deps.cells.regions().join(', ')}.`,
        );
    }
    const days = input.action === 'suspend' ? input.days : undefined;
    if (input.action === 'suspend' && (!Number.isInteger(days) || days! < 1 || days! > SUSPEND_DAYS_MAX))
      throw new InvalidInputError('moderation.days_invalid', `Suspend for 1 to ${SUSPEND_DAYS_MAX} whole days.`);
    const policy = input.policy ?? appealed?.policy ?? topReason(row) ?? null;
    const decision = await this.record(region, row, {
      moderatorId: op.userId,
      action: input.action,
      policy,
      statement,
      regions: input.action === 'withhold' ? regions : [],
      days: days ?? null,
      automated: false,
    });
    if (!decision) throw new ConflictError('moderation.case_decided', 'This case has already been decided.');
    if (appealed) await this.settleAppeal(region, appealed, decision, op);
    else await this.carryOut(region, row, decision);
    const updated = await this.db(region)
      .selectFrom('moderation_cases')
      .selectAll()
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    return this.present(region, updated);
  }

  /**
   * Writes the decision and closes the case, in one transaction that only an open case passes (undefined when it
   * was decided meanwhile); then appends it to the region's chain and counts it.
   */
  private async record(
    region: string,
    row: CaseRow,
    d: {
      moderatorId: string;
      action: string;
      policy: string | null;
      statement: string;
      regions: string[];
      days: number | null;
      automated: boolean;
    },
  ): Promise<DecisionRow | undefined> {
    const now = this.deps.now().toISOString();
    const decision: DecisionRow = {
      id: newId(Date.parse(now)),
      case_id: row.id,
      target_type: row.target_type,
      target_id: row.target_id,
      subject_id: row.subject_id,
      subject_region: row.subject_region,
      moderator_id: d.moderatorId,
      action: d.action,
      policy: d.policy,
      statement: d.statement,
      regions: JSON.stringify(d.regions),
      days: d.days,
      automated: d.automated ? 1 : 0,
      strike: row.kind === 'report' && isStrike(d.action) ? 1 : 0,
      reversed_at: null,
      created_at: now,
    };
    const closed = await this.db(region)
      .transaction()
      .execute(async (tx) => {
        const res = await tx
          .updateTable('moderation_cases')
          .set({ status: 'decided', decision_id: decision.id, decided_at: now, updated_at: now })
          .where('id', '=', row.id)
          .where('status', '=', 'open')
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        await tx.insertInto('moderation_decisions').values(decision).execute();
        return true;
      });
    if (!closed) return undefined;
    await this.deps.audit.for(region).append({
      actor: d.moderatorId,
      action: 'moderation.decision',
      subject: chainSubject(row),
      details: {
        decisionId: decision.id,
        caseId: row.id,
        kind: row.kind,
        action: d.action,
        policy: d.policy,
        regions: d.regions,
        days: d.days,
        automated: d.automated,
      },
    });
    await this.deps.counter.add(region, `moderation.action.${d.action}`, region);
    return decision;
  }

  /** A report case's decision: done to the target, told to the affected user and answered to each report. */
  private async carryOut(region: string, row: CaseRow, decision: DecisionRow): Promise<void> {
    const target: Target = { type: row.target_type as TargetType, id: row.target_id };
    await this.deps.targets.apply(region, {
      target,
      subjectId: row.subject_id,
      subjectRegion: row.subject_region,
      action: decision.action,
      policy: decision.policy,
      decisionId: decision.id,
      regions: JSON.parse(decision.regions) as string[],
      days: decision.days,
    });
    // A dismissal changes nothing for the person reported: there is nothing to tell them or to appeal.
    if (decision.action !== 'dismiss') {
      const appealDays = regionPolicy(this.deps.config, region).moderation.appealDays;
      await this.deps.border.deliver(region, row.subject_region, 'moderation.notice', {
        decision_id: decision.id,
        decision_region: region,
        user_id: row.subject_id,
        target_type: target.type,
        target_id: target.id,
        action: decision.action,
        policy: decision.policy,
        statement: decision.statement,
        automated: decision.automated,
        strike: decision.strike,
        appeal_until: new Date(Date.parse(decision.created_at) + appealDays * 86_400_000).toISOString(),
        created_at: decision.created_at,
      });
    }
    const outcome = decision.action === 'dismiss' ? 'dismissed' : 'actioned';
    const reports = await this.db(region)
      .selectFrom('case_reports')
      .select(['ref', 'reply_region'])
      .where('case_id', '=', row.id)
      .execute();
    for (const r of reports) {
      if (!this.deps.cells.has(r.reply_region)) continue;
      await this.deps.border.deliver(region, r.reply_region, 'report.outcome', { ref: r.ref, outcome });
    }
  }

  /** An appeal's decision: a reversal undoes the original everywhere (the strike goes with it). */
  private async settleAppeal(
    region: string,
    original: DecisionRow,
    decision: DecisionRow,
    op: OperatorRecord,
  ): Promise<void> {
    const reversed = decision.action === 'reverse';
    const now = decision.created_at;
    if (reversed) {
      await this.deps.targets.undo(region, {
        target: { type: original.target_type as TargetType, id: original.target_id },
        subjectId: original.subject_id,
        subjectRegion: original.subject_region,
        action: original.action,
      });
      await this.db(region)
        .updateTable('moderation_decisions')
        .set({ reversed_at: now })
        .where('id', '=', original.id)
        .execute();
      await this.deps.audit.for(region).append({
        actor: op.userId,
        action: 'moderation.reversal',
        subject: chainSubject(original),
        details: {
          decisionId: original.id,
          appealDecisionId: decision.id,
          action: original.action,
          policy: original.policy,
        },
      });
      await this.deps.counter.add(region, 'moderation.appeal.reversed', region);
    }
    await this.deps.border.deliver(region, original.subject_region, 'moderation.notice_update', {
      decision_id: original.id,
      user_id: original.subject_id,
      appeal_status: reversed ? 'reversed' : 'upheld',
      statement: decision.statement,
      decided_at: now,
    });
  }

  /**
   * An automatic suspension when a user's strikes reach their region's limit: a decided case about the account,
   * with a decision by `system` that says it was automated (appealable like any other).
   */
  async autoSuspend(region: string, userId: string, strikes: number, policy: string | null): Promise<void> {
    const { autoSuspendDays } = regionPolicy(this.deps.config, region).moderation;
    const now = this.deps.now().toISOString();
    const row = newCase(now, {
      kind: 'report',
      target_type: 'user',
      target_id: userId,
      subject_id: userId,
      subject_region: region,
    });
    await this.db(region).insertInto('moderation_cases').values(row).execute();
    const decision = await this.record(region, row, {
      moderatorId: 'system',
      action: 'suspend',
      policy,
      statement:
        `Your account reached ${strikes} strikes for content that broke the rules, so it is suspended for ` +
        `${autoSuspendDays} days: you can watch, not post or comment.`,
      regions: [],
      days: autoSuspendDays,
      automated: true,
    });
    if (decision) await this.carryOut(region, row, decision);
  }
}

/**
 * What a chain entry names: the target (`video:<id>`, `comment:<id>`, `user:<id>`, `sound:<id>`), never the
 * affected user as such. A comment's author may live in another region; the chain, which cannot forget, must not
 * keep their id after that region is carved out (the decision row naming them goes with it).
 */
function chainSubject(row: { target_type: string; target_id: string }): string {
  return `${row.target_type}:${row.target_id}`;
}

/** An open case with nothing in it yet. */
function newCase(
  now: string,
  fields: Pick<CaseRow, 'kind' | 'target_type' | 'target_id' | 'subject_id' | 'subject_region'> & Partial<CaseRow>,
): CaseRow {
  return {
    id: newId(Date.parse(now)),
    status: 'open',
    priority: 0,
    reasons: '{}',
    report_count: 0,
    appealed_decision_id: null,
    appeal_text: null,
    decision_id: null,
    created_at: now,
    updated_at: now,
    decided_at: null,
    ...fields,
  };
}

function covers(op: OperatorRecord, region: string): boolean {
  return op.jurisdiction === 'global' || op.jurisdiction === region;
}

function topReason(row: CaseRow): string | undefined {
  const reasons = Object.entries(JSON.parse(row.reasons) as Record<string, number>);
  reasons.sort((a, b) => b[1] - a[1] || REPORT_REASONS.indexOf(a[0] as never) - REPORT_REASONS.indexOf(b[0] as never));
  return reasons[0]?.[0];
}

function summary(row: CaseRow, region: string): CaseSummary {
  return {
    id: row.id,
    kind: row.kind as CaseSummary['kind'],
    target: { type: row.target_type as TargetType, id: row.target_id },
    region,
    reasons: JSON.parse(row.reasons) as Record<string, number>,
    reportCount: row.report_count,
    status: row.status as CaseSummary['status'],
    priority: row.priority,
    createdAt: row.created_at,
  };
}

function decisionOut(d: DecisionRow): Decision {
  return {
    id: d.id,
    caseId: d.case_id,
    target: { type: d.target_type as TargetType, id: d.target_id },
    action: d.action as Decision['action'],
    policy: d.policy,
    statement: d.statement,
    regions: JSON.parse(d.regions) as string[],
    days: d.days,
    automated: d.automated === 1,
    strike: d.strike === 1,
    moderatorId: d.moderator_id,
    reversedAt: d.reversed_at,
    createdAt: d.created_at,
  };
}
