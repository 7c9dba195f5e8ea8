import type { Db } from '../../platform/database.ts';
import type { Trx } from '../../audit/command-runner.ts';
import type { EmailTokenRow, InvitationRow } from '../../platform/schema.ts';

type Reader = Db | Trx;

/** The lifecycle state of an invitation, derived from its timestamps at a given time. */
export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export function insertInvitation(trx: Trx, row: InvitationRow): Promise<unknown> {
  return trx.insertInto('invitations').values(row).execute();
}

export function findInvitationByTokenHash(db: Reader, tokenHash: string): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export function findInvitationByIdAndOrgId(db: Reader, id: string, orgId: string): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
}

/** Invitations of this address to this organization that could still be accepted at `time`. */
export function listPendingInvitationsByOrgIdAndEmail(db: Reader, orgId: string, email: string, time: string): Promise<InvitationRow[]> {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('email', '=', email)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', time)
    .orderBy('id')
    .execute();
}

/** An organization's invitations in id (creation) order, optionally in one status at `time`. */
export function listInvitationsByOrgId(db: Reader, orgId: string, filter: { status?: InvitationStatus; time: string; afterId?: string }, limit: number): Promise<InvitationRow[]> {
  let q = db.selectFrom('invitations').selectAll().where('org_id', '=', orgId);
  if (filter.status === 'accepted') q = q.where('accepted_at', 'is not', null);
  if (filter.status === 'revoked') q = q.where('revoked_at', 'is not', null);
  if (filter.status === 'pending') q = q.where('accepted_at', 'is', null).where('revoked_at', 'is', null).where('expires_at', '>', filter.time);
  if (filter.status === 'expired') q = q.where('accepted_at', 'is', null).where('revoked_at', 'is', null).where('expires_at', '<=', filter.time);
  if (filter.afterId) q = q.where('id', '>', filter.afterId);
  return q.orderBy('id').limit(limit).execute();
}

/** Revokes an invitation that is still pending at `time`; false when it no longer is (a concurrent acceptance or revocation won). */
export async function revokePendingInvitation(trx: Trx, id: string, time: string): Promise<boolean> {
  const r = await trx.updateTable('invitations').set({ revoked_at: time }).where('id', '=', id).where('accepted_at', 'is', null).where('revoked_at', 'is', null).where('expires_at', '>', time).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Marks a pending invitation accepted by `userId`; false when it no longer is pending (used, revoked or expired meanwhile). */
export async function acceptPendingInvitation(trx: Trx, id: string, userId: string, time: string): Promise<boolean> {
  const r = await trx
    .updateTable('invitations')
    .set({ accepted_at: time, accepted_user_id: userId })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', time)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function insertEmailToken(trx: Trx, row: EmailTokenRow): Promise<unknown> {
  return trx.insertInto('email_tokens').values(row).execute();
}

export function findEmailTokenByTokenHash(db: Reader, tokenHash: string): Promise<EmailTokenRow | undefined> {
  return db.selectFrom('email_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Spends one unused link; false when it was already used (a concurrent use won). */
export async function spendEmailToken(trx: Trx, id: string, time: string): Promise<boolean> {
  const r = await trx.updateTable('email_tokens').set({ used_at: time }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Spends every unused link of a user with one of `purposes`; returns how many. */
export async function spendEmailTokensByUserId(trx: Trx, userId: string, purposes: EmailTokenRow['purpose'][], time: string): Promise<number> {
  const r = await trx.updateTable('email_tokens').set({ used_at: time }).where('user_id', '=', userId).where('purpose', 'in', purposes).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}
