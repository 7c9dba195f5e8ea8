import { readBoundedInteger } from '../platform/bounded-setting.ts';

/** The organization setting that says how soon a leaver's access must be gone, in hours. */
export const DEPROVISIONING_SLA_SETTING = 'deprovisioningSlaHours';
export const DEFAULT_DEPROVISIONING_SLA_HOURS = 24;
export const DEPROVISIONING_SLA_BOUNDS = Object.freeze({ min: 1, max: 720 });

/**
 * The deprovisioning SLA of an organization's `settings` (default 24 hours).
 * Throws `organization.settings_invalid` (details: field, got) for a
 * non-integer or a value outside 1–720; checkOrganizationSettings calls it
 * before a save.
 */
export function readDeprovisioningSla(settings: Record<string, unknown> | null | undefined): number {
  return readBoundedInteger(settings ?? {}, DEPROVISIONING_SLA_SETTING, DEPROVISIONING_SLA_BOUNDS, DEFAULT_DEPROVISIONING_SLA_HOURS);
}

export interface SlaVerdict {
  elapsedSeconds: number;
  slaHours: number;
  withinSla: boolean;
}

/**
 * How long removal took and whether it met the SLA (pure). Requires both times
 * to be RFC 3339. A termination time after the removal (an HR feed announcing
 * a leaver early and an administrator acting at once) counts as 0 seconds.
 * Removal exactly at the SLA is within it; one second later is a breach.
 */
export function judgeRemoval(terminatedAt: string, accessRemovedAt: string, slaHours: number): SlaVerdict {
  const elapsedSeconds = Math.max(0, Math.floor((Date.parse(accessRemovedAt) - Date.parse(terminatedAt)) / 1000));
  return { elapsedSeconds, slaHours, withinSla: elapsedSeconds <= slaHours * 3600 };
}

/** When removal of someone who left at `terminatedAt` becomes late under `slaHours`. */
export function slaDeadline(terminatedAt: string, slaHours: number): string {
  return new Date(Date.parse(terminatedAt) + slaHours * 3_600_000).toISOString();
}
