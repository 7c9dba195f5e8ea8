import type { Db } from '../../../platform/database.ts';
import type { Clock } from '../../../platform/clock.ts';
import { readMfaSettings } from '../../../identity/organization-settings.ts';
import { resolveMfaRequirement } from '../../../authn/mfa-policy.ts';
import type { Condition, FindingRule } from '../condition.ts';
import { chunks, eventIdsByTarget } from './evidence.ts';

/** Active members of an organization with their membership's start. */
export async function listActiveMembers(db: Db, orgId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.id as membership_id', 'memberships.created_at as member_since', 'users.id as user_id', 'users.email', 'users.created_at as user_created_at'])
    .where('memberships.org_id', '=', orgId)
    .where('users.status', '=', 'active')
    .orderBy('users.id')
    .execute();
}

/** The ids among `userIds` holding a passkey that is not removed. */
export async function usersWithPasskey(db: Db, userIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(userIds)) {
    const rows = await db.selectFrom('passkey_credentials').select('user_id').where('user_id', 'in', part).where('removed_at', 'is', null).execute();
    for (const r of rows) out.add(r.user_id);
  }
  return out;
}

async function usersWithTotp(db: Db, userIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(userIds)) {
    const rows = await db.selectFrom('totp_factors').select('user_id').where('user_id', 'in', part).where('status', '=', 'active').execute();
    for (const r of rows) out.add(r.user_id);
  }
  return out;
}

/**
 * `member_without_required_mfa` (high): an active member whose MFA requirement
 * (the strictest of the organization's `mfaPolicy` and the policies of the
 * roles they hold, as sign-in resolves it) is `required` or
 * `phishing_resistant`, whose enrollment grace period is over, and who has no
 * second factor that can meet it enrolled: `required` is met by an active
 * TOTP authenticator or a passkey, `phishing_resistant` only by a passkey.
 * It clears when the member enrolls one, leaves, is deactivated, or the
 * policy is lowered. Cites the membership's creation and the factor removals
 * that left the member without one.
 */
export function memberWithoutRequiredMfaRule(deps: { db: Db; clock: Clock }): FindingRule {
  const { db, clock } = deps;
  return {
    name: 'member_without_required_mfa',
    scope: 'organization',
    types: ['member_without_required_mfa'],
    async list(orgId) {
      if (orgId === null) return [];
      const now = clock.now();
      const org = await db.selectFrom('organizations').select(['id', 'settings']).where('id', '=', orgId).executeTakeFirst();
      if (!org) return [];
      const raw = JSON.parse(org.settings) as Record<string, unknown>;
      const settings = readMfaSettings(raw);
      const members = await listActiveMembers(db, orgId);
      if (members.length === 0) return [];
      const roles = await db
        .selectFrom('role_assignments')
        .innerJoin('roles', 'roles.id', 'role_assignments.role_id')
        .select(['role_assignments.principal_id', 'roles.key', 'roles.mfa_policy'])
        .where('role_assignments.org_id', '=', orgId)
        .where('role_assignments.principal_type', '=', 'user')
        .where('role_assignments.ended_at', 'is', null)
        .where((eb) => eb.or([eb('role_assignments.expires_at', 'is', null), eb('role_assignments.expires_at', '>', now.toISOString())]))
        .where('roles.mfa_policy', 'is not', null)
        .execute();
      const rolesOf = new Map<string, { key: string; mfaPolicy: 'optional' | 'required' | 'phishing_resistant' | null }[]>();
      for (const r of roles) rolesOf.set(r.principal_id, [...(rolesOf.get(r.principal_id) ?? []), { key: r.key, mfaPolicy: r.mfa_policy }]);
      const ids = members.map((m) => m.user_id);
      const [totp, passkey] = await Promise.all([usersWithTotp(db, ids), usersWithPasskey(db, ids)]);
      const gaps: { member: (typeof members)[number]; level: string; source: string; since: string }[] = [];
      for (const m of members) {
        const req = resolveMfaRequirement({ orgPolicy: raw.mfaPolicy === undefined ? null : settings.mfaPolicy, rolePolicies: rolesOf.get(m.user_id) ?? [], graceStartedAt: m.member_since, graceDays: settings.mfaGracePeriodDays, now });
        if (req.level === 'optional' || req.inGrace) continue;
        const met = req.level === 'phishing_resistant' ? passkey.has(m.user_id) : totp.has(m.user_id) || passkey.has(m.user_id);
        if (!met) gaps.push({ member: m, level: req.level, source: req.source, since: req.graceEndsAt ?? m.member_since });
      }
      if (gaps.length === 0) return [];
      const [joined, removals] = await Promise.all([
        eventIdsByTarget(db, 'user', gaps.map((g) => g.member.user_id), ['identity.membership.created'], orgId),
        eventIdsByTarget(db, 'user', gaps.map((g) => g.member.user_id), ['authn.totp.removed', 'authn.factors.reset', 'authn.passkey.removed']),
      ]);
      return gaps.map(({ member, level, source, since }): Condition => ({
        type: 'member_without_required_mfa',
        severity: 'high',
        orgId,
        subject: { type: 'user', id: member.user_id, display: member.email },
        since,
        summary: `${member.email} must use ${level === 'phishing_resistant' ? 'phishing-resistant MFA (a passkey)' : 'MFA'} (policy from ${source}) and has ${level === 'phishing_resistant' ? 'no passkey' : 'no TOTP authenticator or passkey'} enrolled; the grace period ended ${since}`,
        eventIds: [...(joined.get(member.user_id) ?? []).slice(-1), ...(removals.get(member.user_id) ?? [])],
      }));
    },
  };
}
