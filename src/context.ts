import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import { AccountService } from './accounts/account.service.js';
import { AvatarService } from './accounts/avatar.service.js';
import { DeletionService } from './accounts/deletion.service.js';
import { ExportService } from './accounts/export.service.js';
import { OperatorService } from './accounts/operator.service.js';
import { SessionService } from './accounts/session.service.js';
import { AccountEmailService } from './accounts/account-email.service.js';
import { loadEmailIndex } from './accounts/email-index.js';
import { PasswordService } from './accounts/password.service.js';
import { Mailer, smtpTransport } from './mail/mailer.js';
import { SessionListService } from './accounts/session-list.service.js';
import { openLimits, type Limits } from './accounts/password-attempts.js';
import { TotpService } from './accounts/totp.service.js';
import { catalogParts as registeredCatalogParts } from './db/registry.js';
import type { DirectoryDb } from './db/schema.js';
import { BullJobQueue, bullConnection } from './jobs/bullmq-queue.js';
import { CellJobQueue, type JobQueue } from './jobs/job-queue.js';
import { Events } from './events.js';
import { CarveOut } from './regions/carve-out.js';
import type { Progress } from './regions/progress.js';
import { createLogger, type Logger } from './logging.js';
import { MoveFreeze } from './regions/move-freeze.js';
import { createMedia, type MediaModule } from './media/media-module.js';
import { Border } from './regions/border.js';
import { AuditChains } from './regions/audit-chain.js';
import { DataCatalog, type DomainCatalog } from './regions/catalog.js';
import { GrantService } from './regions/grants.js';
import { HomeMoveService, type MoveStep } from './regions/home-move.js';
import { verifyPassword } from './accounts/passwords.js';
import { regionPolicy } from './regions/policy.js';
import { OperatorAccessService } from './regions/operator-access.js';
import { TransparencyCounter } from './regions/transparency.js';
import { CellRegistry, migrateDirectory, openDirectory } from './regions/cells.js';
import { createSocial, type SocialServices } from './social/social.module.js';
import { createFeedObservers, createFeeds, type FeedServices, type FeedSettings } from './feeds/feeds.module.js';
import { createSearchIndex } from './feeds/search-index.js';
import { BlockedTerms } from './moderation/blocked-terms.js';
import { createModeration, type ModerationServices } from './moderation/moderation.module.js';

export interface Clock {
  now(): Date;
}

/** Everything Reelm is made of, built once from config. Routes and workers take it explicitly. */
export interface AppContext {
  config: Config;
  log: Logger;
  clock: Clock;
  /** What domains tell each other (subscriptions are made here, in createContext). */
  events: Events;
  catalog: DataCatalog;
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  accounts: AccountService;
  sessions: SessionService;
  /** The owner's list of their sessions, revocation, and the prune of expired ones. */
  sessionList: SessionListService;
  /** The TOTP second factor. */
  totp: TotpService;
  /** Rate-limit and backoff counters (shared through Redis in a cluster). */
  limits: Limits;
  operators: OperatorService;
  /** Each region's tamper-evident audit chain. */
  audit: AuditChains;
  grants: GrantService;
  operatorAccess: OperatorAccessService;
  transparency: TransparencyCounter;
  exports: ExportService;
  deletion: DeletionService;
  /** Moving a user's home region: copy, verify, re-route, shred (src/regions/home-move.ts). */
  homeMoves: HomeMoveService;
  /** Which accounts are frozen for writes while their data moves (read by the auth layer and clip access). */
  moveFreeze: MoveFreeze;
  /** Each cell's own job queue. */
  queues: Map<string, JobQueue>;
  /** Uploads, clips, media stores and playback URLs. */
  media: MediaModule;
  /** Follows, engagement, comments, notifications, hashtags. */
  social: SocialServices;
  /** For You, Following, trending, search. */
  feeds: FeedServices;
  /** Reports, cases, decisions, appeals, strikes, blocked terms. */
  moderation: ModerationServices;
  /** Outgoing mail: SMTP, or each cell's outbox. */
  mailer: Mailer;
  /** An account's address: uniqueness by blind index, verification. */
  accountEmails: AccountEmailService;
  /** Password change and reset. */
  passwords: PasswordService;
  /** Profile pictures. */
  avatars: AvatarService;
  close(): Promise<void>;
}

