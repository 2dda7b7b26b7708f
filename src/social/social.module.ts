import type { TextPolicy } from '../moderation/blocked-terms.js';
import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import type { SearchIndex } from '../feeds/search-index.js';
import type { ClipAccess } from '../media/clip-access.js';
import type { VideoService } from '../media/video.service.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import { CommentService } from './comment.service.js';
import { EngagementService, type EngagementObserver } from './engagement.service.js';
import { GraphService } from './graph.service.js';
import { HashtagService } from './hashtag.service.js';
import { NotificationService } from './notification.service.js';
import { ViewMarks } from './view-marks.js';
import type { MoveFreeze } from '../regions/move-freeze.js';

/** The social services, built together because they share the notification flows. */
export interface SocialServices {
  notifications: NotificationService;
  graph: GraphService;
  engagement: EngagementService;
  comments: CommentService;
  hashtags: HashtagService;
  /** Who was already counted in clips' public counters this window. */
  marks: ViewMarks;
}

export interface SocialDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  /** Media's access rule: every social surface asks it who may see a clip. */
  access: ClipAccess;
  videos: Pick<VideoService, 'narrowed'>;
  now: () => Date;
  search: SearchIndex;
  observer: EngagementObserver;
  durationMaxMs: number;
  /** The region's blocked terms (comments). */
  text: TextPolicy;
  /** Accounts whose data is moving: follows and blocks of them wait (`user.moving`). */
  moveFreeze?: MoveFreeze;
}

export function createSocial(deps: SocialDeps): SocialServices {
  const { directory, cells, border, access, now } = deps;
  const notifications = new NotificationService({ directory, cells, border, access, now });
  const marks = new ViewMarks({ cells, now });
  return {
    marks,
    notifications,
    graph: new GraphService({
      directory,
      cells,
      border,
      notifications,
      videos: deps.videos,
      now,
      ...(deps.moveFreeze ? { freeze: deps.moveFreeze } : {}),
    }),
    engagement: new EngagementService({
      directory,
      cells,
      border,
      access,
      notifications,
      now,
      observer: deps.observer,
      durationMaxMs: deps.durationMaxMs,
      marks,
    }),
    comments: new CommentService({ directory, cells, border, access, notifications, now, text: deps.text }),
    hashtags: new HashtagService({ directory, search: deps.search, notifications, now }),
  };
}
