/**
 * What one domain tells the others, as typed events. A lower domain emits (media: "a clip entered the public
 * index"; accounts: "an account went private") without knowing who listens; upper domains subscribe once, in
 * `createContext`, so every dependency between domains is visible in one place. Handlers run in order of
 * subscription and are awaited: when `emit` returns, every derived index has followed.
 */
export type ReelmEvent =
  /** Who may see a clip changed in its cell (it became ready, or its visibility or moderation changed). */
  | { type: 'clip.changed'; region: string; videoId: string; ownerId: string }
  /** A clip's row in the directory's public index was written (`first`: it was not there before). */
  | { type: 'clip.indexed'; videoId: string; first: boolean }
  /** Clips' index rows are about to be removed: rows derived from them (hashtags, search) go first. */
  | { type: 'clip.unindexing'; videoIds: readonly string[] }
  /** The public index changed for these clips and the change is written: copies read before must be dropped. */
  | { type: 'clip.index_settled'; videoIds: readonly string[] }
  /**
   * Who may see an account's clips changed: it went private or public, was deactivated or came back.
   * `narrowed` when fewer people may see them now.
   */
  | { type: 'account.audience_changed'; region: string; userId: string; narrowed: boolean }
  /** An account changed who may comment on its clips (`whoCanComment`). */
  | { type: 'account.comment_setting_changed'; region: string; userId: string }
  /**
   * An account's home moved cells (its rows and media are copied, the directory routes to `to`, the old copy is
   * not yet shredded): what other domains keep by region follows. Emitted again when a move resumes.
   */
  | { type: 'account.moved'; userId: string; from: string; to: string }
  /** An account is being purged: what other domains derived from it must go before its rows do. */
  | { type: 'account.purging'; region: string; userId: string };

export type EventOf<T extends ReelmEvent['type']> = Extract<ReelmEvent, { type: T }>;
type Handler<T extends ReelmEvent['type']> = (event: EventOf<T>) => Promise<void> | void;

export class Events {
  private readonly handlers = new Map<string, Handler<any>[]>();

  /** Subscribes `handler` to one event type. Called at wiring time only. */
  on<T extends ReelmEvent['type']>(type: T, handler: Handler<T>): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
  }

  async emit(event: ReelmEvent): Promise<void> {
    for (const handler of this.handlers.get(event.type) ?? []) await handler(event);
  }
}
