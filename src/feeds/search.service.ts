import type { Kysely } from 'kysely';
import { toPublicProfile, type PublicProfile } from '../accounts/account.service.js';
import type { DirectoryDb } from '../db/schema.js';
import { InvalidInputError } from '../errors.js';
import type { CellRegistry } from '../regions/cells.js';
import type { HashtagService } from '../social/hashtag.service.js';
import type { ClipAccess, Viewer } from '../media/clip-access.js';
import type { VideoPresenter } from '../media/video-presenter.js';
import type { Video } from '../media/video.schema.js';
import type { MutedWords } from './muted-words.js';
import { queryTerms, type SearchIndex } from './search-index.js';

export interface SearchDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  index: SearchIndex;
  hashtags: HashtagService;
  access: ClipAccess;
  presenter: VideoPresenter;
  muted: MutedWords;
}

/**
 * Search over public data only: users by handle prefix (directory), hashtags by prefix, and clips by
 * caption and hashtags (the full-text index). Queries are not stored anywhere.
 */
export class SearchService {
  constructor(private readonly deps: SearchDeps) {}

  async search(
    raw: string,
    viewer: Viewer,
  ): Promise<{ users: PublicProfile[]; videos: Video[]; hashtags: { tag: string; videoCount: number }[] }> {
    const q = raw.trim();
    const terms = queryTerms(q);
    if (terms.length === 0)
      throw new InvalidInputError('search.query_invalid', 'Type at least one letter or digit to search.');
    const handle = q.replace(/^[@#]/, '').toLowerCase();
    const users = /^[a-z0-9_.]+$/.test(handle)
      ? await this.deps.directory
          .selectFrom('users')
          .selectAll()
          .where('handle', '>=', handle)
          .where('handle', '<', `${handle}\u{10ffff}`)
          .where('status', '=', 'active')
          .orderBy('handle')
          .limit(10)
          .execute()
      : [];
    const hashtags = terms.length === 1 ? await this.deps.hashtags.suggest(terms[0]!, 10) : [];
    const ids = await this.deps.index.search(q, 40);
    const shown = await this.deps.presenter.present(viewer, await this.deps.access.fromIndex(ids));
    const videos = (await this.deps.muted.filter(viewer, shown)).slice(0, 20);
    return { users: users.map(toPublicProfile), videos, hashtags };
  }
}
