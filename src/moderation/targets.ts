import type { Kysely } from 'kysely';
import type { AccountService } from '../accounts/account.service.js';
import type { DirectoryDb } from '../db/schema.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { ClipAccess, Viewer } from '../media/clip-access.js';
import type { VideoService } from '../media/video.service.js';
import type { CellRegistry } from '../regions/cells.js';
import type { CommentService } from '../social/comment.service.js';
import type { Target, TargetType } from './moderation.schema.js';

/** Where a reported thing lives and whom it is about. */
export interface ResolvedTarget {
  target: Target;
  /** The region whose moderators decide: the cell holding the clip, comment, sound or account. */
  region: string;
  subjectId: string;
  subjectRegion: string;
  /** The clip a comment is on (where the reporter can find it again). */
  videoId?: string;
}

/** The actions a case about each kind of target may end in (an appeal: `uphold` or `reverse`). */
export const ACTIONS_FOR: Record<TargetType, readonly string[]> = {
  video: ['remove', 'restrict', 'withhold', 'dismiss'],
  comment: ['remove', 'dismiss'],
  sound: ['remove', 'restrict', 'dismiss'],
  user: ['suspend', 'ban', 'dismiss'],
};

/** Removals are strikes against the affected user. */
export function isStrike(action: string): boolean {
  return action === 'remove';
}

export interface TargetDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  access: ClipAccess;
  videos: Pick<VideoService, 'moderate'>;
  comments: Pick<CommentService, 'find' | 'moderate'>;
  accounts: Pick<AccountService, 'setSuspension' | 'setBanned'>;
  now: () => Date;
}

function targetNotFound(): NotFoundError {
  return new NotFoundError(
    'report.target_not_found',
    'There is nothing to report there, or it is not available to you.',
  );
}

/**
 * The things people report, and what a decision does to each. Every effect goes through the domain that owns the
 * thing: clips through media's `moderate` (the access rule reads the state), comments through social's, accounts
 * through accounts'. A sound is the audio track of the clip it came from: acting on it acts on that clip.
 */
export class Targets {
  constructor(private readonly deps: TargetDeps) {}

  /** The target as this reporter may see it, or 404 (the same for absent and not visible). */
  async resolve(viewer: NonNullable<Viewer>, target: Target): Promise<ResolvedTarget> {
    const { access, directory } = this.deps;
    let found: ResolvedTarget | undefined;
    if (target.type === 'video') {
      const clip = await access.require(target.id, viewer).catch(() => undefined);
      if (clip) found = { target, region: clip.region, subjectId: clip.ownerId, subjectRegion: clip.region };
    } else if (target.type === 'comment') {
      const comment = await this.deps.comments.find(target.id);
      const visible =
        comment &&
        (comment.moderation !== 'removed' || comment.authorId === viewer.userId) &&
        (await access.require(comment.videoId, viewer).catch(() => undefined));
      if (comment && visible)
        found = {
          target,
          region: comment.region,
          subjectId: comment.authorId,
          subjectRegion: comment.authorRegion,
          videoId: comment.videoId,
        };
    } else if (target.type === 'user') {
      const user = await directory
        .selectFrom('users')
        .select(['id', 'region'])
        .where('id', '=', target.id)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (user) found = { target, region: user.region, subjectId: user.id, subjectRegion: user.region };
    } else {
      const sound = await directory
        .selectFrom('sounds')
        .select(['region', 'author_id', 'video_id'])
        .where('id', '=', target.id)
        .executeTakeFirst();
      if (sound && (await access.require(sound.video_id, viewer).catch(() => undefined)))
        found = { target, region: sound.region, subjectId: sound.author_id, subjectRegion: sound.region };
    }
    if (!found || !this.deps.cells.has(found.region)) throw targetNotFound();
    if (found.subjectId === viewer.userId)
      throw new InvalidInputError('report.target_invalid', 'You cannot report your own content or account.');
    return found;
  }

  /** The clip a video or sound target acts on, in the case's region. */
  async clipOf(region: string, target: Target): Promise<string | undefined> {
    if (target.type === 'video') return target.id;
    if (target.type !== 'sound') return undefined;
    const row = await this.deps.cells
      .get(region)
      .db.selectFrom('sounds')
      .select('video_id')
      .where('id', '=', target.id)
      .executeTakeFirst();
    return row?.video_id;
  }

  /** Carries out a decision on its target (nothing for `dismiss`). */
  async apply(
    region: string,
    d: {
      target: Target;
      subjectId: string;
      subjectRegion: string;
      action: string;
      policy: string | null;
      decisionId: string;
      regions: string[];
      days: number | null;
    },
  ): Promise<void> {
    const { target } = d;
    if (d.action === 'dismiss' || d.action === 'uphold') return;
    if (target.type === 'video' || target.type === 'sound') {
      // A clip lives in its owner's (the subject's) home cell, which is where the case began unless the owner moved
      // home region since (the case stays; its subject_region follows the move).
      const home = this.deps.cells.has(d.subjectRegion) ? d.subjectRegion : region;
      const clipId = await this.clipOf(home, target);
      const state = d.action === 'remove' ? 'removed' : d.action === 'restrict' ? 'restricted' : 'withheld';
      if (clipId)
        await this.deps.videos
          .moderate(home, clipId, state, { policy: d.policy, decisionId: d.decisionId, regions: d.regions })
          .catch(ignoreGone);
    } else if (target.type === 'comment') {
      await this.deps.comments.moderate(region, target.id, 'removed');
    } else if (d.action === 'suspend') {
      const until = new Date(this.deps.now().getTime() + (d.days ?? 1) * 86_400_000).toISOString();
      await this.deps.accounts.setSuspension(d.subjectRegion, d.subjectId, until);
    } else if (d.action === 'ban') {
      await this.deps.accounts.setBanned(d.subjectRegion, d.subjectId, true);
    }
  }

  /** Undoes a decision an appeal reversed: the content or account is as before the decision. */
  async undo(region: string, d: { target: Target; subjectId: string; subjectRegion: string; action: string }) {
    const { target } = d;
    if (d.action === 'dismiss') return;
    if (target.type === 'video' || target.type === 'sound') {
      const home = this.deps.cells.has(d.subjectRegion) ? d.subjectRegion : region;
      const clipId = await this.clipOf(home, target);
      if (clipId) await this.deps.videos.moderate(home, clipId, 'none').catch(ignoreGone);
    } else if (target.type === 'comment') {
      await this.deps.comments.moderate(region, target.id, 'none');
    } else if (d.action === 'suspend') {
      await this.deps.accounts.setSuspension(d.subjectRegion, d.subjectId, null);
    } else if (d.action === 'ban') {
      await this.deps.accounts.setBanned(d.subjectRegion, d.subjectId, false);
    }
  }
}

/** A clip deleted by its author since the report: there is nothing left to act on. */
function ignoreGone(err: unknown): void {
  if (!(err instanceof NotFoundError)) throw err;
}
