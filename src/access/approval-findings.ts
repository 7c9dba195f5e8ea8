import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { LedgerQueries } from '../audit/ledger-queries.ts';
import type { AccessFinding } from './findings.ts';

/** Granters whose grants of non-privileged roles are the identity provider's decision, not an administrator's. */
export const DIRECTORY_GRANTERS = new Set(['scim_directory', 'sso_connection']);

/**
 * `grant_without_approval`: every assignment active now that no approval
 * authorized — no approval reference and not granted through an approved
 * request — granted by an administrator (API key or user), the platform or a
 * service account. Directory grants (SCIM groups, SSO group rules) of
 * non-privileged roles are not findings; of privileged roles they are. Each
 * finding cites the grant's `access.assignment.granted` event. High severity
 * for a privileged role, medium otherwise.
 */
export async function listApprovalFindings(deps: { db: Db; clock: Clock; ledger: LedgerQueries }, orgId: string): Promise<AccessFinding[]> {
  const now = deps.clock.now().toISOString();
  const rows = await deps.db
    .selectFrom('role_assignments')
    .innerJoin('roles', 'roles.id', 'role_assignments.role_id')
    .select(['role_assignments.id', 'role_assignments.principal_type', 'role_assignments.principal_id', 'role_assignments.granted_by_type', 'role_assignments.granted_by_id', 'role_assignments.created_at', 'roles.key as role_key', 'roles.privileged'])
    .where('role_assignments.org_id', '=', orgId)
    .where('role_assignments.ended_at', 'is', null)
    .where((eb) => eb.or([eb('role_assignments.expires_at', 'is', null), eb('role_assignments.expires_at', '>', now)]))
    .where('role_assignments.approval_ref', 'is', null)
    .where('role_assignments.request_id', 'is', null)
    .orderBy('role_assignments.id')
    .execute();
  const findings: AccessFinding[] = [];
  for (const a of rows) {
    const privileged = a.privileged === 1;
    if (DIRECTORY_GRANTERS.has(a.granted_by_type) && !privileged) continue;
    const { events } = await deps.ledger.listEvents({ targetId: a.id, actionPrefix: 'access.assignment.granted', orgId }, { limit: 1 });
    findings.push({
      type: 'grant_without_approval',
      severity: privileged ? 'high' : 'medium',
      orgId,
      subject: { type: 'role_assignment', id: a.id, display: a.role_key },
      since: a.created_at,
      summary: `${a.principal_type} ${a.principal_id} holds ${privileged ? 'privileged ' : ''}role ${a.role_key}, granted by ${a.granted_by_type} ${a.granted_by_id} on ${a.created_at} without an approval reference or an approved request`,
      eventIds: events.map((e) => e.id),
    });
  }
  return findings;
}
