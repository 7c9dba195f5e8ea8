import type { Db } from '../../platform/database.ts';
import type { Trx } from '../../audit/command-runner.ts';
import type { OidcApplicationRow } from '../../platform/schema.ts';

type Reader = Db | Trx;

/** An application of an organization by id. */
export function findApplicationInOrg(db: Reader, orgId: string, id: string): Promise<OidcApplicationRow | undefined> {
  return db.selectFrom('oidc_applications').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/**
 * Reads an application for a change, after touching its row so that it is
 * locked for the rest of the transaction: on PostgreSQL a concurrent change
 * (two rotations at once) waits and then reads what this one committed,
 * instead of both starting from the same secret. SQLite runs write
 * transactions one at a time anyway.
 */
export async function lockApplicationInOrg(trx: Trx, orgId: string, id: string, now: string): Promise<OidcApplicationRow | undefined> {
  const touched = await trx.updateTable('oidc_applications').set({ updated_at: now }).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  if (Number(touched.numUpdatedRows) === 0) return undefined;
  return findApplicationInOrg(trx, orgId, id);
}

/**
 * The active application with this client id, only while its organization
 * exists: one query on the unique client_id index (it runs on every token request).
 */
export function findActiveApplicationByClientId(db: Reader, clientId: string): Promise<OidcApplicationRow | undefined> {
  return db
    .selectFrom('oidc_applications')
    .innerJoin('organizations', 'organizations.id', 'oidc_applications.org_id')
    .selectAll('oidc_applications')
    .where('oidc_applications.client_id', '=', clientId)
    .where('oidc_applications.status', '=', 'active')
    .executeTakeFirst();
}

/** The applications of an organization after `afterId`, by id. */
export function listApplicationsByOrg(db: Reader, orgId: string, afterId: string | undefined, limit: number): Promise<OidcApplicationRow[]> {
  let q = db.selectFrom('oidc_applications').selectAll().where('org_id', '=', orgId);
  if (afterId) q = q.where('id', '>', afterId);
  return q.orderBy('id').limit(limit).execute();
}
