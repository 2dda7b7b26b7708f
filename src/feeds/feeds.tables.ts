/** Full-text rows over public captions and hashtags (SQLite FTS5 virtual table, or a tsvector-indexed table in PostgreSQL). */
export interface VideoSearchTable {
  video_id: string;
  caption: string;
  hashtags: string;
}

export interface FeedsDirectoryTables {
  video_search: VideoSearchTable;
}

/** A viewer's muted words, in the order they listed them (protected: the home cell only). */
export interface MutedWordsTable {
  user_id: string;
  word: string;
  position: number;
  created_at: string;
}

export interface FeedsCellTables {
  muted_words: MutedWordsTable;
}
