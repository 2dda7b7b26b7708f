import type { DomainCatalog } from './catalog.js';

const prot = (...cols: string[]) => Object.fromEntries(cols.map((c) => [c, 'protected' as const]));

export const regionsCatalog: DomainCatalog = {
  cell: {
    // The flow ledger holds counts only: published in the transparency report.
    border_flows: { day: 'public', flow: 'public', target: 'public', count: 'public' },
    // Who read whose data and why stays in the region; auditors read it there.
    audit_entries: prot('seq', 'at', 'actor', 'action', 'subject', 'details', 'prev_hash', 'hash'),
    // Hashes and signatures reveal nothing and may be published for outside witnesses.
    audit_checkpoints: { seq: 'public', hash: 'public', signature: 'public', at: 'public' },
    audit_head: { id: 'public', seq: 'public', hash: 'public', signature: 'public', at: 'public' },
    access_grants: prot(
      'id',
      'requester_id',
      'requester_jurisdiction',
      'requester_role',
      'subject_id',
      'fields',
      'reason',
      'duration_minutes',
      'break_glass',
      'status',
      'approvals',
      'created_at',
      'approved_at',
      'expires_at',
    ),
    auditor_notices: prot('id', 'kind', 'grant_id', 'requester_id', 'subject_id', 'created_at'),
    transparency_counts: { day: 'public', metric: 'public', jurisdiction: 'public', count: 'public' },
    data_exports: prot('id', 'user_id', 'status', 'size_bytes', 'error', 'created_at', 'ready_at', 'expires_at'),
    // Where a user moved from and to says where they live: protected, kept in their home cell.
    home_moves: prot(
      'id',
      'user_id',
      'from_region',
      'to_region',
      'country',
      'actor',
      'status',
      'step',
      'error_code',
      'created_at',
      'updated_at',
      'finished_at',
    ),
  },
  // The chain is never rewritten: its rows name actors and subjects by id but belong to the region.
  owners: {
    cell: { audit_entries: [], border_flows: [], audit_checkpoints: [], audit_head: [], transparency_counts: [] },
  },
  folders: { data_exports: { column: 'id', under: 'exports' } },
};
