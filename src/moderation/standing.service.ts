import type { Selectable } from 'kysely';
import type { Config } from '../config.js';
import { suspendedUntil } from '../accounts/account-rules.js';
import { newId } from '../db/ids.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import type { Viewer } from '../media/clip-access.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import { regionPolicy } from '../regions/policy.js';
import type { NotificationService } from '../social/notification.service.js';
import type { AccountStanding, Action, MyDecision, TargetType } from './moderation.schema.js';
import type { ModerationNoticesTable } from './moderation.tables.js';

export const APPEAL_MAX = 2000;

type NoticeRow = Selectable<ModerationNoticesTable>;

export interface StandingServiceDeps {
  config: Pick<Config, 'policies'>;
  cells: CellRegistry;
  border: Border;
  notifications: NotificationService;
  now: () => Date;
  /** Suspends an account whose unreversed strikes reached its region's limit (CaseService.autoSuspend). */
  autoSuspend: (region: string, userId: string, strikes: number, policy: string | null) => Promise<void>;
}

function canAppeal(n: NoticeRow, now: Date): boolean {
  return n.appeal_status === null && n.reversed === 0 && !!n.appeal_until && n.appeal_until > now.toISOString();
}

/** How to appeal, as the statement of reasons says it: the deadline, while an appeal can still be made. */
function appealUntil(n: NoticeRow, now: Date): string | null {
  return canAppeal(n, now) ? n.appeal_until : null;
}

/**
 * A user's standing, in their home cell: their copy of every decision about their content or account (brought by
 * `moderation.notice`, updated by `moderation.notice_update`), their strikes, and their appeals, which travel to
 * the deciding region as `moderation.appeal`. Strikes are counted here, where all of a user's decisions meet.
 */
export class StandingService {
  constructor(private readonly deps: StandingServiceDeps) {
    const I = 'interop' as const;
    deps.border.declareFlow(
      {
        type: 'moderation.notice',
        fields: {
          decision_id: I,
          decision_region: I,
          user_id: I,
          target_type: I,
          target_id: I,
          action: I,
          policy: I,
          statement: I,
          automated: I,
          strike: I,
          appeal_until: I,
          created_at: I,
        },
      },
      (payload, to) => this.receiveNotice(payload, to),
    );
    deps.border.declareFlow(
      {
        type: 'moderation.notice_update',
        fields: { decision_id: I, user_id: I, appeal_status: I, statement: I, decided_at: I },
      },
      (payload, to) => this.receiveUpdate(payload, to),
    );
  }

