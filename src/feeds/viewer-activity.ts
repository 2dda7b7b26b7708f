import type { CellRegistry } from '../regions/cells.js';
import type { EngagementChange } from '../social/engagement.service.js';
import type { Viewer } from '../media/clip-access.js';

/** What For You needs of a viewer's own lists: the model's history and the clips and creators to leave out. */
export interface ViewerActivityState {
  /** Recently engaged clips (completed or liked), oldest first: the model's history. */
  history: string[];
  seen: Set<string>;
  notInterested: Set<string>;
  /** Creators the viewer said "not interested" to, with how often. */
  dislikedAuthors: Map<string, number>;
}

export interface ViewerActivityOptions {
  /** How long a copy serves (bounds staleness when another process records the viewer's engagement). */
  ttlMs: number;
  /** Most viewers held. */
  capacity: number;
}

/** Newest watch events, likes and "not interested" rows read per viewer (the windows For You has always used). */
const WATCHED = 500;
const LIKED = 50;
const NOT_INTERESTED = 2000;
const HISTORY = 50;

interface Entry {
  at: number;
  /** Newest first, as read: `(id desc)` for watches, `(created_at desc)` for likes. */
  watched: { video_id: string; completed: number; created_at: string }[];
  liked: { video_id: string; created_at: string }[];
  notInterested: { video_id: string; author_id: string }[];
  state: ViewerActivityState | undefined;
}

/**
 * A short-lived copy of each active viewer's watch, like and "not interested" lists, read from the viewer's own
 * cell in three indexed queries and then kept in step with the viewer's own writes in this process (a watch or
 * like is prepended, an unlike or "not interested" drops the copy), so a viewer scrolling For You does not
 * re-read 500 watch events per page. Protected data: it stays in this process's memory, bounded in count and age.
 */
export class ViewerActivity {
  private readonly entries = new Map<string, Entry>();
  /** Counts recorded writes: a read that overlapped one is used once but not kept (it may predate the write). */
  private writes = 0;

  constructor(
    private readonly deps: { cells: CellRegistry; now: () => Date },
    private readonly options: ViewerActivityOptions = { ttlMs: 60_000, capacity: 1000 },
  ) {}

  async state(viewer: NonNullable<Viewer>): Promise<ViewerActivityState> {
    const key = `${viewer.region}:${viewer.userId}`;
    const now = this.deps.now().getTime();
    let entry = this.entries.get(key);
    if (entry && now - entry.at >= this.options.ttlMs) entry = undefined;
    if (!entry) {
      const writes = this.writes;
      entry = await this.read(viewer, now);
      if (writes !== this.writes) return derive(entry);
      if (this.entries.size >= this.options.capacity && !this.entries.has(key))
        this.entries.delete(this.entries.keys().next().value!);
    }
    // Map order is the LRU order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    entry.state ??= derive(entry);
    return entry.state;
  }

  /** The viewer's own write (EngagementObserver.recorded), applied after it reached their cell. */
  recorded(region: string, userId: string, change: EngagementChange): void {
    this.writes++;
    const key = `${region}:${userId}`;
    const entry = this.entries.get(key);
    if (!entry) return;
    if (change.kind === 'watch') {
      entry.watched.unshift({ video_id: change.videoId, completed: change.completed ? 1 : 0, created_at: change.at });
      if (entry.watched.length > WATCHED) entry.watched.pop();
    } else if (change.kind === 'like') {
      entry.liked.unshift({ video_id: change.videoId, created_at: change.at });
      if (entry.liked.length > LIKED) entry.liked.pop();
    } else {
      // An unlike may bring an older like back into the window; "not interested" is rare: read again.
      this.entries.delete(key);
      return;
    }
    entry.state = undefined;
  }

  private async read(viewer: NonNullable<Viewer>, at: number): Promise<Entry> {
    const db = this.deps.cells.get(viewer.region).db;
    const [watched, liked, notInterested] = await Promise.all([
      db
        .selectFrom('watch_events')
        .select(['video_id', 'completed', 'created_at'])
        .where('user_id', '=', viewer.userId)
        .orderBy('id', 'desc')
        .limit(WATCHED)
        .execute(),
      db
        .selectFrom('likes')
        .select(['video_id', 'created_at'])
        .where('user_id', '=', viewer.userId)
        .orderBy('created_at', 'desc')
        .limit(LIKED)
        .execute(),
      db
        .selectFrom('not_interested')
        .select(['video_id', 'author_id'])
        .where('user_id', '=', viewer.userId)
        .limit(NOT_INTERESTED)
        .execute(),
    ]);
    return { at, watched, liked, notInterested, state: undefined };
  }
}

function derive(entry: Entry): ViewerActivityState {
  const { watched, liked, notInterested } = entry;
  const engaged = [...watched.filter((w) => w.completed === 1), ...liked].sort((a, b) =>
    a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0,
  );
  const history: string[] = [];
  const inHistory = new Set<string>();
  for (let i = engaged.length - 1; i >= 0 && history.length < HISTORY; i--) {
    const id = engaged[i]!.video_id;
    if (!inHistory.has(id)) {
      inHistory.add(id);
      history.unshift(id);
    }
  }
  const dislikedAuthors = new Map<string, number>();
  for (const n of notInterested) dislikedAuthors.set(n.author_id, (dislikedAuthors.get(n.author_id) ?? 0) + 1);
  return {
    history,
    seen: new Set([...watched.map((w) => w.video_id), ...liked.map((l) => l.video_id)]),
    notInterested: new Set(notInterested.map((n) => n.video_id)),
    dislikedAuthors,
  };
}
