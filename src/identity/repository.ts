import { sql, type SqlBool } from 'kysely';
import type { Db } from '../platform/database.ts';
import type { Trx } from '../audit/command-runner.ts';
import type { OrganizationRow, UserRow } from '../platform/schema.ts';

type Reader = Db | Trx;

/** An organization by id or slug. */
export function findOrganizationByRef(db: Reader, ref: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where((eb) => eb.or([eb('id', '=', ref), eb('slug', '=', ref)])).executeTakeFirst();
}

export function findUserById(db: Reader, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findUserByEmail(db: Reader, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export function findMembership(db: Reader, orgId: string, userId: string) {
  return db.selectFrom('memberships').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
}

/** Walks up the management chain from `managerId`; true when it reaches `userId` (a cycle). */
export async function managerChainContains(db: Reader, managerId: string, userId: string): Promise<boolean> {
  let current: string | null = managerId;
  for (let depth = 0; current && depth < 1000; depth++) {
    if (current === userId) return true;
    const row: { manager_id: string | null } | undefined = await db.selectFrom('users').select('manager_id').where('id', '=', current).executeTakeFirst();
    current = row?.manager_id ?? null;
  }
  return false;
}

export interface UserFilter {
  orgId?: string;
  status?: UserRow['status'];
  email?: string;
  department?: string;
  managerId?: string;
  /** A case-insensitive substring of the email address or the name. */
  q?: string;
  afterId?: string;
}

/** Escapes a value for a LIKE pattern whose escape character is a backslash, so `%` and `_` match themselves. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function listUsers(db: Reader, filter: UserFilter, limit: number): Promise<UserRow[]> {
  let q = db.selectFrom('users').selectAll('users');
  if (filter.orgId) {
    const orgId = filter.orgId;
    q = q.where('users.id', 'in', (eb) => eb.selectFrom('memberships').select('user_id').where('org_id', '=', orgId));
  }
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.email) q = q.where('email', '=', filter.email.toLowerCase());
  if (filter.department) q = q.where('department', '=', filter.department);
  if (filter.managerId) q = q.where('manager_id', '=', filter.managerId);
  if (filter.q) {
    // Both sides lowered by the database, so the comparison folds case the same way on each dialect
    // (SQLite's lower() folds ASCII only; PostgreSQL's folds Unicode). A scan: no index serves `%…%`.
    const pattern = `%${escapeLike(filter.q)}%`;
    q = q.where((eb) => eb.or([sql<SqlBool>`lower(users.email) like lower(${pattern}) escape '\\'`, sql<SqlBool>`lower(users.name) like lower(${pattern}) escape '\\'`]));
  }
  if (filter.afterId) q = q.where('users.id', '>', filter.afterId);
  return q.orderBy('users.id').limit(limit).execute();
}

/** The organizations `userId` is a member of, with when they joined, ordered by organization id (after `afterOrgId`). */
export function findMembershipsByUserId(db: Reader, userId: string, afterOrgId: string | undefined, limit: number) {
  let q = db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
    .select(['organizations.id as id', 'organizations.slug as slug', 'organizations.name as name', 'memberships.created_at as joined_at'])
    .where('memberships.user_id', '=', userId);
  if (afterOrgId) q = q.where('organizations.id', '>', afterOrgId);
  return q.orderBy('organizations.id').limit(limit).execute();
}
