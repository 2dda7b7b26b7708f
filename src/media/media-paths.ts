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

/**
 * Keys in a cell's media store that belong to a user rather than to one clip: their profile pictures, a folder per
 * version (`avatars/<userId>/<version>/<size>.webp`). A home-region move carries the user's folder with them.
 */
export const userMediaKeys = {
  avatars: (userId: string) => `avatars/${userId}`,
  avatar: (userId: string, version: string, file: string) => `avatars/${userId}/${version}/${file}`,
};
