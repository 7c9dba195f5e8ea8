import type { HrSourceRow, LeaverRow } from '../platform/schema-lifecycle.ts';

export type LifecycleSource = LeaverRow['source'];

/** What a deprovisioning measured: the auditor's two timestamps and the SLA verdict. */
export interface RemovalResult {
  /** The leaver record (null only for a user deprovisioned before leaver records existed). */
  leaverId: string | null;
  terminatedAt: string;
  accessRemovedAt: string;
  elapsedSeconds: number;
  slaHours: number;
  withinSla: boolean;
  /** True when the user was deprovisioned already: nothing changed, the numbers are the earlier removal's. */
  alreadyDeprovisioned: boolean;
}

/** One line of the leavers report. */
export interface Leaver {
  id: string;
  orgId: string | null;
  userId: string;
  email: string;
  employeeNumber: string | null;
  source: LifecycleSource;
  sourceRef: string | null;
  reason: string | null;
  terminatedAt: string;
  accessRemovedAt: string;
  elapsedSeconds: number;
  slaHours: number;
  verdict: 'within_sla' | 'breached';
  reactivatedAt: string | null;
}

/** An HR source as the admin API shows it (never its secret). */
export interface HrSource {
  id: string;
  orgId: string;
  name: string;
  status: HrSourceRow['status'];
  secretPrefix: string;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  lastEventAt: string | null;
}

export function toLeaver(row: LeaverRow): Leaver {
  return {
    id: row.id,
    orgId: row.org_id,
    userId: row.user_id,
    email: row.email,
    employeeNumber: row.employee_number,
    source: row.source,
    sourceRef: row.source_ref,
    reason: row.reason,
    terminatedAt: row.terminated_at,
    accessRemovedAt: row.access_removed_at,
    elapsedSeconds: Number(row.elapsed_seconds),
    slaHours: Number(row.sla_hours),
    verdict: Number(row.within_sla) === 1 ? 'within_sla' : 'breached',
    reactivatedAt: row.reactivated_at,
  };
}

export function toRemovalResult(row: LeaverRow, alreadyDeprovisioned: boolean): RemovalResult {
  return {
    leaverId: row.id,
    terminatedAt: row.terminated_at,
    accessRemovedAt: row.access_removed_at,
    elapsedSeconds: Number(row.elapsed_seconds),
    slaHours: Number(row.sla_hours),
    withinSla: Number(row.within_sla) === 1,
    alreadyDeprovisioned,
  };
}

export function toHrSource(row: HrSourceRow): HrSource {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    status: row.status,
    secretPrefix: row.secret_prefix,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
    lastEventAt: row.last_event_at,
  };
}
