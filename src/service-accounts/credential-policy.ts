import { readBoundedInteger } from '../platform/bounded-setting.ts';

/**
 * How long a service account credential may live and how long it may sit
 * unused before it is a finding, per organization (settings keys
 * `serviceAccountCredentialMaxAgeDays`, `serviceAccountCredentialUnusedDays`).
 */
export interface CredentialPolicy {
  maxAgeDays: number;
  unusedDays: number;
}

export const DEFAULT_CREDENTIAL_POLICY: Readonly<CredentialPolicy> = Object.freeze({ maxAgeDays: 90, unusedDays: 30 });
export const CREDENTIAL_POLICY_BOUNDS = Object.freeze({
  serviceAccountCredentialMaxAgeDays: { min: 1, max: 365 },
  serviceAccountCredentialUnusedDays: { min: 1, max: 365 },
});

const DAY_MS = 86_400_000;

/**
 * The credential policy in force for an organization's `settings` (defaults:
 * 90 days of maximum age, 30 days unused). Throws
 * `organization.settings_invalid` (details: field, got) for a non-integer or
 * out-of-bounds value; checkOrganizationSettings calls it before a save.
 */
export function readCredentialPolicy(settings: Record<string, unknown> | null | undefined): CredentialPolicy {
  const s = settings ?? {};
  return {
    maxAgeDays: readBoundedInteger(s, 'serviceAccountCredentialMaxAgeDays', CREDENTIAL_POLICY_BOUNDS.serviceAccountCredentialMaxAgeDays, DEFAULT_CREDENTIAL_POLICY.maxAgeDays),
    unusedDays: readBoundedInteger(s, 'serviceAccountCredentialUnusedDays', CREDENTIAL_POLICY_BOUNDS.serviceAccountCredentialUnusedDays, DEFAULT_CREDENTIAL_POLICY.unusedDays),
  };
}

/** The policy of stored settings text; a policy saved before bounds were checked falls back to the default rather than failing reads. */
export function credentialPolicyOf(settingsJson: string): CredentialPolicy {
  try {
    return readCredentialPolicy(JSON.parse(settingsJson) as Record<string, unknown>);
  } catch {
    return { ...DEFAULT_CREDENTIAL_POLICY };
  }
}

/** When a credential created at `createdAt` reaches the maximum age of `policy`. */
export function maxAgeEnd(createdAt: string, policy: CredentialPolicy): Date {
  return new Date(Date.parse(createdAt) + policy.maxAgeDays * DAY_MS);
}

/**
 * When a credential stops working: its stored expiry (set at creation, or
 * brought forward by rotation) or the maximum age under the CURRENT policy,
 * whichever comes first — so tightening the policy takes effect at once.
 */
export function effectiveExpiry(c: { created_at: string; expires_at: string }, policy: CredentialPolicy): Date {
  return new Date(Math.min(Date.parse(c.expires_at), maxAgeEnd(c.created_at, policy).getTime()));
}

export type CredentialState = 'active' | 'expired' | 'revoked';

/** Whether a credential is usable at `now` (the account's own status is checked apart). */
export function credentialState(c: { created_at: string; expires_at: string; revoked_at: string | null }, policy: CredentialPolicy, now: Date): CredentialState {
  if (c.revoked_at) return 'revoked';
  return now.getTime() < effectiveExpiry(c, policy).getTime() ? 'active' : 'expired';
}

/** When a credential unused since `lastUsedAt` (or, never used, since `createdAt`) becomes an unused-credential finding. */
export function unusedSince(c: { created_at: string; last_used_at: string | null }, policy: CredentialPolicy): Date {
  return new Date(Date.parse(c.last_used_at ?? c.created_at) + policy.unusedDays * DAY_MS);
}
