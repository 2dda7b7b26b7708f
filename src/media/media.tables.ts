import type { Generated } from 'kysely';

/** A clip in its owner's home cell: the source of truth, whatever its visibility. */
export interface VideosTable {
  id: string;
  owner_id: string;
  /** 'uploading' | 'processing' | 'ready' | 'failed' */
  status: string;
  error_code: string | null;
  error_message: string | null;
  progress: number;
  /** 1 once the first rung can be played (before the whole ladder is done). */
  playable: number;
  caption: string;
  /** JSON array of lowercase tags without '#'. */
  hashtags: string;
  /** JSON array of handles without '@'. */
  mentions: string;
  /** 'public' | 'followers' | 'private' */
  visibility: string;
  duration_ms: number | null;
  width: number | null;
  height: number | null;
  has_audio: number;
  source_name: string | null;
  sound_id: string | null;
  created_at: string;
  updated_at: string;
  /** Bytes of the uploaded source (migration 1001). */
  size_bytes: number | null;
  /** 'none' | 'restricted' | 'removed' | 'withheld' (migration 1002): what moderation decided; the access rule reads it. */
  moderation: Generated<string>;
  /** The policy and decision behind `moderation` (migration 1003), shown to the author. */
  moderation_policy: string | null;
  moderation_decision_id: string | null;
  /** JSON list of regions whose residents may not see the clip while `moderation` is 'withheld' (migration 1003). */
  withheld_regions: Generated<string>;
  /** Bumped whenever access to the clip narrows; part of every media URL of the clip (migration 1002). */
  media_epoch: Generated<number>;
  /** 1 while the author lets others duet, stitch, comment on the clip (migration 1010). */
  allow_duets: Generated<number>;
  allow_stitches: Generated<number>;
  allow_comments: Generated<number>;
  /** The clip this one is a duet of (`duet_layout` 'side' | 'stack') or a stitch of (`stitch_ms`) (migration 1010). */
  duet_of: string | null;
  duet_layout: string | null;
  stitch_of: string | null;
  stitch_ms: number | null;
  /** JSON list of the BCP 47 languages the clip has WebVTT captions in (migration 1020). */
  captions: Generated<string>;
  /** 1 while the clip is a draft: its owner's alone (migration 1020). */
  draft: Generated<number>;
  /** When a scheduled clip is published (ISO time); null once published or when not scheduled (migration 1020). */
  publish_at: string | null;
  /** The moment the owner picked the poster from; null: the transcoder's pick (migration 1020). */
  cover_ms: number | null;
}

/** A clip's audio kept as a reusable "sound". */
export interface SoundsTable {
  id: string;
  video_id: string;
  owner_id: string;
  title: string;
  duration_ms: number;
  created_at: string;
}

/** The directory's public index: only public, ready clips, so feeds can span regions without touching cells. */
export interface DirectoryVideosTable {
  id: string;
  author_id: string;
  region: string;
  caption: string;
  hashtags: string;
  mentions: string;
  duration_ms: number;
  width: number;
  height: number;
  sound_id: string | null;
  created_at: string;
  published_at: string;
  view_count: Generated<number>;
  like_count: Generated<number>;
  comment_count: Generated<number>;
  share_count: Generated<number>;
  /** Sum of watched milliseconds over all views: an aggregate the ranker uses for completion rates. */
  watch_ms_total: Generated<number>;
  completion_count: Generated<number>;
  /** The cell row's `media_epoch` when the clip was published: its public media path is derived from it. */
  media_epoch: Generated<number>;
  /** The clip this public clip is a duet or stitch of (migration 1010). */
  duet_of: string | null;
  stitch_of: string | null;
  /** Copies of the cell row's `captions` and `cover_ms` (migration 1021). */
  captions: Generated<string>;
  cover_ms: number | null;
  /** Copies of the author's switches (1 = allowed; migration 1031), shown on feed cards without a cell read. */
  allow_duets: Generated<number>;
  allow_stitches: Generated<number>;
  allow_comments: Generated<number>;
}

export interface DirectorySoundsTable {
  id: string;
  title: string;
  author_id: string;
  region: string;
  video_id: string;
  duration_ms: number;
  video_count: Generated<number>;
  created_at: string;
}

export interface MediaDirectoryTables {
  videos: DirectoryVideosTable;
  sounds: DirectorySoundsTable;
}

export interface MediaCellTables {
  videos: VideosTable;
  sounds: SoundsTable;
}
