import { sql } from 'kysely';
import type { Db } from '../platform/database.ts';
import { dialectOf } from '../platform/database.ts';
import type { Trx } from '../audit/command-runner.ts';
import type { ServiceAccountCredentialRow, ServiceAccountRow } from '../platform/schema.ts';

type Reader = Db | Trx;

export function findServiceAccountInOrg(db: Reader, orgId: string, id: string): Promise<ServiceAccountRow | undefined> {
  return db.selectFrom('service_accounts').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/**
 * Holds the account's row until the transaction ends, so that two commands
 * counting its active credentials cannot both add one (PostgreSQL; SQLite
 * runs one write transaction at a time already).
 */
export async function lockServiceAccount(trx: Trx, id: string): Promise<void> {
  if (dialectOf(trx as unknown as Db) === 'postgres') await sql`select id from service_accounts where id = ${id} for update`.execute(trx);
}

/** Accounts (not deleted) whose owner is `userId`, in one organization or in all. */
export function findOwnedServiceAccounts(db: Reader, userId: string, orgId?: string): Promise<ServiceAccountRow[]> {
  let q = db.selectFrom('service_accounts').selectAll().where('owner_user_id', '=', userId).where('status', '!=', 'deleted');
  if (orgId) q = q.where('org_id', '=', orgId);
  return q.orderBy('id').execute();
}

export function findCredential(db: Reader, serviceAccountId: string, id: string): Promise<ServiceAccountCredentialRow | undefined> {
  return db.selectFrom('service_account_credentials').selectAll().where('service_account_id', '=', serviceAccountId).where('id', '=', id).executeTakeFirst();
}

/** Every credential of an account, newest first. */
export function listCredentials(db: Reader, serviceAccountId: string): Promise<ServiceAccountCredentialRow[]> {
  return db.selectFrom('service_account_credentials').selectAll().where('service_account_id', '=', serviceAccountId).orderBy('id', 'desc').execute();
}

/** Credentials of an account not yet revoked (some may have expired). */
export function listUnrevokedCredentials(db: Reader, serviceAccountId: string): Promise<ServiceAccountCredentialRow[]> {
  return db.selectFrom('service_account_credentials').selectAll().where('service_account_id', '=', serviceAccountId).where('revoked_at', 'is', null).orderBy('id').execute();
}

export function findCredentialByThumbprint(db: Reader, thumbprint: string): Promise<{ id: string } | undefined> {
  return db.selectFrom('service_account_credentials').select('id').where('thumbprint', '=', thumbprint).executeTakeFirst();
}

export async function revokeCredentialRow(trx: Trx, id: string, time: string, reason: string | null): Promise<void> {
  await trx.updateTable('service_account_credentials').set({ revoked_at: time, revoke_reason: reason }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}
