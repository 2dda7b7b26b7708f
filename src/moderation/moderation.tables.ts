/**
 * Trust and safety's tables (docs/moderation.md says which cell holds each and why).
 */

/** A report as its reporter filed it, in the reporter's home cell: the only row that names the reporter. */
export interface ReportsTable {
  id: string;
  reporter_id: string;
  target_type: string;
  target_id: string;
  target_region: string;
  /** For a comment: the clip it is on. */
  target_video_id: string | null;
  reason: string;
  details: string;
  /** Opaque reference the target's region answers the outcome with (it never learns the reporter). */
  ref: string;
  /** null while pending; 'actioned' | 'dismissed'. */
  outcome: string | null;
  outcome_at: string | null;
  created_at: string;
}

/** Reports on one target gathered in the target's region; an appeal is a case too (`kind = 'appeal'`). */
export interface ModerationCasesTable {
  id: string;
  kind: string;
  target_type: string;
  target_id: string;
  /** The user the case is about: the target's author, or the account itself. */
  subject_id: string;
  subject_region: string;
  /** 'open' | 'decided'. */
  status: string;
  priority: number;
  /** JSON object: reason → count. */
  reasons: string;
  report_count: number;
  /** For an appeal: the decision appealed. */
  appealed_decision_id: string | null;
  appeal_text: string | null;
  decision_id: string | null;
  created_at: string;
  updated_at: string;
  decided_at: string | null;
}

/** A report as the target's region holds it: reason and details, and where its outcome goes, without the reporter. */
export interface CaseReportsTable {
  case_id: string;
  subject_id: string;
  ref: string;
  reply_region: string;
  reason: string;
  details: string;
  created_at: string;
}

export interface ModerationDecisionsTable {
  id: string;
  case_id: string;
  target_type: string;
  target_id: string;
  subject_id: string;
  subject_region: string;
  /** A moderator's user id, or 'system' for an automated decision. */
  moderator_id: string;
  action: string;
  policy: string | null;
  statement: string;
  /** JSON list (withhold). */
  regions: string;
  days: number | null;
  automated: number;
  strike: number;
  reversed_at: string | null;
  created_at: string;
}

/** The affected user's copy of a decision about them, in their home cell: what they are told and can appeal. */
export interface ModerationNoticesTable {
  decision_id: string;
  decision_region: string;
  user_id: string;
  target_type: string;
  target_id: string;
  action: string;
  policy: string | null;
  statement: string;
  automated: number;
  strike: number;
  /** The decision can be appealed until then (null: it cannot, e.g. a dismissal). */
  appeal_until: string | null;
  /** null | 'open' | 'upheld' | 'reversed'. */
  appeal_status: string | null;
  appealed_at: string | null;
  appeal_decided_at: string | null;
  reversed: number;
  created_at: string;
}

export interface BlockedTermsTable {
  term: string;
  created_at: string;
}

export interface ModerationCellTables {
  reports: ReportsTable;
  moderation_cases: ModerationCasesTable;
  case_reports: CaseReportsTable;
  moderation_decisions: ModerationDecisionsTable;
  moderation_notices: ModerationNoticesTable;
  blocked_terms: BlockedTermsTable;
}
