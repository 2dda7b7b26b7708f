export interface BorderFlowsTable {
  day: string;
  flow: string;
  target: string;
  count: number;
}

/** One link of a region's hash chain. `details` is canonical JSON holding ids and field names, never values. */
export interface AuditEntriesTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/** A signed statement "the chain had this hash at this seq" (Ed25519 over region, seq and hash). */
export interface AuditCheckpointsTable {
  seq: number;
  hash: string;
  signature: string;
  at: string;
}

/** The signed head of the chain, rewritten on every append so that cutting off the tail is caught too. */
export interface AuditHeadTable {
  id: string;
  seq: number;
  hash: string;
  signature: string;
  at: string;
}

/** A time-boxed permission for one operator to read named protected fields of one subject. */
export interface AccessGrantsTable {
  id: string;
  requester_id: string;
  requester_jurisdiction: string;
  requester_role: string;
  subject_id: string;
  /** JSON array of field names. */
  fields: string;
  reason: string;
  duration_minutes: number;
  break_glass: number;
  /** 'pending' | 'approved' */
  status: string;
  /** JSON array of approving operator ids. */
  approvals: string;
  created_at: string;
  approved_at: string | null;
  expires_at: string | null;
}

/** What a region's auditors are told about (break-glass requests and approvals). */
export interface AuditorNoticesTable {
  id: string;
  kind: string;
  grant_id: string;
  requester_id: string;
  subject_id: string;
  created_at: string;
}

/** Aggregates for the transparency report: decisions and grants per day, metric and jurisdiction. */
export interface TransparencyCountsTable {
  day: string;
  metric: string;
  jurisdiction: string;
  count: number;
}

/** A "download your data" request; the ZIP lives in `<cell.dir>/exports/<id>/`. */
export interface DataExportsTable {
  id: string;
  user_id: string;
  /** 'queued' | 'ready' | 'failed' */
  status: string;
  size_bytes: number | null;
  error: string | null;
  created_at: string;
  ready_at: string | null;
  expires_at: string | null;
}

export interface HomeMovesTable {
  id: string;
  user_id: string;
  from_region: string;
  to_region: string;
  /** The newly declared country (ISO 3166-1 alpha-2). */
  country: string;
  /** Who asked: the user's own id, or `operator:cli`. */
  actor: string;
  /** 'running' | 'done' | 'failed' (rolled back: the account stayed where it was) */
  status: string;
  /** The last step finished: 'queued' | 'copied' | 'media' | 'verified' | 'rerouted' | 'shredded'. */
  step: string;
  error_code: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface RegionsCellTables {
  border_flows: BorderFlowsTable;
  audit_entries: AuditEntriesTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_head: AuditHeadTable;
  access_grants: AccessGrantsTable;
  auditor_notices: AuditorNoticesTable;
  transparency_counts: TransparencyCountsTable;
  data_exports: DataExportsTable;
  home_moves: HomeMovesTable;
}
