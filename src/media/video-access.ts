import type { Visibility } from './video-text.js';

/** Who is asking: a signed-in user (id and home region) or nobody. */
export interface Viewer {
  userId: string;
  region: string;
}

/** What access depends on. */
export interface VideoAccessSubject {
  ownerId: string;
  /** The owner's home region. */
  region: string;
  visibility: Visibility | string;
  status: string;
}

/** Answers whether `viewerId` follows `ownerId` (approved follows only); the social domain provides it. */
export type FollowCheck = (viewer: Viewer, owner: { userId: string; region: string }) => Promise<boolean>;

/**
 * The one rule for who may see a clip: its owner always; anyone a public clip once ready; followers a
 * followers-only clip once ready, when a follow check is installed (until then, only the owner).
 * Private clips are the owner's alone.
 */
export class VideoAccess {
  private followCheck: FollowCheck | undefined;

  constructor(deps: { followCheck?: FollowCheck } = {}) {
    this.followCheck = deps.followCheck;
  }

  /** Installs the follow check (the social domain calls this when it is built). */
  setFollowCheck(check: FollowCheck): void {
    this.followCheck = check;
  }

  isOwner(viewer: Viewer | null | undefined, video: VideoAccessSubject): boolean {
    return !!viewer && viewer.userId === video.ownerId;
  }

  async canView(viewer: Viewer | null | undefined, video: VideoAccessSubject): Promise<boolean> {
    if (this.isOwner(viewer, video)) return true;
    if (video.status !== 'ready') return false;
    if (video.visibility === 'public') return true;
    if (video.visibility === 'followers' && viewer && this.followCheck) {
      return this.followCheck(viewer, { userId: video.ownerId, region: video.region });
    }
    return false;
  }
}
