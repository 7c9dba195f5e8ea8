import type { Db } from '../platform/database.ts';
import type { Trx } from '../audit/command-runner.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { MFA_POLICIES, readMfaSettings, type MfaPolicy } from '../identity/organization-settings.ts';
import { findMembership, findOrganizationByRef } from '../identity/repository.ts';
import { findActiveRolesByPrincipal } from '../access/repository.ts';
import { ACR_MFA, ACR_PASSWORD, ACR_PHISHING_RESISTANT } from './acr.ts';

export { MFA_POLICIES, type MfaPolicy };

/** Where the requirement in force comes from: the organization, one of the user's roles, or nothing set. */
export type MfaRequirementSource = 'organization' | `role:${string}` | 'default';

/** The MFA a user must meet in an organization, and whether they are still inside the enrollment grace period. */
export interface MfaRequirement {
  level: MfaPolicy;
  source: MfaRequirementSource;
  /** When enforcement begins for this user (grace start + grace days); null when the level is optional or there is no grace start. */
  graceEndsAt: string | null;
  /** True while `now` is before `graceEndsAt`: the user may still sign in without meeting the level, to enroll. */
  inGrace: boolean;
}

export interface MfaRequirementInput {
  /** The organization's `mfaPolicy`, or null/undefined when it sets none. */
  orgPolicy: MfaPolicy | null | undefined;
  /** The user's active roles in the organization; a null `mfaPolicy` means the role sets none. */
  rolePolicies: ReadonlyArray<{ key: string; mfaPolicy: MfaPolicy | null }>;
  /** When the grace period started (the membership's creation), or null for none. */
  graceStartedAt: string | null;
  /** Grace length in whole days (0–90); 0 means enforced at once. */
  graceDays: number;
  now: Date;
}

const RANK: Record<MfaPolicy, number> = { optional: 0, required: 1, phishing_resistant: 2 };
const DAY_MS = 86_400_000;

function checkLevel(level: unknown, what: string): MfaPolicy {
  // An unknown level read as "optional" would weaken the control unnoticed.
  if (!(MFA_POLICIES as readonly unknown[]).includes(level)) throw new RangeError(`${what} must be one of ${MFA_POLICIES.join(', ')}, got ${JSON.stringify(level)}`);
  return level as MfaPolicy;
}

/**
 * The MFA requirement in force: the strictest of the organization's policy and
 * the user's role policies (optional < required < phishing_resistant). On a
 * tie the organization is named first, then roles in key order; with nothing
 * set the level is `optional` from `default`.
 *
 * Grace: for a level above optional, enforcement starts `graceDays` whole days
 * after `graceStartedAt`; `inGrace` is true strictly before that instant (at
 * it, the user is enforced, like every other expiry here).
 *
 * Pure. Requires an integer `graceDays` in 0–90, a valid `now`, known levels
 * and a parseable `graceStartedAt`; throws RangeError otherwise (a caller bug,
 * not user input: settings are checked when saved).
 */
export function resolveMfaRequirement(input: MfaRequirementInput): MfaRequirement {
  const { graceDays, now } = input;
  if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > 90) throw new RangeError(`graceDays must be an integer between 0 and 90, got ${graceDays}`);
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new RangeError('now must be a valid Date');
  let level: MfaPolicy = 'optional';
  let source: MfaRequirementSource = 'default';
  let found = false;
  const consider = (candidate: MfaPolicy, from: MfaRequirementSource) => {
    // Strictly stricter replaces; ties keep the earlier source (organization, then roles by key).
    if (!found || RANK[candidate] > RANK[level]) {
      level = candidate;
      source = from;
      found = true;
    }
  };
  if (input.orgPolicy !== null && input.orgPolicy !== undefined) consider(checkLevel(input.orgPolicy, 'orgPolicy'), 'organization');
  const roles = [...input.rolePolicies].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const role of roles) if (role.mfaPolicy !== null && role.mfaPolicy !== undefined) consider(checkLevel(role.mfaPolicy, `role "${role.key}" mfaPolicy`), `role:${role.key}`);

  if (level === 'optional' || input.graceStartedAt === null) return { level, source, graceEndsAt: null, inGrace: false };
  const started = Date.parse(input.graceStartedAt);
  if (Number.isNaN(started)) throw new RangeError(`graceStartedAt must be an RFC 3339 time, got ${JSON.stringify(input.graceStartedAt)}`);
  const graceEndsAt = new Date(started + graceDays * DAY_MS);
  return { level, source, graceEndsAt: graceEndsAt.toISOString(), inGrace: now.getTime() < graceEndsAt.getTime() };
}

