/**
 * Every call the browser app makes to the Reelm HTTP API (docs/api.md), and the shapes it answers with.
 * Keep this the only place that knows URLs and payloads, so a change in the API is a change here.
 */

export const API_BASE = '/api/v1';

// ---------------------------------------------------------------- objects
// Derived from the server's TypeBox schemas (the same ones the routes validate and document with), so the app
// and the API cannot drift apart. Type-only imports: nothing of the server is bundled.
import type { Static } from '@sinclair/typebox';
import type {
  ExportJobSchema,
  LanguageSchema,
  MeSchema,
  PrivacySchema,
  PublicUserSchema,
  RegionSchema,
  UserRefSchema,
  WhoCanCommentSchema,
} from '../../src/accounts/accounts.schema.js';
import type { HashtagPageSchema, SearchResultsSchema, SoundPageSchema } from '../../src/feeds/feeds.schema.js';
import type { VideoSchema, VideoStatusSchema, VisibilitySchema } from '../../src/media/video.schema.js';
import type {
  AccountStandingSchema,
  Action,
  BlockedTermsSchema,
  CaseSchema,
  CaseSummarySchema,
  DecisionBodySchema,
  DecisionSchema,
  ModerationNoticeSchema,
  MyDecisionSchema,
  Policy,
  ReportBodySchema,
  ReportOutcomeSchema,
  ReportReason,
  TargetSchema,
} from '../../src/moderation/moderation.schema.js';
import type { CommentingSchema, CommentSchema, NotificationSchema } from '../../src/social/social.schema.js';
import type {
  EmailChangeBody,
  PasswordChangeBody,
  PasswordResetRequestBody,
} from '../../src/accounts/account-security.schema.js';
import type {
  RecoveryCodesSchema,
  SessionItemSchema,
  TotpEnrolmentSchema,
  TotpStatusSchema,
} from '../../src/accounts/sign-in.schema.js';
import type { HomeMoveSchema, HomeRegionSchema } from '../../src/regions/home-move.schema.js';

export type UserRef = Static<typeof UserRefSchema>;
export type PublicUser = Static<typeof PublicUserSchema>;
export type Visibility = Static<typeof VisibilitySchema>;
export type VideoStatus = Static<typeof VideoStatusSchema>;
export type Video = Static<typeof VideoSchema>;
/** What the edit sheet may change (`allow*` are the creator's switches for duets, stitches and comments). */
export interface VideoPatch {
  caption?: string;
  visibility?: Visibility;
  draft?: boolean;
  publishAt?: string | null;
  coverMs?: number;
  allowDuets?: boolean;
  allowStitches?: boolean;
  allowComments?: boolean;
}
export type Comment = Static<typeof CommentSchema>;
export type Commenting = Static<typeof CommentingSchema>;
export type Notification = Static<typeof NotificationSchema>;
export type NotificationType = Notification['type'];
export type WhoCanComment = Static<typeof WhoCanCommentSchema>;
export type Privacy = Static<typeof PrivacySchema>;
export type Me = Static<typeof MeSchema>;
export type Language = Static<typeof LanguageSchema>;
/** A region of this deployment and the countries (ISO 3166-1 alpha-2) whose accounts live in it. */
export type Region = Static<typeof RegionSchema>;
export type SearchResults = Static<typeof SearchResultsSchema>;
export type HashtagPage = Static<typeof HashtagPageSchema>;
export type SoundPage = Static<typeof SoundPageSchema>;
export type ExportJob = Static<typeof ExportJobSchema>;
export type SessionItem = Static<typeof SessionItemSchema>;
export type TotpStatus = Static<typeof TotpStatusSchema>;
export type TotpEnrolment = Static<typeof TotpEnrolmentSchema>;
export type RecoveryCodes = Static<typeof RecoveryCodesSchema>;
export type HomeMove = Static<typeof HomeMoveSchema>;
export type HomeRegion = Static<typeof HomeRegionSchema>;
/** What a report or a decision is about: a clip, a comment, an account or a sound. */
export type Target = Static<typeof TargetSchema>;
export type TargetType = Target['type'];
export type { Action, Policy, ReportReason };
export type ReportBody = Static<typeof ReportBodySchema>;
export type CaseSummary = Static<typeof CaseSummarySchema>;
export type Case = Static<typeof CaseSchema>;
export type Decision = Static<typeof DecisionSchema>;
export type DecisionBody = Static<typeof DecisionBodySchema>;
export type MyDecision = Static<typeof MyDecisionSchema>;
export type AccountStanding = Static<typeof AccountStandingSchema>;
export type BlockedTerms = Static<typeof BlockedTermsSchema>;
export type ModerationNotice = Static<typeof ModerationNoticeSchema>;
export type ReportOutcome = Static<typeof ReportOutcomeSchema>;
/** Which cases the moderation queue lists. */
export interface QueueFilter {
  status?: CaseSummary['status'];
  kind?: CaseSummary['kind'];
  region?: string;
}

