import type { DomainCatalog } from '../regions/catalog.js';

const prot = (...cols: string[]) => Object.fromEntries(cols.map((c) => [c, 'protected' as const]));
const interop = (...cols: string[]) => Object.fromEntries(cols.map((c) => [c, 'interop' as const]));

export const moderationCatalog: DomainCatalog = {
  cell: {
    // Reports filed are the reporter's protected data: only this row names them, in their home cell.
    reports: prot(
      'id',
      'reporter_id',
      'target_type',
      'target_id',
      'target_region',
      'target_video_id',
      'reason',
      'details',
      'ref',
      'outcome',
      'outcome_at',
      'created_at',
    ),
    // Moderation notes stay in the region that decides.
    moderation_cases: prot(
      'id',
      'kind',
      'target_type',
      'target_id',
      'subject_id',
      'subject_region',
      'status',
      'priority',
      'reasons',
      'report_count',
      'appealed_decision_id',
      'appeal_text',
      'decision_id',
      'created_at',
      'updated_at',
      'decided_at',
    ),
    // What the report flow brought: reason, details and the opaque way back; no reporter.
    case_reports: interop('case_id', 'subject_id', 'ref', 'reply_region', 'reason', 'details', 'created_at'),
    moderation_decisions: prot(
      'id',
      'case_id',
      'target_type',
      'target_id',
      'subject_id',
      'subject_region',
      'moderator_id',
      'action',
      'policy',
      'statement',
      'regions',
      'days',
      'automated',
      'strike',
      'reversed_at',
      'created_at',
    ),
    // The affected user's copy, brought by the notice flow (it crosses when a comment's author lives elsewhere).
    moderation_notices: interop(
      'decision_id',
      'decision_region',
      'user_id',
      'target_type',
      'target_id',
      'action',
      'policy',
      'statement',
      'automated',
      'strike',
      'appeal_until',
      'appeal_status',
      'appealed_at',
      'appeal_decided_at',
      'reversed',
      'created_at',
    ),
    blocked_terms: prot('term', 'created_at'),
  },
  owners: {
    cell: {
      // A report names its reporter, and, when it is about an account, that account too: when either leaves (a
      // purge, a carve-out) the report goes.
      reports: ['reporter_id', 'target_id'],
      moderation_cases: ['subject_id'],
      case_reports: ['subject_id'],
      moderation_decisions: ['subject_id'],
      moderation_notices: ['user_id'],
      blocked_terms: [],
    },
  },
  // A reporter downloads their reports; a user the notices about them (which name no moderator). Cases and
  // decisions name moderators and carry other people's reports: they stay with the region's moderators.
  subjects: {
    cell: { reports: ['reporter_id'], moderation_cases: [], case_reports: [], moderation_decisions: [] },
  },
  // A report about a clip (or a comment on it) goes with the clip when its owner is purged or carved out.
  videoRefs: { reports: ['target_id', 'target_video_id'] },
};
