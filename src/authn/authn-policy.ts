import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { readMfaSettings, type MfaPolicy } from '../identity/organization-settings.ts';
import { findOrganizationByRef, findUserById } from '../identity/repository.ts';
import { findRolesWithMfaPolicy } from '../access/repository.ts';
import { resolveSessionPolicy, type SessionPolicy } from '../sessions/session-policy.ts';
import type { PasswordPolicy } from './password/password-policy.ts';
import { passwordPolicyOf } from './factors.ts';
import { loadMfaRequirement, satisfiesMfa, type MfaRequirement } from './mfa-policy.ts';
import * as repo from './repository.ts';

/** The authentication policies in force for an organization, defaults filled in: what an auditor asks for. */
export interface AuthnPolicy {
  passwordPolicy: PasswordPolicy;
  sessionPolicy: SessionPolicy;
  mfaPolicy: MfaPolicy;
  mfaGracePeriodDays: number;
  stepUpFreshnessMinutes: number;
  /** Roles that demand their own MFA level, by key. */
  roleMfaPolicies: { roleKey: string; mfaPolicy: MfaPolicy }[];
}

/** The evidence of MFA enforcement for one member: what is required, what is enrolled, and whether that meets it. */
export interface MfaStatus {
  requirement: MfaRequirement;
  enrolled: { password: boolean; totp: boolean; recoveryCodes: number };
  /** Whether the enrolled factors can produce a sign-in that meets the level (recovery codes are a fallback, not an enrollment). */
  compliant: boolean;
}

/** Read-only answers about authentication policy, for the admin API and the compliance evidence. */
export function createAuthnPolicyQueries(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  async function requireOrg(ref: string) {
    const org = await findOrganizationByRef(db, ref);
    if (!org) throw new KeyledgerError('organization.not_found', `no organization with id or slug "${ref}"`);
    return org;
  }

  return {
    /** The password, session and MFA policies in force in an organization, defaults filled in. Throws `organization.not_found`. */
    async describeAuthnPolicy(orgRef: string): Promise<AuthnPolicy> {
      const org = await requireOrg(orgRef);
      const settings = JSON.parse(org.settings) as Record<string, unknown>;
      const mfa = readMfaSettings(settings);
      const roles = await findRolesWithMfaPolicy(db, org.id);
      return {
        passwordPolicy: passwordPolicyOf(org),
        sessionPolicy: resolveSessionPolicy(settings),
        ...mfa,
        roleMfaPolicies: roles.map((r) => ({ roleKey: r.key, mfaPolicy: r.mfa_policy as MfaPolicy })),
      };
    },

    /**
     * A member's MFA requirement in an organization (see `loadMfaRequirement`),
     * the factors they have enrolled, and whether those can meet it. Throws
     * `user.not_found`, `organization.not_found` or `membership.not_found`.
     */
    async getMfaStatus(userId: string, orgRef: string): Promise<MfaStatus> {
      if (!(await findUserById(db, userId))) throw new KeyledgerError('user.not_found', `no user with id "${userId}"`);
      const org = await requireOrg(orgRef);
      const requirement = await loadMfaRequirement(db, { userId, orgId: org.id, now: clock.now() });
      const password = (await repo.findPasswordCredentialByUserId(db, userId)) !== undefined;
      const totp = (await repo.findActiveTotpFactorByUserId(db, userId)) !== undefined;
      const { remaining } = await repo.summarizeRecoveryCodesByUserId(db, userId);
      // The methods a sign-in with the enrolled factors would record.
      const reachable = [...(password ? ['pwd'] : []), ...(totp ? ['otp'] : [])];
      return { requirement, enrolled: { password, totp, recoveryCodes: remaining }, compliant: satisfiesMfa(requirement.level, reachable) };
    },
  };
}

export type AuthnPolicyQueries = ReturnType<typeof createAuthnPolicyQueries>;
