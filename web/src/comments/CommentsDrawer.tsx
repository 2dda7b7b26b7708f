import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Comment, type Commenting, type Me, type Video } from '../api';
import { fmtCount, fmtFull, timeAgo } from '../format';
import { t, tn } from '../i18n';
import { Link } from '../router';
import { openReport } from '../safety/report';
import { SuspendedBanner } from '../safety/SuspendedBanner';
import { errorText, requireAuth, toast, toastError, useMe } from '../session';
import { Avatar } from '../ui/Avatar';
import { IconHeart } from '../ui/icons';
import { ErrorBox, Spinner } from '../ui/misc';
import { RichText } from '../ui/RichText';
import { Sheet } from '../ui/Sheet';

const MAX = 500;

interface Thread {
  comment: Comment;
  replies: Comment[];
  repliesCursor: string | null;
  open: boolean;
  loadingReplies: boolean;
}

function localComment(me: Me, videoId: string, id: string, text: string, parentId: string | null): Comment {
  return {
    id,
    videoId,
    parentId,
    text,
    author: { id: me.id, handle: me.handle, displayName: me.displayName, avatarUrl: me.avatarUrl },
    createdAt: new Date().toISOString(),
    likeCount: 0,
    replyCount: 0,
    viewer: { liked: false },
  };
}

function CommentRow({
  c,
  video,
  me,
  onReply,
  onDelete,
  onPatch,
}: {
  c: Comment;
  video: Video;
  me: Me | null | undefined;
  onReply?: (c: Comment) => void;
  onDelete: (c: Comment) => void;
  onPatch: (c: Comment) => void;
}) {
  const liked = !!c.viewer?.liked;
  const canDelete = !!me && (me.id === c.author.id || me.id === video.author.id);
  const like = async () => {
    if (!requireAuth('like')) return;
    const on = !liked;
    onPatch({ ...c, viewer: { liked: on }, likeCount: Math.max(0, c.likeCount + (on ? 1 : -1)) });
    try {
      await api.likeComment(c.id, on);
    } catch (e) {
      onPatch(c);
      toastError(e);
    }
  };
  return (
    <div class="comment" data-testid="comment" data-comment-id={c.id}>
      <Link href={`/@${c.author.handle}`} class="comment-avatar" tabIndex={-1} aria-hidden="true">
        <Avatar user={c.author} size={c.parentId ? 28 : 36} />
      </Link>
      <div class="comment-main">
        <div class="comment-who">
          <Link href={`/@${c.author.handle}`}>{c.author.displayName || c.author.handle}</Link>
          {c.author.id === video.author.id && <span class="badge">{t('comments.creator')}</span>}
        </div>
        <p class="comment-text">
          <RichText text={c.text} />
        </p>
        <div class="comment-meta">
          <time dateTime={c.createdAt}>{timeAgo(c.createdAt)}</time>
          {onReply && (
            <button type="button" class="link-btn" onClick={() => onReply(c)}>
              {t('comments.reply')}
            </button>
          )}
          {me?.id !== c.author.id && (
            <button
              type="button"
              class="link-btn"
              data-testid="comment-report"
              onClick={() => openReport({ type: 'comment', id: c.id })}
            >
              {t('report.action')}
            </button>
          )}
          {canDelete && (
            <button
              type="button"
              class="link-btn"
              data-testid="comment-delete"
              onClick={() => {
                if (confirm(t('comments.deleteConfirm'))) onDelete(c);
              }}
            >
              {t('comments.delete')}
            </button>
          )}
        </div>
      </div>
      <button
        type="button"
        class={`comment-like ${liked ? 'is-liked' : ''}`}
        aria-pressed={liked}
        aria-label={t(liked ? 'comments.unlike' : 'comments.like', { n: fmtFull(c.likeCount) })}
        data-testid="comment-like"
        onClick={like}
      >
        <IconHeart size={18} filled={liked} />
        <span aria-hidden="true">{c.likeCount > 0 ? fmtCount(c.likeCount) : ''}</span>
      </button>
    </div>
  );
}

