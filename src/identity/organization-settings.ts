import { KeyledgerError } from '../platform/errors.ts';
import { readBoundedInteger } from '../platform/bounded-setting.ts';
import { resolveSessionPolicy } from '../sessions/session-policy.ts';
import { DEFAULT_PASSWORD_POLICY, validatePasswordPolicy, type PasswordPolicy } from '../authn/password/password-policy.ts';
import { resolveSignupSettings } from '../authn/enrollment/signup-settings.ts';
import { readCredentialPolicy } from '../service-accounts/credential-policy.ts';
import { readDeprovisioningSla } from '../lifecycle/sla.ts';
import { readAccessRequestExpiryDays } from '../access/request-deadline.ts';
import { readAccessReviewSettings } from '../access/reviews/review-settings.ts';
import { readStaleAccountDays } from '../monitor/findings/rules/stale-account.ts';

/** The MFA requirement levels, weakest first: of an organization (`mfaPolicy`) and of a role. */
export const MFA_POLICIES = ['optional', 'required', 'phishing_resistant'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];

/** The MFA settings of an organization that sets none, and the bounds of each. */
export const DEFAULT_MFA_SETTINGS: Readonly<MfaSettings> = Object.freeze({ mfaPolicy: 'optional', mfaGracePeriodDays: 7, stepUpFreshnessMinutes: 10 });
export const MFA_SETTING_BOUNDS = Object.freeze({
  mfaGracePeriodDays: { min: 0, max: 90 },
  stepUpFreshnessMinutes: { min: 1, max: 1440 },
});

/** How an organization enforces MFA: the level, how long new members have to enroll, and how recent a proof sensitive actions need. */
export interface MfaSettings {
  mfaPolicy: MfaPolicy;
  mfaGracePeriodDays: number;
  stepUpFreshnessMinutes: number;
}

function settingsInvalid(field: string, message: string, got: unknown): KeyledgerError {
  return new KeyledgerError('organization.settings_invalid', message, { field, got });
}

/**
 * The MFA settings in force for an organization's `settings`: each field as
 * set, or its default (optional, 7 days of grace, 10 minutes of step-up
 * freshness). Throws `organization.settings_invalid` (details: field, got)
 * for an unknown `mfaPolicy` or a non-integer or out-of-bounds window.
 */
export function readMfaSettings(settings: Record<string, unknown> | null | undefined): MfaSettings {
  const s = settings ?? {};
  const mfa = s.mfaPolicy;
  // An unknown MFA policy would be treated as "optional" by sign-in, weakening the control unnoticed.
  if (mfa !== undefined && !(MFA_POLICIES as readonly unknown[]).includes(mfa)) {
    throw settingsInvalid('mfaPolicy', `mfaPolicy must be one of ${MFA_POLICIES.join(', ')}, got ${JSON.stringify(mfa)}`, mfa);
  }
  return {
    mfaPolicy: (mfa as MfaPolicy | undefined) ?? DEFAULT_MFA_SETTINGS.mfaPolicy,
    mfaGracePeriodDays: readBoundedInteger(s, 'mfaGracePeriodDays', MFA_SETTING_BOUNDS.mfaGracePeriodDays, DEFAULT_MFA_SETTINGS.mfaGracePeriodDays),
    stepUpFreshnessMinutes: readBoundedInteger(s, 'stepUpFreshnessMinutes', MFA_SETTING_BOUNDS.stepUpFreshnessMinutes, DEFAULT_MFA_SETTINGS.stepUpFreshnessMinutes),
  };
}

/**
 * Checks the policies an organization's settings carry before they are saved,
 * so a typo cannot silently weaken a control or lock every member out later:
 * `sessionPolicy` (timeouts), `passwordPolicy` (NIST floors), `mfaPolicy`,
 * `mfaGracePeriodDays` (0–90), `stepUpFreshnessMinutes` (1–1440) and
 * `signup` (who may create an account on their own) and the service account
 * credential ages (`serviceAccountCredentialMaxAgeDays`,
 * `serviceAccountCredentialUnusedDays`, 1–365) and the deprovisioning SLA
 * (`deprovisioningSlaHours`, 1–720), how long access requests wait for
 * approval (`accessRequestExpiryDays`, 1–90), `ssoEnforced` (a boolean) and
 * `accessReviews` (everyMonths 1–12, durationDays 1–90, applyMode, ownerId) and
 * `staleAccountDays` (1–730, the stale-account finding). Other
 * settings keys are free-form.
 * Throws the policy's own code.
 */
export function checkOrganizationSettings(settings: Record<string, unknown>): void {
  resolveSessionPolicy(settings);
  resolveSignupSettings(settings);
  const password = settings.passwordPolicy;
  if (password !== undefined) {
    // A policy must be an object of known fields; anything else would be read as the default.
    if (typeof password !== 'object' || password === null || Array.isArray(password)) {
      throw new KeyledgerError('authn.password_policy_invalid', `passwordPolicy must be an object, got ${JSON.stringify(password)}`);
    }
    const unknown = Object.keys(password).filter((k) => !(k in DEFAULT_PASSWORD_POLICY));
    if (unknown.length > 0) throw new KeyledgerError('authn.password_policy_invalid', `passwordPolicy has unknown field(s) ${unknown.join(', ')}, expected ${Object.keys(DEFAULT_PASSWORD_POLICY).join(', ')}`);
    const merged = { ...DEFAULT_PASSWORD_POLICY, ...(password as Partial<PasswordPolicy>) };
    const result = validatePasswordPolicy(merged);
    if (!result.ok) throw new KeyledgerError('authn.password_policy_invalid', result.violations.map((v) => v.message).join('; '), { violations: result.violations });
  }
  readMfaSettings(settings);
  readCredentialPolicy(settings);
  readDeprovisioningSla(settings);
  readAccessRequestExpiryDays(settings);
  readAccessReviewSettings(settings);
  readStaleAccountDays(settings);
  // Password sign-in is refused only for `true`: a "yes" or 1 would be stored and silently enforce nothing.
  if (settings.ssoEnforced !== undefined && typeof settings.ssoEnforced !== 'boolean') {
    throw settingsInvalid('ssoEnforced', `ssoEnforced must be true or false, got ${JSON.stringify(settings.ssoEnforced)}`, settings.ssoEnforced);
  }
}
