import { KeyledgerError } from '../platform/errors.ts';
import { resolveSessionPolicy } from '../sessions/session-policy.ts';
import { DEFAULT_PASSWORD_POLICY, validatePasswordPolicy, type PasswordPolicy } from '../authn/password/password-policy.ts';
import { resolveSignupSettings } from '../authn/enrollment/signup-settings.ts';

/** The organization-wide MFA requirement (per-role policies come with the Authentication work). */
export const MFA_POLICIES = ['optional', 'required', 'phishing_resistant'] as const;

/**
 * Checks the policies an organization's settings carry before they are saved,
 * so a typo cannot silently weaken a control or lock every member out later:
 * `sessionPolicy` (timeouts), `passwordPolicy` (NIST floors), `mfaPolicy` and
 * `signup` (who may create an account on their own).
 * Other settings keys are free-form. Throws the policy's own code.
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
  const mfa = settings.mfaPolicy;
  // An unknown MFA policy would be treated as "optional" by sign-in, weakening the control unnoticed.
  if (mfa !== undefined && !(MFA_POLICIES as readonly unknown[]).includes(mfa)) {
    throw new KeyledgerError('organization.settings_invalid', `mfaPolicy must be one of ${MFA_POLICIES.join(', ')}, got ${JSON.stringify(mfa)}`);
  }
}