/** The comments bottom sheet: top-level comments, one level of replies, likes, delete, and the input. */
export function CommentsDrawer({
  video,
  onClose,
  onCount,
}: {
  video: Video | null;
  onClose: () => void;
  onCount: (videoId: string, delta: number) => void;
}) {
  const me = useMe();
  const [threads, setThreads] = useState<Thread[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [text, setText] = useState('');
  const [replyTo, setReplyTo] = useState<Comment | null>(null);
  const [sending, setSending] = useState(false);
  // Said by the clip's first page: whether this viewer may comment, and if not why (shown instead of the box).
  const [commenting, setCommenting] = useState<Commenting | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const videoId = video?.id ?? null;

  const load = (c: string | null) => {
    if (!videoId) return;
    setLoading(true);
    setError(null);
    api.comments(videoId, c).then(
      (page) => {
        const fresh = page.items.map((comment) => ({
          comment,
          replies: [],
          repliesCursor: null,
          open: false,
          loadingReplies: false,
        }));
        setThreads((prev) => (c ? [...prev, ...fresh] : fresh));
        if (page.commenting) setCommenting(page.commenting);
        setCursor(page.cursor);
        setLoading(false);
      },
      (e) => {
        setError(e);
        setLoading(false);
      },
    );
  };

  useEffect(() => {
    setThreads([]);
    setCursor(null);
    setText('');
    setReplyTo(null);
    setCommenting(null);
    if (videoId) load(null);
  }, [videoId]);

  const patchThread = (id: string, f: (th: Thread) => Thread) =>
    setThreads((l) => l.map((th) => (th.comment.id === id ? f(th) : th)));
  const patchComment = (c: Comment) => {
    if (c.parentId)
      patchThread(c.parentId, (th) => ({ ...th, replies: th.replies.map((r) => (r.id === c.id ? c : r)) }));
    else patchThread(c.id, (th) => ({ ...th, comment: c }));
  };

  const loadReplies = (th: Thread) => {
    patchThread(th.comment.id, (x) => ({ ...x, loadingReplies: true, open: true }));
    api.replies(th.comment.id, th.repliesCursor).then(
      (page) =>
        patchThread(th.comment.id, (x) => {
          const have = new Set(x.replies.map((r) => r.id));
          return {
            ...x,
            replies: [...x.replies, ...page.items.filter((r) => !have.has(r.id))],
            repliesCursor: page.cursor,
            loadingReplies: false,
          };
        }),
      (e) => {
        patchThread(th.comment.id, (x) => ({ ...x, loadingReplies: false }));
        toastError(e);
      },
    );
  };

  const remove = async (c: Comment) => {
    if (!videoId) return;
    try {
      await api.deleteComment(c.id);
      if (c.parentId)
        patchThread(c.parentId, (th) => ({
          ...th,
          replies: th.replies.filter((r) => r.id !== c.id),
          comment: { ...th.comment, replyCount: Math.max(0, th.comment.replyCount - 1) },
        }));
      else setThreads((l) => l.filter((th) => th.comment.id !== c.id));
      onCount(videoId, -1 - (c.parentId ? 0 : c.replyCount));
      toast(t('comments.deleted'));
    } catch (e) {
      toastError(e);
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!videoId || !requireAuth('comment')) return;
    const body = text.trim();
    if (!body || sending || !me) return;
    setSending(true);
    const parentId = replyTo ? (replyTo.parentId ?? replyTo.id) : null;
    try {
      const { id } = await api.addComment(videoId, body, parentId);
      const c = localComment(me, videoId, id, body, parentId);
      if (parentId)
        patchThread(parentId, (th) => ({
          ...th,
          open: true,
          replies: [...th.replies, c],
          comment: { ...th.comment, replyCount: th.comment.replyCount + 1 },
        }));
      else
        setThreads((l) => [{ comment: c, replies: [], repliesCursor: null, open: false, loadingReplies: false }, ...l]);
      onCount(videoId, 1);
      setText('');
      setReplyTo(null);
    } catch (err) {
      toastError(err);
    } finally {
      setSending(false);
    }
  };

  const startReply = (c: Comment) => {
    if (!requireAuth('comment')) return;
    setReplyTo(c);
    inputRef.current?.focus();
  };

  const count = video?.stats.comments ?? 0;
  const title = tn('comments.title', count, fmtFull(count));
  return (
    <Sheet
      open={!!video}
      onClose={onClose}
      title={title}
      titleId="comments-title"
      class="sheet-comments"
      testid="comments-drawer"
    >
      {video && (
        <>
          <div class="comments-list">
            {threads.map((th) => {
              const hidden = th.comment.replyCount - th.replies.length;
              return (
                <div class="thread" key={th.comment.id}>
                  <CommentRow
                    c={th.comment}
                    video={video}
                    me={me}
                    onReply={startReply}
                    onDelete={remove}
                    onPatch={patchComment}
                  />
                  {th.open && th.replies.length > 0 && (
                    <div class="replies">
                      {th.replies.map((r) => (
                        <CommentRow
                          key={r.id}
                          c={r}
                          video={video}
                          me={me}
                          onReply={startReply}
                          onDelete={remove}
                          onPatch={patchComment}
                        />
                      ))}
                    </div>
                  )}
                  {th.comment.replyCount > 0 && (
                    <div class="replies-toggle">
                      {th.loadingReplies ? (
                        <span class="muted">{t('common.loading')}</span>
                      ) : th.open && (hidden <= 0 || !th.repliesCursor) && th.replies.length > 0 ? (
                        <button
                          type="button"
                          class="link-btn"
                          onClick={() => patchThread(th.comment.id, (x) => ({ ...x, open: false }))}
                        >
                          {t('comments.hideReplies')}
                        </button>
                      ) : (
                        <button
                          type="button"
                          class="link-btn"
                          aria-expanded={th.open}
                          onClick={() =>
                            th.open || th.replies.length === 0
                              ? loadReplies(th)
                              : patchThread(th.comment.id, (x) => ({ ...x, open: true }))
                          }
                        >
                          {th.open
                            ? t('comments.moreReplies')
                            : th.comment.replyCount === 1
                              ? t('comments.viewReply')
                              : tn('comments.viewReplies', th.comment.replyCount, fmtFull(th.comment.replyCount))}
                        </button>
                      )}
                    </div>
                  )}
                </div>
              );
            })}
            {loading && <Spinner />}
            {error ? (
              <ErrorBox message={errorText(error)} onRetry={() => load(threads.length ? cursor : null)} />
            ) : null}
            {!loading && !error && threads.length === 0 && <p class="comments-empty muted">{t('comments.empty')}</p>}
            {!loading && cursor && (
              <div class="center pad">
                <button type="button" class="btn btn-secondary btn-small" onClick={() => load(cursor)}>
                  {t('comments.loadMore')}
                </button>
              </div>
            )}
          </div>
          {me?.suspendedUntil ? (
            <div class="comment-form">
              <SuspendedBanner until={me.suspendedUntil} />
            </div>
          ) : me && commenting && !commenting.allowed ? (
            <p class="comment-form comments-closed" data-testid="comments-closed" role="status">
              {commenting.reason === 'comment.followers_only'
                ? t('comments.followersOnly')
                : commenting.reason === 'comment.blocked'
                  ? t('comments.blocked')
                  : t('comments.off')}
            </p>
          ) : me ? (
            <form class="comment-form" onSubmit={submit}>
              {replyTo && (
                <div class="replying">
                  <span>{t('comments.replyingTo', { handle: replyTo.author.handle })}</span>
                  <button
                    type="button"
                    class="link-btn"
                    onClick={() => setReplyTo(null)}
                    aria-label={t('comments.cancelReply')}
                  >
                    ×
                  </button>
                </div>
              )}
              <div class="comment-form-row">
                <Avatar user={me} size={32} />
                <label class="sr-only" for="comment-input">
                  {t('comments.placeholder')}
                </label>
                <textarea
                  id="comment-input"
                  ref={inputRef}
                  name="comment"
                  data-testid="comment-input"
                  rows={1}
                  maxLength={MAX}
                  value={text}
                  placeholder={
                    replyTo
                      ? t('comments.replyPlaceholder', { handle: replyTo.author.handle })
                      : t('comments.placeholder')
                  }
                  onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' && !e.shiftKey) {
                      e.preventDefault();
                      (e.currentTarget as HTMLTextAreaElement).form?.requestSubmit();
                    }
                  }}
                />
                <button
                  type="submit"
                  class="send-btn"
                  data-testid="comment-submit"
                  disabled={!text.trim() || sending}
                  aria-label={t('comments.send')}
                >
                  <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
                    <path d="M4 12 20 4l-6 16-2.5-6.5z" fill="currentColor" />
                  </svg>
                </button>
              </div>
            </form>
          ) : (
            <div class="comment-form">
              <button
                type="button"
                class="btn btn-primary btn-block"
                data-testid="comment-login"
                onClick={() => requireAuth('comment')}
              >
                {t('comments.loginToComment')}
              </button>
            </div>
          )}
        </>
      )}
    </Sheet>
  );
}