/** RFC 8176 values of something the user has; 'hwk'/'swk' are keys (passkeys, security keys). */
const POSSESSION = new Set(['otp', 'hwk', 'swk', 'sc']);
/** Values of something the user knows or is, or the local user verification a passkey performs. */
const OTHER_FACTOR = new Set(['pwd', 'pin', 'kba', 'user', 'fpt', 'face', 'iris', 'retina', 'vbm']);
const KEYS = new Set(['hwk', 'swk']);

/**
 * Whether a session's methods (RFC 8176 amr) meet an MFA level.
 *
 * - optional: always.
 * - required: two factors: something possessed ('otp' — TOTP or recovery
 *   code —, 'hwk', 'swk', 'sc') together with a password, PIN, biometric or
 *   user verification ('pwd', 'user', 'pin', 'fpt'…); or 'mfa' asserted
 *   by an upstream identity provider.
 * - phishing_resistant: a key bound to the origin ('hwk' or 'swk', i.e. a
 *   passkey) that also meets `required` (a passkey with user verification
 *   gives ["hwk","user"]). An upstream 'mfa' claim does not count: it does not
 *   say the factor was phishing-resistant.
 *
 * Pure; unknown amr values count for nothing.
 */
export function satisfiesMfa(level: MfaPolicy, amr: readonly string[]): boolean {
  checkLevel(level, 'level');
  const methods = new Set(amr);
  const has = (set: Set<string>) => [...methods].some((m) => set.has(m));
  const twoFactors = (has(POSSESSION) && has(OTHER_FACTOR)) || methods.has('mfa');
  if (level === 'optional') return true;
  if (level === 'required') return twoFactors;
  return has(KEYS) && has(OTHER_FACTOR);
}

/** The acr a session with these methods reached: phishing-resistant, MFA, or password only. Pure. */
export function acrForAmr(amr: readonly string[]): string {
  if (satisfiesMfa('phishing_resistant', amr)) return ACR_PHISHING_RESISTANT;
  if (satisfiesMfa('required', amr)) return ACR_MFA;
  return ACR_PASSWORD;
}

/**
 * The MFA requirement of a user in an organization, from the stored state at
 * `now`: the organization's `mfaPolicy` and `mfaGracePeriodDays`, the
 * policies of the roles the user holds there through assignments that are
 * neither ended nor expired, and the membership's creation as grace start.
 * With `orgId` null (a sign-in outside any organization) the requirement is
 * the default (optional). Runs on a transaction too, so a login can decide in
 * the same snapshot it commits in. Throws `organization.not_found` or
 * `membership.not_found`.
 */
export async function loadMfaRequirement(db: Db | Trx, input: { userId: string; orgId: string | null; now: Date }): Promise<MfaRequirement> {
  const { userId, orgId, now } = input;
  if (orgId === null) return resolveMfaRequirement({ orgPolicy: null, rolePolicies: [], graceStartedAt: null, graceDays: 0, now });
  const org = await findOrganizationByRef(db, orgId);
  if (!org) throw new KeyledgerError('organization.not_found', `no organization with id or slug "${orgId}"`);
  const membership = await findMembership(db, org.id, userId);
  // Requirements are about members; a non-member has none here and cannot sign in to it anyway.
  if (!membership) throw new KeyledgerError('membership.not_found', `user "${userId}" is not a member of "${org.slug}"`);
  const raw = JSON.parse(org.settings) as Record<string, unknown>;
  const settings = readMfaSettings(raw);
  const roles = await findActiveRolesByPrincipal(db, now.toISOString(), { orgId: org.id, principalType: 'user', principalId: userId });
  return resolveMfaRequirement({
    // Unset is not the same as "optional" set on purpose: the source says which.
    orgPolicy: raw.mfaPolicy === undefined ? null : settings.mfaPolicy,
    rolePolicies: roles.map((r) => ({ key: r.key, mfaPolicy: r.mfa_policy })),
    graceStartedAt: membership.created_at,
    graceDays: settings.mfaGracePeriodDays,
    now,
  });
}
