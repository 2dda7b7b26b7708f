import { describe, expect, it } from 'vitest';
import { catalogParts } from '../../src/db/registry.js';
import { DataCatalog } from '../../src/regions/catalog.js';

/** What export, purge and carve-out treat as "rows naming a user", resolved from every domain's catalog. */
describe('user-owned tables, from the catalog', () => {
  const catalog = new DataCatalog(catalogParts);
  const asMap = (kind: 'cell' | 'directory') =>
    Object.fromEntries(catalog.userTables(kind).map((t) => [t.table, t.columns]));

  it('resolves declared and conventional user columns in the cells', () => {
    expect(asMap('cell')).toEqual({
      accounts: ['id'],
      user_keys: ['user_id'],
      sessions: ['user_id'],
      operators: ['user_id'],
      totp_factors: ['user_id'],
      totp_recovery_codes: ['user_id'],
      videos: ['owner_id'],
      sounds: ['owner_id'],
      access_grants: ['requester_id', 'subject_id'],
      auditor_notices: ['requester_id', 'subject_id'],
      data_exports: ['user_id'],
      home_moves: ['user_id'],
      follows: ['follower_id', 'followee_id'],
      followers: ['followee_id', 'follower_id'],
      follow_requests: ['target_id', 'requester_id'],
      blocks: ['blocker_id', 'blocked_id'],
      blocked_by: ['user_id', 'blocker_id'],
      mutes: ['user_id', 'muted_id'],
      likes: ['user_id'],
      muted_words: ['user_id'],
      favorites: ['user_id'],
      not_interested: ['user_id', 'author_id'],
      watch_events: ['user_id', 'author_id'],
      comment_likes: ['user_id'],
      comments: ['author_id'],
      notifications: ['user_id', 'actor_id'],
      // Reports name their reporter only in the reporter's cell; cases and decisions name whom they are about.
      reports: ['reporter_id', 'target_id'],
      moderation_cases: ['subject_id'],
      case_reports: ['subject_id'],
      moderation_decisions: ['subject_id'],
      moderation_notices: ['user_id'],
      // Mail kept in the outbox, the address's blind index and the mail tokens are the user's (issue 15).
      mail_outbox: ['user_id'],
      account_emails: ['user_id'],
      account_tokens: ['user_id'],
    });
  });

  it('exports only rows that are the user’s own, not rows that merely mention them', () => {
    const subjects = Object.fromEntries(catalog.subjectTables().map((t) => [t.table, t.columns]));
    expect(subjects).toMatchObject({
      watch_events: ['user_id'],
      not_interested: ['user_id'],
      mutes: ['user_id'],
      blocks: ['blocker_id'],
      notifications: ['user_id'],
    });
    // A follow is the follower's; the followee's copy is their followers row; a request is the target's to answer.
    expect(subjects).toMatchObject({
      follows: ['follower_id'],
      followers: ['followee_id'],
      follow_requests: ['target_id'],
      comments: ['author_id'],
      likes: ['user_id'],
    });
    // A reporter downloads their reports, a user the notices about them; cases and decisions (naming moderators,
    // carrying other people's reports) are not theirs to download.
    expect(subjects).toMatchObject({ reports: ['reporter_id'], moderation_notices: ['user_id'] });
    expect(subjects).not.toHaveProperty('moderation_cases');
    expect(subjects).not.toHaveProperty('moderation_decisions');
    expect(subjects).not.toHaveProperty('case_reports');
  });

  it('declares what goes with a clip, and which counters a removed row lowers', () => {
    expect(Object.fromEntries(catalog.videoRefTables().map((t) => [t.table, t.columns]))).toMatchObject({
      likes: ['video_id'],
      favorites: ['video_id'],
      comments: ['video_id'],
      watch_events: ['video_id'],
    });
    expect(catalog.counters('follows').every((r) => r.when?.status === 'active')).toBe(true);
    expect(catalog.counters('comments').map((r) => r.directoryTable ?? r.cellTable)).toEqual(['videos', 'comments']);
    expect(catalog.cascades('comments')).toEqual([{ table: 'comments', column: 'parent_id', parentColumn: 'id' }]);
  });

  it('resolves the directory and the per-row folders', () => {
    expect(asMap('directory')).toEqual({
      users: ['id'],
      operators: ['user_id'],
      videos: ['author_id'],
      sounds: ['author_id'],
    });
    expect(catalog.folders()).toEqual([
      { table: 'data_exports', column: 'id', under: 'exports' },
      { table: 'videos', column: 'id', under: 'media' },
    ]);
  });

  it('never treats the audit chain, the ledger or the job queue as a user’s rows', () => {
    for (const table of [
      'audit_entries',
      'audit_checkpoints',
      'audit_head',
      'border_flows',
      'transparency_counts',
      'jobs',
    ]) {
      expect(catalog.userColumns('cell', table), table).toEqual([]);
    }
  });
});
