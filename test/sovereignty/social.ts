import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { bearer, type TestApp } from '../helpers/app.js';
import { smallClip, waitForVideo, type MediaTestApp } from '../media/helpers.js';

/**
 * The social features as a user drives them, through the HTTP API: each call must answer the status the
 * API documents, so a test built on these fails as soon as a feature refuses.
 */
export interface Person {
  id: string;
  handle: string;
  region: string;
  token: string;
}

async function call(
  t: TestApp,
  who: Person | null,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH',
  url: string,
  expected: number,
  payload?: unknown,
): Promise<any> {
  const res = await t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: who ? bearer(who.token) : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(expected);
  return res.body ? res.json() : undefined;
}

export const social = {
  follow: (t: TestApp, a: Person, b: Person) => call(t, a, 'PUT', `/users/${b.handle}/follow`, 204),
  approve: (t: TestApp, target: Person, requester: Person) =>
    call(t, target, 'POST', `/me/follow-requests/${requester.handle}/approve`, 204),
  like: (t: TestApp, a: Person, videoId: string) => call(t, a, 'PUT', `/videos/${videoId}/like`, 204),
  favorite: (t: TestApp, a: Person, videoId: string) => call(t, a, 'PUT', `/videos/${videoId}/favorite`, 204),
  watch: (t: TestApp, a: Person, videoId: string, watchedMs = 1500, completed = false) =>
    call(t, a, 'POST', `/videos/${videoId}/views`, 204, { watchedMs, completed }),
  share: (t: TestApp, a: Person | null, videoId: string) => call(t, a, 'POST', `/videos/${videoId}/shares`, 201, {}),
  notInterested: (t: TestApp, a: Person, videoId: string) =>
    call(t, a, 'POST', `/videos/${videoId}/not-interested`, 204),
  comment: async (t: TestApp, a: Person, videoId: string, text: string, parentId?: string): Promise<string> =>
    (await call(t, a, 'POST', `/videos/${videoId}/comments`, 201, parentId ? { text, parentId } : { text })).id,
  likeComment: (t: TestApp, a: Person, commentId: string) => call(t, a, 'PUT', `/comments/${commentId}/like`, 204),
  block: (t: TestApp, a: Person, b: Person) => call(t, a, 'PUT', `/users/${b.handle}/block`, 204),
  mute: (t: TestApp, a: Person, b: Person) => call(t, a, 'PUT', `/users/${b.handle}/mute`, 204),
  privateAccount: (t: TestApp, a: Person) => call(t, a, 'PATCH', '/me/privacy', 200, { privateAccount: true }),
  get: (t: TestApp, a: Person | null, url: string, expected = 200) => call(t, a, 'GET', url, expected),
};

/** Uploads a real clip (multipart, through probe and transcode) and waits until it is ready. */
export async function uploadClip(
  t: MediaTestApp,
  who: Person,
  caption: string,
  visibility: 'public' | 'followers' | 'private' = 'public',
  /** More upload fields: `duetOf`, `soundId`, … */
  fields: Record<string, string> = {},
): Promise<string> {
  const form = new FormData();
  form.append('caption', caption);
  form.append('visibility', visibility);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([readFileSync(await smallClip())]), 'clip.mp4');
  const res = await fetch(`${t.base}/api/v1/videos`, { method: 'POST', headers: bearer(who.token), body: form });
  expect(res.status, await res.clone().text()).toBe(202);
  const { id } = (await res.json()) as { id: string };
  const video = await waitForVideo(t, id, bearer(who.token), (v) => v.status === 'ready' || v.status === 'failed');
  expect(video.status).toBe('ready');
  return id;
}
