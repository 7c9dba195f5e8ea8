import type { Selectable } from 'kysely';

/** Control-drift findings and the monitor's ledger cursor (migration 0023); see `src/monitor/findings`. */
export interface MonitorFindingsTables {
  monitor_findings: MonitorFindingsTable;
  monitor_cursors: MonitorCursorsTable;
}

export type FindingStatus = 'open' | 'acknowledged' | 'resolved' | 'closed';
export type FindingResolution = 'fixed' | 'risk_accepted' | 'false_positive';

/**
 * One tracked finding: a condition the monitor saw, from when it appeared until
 * it cleared. At most one row per (organization, type, subject) is not closed:
 * `open_key` carries that triple while the row is open, acknowledged or
 * resolved, and is null once closed (a unique index holds the rule on both engines).
 */
export interface MonitorFindingsTable {
  id: string;
  /** The organization, or null for a deployment-level finding (admin API keys). */
  org_id: string | null;
  type: string;
  subject_type: string;
  subject_id: string;
  subject_display: string | null;
  severity: 'low' | 'medium' | 'high';
  summary: string;
  /** When the condition started, as the rule tells it. */
  since: string;
  /** JSON array of the ledger event ids the condition was computed from. */
  event_ids: string;
  /** 0/1: a historical fact (a late deprovisioning) that cannot clear by itself; a resolution ends it for good. */
  historical: number;
  status: FindingStatus;
  open_key: string | null;
  opened_at: string;
  updated_at: string;
  acknowledged_at: string | null;
  acknowledged_by_type: string | null;
  acknowledged_by_id: string | null;
  acknowledgement_note: string | null;
  resolution: FindingResolution | null;
  resolution_note: string | null;
  /** Until when an accepted risk stays quiet (risk_accepted only). */
  accepted_until: string | null;
  resolved_at: string | null;
  resolved_by_type: string | null;
  resolved_by_id: string | null;
  reopen_count: number;
  reopened_at: string | null;
  closed_at: string | null;
  close_reason: string | null;
}
export type MonitorFindingRow = Selectable<MonitorFindingsTable>;

/** A ledger consumer's position: the sequence number of the newest event it has handled. */
export interface MonitorCursorsTable {
  name: string;
  seq: number;
  updated_at: string;
}
