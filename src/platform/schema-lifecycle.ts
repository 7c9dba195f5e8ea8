import type { Selectable } from 'kysely';

/** Lifecycle and access-request tables (migration 0014); see `src/lifecycle` and `src/access/requests.ts`. */
export interface LifecycleTables {
  leavers: LeaversTable;
  hr_sources: HrSourcesTable;
  hr_events: HrEventsTable;
  scheduled_terminations: ScheduledTerminationsTable;
  access_requests: AccessRequestsTable;
}

/** One deprovisioning: when the person left, when their access was removed, and the SLA verdict of that moment. */
export interface LeaversTable {
  id: string;
  /** The organization the removal is counted against (null: an administrator deprovisioned a user of several or no organizations). */
  org_id: string | null;
  user_id: string;
  /** The user's address and employee number when they left (the report shows them as they were). */
  email: string;
  employee_number: string | null;
  source: 'scim' | 'hr' | 'admin';
  /** The HR event id, SCIM request or other reference of the source, when it has one. */
  source_ref: string | null;
  reason: string | null;
  terminated_at: string;
  access_removed_at: string;
  elapsed_seconds: number;
  sla_hours: number;
  /** 0/1. */
  within_sla: number;
  reactivated_at: string | null;
  created_at: string;
}
export type LeaverRow = Selectable<LeaversTable>;

/** An HR system allowed to post signed events for one organization. Secrets are envelopes (platform/crypto), never plain. */
export interface HrSourcesTable {
  id: string;
  org_id: string;
  name: string;
  status: 'active' | 'deleted';
  /** JSON envelope of the signing secret (purpose `lifecycle.hr_source_secret`). */
  secret: string;
  /** The secret's first characters, not secret, so an administrator can tell secrets apart. */
  secret_prefix: string;
  /** The secret replaced by the newest rotation, accepted until `previous_secret_expires_at`. */
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  created_by_type: string;
  created_by_id: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  last_event_at: string | null;
}
export type HrSourceRow = Selectable<HrSourcesTable>;

/** An event an HR source delivered and Keyledger accepted; (source_id, event_id) is unique, so a replay is refused. */
export interface HrEventsTable {
  id: string;
  source_id: string;
  org_id: string;
  event_id: string;
  type: string;
  employee_id: string;
  effective_at: string;
  user_id: string | null;
  /** What Keyledger did: deprovisioned, scheduled, already_deprovisioned, reactivated, not_deprovisioned, unmatched. */
  result: string;
  received_at: string;
}
export type HrEventRow = Selectable<HrEventsTable>;

/** A termination with a future effective time, carried out by the lifecycle ticker. */
export interface ScheduledTerminationsTable {
  id: string;
  org_id: string;
  user_id: string;
  hr_source_id: string;
  event_id: string;
  terminated_at: string;
  status: 'pending' | 'done' | 'cancelled';
  created_at: string;
  completed_at: string | null;
}
export type ScheduledTerminationRow = Selectable<ScheduledTerminationsTable>;

/** A request for a role; `pending` until approved, denied, expired or cancelled. */
export interface AccessRequestsTable {
  id: string;
  org_id: string;
  role_id: string;
  principal_type: 'user' | 'service_account';
  principal_id: string;
  requested_by_type: string;
  requested_by_id: string;
  reason: string | null;
  /** Where the request came from, e.g. scim_group or api. */
  source: string;
  source_ref: string | null;
  status: 'pending' | 'approved' | 'denied' | 'cancelled' | 'expired';
  created_at: string;
  decided_at: string | null;
  decision_reason: string | null;
}
export type AccessRequestRow = Selectable<AccessRequestsTable>;
