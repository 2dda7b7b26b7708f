import type { IndexRow } from '../social/video-access.js';

export interface Candidate {
  row: IndexRow;
  /** Where it came from: following, similar, hashtag, sound, trending, fresh, exploration. */
  source: string;
  signals: string[];
  /** Signals that cost work to explain (the model's), built only if the clip is picked for the page. */
  explained?: () => string[];
}

export interface RankContext {
  region: string;
  /** The viewer's recent engaged clips (oldest first), empty for visitors and new users. */
  history: string[];
  now: number;
  /** The region model's scores for the clips it recommended for this history (absent = none). */
  modelScores?: Map<string, number>;
}

export interface Ranked {
  score: number;
  signals: string[];
}

/** Scores candidates for one viewer. For You ranks through this interface, so rankers can be swapped. */
export interface Ranker {
  rank(candidates: Candidate[], ctx: RankContext): Promise<Map<string, Ranked>> | Map<string, Ranked>;
}

/** Shrinks a rate towards `prior` when few views back it (a Beta prior of `strength` pseudo-views). */
function smoothed(hits: number, trials: number, prior: number, strength: number): number {
  return (hits + prior * strength) / (trials + strength);
}

/** Publication time of index rows, parsed once per row object (pooled rows are scored on every request). */
const publishedMs = new WeakMap<IndexRow, number>();
function publishedAt(row: IndexRow): number {
  let ms = publishedMs.get(row);
  if (ms === undefined) publishedMs.set(row, (ms = Date.parse(row.published_at)));
  return ms;
}

/**
 * The transparent ranker: predicted watch completion and engagement rate from the index aggregates
 * (smoothed so a clip with three views is not a star), plus freshness. Every term is explainable.
 */
export class TransparentRanker implements Ranker {
  rank(candidates: Candidate[], ctx: RankContext): Map<string, Ranked> {
    const out = new Map<string, Ranked>();
    for (const c of candidates) out.set(c.row.id, TransparentRanker.score(c.row, ctx.now));
    return out;
  }

  static score(row: IndexRow, now: number): Ranked {
    const completion = smoothed(row.completion_count, row.view_count, 0.35, 5);
    const engagement = smoothed(row.like_count + 2 * row.comment_count + 3 * row.share_count, row.view_count, 0.08, 10);
    const ageHours = Math.max(0, (now - publishedAt(row)) / 3_600_000);
    const freshness = Math.exp(-ageHours / 48);
    return new TransparentScore(0.5 * completion + 0.3 * Math.min(1, engagement * 3) + 0.2 * freshness, completion, engagement, ageHours);
  }
}

/** A transparent score whose words are written only when read (a page shows ten of the clips it ranks). */
class TransparentScore implements Ranked {
  private words: string[] | undefined;

  constructor(
    public score: number,
    private readonly completion: number,
    private readonly engagement: number,
    private readonly ageHours: number,
  ) {}

  get signals(): string[] {
    if (this.words) return this.words;
    const words = [`predicted completion ${Math.round(this.completion * 100)}%`];
    if (this.engagement > 0.15) words.push('high engagement');
    if (this.ageHours < 24) words.push('new');
    return (this.words = words);
  }
}

/**
 * Blends the transparent prior with the region's learned model (trained only on that region's events):
 * the model's scores for this request, computed once when its recommendations were drawn, are normalised
 * and added with weight `modelWeight`.
 */
export class BlendedRanker implements Ranker {
  constructor(private readonly modelWeight = 0.6) {}

  rank(candidates: Candidate[], ctx: RankContext): Map<string, Ranked> {
    const base = new TransparentRanker().rank(candidates, ctx);
    const scores = ctx.modelScores;
    if (!scores || scores.size === 0) return base;
    let max = 0;
    for (const v of scores.values()) if (Number.isFinite(v) && v > max) max = v;
    if (max <= 0) return base;
    for (const [id, v] of scores) {
      const b = base.get(id);
      if (!b || !Number.isFinite(v) || v <= 0) continue;
      const norm = v / max;
      b.score += this.modelWeight * norm;
      if (norm > 0.25) b.signals.push(`learned affinity ${Math.round(norm * 100)}%`);
    }
    return base;
  }
}
