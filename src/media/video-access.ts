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

/**
 * The social rules for a ready, non-private clip seen by someone other than its owner (followers-only
 * clips, private accounts, blocks); the social domain provides them.
 */
export type SocialRule = (viewer: Viewer | null, video: VideoAccessSubject) => Promise<boolean>;

/**
 * The one rule for who may see a clip: its owner always; nobody else before it is ready or when it is
 * private; otherwise the social rules (follows, private accounts, blocks) once installed, and until then
 * anyone for a public clip and only the owner for a followers-only one.
 */
export class VideoAccess {
  private socialRule: SocialRule | undefined;

  /** Installs the social rules (done once the social domain is built). */
  setSocialRule(rule: SocialRule): void {
    this.socialRule = rule;
  }

  isOwner(viewer: Viewer | null | undefined, video: VideoAccessSubject): boolean {
    return !!viewer && viewer.userId === video.ownerId;
  }

  async canView(viewer: Viewer | null | undefined, video: VideoAccessSubject): Promise<boolean> {
    if (this.isOwner(viewer, video)) return true;
    if (video.status !== 'ready' || video.visibility === 'private') return false;
    if (this.socialRule) return this.socialRule(viewer ?? null, video);
    return video.visibility === 'public';
  }
}
