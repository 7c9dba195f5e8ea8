import { readBoundedInteger } from '../platform/bounded-setting.ts';

/** The organization setting that says how long an access request waits for its approvals, in days. */
export const ACCESS_REQUEST_EXPIRY_SETTING = 'accessRequestExpiryDays';
export const DEFAULT_ACCESS_REQUEST_EXPIRY_DAYS = 14;
export const ACCESS_REQUEST_EXPIRY_BOUNDS = Object.freeze({ min: 1, max: 90 });

/**
 * How many days an organization's access requests stay open (default 14).
 * Throws `organization.settings_invalid` (details: field, got) for a
 * non-integer or a value outside 1–90; checkOrganizationSettings calls it
 * before a save.
 */
export function readAccessRequestExpiryDays(settings: Record<string, unknown> | null | undefined): number {
  return readBoundedInteger(settings ?? {}, ACCESS_REQUEST_EXPIRY_SETTING, ACCESS_REQUEST_EXPIRY_BOUNDS, DEFAULT_ACCESS_REQUEST_EXPIRY_DAYS);
}

/** The decision deadline of a request filed at `filedAt` under a limit of `days` (pure). */
export function requestDeadline(filedAt: Date, days: number): string {
  return new Date(filedAt.getTime() + days * 86_400_000).toISOString();
}
