import type { Db } from '../../../platform/database.ts';
import type { Clock } from '../../../platform/clock.ts';
import type { Condition, FindingRule } from '../condition.ts';
import { eventIdsByTarget } from './evidence.ts';
import { usersWithPasskey } from './member-without-required-mfa.ts';

/**
 * `privileged_without_phishing_resistant_mfa` (high): an active user holding
 * a privileged role through an assignment in force now — standing, or a
 * just-in-time activation — with no passkey, so nothing phishing-resistant
 * protects the privilege. One finding per user and organization, since the
 * earliest such assignment; it clears when the user registers a passkey or no
 * longer holds a privileged role. Service accounts are covered by the
 * credential rules instead. Cites the grant and activation events.
 */
export function privilegedWithoutPhishingResistantMfaRule(deps: { db: Db; clock: Clock }): FindingRule {
  const { db, clock } = deps;
  return {
    name: 'privileged_without_phishing_resistant_mfa',
    scope: 'organization',
    types: ['privileged_without_phishing_resistant_mfa'],
    async list(orgId) {
      if (orgId === null) return [];
      const now = clock.now().toISOString();
      const rows = await db
        .selectFrom('role_assignments')
        .innerJoin('roles', 'roles.id', 'role_assignments.role_id')
        .innerJoin('users', 'users.id', 'role_assignments.principal_id')
        .select(['role_assignments.id', 'role_assignments.principal_id', 'role_assignments.kind', 'role_assignments.created_at', 'roles.key', 'users.email'])
        .where('role_assignments.org_id', '=', orgId)
        .where('role_assignments.principal_type', '=', 'user')
        .where('role_assignments.ended_at', 'is', null)
        .where((eb) => eb.or([eb('role_assignments.expires_at', 'is', null), eb('role_assignments.expires_at', '>', now)]))
        .where('roles.privileged', '=', 1)
        .where('users.status', '=', 'active')
        .orderBy('role_assignments.created_at')
        .orderBy('role_assignments.id')
        .execute();
      if (rows.length === 0) return [];
      const withPasskey = await usersWithPasskey(db, [...new Set(rows.map((r) => r.principal_id))]);
      const byUser = new Map<string, typeof rows>();
      for (const r of rows) if (!withPasskey.has(r.principal_id)) byUser.set(r.principal_id, [...(byUser.get(r.principal_id) ?? []), r]);
      if (byUser.size === 0) return [];
      const held = [...byUser.values()].flat();
      const events = await eventIdsByTarget(db, 'role_assignment', held.map((r) => r.id), ['access.assignment.granted', 'access.elevation.activated']);
      return [...byUser.entries()].map(([userId, assignments]): Condition => ({
        type: 'privileged_without_phishing_resistant_mfa',
        severity: 'high',
        orgId,
        subject: { type: 'user', id: userId, display: assignments[0].email },
        since: assignments[0].created_at,
        summary: `${assignments[0].email} holds privileged role(s) ${[...new Set(assignments.map((a) => `${a.key} (${a.kind})`))].join(', ')} without a passkey: register one so the privilege needs a phishing-resistant sign-in`,
        eventIds: assignments.flatMap((a) => events.get(a.id) ?? []),
      }));
    },
  };
}
