import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import type { SearchIndex } from '../feeds/search-index.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import { CommentService } from './comment.service.js';
import { EngagementService, type EngagementObserver } from './engagement.service.js';
import { GraphService } from './graph.service.js';
import { HashtagService } from './hashtag.service.js';
import { NotificationService } from './notification.service.js';
import { VideoAccess } from './video-access.js';

/** The social services, built together because they share the notification flows and the visibility check. */
export interface SocialServices {
  access: VideoAccess;
  notifications: NotificationService;
  graph: GraphService;
  engagement: EngagementService;
  comments: CommentService;
  hashtags: HashtagService;
}

export interface SocialDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  now: () => Date;
  search: SearchIndex;
  observer: EngagementObserver;
  durationMaxMs: number;
}

export function createSocial(deps: SocialDeps): SocialServices {
  const { directory, cells, border, now } = deps;
  const access = new VideoAccess({ directory, cells });
  const notifications = new NotificationService({ directory, cells, border, now });
  return {
    access,
    notifications,
    graph: new GraphService({ directory, cells, border, notifications, now }),
    engagement: new EngagementService({
      directory,
      cells,
      border,
      access,
      notifications,
      now,
      observer: deps.observer,
      durationMaxMs: deps.durationMaxMs,
    }),
    comments: new CommentService({ directory, cells, border, access, notifications, now }),
    hashtags: new HashtagService({ directory, search: deps.search, notifications, now }),
  };
}
