import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { IdentityService } from '../identity/service.ts';
import type { AccessFinding } from './findings.ts';

/**
 * Elevation findings of an organization, computed from the assignments active now:
 * - `standing_privileged_assignment`: a standing (not just-in-time) assignment of a privileged
 *   role whose definition does not accept standing holders (`allowStanding` false). Severity
 *   `high` when it never ends by itself, `medium` when it has an expiry. It cites the ledger
 *   event that granted it.
 */
export function createElevationFindings(deps: { db: Db; clock: Clock; identity: IdentityService }) {
  const { db, clock, identity } = deps;
  return {
    /** Throws `organization.not_found`. */
    async listElevationFindings(orgRef: string): Promise<AccessFinding[]> {
      const org = await identity.requireOrg(orgRef);
      const now = clock.now().toISOString();
      const rows = await db
        .selectFrom('role_assignments')
        .innerJoin('roles', 'roles.id', 'role_assignments.role_id')
        .select(['role_assignments.id', 'role_assignments.principal_type', 'role_assignments.principal_id', 'role_assignments.created_at', 'role_assignments.expires_at', 'roles.key as role_key'])
        .where('role_assignments.org_id', '=', org.id)
        .where('role_assignments.kind', '=', 'standing')
        .where('role_assignments.ended_at', 'is', null)
        .where((eb) => eb.or([eb('role_assignments.expires_at', 'is', null), eb('role_assignments.expires_at', '>', now)]))
        .where('roles.privileged', '=', 1)
        .where('roles.allow_standing', '=', 0)
        .orderBy('role_assignments.id')
        .execute();
      if (rows.length === 0) return [];
      const grants = await db
        .selectFrom('audit_event_targets')
        .innerJoin('audit_events', 'audit_events.seq', 'audit_event_targets.seq')
        .select(['audit_event_targets.target_id', 'audit_events.id'])
        .where('audit_event_targets.target_type', '=', 'role_assignment')
        .where('audit_event_targets.target_id', 'in', rows.map((r) => r.id))
        .where('audit_events.action', '=', 'access.assignment.granted')
        .execute();
      const eventsOf = new Map<string, string[]>();
      for (const g of grants) eventsOf.set(g.target_id, [...(eventsOf.get(g.target_id) ?? []), g.id]);
      return rows.map((r) => ({
        type: 'standing_privileged_assignment',
        severity: r.expires_at === null ? 'high' : 'medium',
        orgId: org.id,
        subject: { type: 'role_assignment', id: r.id, display: r.role_key },
        since: r.created_at,
        summary: `${r.principal_type} ${r.principal_id} holds the privileged role "${r.role_key}" standing (${r.expires_at ? `until ${r.expires_at}` : 'with no end'}); the role does not allow standing holders: make the holder eligible and let them activate it just in time`,
        eventIds: eventsOf.get(r.id) ?? [],
      }));
    },
  };
}
