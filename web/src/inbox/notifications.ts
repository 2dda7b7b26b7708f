import { api, type Notification } from '../api';
import { meStore } from '../session';
import { createStore } from '../store';

/** Unread count for the nav badge, and notifications that arrived live while the app is open. */
export const unreadStore = createStore(0);
export const liveStore = createStore<Notification[]>([]);

let es: EventSource | null = null;

function start(): void {
  stop();
  api.notifications(null).then(
    (p) => unreadStore.set(p.unread ?? p.items.filter((n) => !n.read).length),
    () => {},
  );
  es = new EventSource(api.notificationsStreamUrl, { withCredentials: true });
  es.addEventListener('notification', (e) => {
    try {
      const n = JSON.parse((e as MessageEvent<string>).data) as Notification;
      liveStore.set((l) => [n, ...l.filter((x) => x.id !== n.id)]);
      unreadStore.set((u) => u + 1);
    } catch {
      /* ignore malformed events */
    }
  });
}

function stop(): void {
  es?.close();
  es = null;
  unreadStore.set(0);
  liveStore.set([]);
}

let current: string | null = null;
meStore.subscribe((me) => {
  const id = me?.id ?? null;
  if (id === current) return;
  current = id;
  if (id) start();
  else stop();
});