export interface ContextOverrides {
  log?: Logger;
  clock?: Clock;
  /** The catalog's parts (tests add fixture tables; the default is every registered domain). */
  catalogParts?: DomainCatalog[];
  feeds?: FeedSettings;
  /** Called after each step of a home-region move, before it is recorded (crash tests stop the process there). */
  afterMoveStep?: (step: MoveStep) => void | Promise<void>;
  /** What a move waits between freezing the account and copying it (default FREEZE_SETTLE_MS). */
  moveSettleMs?: number;
}

/**
 * Builds every store and service. Opening runs the migrations, so a fresh data dir is ready to serve.
 */
export async function createContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  const log = overrides.log ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? { now: () => new Date() };
  const now = () => clock.now();
  const catalog = new DataCatalog(overrides.catalogParts ?? registeredCatalogParts);
  const directory = await openDirectory(config);
  const cells = CellRegistry.open(config);
  await migrateDirectory(directory);
  await cells.migrate();

  const border = new Border({ directory, cells, catalog, now });
  const limits = openLimits({
    redisUrl: config.rateLimitRedisUrl,
    prefix: config.queuePrefix,
    secret: cells.get(cells.regions()[0]!).keys.purposeKey('rate-limit'),
    now,
  });
  const minAge = (region: string) => regionPolicy(config, region).minAge;
  const teenPolicy = (region: string) => regionPolicy(config, region).teen;
  const events = new Events();
  // Blocked terms are read by every domain that takes text from users; moderators change them.
  const terms = new BlockedTerms({ cells, now });
  const queues = new Map<string, JobQueue>(
    cells.all().map((cell) => {
      const url = config.queueUrls[cell.region];
      return [
        cell.region,
        url
          ? new BullJobQueue(cell.region, bullConnection(url), undefined, config.queuePrefix)
          : new CellJobQueue(cell.region, cell.db, now),
      ];
    }),
  );
  const operators = new OperatorService({ directory, cells, now });
  // Mail and account security (issue 15): one address per account across cells, mail from the home cell.
  const emailIndex = loadEmailIndex(config.dataDir, config.blindIndexKey);
  const mailer = new Mailer({
    from: config.mailFrom,
    transport: config.smtpUrl ? smtpTransport(config.smtpUrl) : undefined,
    now,
  });
  const accountEmails = new AccountEmailService({
    config,
    cells,
    border,
    queues,
    index: emailIndex,
    now,
    log,
    attempts: limits.attempts,
  });
  const passwords = new PasswordService({
    directory,
    cells,
    border,
    queues,
    index: emailIndex,
    now,
    log,
    attempts: limits.attempts,
  });
  const accounts = new AccountService({
    config,
    directory,
    cells,
    border,
    events,
    now,
    log,
    minAge,
    teenPolicy,
    text: terms,
    operators,
    emails: accountEmails,
  });
  const moveFreeze = new MoveFreeze({ cells });
  const media = createMedia({ config, cells, directory, border, queues, events, log, now, text: terms, moveFreeze });
  const audit = new AuditChains({ cells, dataDir: config.dataDir, now, checkpointEvery: config.auditCheckpointEvery });
  const transparency = new TransparencyCounter({ cells, now });
  const grants = new GrantService({ cells, audit, counter: transparency, now, maxMinutes: config.grantMaxMinutes });
  const operatorAccess = new OperatorAccessService({
    directory,
    cells,
    operators,
    grants,
    audit,
    counter: transparency,
    now,
  });
  const avatars = new AvatarService({ directory, border, stores: media.stores, now, log });
  const exports = new ExportService({
    directory,
    cells,
    catalog,
    border,
    queues,
    now,
    avatars,
    expiryDays: config.exportExpiryDays,
  });
  const deletion = new DeletionService({
    directory,
    cells,
    catalog,
    border,
    queues,
    now,
    graceDays: config.deletionGraceDays,
    log,
    events,
    attempts: limits.attempts,
  });
  const homeMoves = new HomeMoveService({
    directory,
    cells,
    catalog,
    border,
    audit,
    queues,
    stores: media.stores,
    sources: media.sources,
    events,
    now,
    log,
    regionFor: (country) => accounts.regionFor(country),
    checkPassword: async (userId, region, password, client) => {
      const account = await cells
        .get(region)
        .db.selectFrom('accounts')
        .select('password_hash')
        .where('id', '=', userId)
        .executeTakeFirst();
      if (!account) return false;
      return limits.attempts.check(`password:${userId}`, client, () => verifyPassword(account.password_hash, password));
    },
    ...(overrides.afterMoveStep ? { afterStep: overrides.afterMoveStep } : {}),
    ...(overrides.moveSettleMs !== undefined ? { settleMs: overrides.moveSettleMs } : {}),
  });
  const reactivate = (userId: string, region: string) => deletion.reactivate(userId, region);
  const totp = new TotpService({ cells, attempts: limits.attempts, now });
  const sessions = new SessionService({
    directory,
    cells,
    now,
    ttlHours: config.sessionTtlHours,
    reactivate,
    secondFactor: (userId, region, otp) => totp.check(userId, region, otp),
    attempts: limits.attempts,
  });
  const sessionList = new SessionListService({ cells, now });
  const searchIndex = createSearchIndex(directory);
  const { models, activity, observer } = createFeedObservers(cells, now, overrides.feeds);
  const social = createSocial({
    directory,
    cells,
    border,
    access: media.access,
    moveFreeze,
    videos: media.videos,
    now,
    search: searchIndex,
    observer,
    durationMaxMs: config.limits.durationMaxMs,
    text: terms,
  });
  const feeds = createFeeds({ directory, cells, now, media, social, models, activity, searchIndex }, overrides.feeds);
  const moderation = createModeration({
    config,
    directory,
    cells,
    border,
    operators,
    accounts,
    media,
    social,
    audit,
    counter: transparency,
    moveFreeze,
    terms,
    now,
  });

  // Who tells whom what, in one place. The public index's followers: hashtag counts and search (derived rows go
  // before the index row does), then the feeds' copies of the index, once the change is written.
  events.on('clip.indexed', (e) => social.hashtags.indexed(e.videoId, e.first));
  events.on('clip.unindexing', (e) => social.hashtags.unindexing(e.videoIds));
  events.on('clip.index_settled', () => feeds.pools.changed());
  // An account's audience follows it: going private, away or back moves its clips out of (or into) the index.
  events.on('account.audience_changed', (e) => media.videos.syncAuthor(e.region, e.userId, e.narrowed));
  events.on('account.purging', (e) => media.videos.unpublishAll(e.region, e.userId));
  events.on('account.purging', (e) => avatars.removeAll(e.region, e.userId));
  events.on('account.moved', (e) => avatars.moved(e.userId, e.from, e.to));
  events.on('account.moved', (e) => media.videos.rescheduleAll(e.to, e.userId));
  // Following remembers which creators have nothing only followers see; a change to that is heard at once.
  events.on('clip.changed', (e) => feeds.following.clipChanged(e.ownerId));
  events.on('account.audience_changed', (e) => feeds.following.authorChanged(e.userId));
  // The comment sheet's hint follows the creator's setting at once.
  events.on('account.comment_setting_changed', (e) => social.comments.settingChanged(e.region, e.userId));

  return {
    config,
    log,
    clock,
    events,
    catalog,
    directory,
    cells,
    border,
    accounts,
    sessions,
    sessionList,
    totp,
    limits,
    operators,
    audit,
    grants,
    operatorAccess,
    transparency,
    exports,
    deletion,
    homeMoves,
    moveFreeze,
    queues,
    media,
    social,
    feeds,
    moderation,
    mailer,
    accountEmails,
    passwords,
    avatars,
    async close() {
      await passwords.settled();
      for (const queue of queues.values()) await queue.close();
      await limits.close();
      await cells.destroy();
      await directory.destroy();
    },
  };
}

/** A region's carve-out on this context's stores, built on demand (the CLI, tests); `progress` draws its bar. */
export function carveOutFor(ctx: AppContext, progress?: Progress): CarveOut {
  return new CarveOut({
    config: ctx.config,
    directory: ctx.directory,
    cells: ctx.cells,
    catalog: ctx.catalog,
    audit: ctx.audit,
    border: ctx.border,
    now: () => ctx.clock.now(),
    events: ctx.events,
    ...(progress ? { progress } : {}),
  });
}
