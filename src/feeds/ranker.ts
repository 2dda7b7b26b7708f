import type { PoolItem } from './candidate-pools.js';

export interface Candidate {
  item: PoolItem;
  /** Where it came from: following, similar, hashtag, sound, trending, fresh, exploration. */
  source: string;
  signals: string[];
  /** Signals that cost work to explain (the model's), built only if the clip is picked for the page. */
  explained?: () => string[];
  /** The region model's score, when the model recommended this clip for the viewer's history. */
  modelScore?: number;
}

export interface RankContext {
  region: string;
  /** The viewer's recent engaged clips (oldest first), empty for visitors and new users. */
  history: string[];
  now: number;
}

/** A ranker's answer for a list of candidates, by position in that list. */
export interface Ranking {
  scores: Float64Array;
  /** The words behind `scores[i]`, written on demand: a page shows ten of the clips it ranks. */
  signals(i: number): string[];
}

/** Scores candidates for one viewer. For You ranks through this interface, so rankers can be swapped. */
export interface Ranker {
  rank(candidates: Candidate[], ctx: RankContext): Promise<Ranking> | Ranking;
}

/** Shrinks a rate towards `prior` when few views back it (a Beta prior of `strength` pseudo-views). */
function smoothed(hits: number, trials: number, prior: number, strength: number): number {
  return (hits + prior * strength) / (trials + strength);
}

/**
 * The transparent ranker: predicted watch completion and engagement rate from the index aggregates
 * (smoothed so a clip with three views is not a star), plus freshness. Every term is explainable.
 */
export class TransparentRanker implements Ranker {
  rank(candidates: Candidate[], ctx: RankContext): Ranking {
    const scores = new Float64Array(candidates.length);
    for (let i = 0; i < candidates.length; i++) scores[i] = TransparentRanker.score(candidates[i]!.item, ctx.now);
    return { scores, signals: (i) => TransparentRanker.explain(candidates[i]!.item, ctx.now) };
  }

  static score(item: PoolItem, now: number): number {
    const { completion, engagement, ageHours } = TransparentRanker.terms(item, now);
    return 0.5 * completion + 0.3 * Math.min(1, engagement * 3) + 0.2 * Math.exp(-ageHours / 48);
  }

  static explain(item: PoolItem, now: number): string[] {
    const { completion, engagement, ageHours } = TransparentRanker.terms(item, now);
    const words = [`predicted completion ${Math.round(completion * 100)}%`];
    if (engagement > 0.15) words.push('high engagement');
    if (ageHours < 24) words.push('new');
    return words;
  }

  private static terms(
    { row, publishedMs }: PoolItem,
    now: number,
  ): { completion: number; engagement: number; ageHours: number } {
    return {
      completion: smoothed(row.completion_count, row.view_count, 0.35, 5),
      engagement: smoothed(row.like_count + 2 * row.comment_count + 3 * row.share_count, row.view_count, 0.08, 10),
      ageHours: Math.max(0, (now - publishedMs) / 3_600_000),
    };
  }
}

/**
 * Blends the transparent prior with the region's learned model (trained only on that region's events):
 * the model's scores for this request, computed once when its recommendations were drawn, are normalised
 * by the best of them and added with weight `modelWeight`.
 */
export class BlendedRanker implements Ranker {
  private readonly base = new TransparentRanker();

  constructor(private readonly modelWeight = 0.6) {}

  rank(candidates: Candidate[], ctx: RankContext): Ranking {
    const base = this.base.rank(candidates, ctx);
    let max = 0;
    for (const c of candidates)
      if (c.modelScore !== undefined && Number.isFinite(c.modelScore) && c.modelScore > max) max = c.modelScore;
    if (max <= 0) return base;
    const affinity = (i: number) => {
      const v = candidates[i]!.modelScore;
      return v !== undefined && Number.isFinite(v) && v > 0 ? v / max : 0;
    };
    for (let i = 0; i < candidates.length; i++) base.scores[i] = base.scores[i]! + this.modelWeight * affinity(i);
    return {
      scores: base.scores,
      signals: (i) => {
        const words = base.signals(i);
        const norm = affinity(i);
        if (norm > 0.25) words.push(`learned affinity ${Math.round(norm * 100)}%`);
        return words;
      },
    };
  }
}
