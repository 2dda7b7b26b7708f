import type { DomainCatalog } from '../regions/catalog.js';
import { mergeMigrations, type MigrationMap } from './migrations.js';
import { accountsCatalog } from '../accounts/accounts.catalog.js';
import { accountsCellMigrations, accountsDirectoryMigrations } from '../accounts/accounts.migrations.js';
import { jobsCatalog } from '../jobs/jobs.catalog.js';
import { jobsCellMigrations } from '../jobs/jobs.migrations.js';
import { mediaCatalog } from '../media/media.catalog.js';
import { mediaCellMigrations, mediaDirectoryMigrations } from '../media/media.migrations.js';
import { regionsCatalog } from '../regions/regions.catalog.js';
import { regionsCellMigrations } from '../regions/regions.migrations.js';
import { socialCatalog } from '../social/social.catalog.js';
import { socialCellMigrations, socialDirectoryMigrations } from '../social/social.migrations.js';
import { feedsCatalog } from '../feeds/feeds.catalog.js';
import { feedsCellMigrations, feedsDirectoryMigrations } from '../feeds/feeds.migrations.js';
import { moderationCatalog } from '../moderation/moderation.catalog.js';
import { moderationCellMigrations } from '../moderation/moderation.migrations.js';
import { mailCatalog } from '../mail/mail.catalog.js';
import { mailCellMigrations } from '../mail/mail.migrations.js';
import { accountEmailCatalog } from '../accounts/account-email.catalog.js';
import { accountEmailCellMigrations } from '../accounts/account-email.migrations.js';

/** Every domain's migrations and catalog entries, in one place: a domain is added with one name in each list. */
export const directoryMigrations: MigrationMap = mergeMigrations(
  accountsDirectoryMigrations,
  mediaDirectoryMigrations,
  socialDirectoryMigrations,
  feedsDirectoryMigrations,
);
export const cellMigrations: MigrationMap = mergeMigrations(
  accountsCellMigrations,
  regionsCellMigrations,
  jobsCellMigrations,
  mediaCellMigrations,
  socialCellMigrations,
  feedsCellMigrations,
  moderationCellMigrations,
  mailCellMigrations,
  accountEmailCellMigrations,
);
export const catalogParts: DomainCatalog[] = [
  accountsCatalog,
  regionsCatalog,
  jobsCatalog,
  mediaCatalog,
  socialCatalog,
  feedsCatalog,
  moderationCatalog,
  mailCatalog,
  accountEmailCatalog,
];
