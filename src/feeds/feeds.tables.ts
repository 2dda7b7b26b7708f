/** Full-text rows over public captions and hashtags (SQLite FTS5 virtual table, or a tsvector-indexed table in PostgreSQL). */
export interface VideoSearchTable {
  video_id: string;
  caption: string;
  hashtags: string;
}

export interface FeedsDirectoryTables {
  video_search: VideoSearchTable;
}
