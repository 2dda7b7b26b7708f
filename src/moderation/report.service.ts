import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import { newId } from '../db/ids.js';
import { isUniqueViolation } from '../db/errors.js';
import { InvalidInputError, RateLimitedError } from '../errors.js';
import type { Viewer } from '../media/clip-access.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import type { Notification, NotificationService } from '../social/notification.service.js';
import { REPORT_REASONS, TARGET_TYPES, type ReportBody, type Target, type TargetType } from './moderation.schema.js';
import type { Targets } from './targets.js';

export const REPORT_DETAILS_MAX = 1000;
/** Reports one account may file in an hour. */
export const REPORTS_PER_HOUR = 30;

export interface ReportServiceDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  targets: Targets;
  notifications: NotificationService;
  now: () => Date;
}

/**
 * Reports, on the reporter's side. The report — the only record naming the reporter — stays in the reporter's home
 * cell. What crosses to the target's region is the flow `report.file`: the target, the reason, the details text
 * and an opaque reference; the outcome comes back as `report.outcome` naming only that reference, and the
 * reporter's cell tells the reporter.
 */
export class ReportService {
  constructor(private readonly deps: ReportServiceDeps) {
    deps.border.declareFlow({ type: 'report.outcome', fields: { ref: 'interop', outcome: 'interop' } }, (payload, to) =>
      this.receiveOutcome(String(payload.ref), String(payload.outcome), to),
    );
  }

  async file(reporter: NonNullable<Viewer>, body: ReportBody): Promise<{ id: string }> {
    if (!isTargetType(body.target.type))
      throw new InvalidInputError(
        'report.target_invalid',
        `What can be reported is one of ${TARGET_TYPES.join(', ')}; "${body.target.type.slice(0, 32)}" is not.`,
      );
    const input = { ...body, target: { type: body.target.type, id: body.target.id } };
    if (!(REPORT_REASONS as readonly string[]).includes(input.reason))
      throw new InvalidInputError('report.reason_invalid', `The reason is one of ${REPORT_REASONS.join(', ')}.`);
    const details = (input.details ?? '').trim();
    const chars = [...details].length;
    if (chars > REPORT_DETAILS_MAX)
      throw new InvalidInputError(
        'report.details_too_long',
        `Details can be at most ${REPORT_DETAILS_MAX} characters; these have ${chars}.`,
      );
    const resolved = await this.deps.targets.resolve(reporter, input.target);
    const db = this.deps.cells.get(reporter.region).db;
    const earlier = await this.earlier(reporter, input.target);
    if (earlier) return earlier;
    const now = this.deps.now();
    const recent = await db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('reporter_id', '=', reporter.userId)
      .where('created_at', '>', new Date(now.getTime() - 3_600_000).toISOString())
      .executeTakeFirstOrThrow();
    if (Number(recent.n) >= REPORTS_PER_HOUR)
      throw new RateLimitedError(
        'report.rate_limited',
        `You can file ${REPORTS_PER_HOUR} reports an hour; try again later.`,
      );
    const report = {
      id: newId(now.getTime()),
      reporter_id: reporter.userId,
      target_type: input.target.type,
      target_id: input.target.id,
      target_region: resolved.region,
      target_video_id: resolved.videoId ?? null,
      reason: input.reason,
      details,
      ref: randomBytes(16).toString('base64url'),
      outcome: null,
      outcome_at: null,
      created_at: now.toISOString(),
    };
    try {
      await db.insertInto('reports').values(report).execute();
    } catch (err) {
      // The same report sent twice at once: the first one counts.
      const first = isUniqueViolation(err) ? await this.earlier(reporter, input.target) : undefined;
      if (first) return first;
      throw err;
    }
    try {
      await this.deps.border.deliver(reporter.region, resolved.region, 'report.file', {
        ref: report.ref,
        reply_region: reporter.region,
        target_type: input.target.type,
        target_id: input.target.id,
        subject_id: resolved.subjectId,
        subject_region: resolved.subjectRegion,
        reason: input.reason,
        details,
      });
    } catch (err) {
      // Nothing reached the target's region: the report is not kept either, so it can be sent again.
      await db.deleteFrom('reports').where('id', '=', report.id).execute();
      throw err;
    }
    return { id: report.id };
  }

  private async earlier(reporter: NonNullable<Viewer>, target: Target): Promise<{ id: string } | undefined> {
    return this.deps.cells
      .get(reporter.region)
      .db.selectFrom('reports')
      .select('id')
      .where('reporter_id', '=', reporter.userId)
      .where('target_type', '=', target.type)
      .where('target_id', '=', target.id)
      .executeTakeFirst();
  }

  private async receiveOutcome(ref: string, outcome: string, region: string): Promise<void> {
    const db = this.deps.cells.get(region).db;
    const report = await db.selectFrom('reports').selectAll().where('ref', '=', ref).executeTakeFirst();
    // The reporter may have been purged since: then nobody is left to tell.
    if (!report) return;
    const status = outcome === 'dismissed' ? 'dismissed' : 'actioned';
    await db
      .updateTable('reports')
      .set({ outcome: status, outcome_at: this.deps.now().toISOString() })
      .where('id', '=', report.id)
      .execute();
    const payload: NonNullable<Notification['report']> = {
      id: report.id,
      target: { type: report.target_type as Target['type'], id: report.target_id },
      outcome: status,
    };
    if (report.target_type === 'user') {
      const user = await this.deps.directory
        .selectFrom('users')
        .select('handle')
        .where('id', '=', report.target_id)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (user) payload.handle = user.handle;
    }
    if (report.target_type === 'comment' && report.target_video_id) payload.videoId = report.target_video_id;
    await this.deps.notifications.fromModeration(region, report.reporter_id, 'report_outcome', payload);
  }
}

function isTargetType(type: string): type is TargetType {
  return (TARGET_TYPES as readonly string[]).includes(type);
}
