import type { Db } from '../platform/database.ts';
import type { Trx } from '../audit/command-runner.ts';
import type { RoleAssignmentRow, RoleRow } from '../platform/schema.ts';

type Reader = Db | Trx;

/** A role of an organization by id or key. */
export function findRoleByRef(db: Reader, orgId: string, ref: string): Promise<RoleRow | undefined> {
  return db
    .selectFrom('roles')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('id', '=', ref), eb('key', '=', ref)]))
    .executeTakeFirst();
}

/** Assignments not ended and not expired at `now`. */
export function findActiveAssignments(db: Reader, now: string, criteria: { roleId?: string; orgId?: string; principalType?: string; principalId?: string }): Promise<RoleAssignmentRow[]> {
  let q = db
    .selectFrom('role_assignments')
    .selectAll()
    .where('ended_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  if (criteria.roleId) q = q.where('role_id', '=', criteria.roleId);
  if (criteria.orgId) q = q.where('org_id', '=', criteria.orgId);
  if (criteria.principalType) q = q.where('principal_type', '=', criteria.principalType as RoleAssignmentRow['principal_type']);
  if (criteria.principalId) q = q.where('principal_id', '=', criteria.principalId);
  return q.orderBy('id').execute();
}

export interface AssignmentFilter {
  orgId: string;
  roleId?: string;
  principalId?: string;
  /** Only assignments active at this time. */
  activeAt?: string;
  /** Only assignments no longer active at this time (ended, or expired by then). */
  inactiveAt?: string;
  afterId?: string;
}

export function listAssignments(db: Reader, f: AssignmentFilter, limit: number): Promise<RoleAssignmentRow[]> {
  let q = db.selectFrom('role_assignments').selectAll().where('org_id', '=', f.orgId);
  if (f.roleId) q = q.where('role_id', '=', f.roleId);
  if (f.principalId) q = q.where('principal_id', '=', f.principalId);
  if (f.activeAt) {
    const at = f.activeAt;
    q = q.where('ended_at', 'is', null).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]));
  }
  if (f.inactiveAt) {
    const at = f.inactiveAt;
    q = q.where((eb) => eb.or([eb('ended_at', 'is not', null), eb('expires_at', '<=', at)]));
  }
  if (f.afterId) q = q.where('id', '>', f.afterId);
  return q.orderBy('id').limit(limit).execute();
}

/** The roles a principal holds in an organization through assignments active at `now` (not ended, not expired), by key. */
export function findActiveRolesByPrincipal(db: Reader, now: string, criteria: { orgId: string; principalType: RoleAssignmentRow['principal_type']; principalId: string }): Promise<RoleRow[]> {
  return db
    .selectFrom('roles')
    .selectAll('roles')
    .innerJoin('role_assignments', 'role_assignments.role_id', 'roles.id')
    .where('role_assignments.org_id', '=', criteria.orgId)
    .where('role_assignments.principal_type', '=', criteria.principalType)
    .where('role_assignments.principal_id', '=', criteria.principalId)
    .where('role_assignments.ended_at', 'is', null)
    .where((eb) => eb.or([eb('role_assignments.expires_at', 'is', null), eb('role_assignments.expires_at', '>', now)]))
    .distinct()
    .orderBy('roles.key')
    .execute();
}

/** Every role of an organization that sets its own MFA policy, by key. */
export function findRolesWithMfaPolicy(db: Reader, orgId: string): Promise<RoleRow[]> {
  return db.selectFrom('roles').selectAll().where('org_id', '=', orgId).where('mfa_policy', 'is not', null).orderBy('key').execute();
}

/** A principal's assignments active at `now`, with their role's key, privileged flag and permissions, across organizations. */
export function findActiveAssignmentsWithRoles(db: Reader, now: string, criteria: { principalType: RoleAssignmentRow['principal_type']; principalId: string }) {
  return db
    .selectFrom('role_assignments')
    .innerJoin('roles', 'roles.id', 'role_assignments.role_id')
    .select(['role_assignments.id', 'role_assignments.org_id', 'role_assignments.role_id', 'role_assignments.expires_at', 'roles.key as role_key', 'roles.privileged', 'roles.permissions'])
    .where('role_assignments.principal_type', '=', criteria.principalType)
    .where('role_assignments.principal_id', '=', criteria.principalId)
    .where('role_assignments.ended_at', 'is', null)
    .where((eb) => eb.or([eb('role_assignments.expires_at', 'is', null), eb('role_assignments.expires_at', '>', now)]))
    .orderBy('role_assignments.id')
    .execute();
}

/** The assignments active at `now` in one organization of any of `principalIds`, with their role's key, privileged flag and permissions. */
export function findActiveAssignmentsWithRolesInOrg(db: Reader, now: string, criteria: { orgId: string; principalType: RoleAssignmentRow['principal_type']; principalIds: readonly string[] }) {
  return db
    .selectFrom('role_assignments')
    .innerJoin('roles', 'roles.id', 'role_assignments.role_id')
    .select(['role_assignments.id', 'role_assignments.org_id', 'role_assignments.role_id', 'role_assignments.principal_id', 'role_assignments.expires_at', 'roles.key as role_key', 'roles.privileged', 'roles.permissions'])
    .where('role_assignments.org_id', '=', criteria.orgId)
    .where('role_assignments.principal_type', '=', criteria.principalType)
    .where('role_assignments.principal_id', 'in', [...criteria.principalIds])
    .where('role_assignments.ended_at', 'is', null)
    .where((eb) => eb.or([eb('role_assignments.expires_at', 'is', null), eb('role_assignments.expires_at', '>', now)]))
    .orderBy('roles.key')
    .orderBy('role_assignments.id')
    .execute();
}
