import { memo } from 'preact/compat';
import { useState } from 'preact/hooks';
import { api, type Video } from '../api';
import { fmtCount, fmtFull } from '../format';
import { t } from '../i18n';
import { Link } from '../router';
import { requireAuth, toastError, useMe } from '../session';
import { Avatar } from '../ui/Avatar';
import {
  IconBookmark,
  IconComment,
  IconHeart,
  IconMore,
  IconMusic,
  IconPlus,
  IconShare,
  IconShield,
} from '../ui/icons';
import { ClipMenu, copyClipLink } from './ClipMenu';
import { RichText } from '../ui/RichText';
import { policyName } from '../safety/labels';
import { ClipPlayer, type Mode, type PlayerControls } from './ClipPlayer';

export type VideoPatch = (v: Video) => Video;

export interface FeedItemProps {
  video: Video;
  index: number;
  mode: Mode;
  visible: boolean;
  controls: { current: PlayerControls | null };
  onPatch: (id: string, f: VideoPatch) => void;
  onFollowAuthor: (authorId: string) => void;
  onComments: (v: Video) => void;
  /** The viewer said "not interested": the feed moves on. */
  onNotInterested: (v: Video) => void;
  /** The first clip the feed shows again once nothing new is left: it carries the quiet marker. */
  firstRewatch?: boolean;
}

const viewerOf = (v: Video) => v.viewer ?? { liked: false, favorited: false, followingAuthor: false };

/** Like / unlike with optimistic counts. `only` = 'on' for double-tap (never unlikes). */
export async function toggleLike(v: Video, onPatch: FeedItemProps['onPatch'], only?: 'on') {
  if (!requireAuth('like')) return;
  const liked = viewerOf(v).liked;
  if (only === 'on' && liked) return;
  const on = !liked;
  const apply = (to: boolean) => (x: Video) => ({
    ...x,
    viewer: { ...viewerOf(x), liked: to },
    stats: { ...x.stats, likes: Math.max(0, x.stats.likes + (to === viewerOf(x).liked ? 0 : to ? 1 : -1)) },
  });
  onPatch(v.id, apply(on));
  try {
    await api.like(v.id, on);
  } catch (e) {
    onPatch(v.id, apply(!on));
    toastError(e);
  }
}

function ActionRail({
  video,
  onPatch,
  onFollowAuthor,
  onComments,
  onNotInterested,
}: Pick<FeedItemProps, 'video' | 'onPatch' | 'onFollowAuthor' | 'onComments' | 'onNotInterested'>) {
  const me = useMe();
  const viewer = viewerOf(video);
  const isSelf = me?.id === video.author.id;
  const [likePop, setLikePop] = useState(0);
  const [menu, setMenu] = useState(false);

  const favorite = async () => {
    if (!requireAuth('like')) return;
    const on = !viewer.favorited;
    const apply = (to: boolean) => (x: Video) => ({ ...x, viewer: { ...viewerOf(x), favorited: to } });
    onPatch(video.id, apply(on));
    try {
      await api.favorite(video.id, on);
    } catch (e) {
      onPatch(video.id, apply(!on));
      toastError(e);
    }
  };
  const share = () =>
    copyClipLink(video, () => onPatch(video.id, (x) => ({ ...x, stats: { ...x.stats, shares: x.stats.shares + 1 } })));
  const follow = async () => {
    if (!requireAuth('follow')) return;
    onFollowAuthor(video.author.id);
    try {
      await api.follow(video.author.handle, true);
    } catch (e) {
      toastError(e);
    }
  };

  return (
    <div class="rail">
      <div class="rail-avatar">
        <Link
          href={`/@${video.author.handle}`}
          aria-label={t('action.profile', { handle: video.author.handle })}
          class="rail-avatar-link"
        >
          <Avatar user={video.author} size={48} />
        </Link>
        {!isSelf && !viewer.followingAuthor && (
          <button
            type="button"
            class="rail-follow"
            data-testid="follow-button"
            aria-label={t('action.follow', { handle: video.author.handle })}
            onClick={follow}
          >
            <IconPlus size={14} />
          </button>
        )}
      </div>
      <button
        type="button"
        class={`rail-btn ${viewer.liked ? 'is-liked' : ''}`}
        data-testid="like-button"
        aria-pressed={viewer.liked}
        aria-label={t(viewer.liked ? 'action.unlike' : 'action.like', { n: fmtFull(video.stats.likes) })}
        onClick={() => {
          setLikePop((n) => n + 1);
          void toggleLike(video, onPatch);
        }}
      >
        <span class="rail-icon" key={viewer.liked ? `on${likePop}` : 'off'}>
          <IconHeart size={30} />
        </span>
        <span class="rail-count" aria-hidden="true">
          {fmtCount(video.stats.likes)}
        </span>
      </button>
      <button
        type="button"
        class="rail-btn"
        data-testid="comment-button"
        aria-haspopup="dialog"
        aria-label={t('action.comments', { n: fmtFull(video.stats.comments) })}
        onClick={() => onComments(video)}
      >
        <span class="rail-icon">
          <IconComment size={30} />
        </span>
        <span class="rail-count" aria-hidden="true">
          {fmtCount(video.stats.comments)}
        </span>
      </button>
      <button
        type="button"
        class={`rail-btn ${viewer.favorited ? 'is-faved' : ''}`}
        data-testid="favorite-button"
        aria-pressed={viewer.favorited}
        aria-label={viewer.favorited ? t('action.unfavorite') : t('action.favorite')}
        onClick={favorite}
      >
        <span class="rail-icon">
          <IconBookmark size={28} />
        </span>
      </button>
      <button
        type="button"
        class="rail-btn"
        data-testid="share-button"
        aria-label={t('action.share', { n: fmtFull(video.stats.shares) })}
        onClick={share}
      >
        <span class="rail-icon">
          <IconShare size={30} />
        </span>
        <span class="rail-count" aria-hidden="true">
          {fmtCount(video.stats.shares)}
        </span>
      </button>
      <button
        type="button"
        class="rail-btn"
        data-testid="more-button"
        aria-haspopup="dialog"
        aria-label={t('menu.open')}
        onClick={() => setMenu(true)}
      >
        <span class="rail-icon">
          <IconMore size={28} />
        </span>
      </button>
      <ClipMenu
        video={video}
        open={menu}
        onClose={() => setMenu(false)}
        onShared={() => onPatch(video.id, (x) => ({ ...x, stats: { ...x.stats, shares: x.stats.shares + 1 } }))}
        onNotInterested={() => onNotInterested(video)}
        onEdited={(v) => onPatch(video.id, (x) => ({ ...x, ...v }))}
      />
      <Link
        href={video.sound ? `/sound/${encodeURIComponent(video.sound.id)}` : `/@${video.author.handle}`}
        class="rail-disc"
        aria-label={t('action.sound', {
          title: video.sound?.title ?? t('action.originalSound', { handle: video.author.handle }),
        })}
      >
        <Avatar user={video.author} size={26} />
      </Link>
    </div>
  );
}

