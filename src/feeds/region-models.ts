import {
  ForYouModel,
  type ForYouModelOptions,
  type ReadonlySetLike,
  type Recommendation,
} from './model/for-you-model.js';
import type { CellRegistry } from '../regions/cells.js';
import type { EngagementObserver } from '../social/engagement.service.js';
import type { PoolSnapshot } from './candidate-pools.js';

export interface RegionModelsOptions {
  /** Most recent engagement events read from the cell to train a region's model at start. */
  bootstrapEvents: number;
  model?: Partial<ForYouModelOptions>;
}

/**
 * One For You model per region, trained only on that region's events (read from that region's cell, which
 * is where its users' watch history lives) and updated online as events arrive. Models stay in this
 * process's memory: they are protected recommendation state and are never written elsewhere.
 */
export class RegionModels implements EngagementObserver {
  private readonly models = new Map<string, Promise<ForYouModel>>();
  private readonly ready = new Map<string, ForYouModel>();
  private readonly content = new Map<string, Set<string>>();

  constructor(
    private readonly deps: { cells: CellRegistry },
    private readonly options: RegionModelsOptions = { bootstrapEvents: 200_000 },
  ) {}

  get(region: string): Promise<ForYouModel> {
    let model = this.models.get(region);
    if (!model) {
      model = this.bootstrap(region);
      this.models.set(region, model);
    }
    return model;
  }

  /** Loads every region's model now (at start, so the first request does not pay for it). */
  async warm(): Promise<void> {
    await Promise.all(this.deps.cells.regions().map((r) => this.get(r)));
  }

  private async bootstrap(region: string): Promise<ForYouModel> {
    const db = this.deps.cells.get(region).db;
    const rows = await db
      .selectFrom('watch_events')
      .select(['user_id', 'video_id', 'created_at as at'])
      .where('completed', '=', 1)
      .orderBy('id', 'desc')
      .limit(this.options.bootstrapEvents)
      .execute();
    const likes = await db
      .selectFrom('likes')
      .select(['user_id', 'video_id', 'created_at as at'])
      .orderBy('created_at', 'desc')
      .limit(Math.floor(this.options.bootstrapEvents / 4))
      .execute();
    const byUser = new Map<string, { at: string; video: string }[]>();
    for (const r of [...rows, ...likes])
      (byUser.get(r.user_id) ?? byUser.set(r.user_id, []).get(r.user_id)!).push({ at: r.at, video: r.video_id });
    const model = new ForYouModel(this.options.model);
    model.fit(
      (function* () {
        for (const [userKey, events] of byUser) {
          events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
          yield { userKey, items: events.map((e) => e.video) };
        }
      })(),
    );
    this.ready.set(region, model);
    return model;
  }

  observe(region: string, userId: string, videoId: string, weight: number, at: Date): void {
    // Until a region's model is loaded its bootstrap reads these events from the cell.
    this.ready.get(region)?.observe(userId, videoId, { weight, at: at.getTime() });
  }

  /** Registers captions of pooled clips so that new clips can match by content before anyone engages. */
  registerContent(snapshot: PoolSnapshot): void {
    for (const [region, model] of this.ready) {
      let known = this.content.get(region);
      if (!known) this.content.set(region, (known = new Set()));
      for (const item of snapshot.fresh) {
        if (known.has(item.row.id)) continue;
        known.add(item.row.id);
        model.setItemContent(item.row.id, `${item.row.caption} ${item.tags.map((t) => `#${t}`).join(' ')}`);
      }
    }
  }

  async recommend(region: string, history: string[], k: number, exclude: ReadonlySetLike): Promise<Recommendation[]> {
    if (history.length === 0) return [];
    // Serving asks for the clips the history reaches; a full scan of a region's catalogue costs milliseconds.
    return (await this.get(region)).recommend(history, k, exclude, { reachedOnly: true });
  }
}
