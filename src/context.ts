import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import { AccountService } from './accounts/account.service.js';
import { OperatorService } from './accounts/operator.service.js';
import { SessionService } from './accounts/session.service.js';
import { catalogParts } from './db/registry.js';
import type { DirectoryDb } from './db/schema.js';
import { BullJobQueue, bullConnection } from './jobs/bullmq-queue.js';
import { CellJobQueue, type JobQueue } from './jobs/job-queue.js';
import { createLogger, type Logger } from './logging.js';
import { createMedia, type MediaModule } from './media/media-module.js';
import { Border } from './regions/border.js';
import { DataCatalog } from './regions/catalog.js';
import { CellRegistry, migrateDirectory, openDirectory } from './regions/cells.js';

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
  /** Uploads, clips, media stores and playback URLs. */
  media: MediaModule;
  close(): Promise<void>;
}

export interface ContextOverrides {
  log?: Logger;
  clock?: Clock;
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
  const queues = new Map<string, JobQueue>(
    cells.all().map((cell) => {
      const url = config.queueUrls[cell.region];
      return [cell.region, url ? new BullJobQueue(cell.region, bullConnection(url), undefined, config.queuePrefix) : new CellJobQueue(cell.region, cell.db, now)];
    }),
  );
  const media = createMedia({ config, cells, directory, border, queues, log, now });

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
    media,
    async close() {
      for (const queue of queues.values()) await queue.close();
      await cells.destroy();
      await directory.destroy();
    },
  };
}
