import type { Selectable } from 'kysely';

/** SIEM destinations and their delivery cursors (migration 0022); see `src/stream`. */
export interface StreamTables {
  siem_destinations: SiemDestinationsTable;
}

export type DestinationKind = 'webhook' | 'splunk_hec' | 'syslog_tls' | 'jsonl_file';

/**
 * One place the ledger is streamed to: its configuration, its cursor in the
 * ledger, the lease of the process delivering to it, and its health.
 */
export interface SiemDestinationsTable {
  id: string;
  /** null: a deployment destination (every organization, narrowed by `filter.orgIds`); else only this organization's events. */
  org_id: string | null;
  name: string;
  kind: DestinationKind;
  /** JSON text of the kind's settings, without secrets. */
  config: string;
  /** JSON text `{ actionPrefixes?: string[], orgIds?: string[] }`. */
  filter: string;
  status: 'active' | 'paused';
  /** JSON envelope of the webhook signing secret or the Splunk HEC token; null for kinds without one. */
  secret: string | null;
  /** The secret's first characters (webhook secrets only), to tell secrets apart. */
  secret_prefix: string | null;
  /** The last ledger seq delivered or skipped by the filter (−1: none yet). */
  cursor_seq: number;
  /** The size of the last signed checkpoint streamed (0: none). */
  checkpoint_size: number;
  /** The process delivering now, until when, and the fencing token of its lease (bumped on every claim and every admin change). */
  lease_owner: string | null;
  lease_until: string | null;
  lease_token: number;
  last_delivered_at: string | null;
  last_delivered_seq: number | null;
  last_error: string | null;
  last_error_at: string | null;
  consecutive_failures: number;
  next_attempt_at: string | null;
  /** 1 while failing (a `stream.destination.failing` event was recorded and no `recovered` yet). */
  failing: number;
  created_by_type: string;
  created_by_id: string;
  created_at: string;
  updated_at: string;
}
export type SiemDestinationRow = Selectable<SiemDestinationsTable>;