  private async receiveNotice(p: Record<string, unknown>, region: string): Promise<void> {
    const db = this.deps.cells.get(region).db;
    const row: NoticeRow = {
      decision_id: String(p.decision_id),
      decision_region: String(p.decision_region),
      user_id: String(p.user_id),
      target_type: String(p.target_type),
      target_id: String(p.target_id),
      action: String(p.action),
      policy: (p.policy as string | null) ?? null,
      statement: String(p.statement),
      automated: Number(p.automated) === 1 ? 1 : 0,
      strike: Number(p.strike) === 1 ? 1 : 0,
      appeal_until: (p.appeal_until as string | null) ?? null,
      appeal_status: null,
      appealed_at: null,
      appeal_decided_at: null,
      reversed: 0,
      created_at: String(p.created_at),
    };
    const account = await db.selectFrom('accounts').select('id').where('id', '=', row.user_id).executeTakeFirst();
    if (!account) return;
    const inserted = await db
      .insertInto('moderation_notices')
      .values(row)
      .onConflict((oc) => oc.column('decision_id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return;
    await this.tell(region, row, row.action as Action, row.statement);
    if (row.strike === 1) {
      const strikes = await this.strikes(region, row.user_id);
      const { strikesToSuspend } = regionPolicy(this.deps.config, region).moderation;
      if (strikes > 0 && strikes % strikesToSuspend === 0)
        await this.deps.autoSuspend(region, row.user_id, strikes, row.policy);
    }
  }

  private async receiveUpdate(p: Record<string, unknown>, region: string): Promise<void> {
    const db = this.deps.cells.get(region).db;
    const decisionId = String(p.decision_id);
    const status = String(p.appeal_status) === 'reversed' ? 'reversed' : 'upheld';
    await db
      .updateTable('moderation_notices')
      .set({
        appeal_status: status,
        appeal_decided_at: String(p.decided_at),
        reversed: status === 'reversed' ? 1 : 0,
      })
      .where('decision_id', '=', decisionId)
      .where('user_id', '=', String(p.user_id))
      .execute();
    const row = await db
      .selectFrom('moderation_notices')
      .selectAll()
      .where('decision_id', '=', decisionId)
      .executeTakeFirst();
    if (row) await this.tell(region, row, status === 'reversed' ? 'reverse' : 'uphold', String(p.statement));
  }

  /** The statement of reasons, as a notification in the user's own cell (it names no moderator). */
  private async tell(region: string, row: NoticeRow, action: Action, statement: string): Promise<void> {
    const now = this.deps.now();
    await this.deps.notifications.fromModeration(region, row.user_id, 'moderation', {
      decisionId: row.decision_id,
      action,
      policy: row.policy,
      statement,
      automated: row.automated === 1,
      target: { type: row.target_type as TargetType, id: row.target_id },
      canAppeal: canAppeal(row, now),
      appealUntil: appealUntil(row, now),
    });
  }

  private async strikes(region: string, userId: string): Promise<number> {
    const row = await this.deps.cells
      .get(region)
      .db.selectFrom('moderation_notices')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('strike', '=', 1)
      .where('reversed', '=', 0)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The decisions about the user's content and account, newest first, with their strikes and suspension. */
  async mine(user: NonNullable<Viewer>): Promise<AccountStanding> {
    const db = this.deps.cells.get(user.region).db;
    const now = this.deps.now();
    const [rows, account, strikes] = await Promise.all([
      db
        .selectFrom('moderation_notices')
        .selectAll()
        .where('user_id', '=', user.userId)
        .orderBy('decision_id', 'desc')
        .limit(200)
        .execute(),
      db.selectFrom('accounts').select(['status', 'suspended_until']).where('id', '=', user.userId).executeTakeFirst(),
      this.strikes(user.region, user.userId),
    ]);
    return {
      items: rows.map((n): MyDecision => ({
        id: n.decision_id,
        target: { type: n.target_type as TargetType, id: n.target_id },
        action: n.action as MyDecision['action'],
        policy: n.policy,
        statement: n.statement,
        automated: n.automated === 1,
        strike: n.strike === 1,
        reversed: n.reversed === 1,
        createdAt: n.created_at,
        canAppeal: canAppeal(n, now),
        appealUntil: appealUntil(n, now),
        appeal: n.appeal_status
          ? {
              status: n.appeal_status as NonNullable<MyDecision['appeal']>['status'],
              createdAt: n.appealed_at ?? n.created_at,
              decidedAt: n.appeal_decided_at,
            }
          : null,
      })),
      strikes,
      strikesToSuspend: regionPolicy(this.deps.config, user.region).moderation.strikesToSuspend,
      suspendedUntil: suspendedUntil(account?.suspended_until, now),
      banned: account?.status === 'banned',
    };
  }

  /** Appeals a decision about the user, once; it becomes a case in the deciding region. */
  async appeal(user: NonNullable<Viewer>, decisionId: string, rawText: string): Promise<{ id: string }> {
    const text = rawText.trim();
    const chars = [...text].length;
    if (chars === 0) throw new InvalidInputError('appeal.text_required', 'Say why you think the decision is wrong.');
    if (chars > APPEAL_MAX)
      throw new InvalidInputError(
        'appeal.text_too_long',
        `An appeal can be at most ${APPEAL_MAX} characters; this one has ${chars}.`,
      );
    const db = this.deps.cells.get(user.region).db;
    const notice = await db
      .selectFrom('moderation_notices')
      .selectAll()
      .where('decision_id', '=', decisionId)
      .where('user_id', '=', user.userId)
      .executeTakeFirst();
    if (!notice)
      throw new NotFoundError('moderation.decision_not_found', 'There is no such decision about your content.');
    if (notice.appeal_status !== null)
      throw new ConflictError('moderation.appeal_exists', 'You have already appealed this decision.');
    const now = this.deps.now();
    if (!canAppeal(notice, now))
      throw new ConflictError('moderation.not_appealable', 'This decision can no longer be appealed.');
    const at = now.toISOString();
    // Claimed before the appeal travels, so two appeals sent at once make one case.
    const claimed = await db
      .updateTable('moderation_notices')
      .set({ appeal_status: 'open', appealed_at: at })
      .where('decision_id', '=', decisionId)
      .where('appeal_status', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1)
      throw new ConflictError('moderation.appeal_exists', 'You have already appealed this decision.');
    const caseId = newId(now.getTime());
    try {
      await this.deps.border.deliver(user.region, notice.decision_region, 'moderation.appeal', {
        case_id: caseId,
        decision_id: decisionId,
        user_id: user.userId,
        text,
      });
    } catch (err) {
      await db
        .updateTable('moderation_notices')
        .set({ appeal_status: null, appealed_at: null })
        .where('decision_id', '=', decisionId)
        .execute();
      throw err;
    }
    return { id: caseId };
  }
}
