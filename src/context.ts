import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import { AccountService } from './accounts/account.service.js';
import { OperatorService } from './accounts/operator.service.js';
import { SessionService } from './accounts/session.service.js';
import { catalogParts } from './db/registry.js';
import type { DirectoryDb } from './db/schema.js';
import { CellJobQueue, type JobQueue } from './jobs/job-queue.js';
import { createLogger, type Logger } from './logging.js';
import { Border } from './regions/border.js';
import { DataCatalog } from './regions/catalog.js';
import { CellRegistry, migrateDirectory, openDirectory } from './regions/cells.js';
import { createSocial, type SocialServices } from './social/social.module.js';
import { createFeeds, createRegionModels, type FeedServices, type FeedSettings } from './feeds/feeds.module.js';
import { createSearchIndex } from './feeds/search-index.js';

export interface Clock {
  now(): Date;
}

/** Everything Reelm is made of, built once from config. Routes and workers take it explicitly. */
export interface AppContext {
  config: Config;
  log: Logger;
  clock: Clock;
  catalog: DataCatalog;
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  accounts: AccountService;
  sessions: SessionService;
  operators: OperatorService;
  /** Each cell's own job queue. */
  queues: Map<string, JobQueue>;
  /** Follows, engagement, comments, notifications, hashtags. */
  social: SocialServices;
  /** For You, Following, trending, search. */
  feeds: FeedServices;
  close(): Promise<void>;
}

export interface ContextOverrides {
  log?: Logger;
  clock?: Clock;
  feeds?: FeedSettings;
}

/**
 * Builds every store and service. Opening runs the migrations, so a fresh data dir is ready to serve.
 */
export async function createContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  const log = overrides.log ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? { now: () => new Date() };
  const now = () => clock.now();
  const catalog = new DataCatalog(catalogParts);
  const directory = await openDirectory(config);
  const cells = CellRegistry.open(config);
  await migrateDirectory(directory);
  await cells.migrate();

  const border = new Border({ directory, cells, catalog, now });
  const accounts = new AccountService({ config, directory, cells, border, now, log });
  const sessions = new SessionService({ directory, cells, now, ttlHours: config.sessionTtlHours });
  const operators = new OperatorService({ directory, cells, now });
  const queues = new Map<string, JobQueue>(cells.all().map((cell) => [cell.region, new CellJobQueue(cell.region, cell.db, now)]));
  const searchIndex = createSearchIndex(directory);
  const models = createRegionModels(cells, overrides.feeds);
  const social = createSocial({ directory, cells, border, now, search: searchIndex, observer: models, durationMaxMs: config.limits.durationMaxMs });
  const feeds = createFeeds({ directory, cells, now, social, models, searchIndex }, overrides.feeds);

  return {
    config,
    log,
    clock,
    catalog,
    directory,
    cells,
    border,
    accounts,
    sessions,
    operators,
    queues,
    social,
    feeds,
    async close() {
      await cells.destroy();
      await directory.destroy();
    },
  };
}
