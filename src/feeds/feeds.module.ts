import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import type { MediaModule } from '../media/media-module.js';
import type { CellRegistry } from '../regions/cells.js';
import type { SocialServices } from '../social/social.module.js';
import { CandidatePools, DEFAULT_POOL_OPTIONS, type PoolOptions } from './candidate-pools.js';
import { FollowingService } from './following.service.js';
import { ForYouService } from './for-you.service.js';
import { BlendedRanker, type Ranker } from './ranker.js';
import { RegionModels } from './region-models.js';
import { SearchService } from './search.service.js';
import { MutedWords } from './muted-words.js';
import { ViewerActivity } from './viewer-activity.js';
import type { EngagementObserver } from '../social/engagement.service.js';
import type { SearchIndex } from './search-index.js';

export interface FeedServices {
  pools: CandidatePools;
  models: RegionModels;
  activity: ViewerActivity;
  forYou: ForYouService;
  following: FollowingService;
  search: SearchService;
  muted: MutedWords;
}

/** Feed settings a deployment or a test may override (`createContext(config, { feeds })`). */
export interface FeedSettings {
  /** Fixed For You session seed: the same requests then give the same feed. */
  seed?: number;
  pools?: Partial<PoolOptions>;
  explorationShare?: number;
  ranker?: Ranker;
  bootstrapEvents?: number;
}

export function createRegionModels(cells: CellRegistry, settings: FeedSettings = {}): RegionModels {
  return new RegionModels({ cells }, { bootstrapEvents: settings.bootstrapEvents ?? 200_000 });
}

/** What the feeds learn from engagement as it is recorded: the region models, and the viewers' activity copies. */
export function createFeedObservers(
  cells: CellRegistry,
  now: () => Date,
  settings: FeedSettings = {},
): { models: RegionModels; activity: ViewerActivity; observer: EngagementObserver } {
  const models = createRegionModels(cells, settings);
  const activity = new ViewerActivity({ cells, now });
  return {
    models,
    activity,
    observer: {
      observe: (region, userId, videoId, weight, at) => models.observe(region, userId, videoId, weight, at),
      recorded: (region, userId, change) => activity.recorded(region, userId, change),
    },
  };
}

export function createFeeds(
  deps: {
    directory: Kysely<DirectoryDb>;
    cells: CellRegistry;
    now: () => Date;
    media: MediaModule;
    social: SocialServices;
    models: RegionModels;
    activity: ViewerActivity;
    searchIndex: SearchIndex;
  },
  settings: FeedSettings = {},
): FeedServices {
  const { directory, cells, now, social, models, activity } = deps;
  const { access, presenter } = deps.media;
  const pools = new CandidatePools(
    { directory, now, titles: (ids) => deps.media.refs.soundTitles(ids) },
    { ...DEFAULT_POOL_OPTIONS, ...settings.pools },
  );
  const muted = new MutedWords({ cells, now });
  pools.onRefresh((snapshot) => models.registerContent(snapshot));
  const ranker = settings.ranker ?? new BlendedRanker();
  const forYouOptions = {
    explorationShare: settings.explorationShare ?? 0.2,
    ...(settings.seed !== undefined ? { seed: settings.seed } : {}),
  };
  return {
    pools,
    models,
    activity,
    muted,
    forYou: new ForYouService(
      {
        directory,
        cells,
        presenter,
        refs: deps.media.refs,
        graph: social.graph,
        pools,
        models,
        ranker,
        activity,
        muted,
        now,
      },
      forYouOptions,
    ),
    following: new FollowingService({ directory, cells, access, presenter, graph: social.graph, pools, muted, now }),
    search: new SearchService({
      directory,
      cells,
      index: deps.searchIndex,
      hashtags: social.hashtags,
      access,
      presenter,
      muted,
    }),
  };
}
