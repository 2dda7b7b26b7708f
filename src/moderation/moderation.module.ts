import type { Kysely } from 'kysely';
import type { AccountService } from '../accounts/account.service.js';
import type { OperatorRecord, OperatorService } from '../accounts/operator.service.js';
import type { Config } from '../config.js';
import type { DirectoryDb } from '../db/schema.js';
import type { MediaModule } from '../media/media-module.js';
import type { AuditChains } from '../regions/audit-chain.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import type { TransparencyCounter } from '../regions/transparency.js';
import type { SocialServices } from '../social/social.module.js';
import type { BlockedTerms } from './blocked-terms.js';
import { CaseService } from './case.service.js';
import { ReportService } from './report.service.js';
import { StandingService } from './standing.service.js';
import { Targets } from './targets.js';
import type { MoveFreeze } from '../regions/move-freeze.js';

/** Trust and safety: reports, cases and decisions, users' standing, blocked terms (docs/moderation.md). */
export interface ModerationServices {
  reports: ReportService;
  cases: CaseService;
  standing: StandingService;
  terms: BlockedTerms;
  /** Replaces a region's blocked terms (a moderator of the region), appended to its chain. */
  replaceBlockedTerms(op: OperatorRecord, region: string, terms: readonly string[]): Promise<void>;
}

export interface ModerationDeps {
  /** Accounts whose data is moving home region (decisions on them wait). */
  moveFreeze?: MoveFreeze;
  config: Pick<Config, 'policies'>;
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  operators: OperatorService;
  accounts: AccountService;
  media: MediaModule;
  social: SocialServices;
  audit: AuditChains;
  counter: TransparencyCounter;
  terms: BlockedTerms;
  now: () => Date;
}

export function createModeration(deps: ModerationDeps): ModerationServices {
  const { directory, cells, border, now } = deps;
  const targets = new Targets({
    directory,
    cells,
    access: deps.media.access,
    videos: deps.media.videos,
    comments: deps.social.comments,
    accounts: deps.accounts,
    now,
  });
  const reports = new ReportService({
    directory,
    cells,
    border,
    targets,
    notifications: deps.social.notifications,
    now,
  });
  const cases = new CaseService({
    config: deps.config,
    directory,
    cells,
    border,
    operators: deps.operators,
    access: deps.media.access,
    presenter: deps.media.presenter,
    targets,
    audit: deps.audit,
    counter: deps.counter,
    now,
    ...(deps.moveFreeze ? { freeze: deps.moveFreeze } : {}),
  });
  const standing = new StandingService({
    config: deps.config,
    cells,
    border,
    notifications: deps.social.notifications,
    now,
    autoSuspend: (region, userId, strikes, policy) => cases.autoSuspend(region, userId, strikes, policy),
  });
  return {
    reports,
    cases,
    standing,
    terms: deps.terms,
    async replaceBlockedTerms(op, region, terms) {
      const change = await deps.terms.replace(region, terms);
      await deps.audit.for(region).append({
        actor: op.userId,
        action: 'moderation.blocked_terms',
        // The target is the region's list, named like a decision's target (`<type>:<id>`).
        subject: `blocked_terms:${region}`,
        details: { jurisdiction: op.jurisdiction, count: terms.length, ...change },
      });
    },
  };
}