export interface ApiErrorBody {
  code: string;
  message: string;
}

export interface Page<T> {
  items: T[];
  cursor: string | null;
}

// ---------------------------------------------------------------- transport

/** An error answer from the API (or the network), with the server's message meant for a person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | null | undefined>;

function url(path: string, query?: Query): string {
  let u = API_BASE + path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const s = q.toString();
    if (s) u += '?' + s;
  }
  return u;
}

const enc = encodeURIComponent;

async function request<T>(
  method: string,
  path: string,
  opts: { body?: unknown; query?: Query; signal?: AbortSignal; raw?: { type: string; data: Blob | string } } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url(path, opts.query), {
      method,
      credentials: 'same-origin',
      headers: opts.raw
        ? { 'content-type': opts.raw.type, accept: 'application/json' }
        : opts.body !== undefined
          ? { 'content-type': 'application/json', accept: 'application/json' }
          : { accept: 'application/json' },
      body: opts.raw ? opts.raw.data : opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', '');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const err = (data as { error?: Partial<ApiErrorBody> } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? `http.${res.status}`, err?.message ?? '');
  }
  return data as T;
}

const get = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal });
const post = <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} });
const put = <T = void>(path: string, body?: unknown) => request<T>('PUT', path, body === undefined ? {} : { body });
const del = <T = void>(path: string, body?: unknown) => request<T>('DELETE', path, { body });
const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body });

// ---------------------------------------------------------------- accounts and sessions

export const api = {
  createAccount: (b: { handle: string; password: string; email: string; birthdate: string; country: string }) =>
    post<{ id: string; handle: string; region: string }>('/accounts', b),
  /** `otp`: a TOTP or recovery code, when the server answered `auth.totp_required`. */
  login: (b: { handle: string; password: string; otp?: string }) =>
    post<{ token: string; expiresAt: string; deletionCancelled: boolean }>('/sessions', b),
  sessions: () => get<{ items: SessionItem[] }>('/me/sessions'),
  endSession: (id: string) => del(`/me/sessions/${enc(id)}`),
  endOtherSessions: () => del('/me/sessions'),
  totpStatus: () => get<TotpStatus>('/me/totp'),
  enrolTotp: () => post<TotpEnrolment>('/me/totp'),
  confirmTotp: (code: string) => post<RecoveryCodes>('/me/totp/confirm', { code }),
  disableTotp: (password: string) => del('/me/totp', { password }),
  logout: () => del('/sessions/current'),
  me: (signal?: AbortSignal) => get<Me>('/me', undefined, signal),
  updateMe: (b: { displayName?: string; bio?: string; language?: Language | null }) => patch<Me>('/me', b),
  mutedWords: () => get<{ words: string[] }>('/me/muted-words'),
  setMutedWords: (words: string[]) => put<{ words: string[] }>('/me/muted-words', { words }),
  updatePrivacy: (b: Partial<Privacy>) => patch<Privacy>('/me/privacy', b),
  user: (handle: string) => get<PublicUser>(`/users/${enc(handle)}`),
  userVideos: (handle: string, cursor?: string | null) =>
    get<Page<Video>>(`/users/${enc(handle)}/videos`, { cursor, limit: 24 }),
  regions: () => get<{ regions: Region[] }>('/regions'),
  startExport: () => post<ExportJob>('/me/export'),
  exportJob: (id: string) => get<ExportJob>(`/me/exports/${enc(id)}`),
  homeRegion: () => get<HomeRegion>('/me/home-region'),
  moveHomeRegion: (b: { country: string; password: string }) => post<HomeMove>('/me/home-region', b),
  deleteAccount: (password: string) => del<{ deleteAfter: string }>('/me', { password }),
  changePassword: (b: Static<typeof PasswordChangeBody>) => post<void>('/me/password', b),
  requestPasswordReset: (b: Static<typeof PasswordResetRequestBody>) => post<void>('/password-resets', b),
  resetPassword: (token: string, password: string) => post<void>(`/password-resets/${enc(token)}`, { password }),
  verifyEmail: (token: string) => post<void>(`/email-verifications/${enc(token)}`),
  resendEmailVerification: () => post<void>('/me/email-verification'),
  changeEmail: (b: Static<typeof EmailChangeBody>) => patch<Me>('/me/email', b),

  // ---------------------------------------------------------------- media
  /** tus endpoint for resumable uploads (tus-js-client talks to it directly). */
  uploadsEndpoint: API_BASE + '/uploads',
  /** Header on the tus creation answer that names the new clip. */
  uploadVideoIdHeader: 'Reelm-Video-Id',
  video: (id: string) => get<Video>(`/videos/${enc(id)}`),
  videoEventsUrl: (id: string) => url(`/videos/${enc(id)}/events`),
  updateVideo: (id: string, b: VideoPatch) => patch<Video>(`/videos/${enc(id)}`, b),
  drafts: (cursor?: string | null) => get<Page<Video>>('/me/drafts', { cursor, limit: 24 }),
  putCaptions: (id: string, lang: string, vtt: Blob | string) =>
    request<void>('PUT', `/videos/${enc(id)}/captions/${enc(lang)}`, { raw: { type: 'text/vtt', data: vtt } }),
  deleteCaptions: (id: string, lang: string) => del(`/videos/${enc(id)}/captions/${enc(lang)}`),
  setAvatar: (image: Blob) =>
    request<{ avatarUrl: string }>('PUT', '/me/avatar', { raw: { type: image.type || 'image/jpeg', data: image } }),
  removeAvatar: () => del('/me/avatar'),
  deleteVideo: (id: string) => del(`/videos/${enc(id)}`),

  // ---------------------------------------------------------------- social
  /** A watch event. `keepalive` lets it outlive the page (pagehide). */
  view: (id: string, b: { watchedMs: number; completed: boolean }, keepalive = false) =>
    fetch(url(`/videos/${enc(id)}/views`), {
      method: 'POST',
      credentials: 'same-origin',
      keepalive,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(b),
    }).then(
      () => undefined,
      () => undefined,
    ),
  like: (id: string, on: boolean) => (on ? put(`/videos/${enc(id)}/like`) : del(`/videos/${enc(id)}/like`)),
  favorite: (id: string, on: boolean) => (on ? put(`/videos/${enc(id)}/favorite`) : del(`/videos/${enc(id)}/favorite`)),
  share: (id: string, channel?: string) =>
    post<{ url: string }>(`/videos/${enc(id)}/shares`, channel ? { channel } : {}),
  notInterested: (id: string) => post<void>(`/videos/${enc(id)}/not-interested`),
  comments: (videoId: string, cursor?: string | null) =>
    get<Page<Comment> & { commenting?: Commenting }>(`/videos/${enc(videoId)}/comments`, { cursor, limit: 20 }),
  addComment: (videoId: string, text: string, parentId?: string | null) =>
    post<{ id: string }>(`/videos/${enc(videoId)}/comments`, parentId ? { text, parentId } : { text }),
  replies: (commentId: string, cursor?: string | null) =>
    get<Page<Comment>>(`/comments/${enc(commentId)}/replies`, { cursor, limit: 20 }),
  likeComment: (id: string, on: boolean) => (on ? put(`/comments/${enc(id)}/like`) : del(`/comments/${enc(id)}/like`)),
  deleteComment: (id: string) => del(`/comments/${enc(id)}`),
  follow: (handle: string, on: boolean) =>
    on ? put(`/users/${enc(handle)}/follow`) : del(`/users/${enc(handle)}/follow`),
  followers: (handle: string, cursor?: string | null) =>
    get<Page<PublicUser>>(`/users/${enc(handle)}/followers`, { cursor }),
  following: (handle: string, cursor?: string | null) =>
    get<Page<PublicUser>>(`/users/${enc(handle)}/following`, { cursor }),
  block: (handle: string, on: boolean) =>
    on ? put(`/users/${enc(handle)}/block`) : del(`/users/${enc(handle)}/block`),
  mute: (handle: string, on: boolean) => (on ? put(`/users/${enc(handle)}/mute`) : del(`/users/${enc(handle)}/mute`)),
  followRequests: (cursor?: string | null) => get<Page<UserRef>>('/me/follow-requests', { cursor }),
  approveFollow: (handle: string) => post<void>(`/me/follow-requests/${enc(handle)}/approve`),
  denyFollow: (handle: string) => post<void>(`/me/follow-requests/${enc(handle)}/deny`),
  favorites: (cursor?: string | null) => get<Page<Video>>('/me/favorites', { cursor, limit: 24 }),
  likes: (cursor?: string | null) => get<Page<Video>>('/me/likes', { cursor, limit: 24 }),

  // ---------------------------------------------------------------- discovery
  forYou: (cursor?: string | null, limit = 8) => get<Page<Video>>('/feed/for-you', { cursor, limit }),
  followingFeed: (cursor?: string | null, limit = 8) => get<Page<Video>>('/feed/following', { cursor, limit }),
  trending: (cursor?: string | null) => get<Page<Video>>('/trending', { cursor, limit: 24 }),
  search: (q: string, signal?: AbortSignal) => get<SearchResults>('/search', { q }, signal),
  hashtag: (tag: string, cursor?: string | null) => get<HashtagPage>(`/hashtags/${enc(tag)}`, { cursor, limit: 24 }),
  sound: (id: string, cursor?: string | null) => get<SoundPage>(`/sounds/${enc(id)}`, { cursor, limit: 24 }),
  notifications: (cursor?: string | null) =>
    get<Page<Notification> & { unread: number }>('/notifications', { cursor, limit: 30 }),
  notificationsStreamUrl: url('/notifications/stream'),
  markNotificationsRead: () => post<void>('/notifications/read'),

  // ---------------------------------------------------------------- trust and safety (docs/moderation.md)
  report: (b: ReportBody) => post<{ id: string }>('/reports', b),
  myModeration: () => get<AccountStanding>('/me/moderation'),
  appeal: (decisionId: string, text: string) =>
    post<{ id: string }>(`/moderation/decisions/${enc(decisionId)}/appeal`, { text }),
  moderationQueue: (f: QueueFilter, cursor?: string | null, limit = 30) =>
    get<Page<CaseSummary>>('/moderation/queue', { ...f, cursor, limit }),
  moderationCase: (id: string) => get<Case>(`/moderation/cases/${enc(id)}`),
  decide: (id: string, b: DecisionBody) => post<Case>(`/moderation/cases/${enc(id)}/decision`, b),
  blockedTerms: (region: string) => get<BlockedTerms>('/moderation/blocked-terms', { region }),
  setBlockedTerms: (region: string, terms: string[]) =>
    request<void>('PUT', '/moderation/blocked-terms', { body: { terms }, query: { region } }),
};
