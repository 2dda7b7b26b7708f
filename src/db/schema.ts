import type { AccountsCellTables, AccountsDirectoryTables } from '../accounts/accounts.tables.js';
import type { MediaCellTables, MediaDirectoryTables } from '../media/media.tables.js';
import type { JobsCellTables } from '../jobs/jobs.tables.js';
import type { RegionsCellTables } from '../regions/regions.tables.js';
import type { SocialCellTables, SocialDirectoryTables } from '../social/social.tables.js';
import type { FeedsCellTables, FeedsDirectoryTables } from '../feeds/feeds.tables.js';
import type { ModerationCellTables } from '../moderation/moderation.tables.js';
import type { MailCellTables } from '../mail/mail.tables.js';
import type { AccountEmailCellTables } from '../accounts/account-email.tables.js';

/**
 * The directory and cell schemas, merged from each domain's table types. A domain adds its tables by
 * extending these interfaces with one more name.
 */
export interface DirectoryDb
  extends AccountsDirectoryTables, MediaDirectoryTables, SocialDirectoryTables, FeedsDirectoryTables {}
export interface CellDb
  extends
    AccountsCellTables,
    RegionsCellTables,
    JobsCellTables,
    MediaCellTables,
    SocialCellTables,
    FeedsCellTables,
    ModerationCellTables,
    MailCellTables,
    AccountEmailCellTables {}