function Caption({ video }: { video: Video }) {
  const [open, setOpen] = useState(false);
  const long = video.caption.length > 90 || video.caption.split('\n').length > 2;
  const soundTitle =
    video.sound?.title ?? t('action.originalSound', { handle: video.author.displayName || video.author.handle });
  const marquee = `marquee ${soundTitle.length > 28 ? 'is-long' : ''}`;
  const mod = video.moderation;
  return (
    <div class="overlay">
      {mod && (
        // Only the author (and moderators) get `moderation`: what was decided, and where to read why and appeal.
        <Link href="/account-status" class="mod-note" data-testid="clip-moderation" data-status={mod.status}>
          <IconShield size={15} />
          <span>
            {t(`moderated.note.${mod.status}`)}
            {mod.policy && ` · ${policyName(mod.policy)}`}
          </span>
        </Link>
      )}
      <Link href={`/@${video.author.handle}`} class="overlay-author">
        @{video.author.handle}
      </Link>
      {video.caption && (
        <p class={`overlay-caption ${open ? 'is-open' : ''}`}>
          <RichText text={video.caption} />
        </p>
      )}
      {long && (
        <button type="button" class="link-btn overlay-more" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? t('action.less') : t('action.more')}
        </button>
      )}
      {video.sound ? (
        <Link href={`/sound/${encodeURIComponent(video.sound.id)}`} class="overlay-sound">
          <IconMusic size={15} />
          <span class={marquee}>
            <span>{soundTitle}</span>
          </span>
        </Link>
      ) : (
        <span class="overlay-sound">
          <IconMusic size={15} />
          <span class={marquee}>
            <span>{soundTitle}</span>
          </span>
        </span>
      )}
    </div>
  );
}

/** One full-height slide of the feed: the player, the caption overlay and the action rail. */
export const FeedItem = memo(function FeedItem({
  video,
  index,
  mode,
  visible,
  controls,
  onPatch,
  onFollowAuthor,
  onComments,
  onNotInterested,
  firstRewatch,
}: FeedItemProps) {
  return (
    <section
      class="feed-item"
      data-testid="feed-item"
      data-video-id={video.id}
      data-index={index}
      data-active={mode === 'active' ? 'true' : undefined}
      aria-label={t('feed.clipBy', { handle: video.author.handle })}
    >
      {firstRewatch && (
        <p class="feed-marker" data-testid="feed-rewatch" role="status">
          {t('feed.rewatch')}
        </p>
      )}
      <div class="stage">
        <div class="stage-video">
          <ClipPlayer
            video={video}
            mode={mode}
            visible={visible}
            controls={controls}
            onDoubleTap={() => void toggleLike(video, onPatch, 'on')}
          />
          <Caption video={video} />
        </div>
        <ActionRail
          video={video}
          onPatch={onPatch}
          onFollowAuthor={onFollowAuthor}
          onComments={onComments}
          onNotInterested={onNotInterested}
        />
      </div>
    </section>
  );
});
