import { join } from 'node:path';

/**
 * Local folders of a cell that hold a clip's bytes before they are published: tus uploads in progress,
 * the uploaded source, and the transcoder's work area. All live under the cell's own folder.
 */
export const mediaPaths = {
  uploads: (cellDir: string) => join(cellDir, 'uploads'),
  sources: (cellDir: string) => join(cellDir, 'sources'),
  source: (cellDir: string, videoId: string) => join(cellDir, 'sources', videoId),
  work: (cellDir: string, videoId: string) => join(cellDir, 'work', videoId),
  media: (cellDir: string) => join(cellDir, 'media'),
};
